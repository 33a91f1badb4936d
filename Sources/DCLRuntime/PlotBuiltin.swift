// `plot(series, to: "fig.svg", kind: …)`: script values to a `PlotSpec` (DCLPlot draws it), and
// the file written atomically. The path is taken relative to the working directory — or to
// `dcl run --out DIR` when given — and a relative path that climbs out of it (`../x.svg`) is
// refused, as `dcl predict --output` refuses names that would leave its directory; an absolute
// path is the user's explicit choice.

import DCLCompiler
import DCLDiagnostics
import DCLPlot
import DCLSema
import DCLTensor
import DCLText
import Foundation

enum PlotBuiltin {
    static func plot(_ a: BoundArguments, span: SourceSpan, evaluator ev: Evaluator, directory: String? = nil) throws -> DCLCompiler.Value {
        func at(_ name: String) -> SourceSpan { a.span(of: name) ?? span }
        let kindName = try ev.option(a["kind"], "kind", choices: Builtins.plotKinds, span: at("kind"))
        let kind = PlotKind(rawValue: kindName)!
        let requested = try ev.string(a["to"], "the figure's path", span: at("to"))
        guard let format = PlotFormat(path: requested) else {
            throw RuntimeError(RuntimeCode.value, "`plot` writes `.svg` or `.png` files, and \(describe(requested)) has neither extension",
                               at: at("to"))
        }
        var spec = PlotSpec(kind: kind, series: try series(a["series"], kind: kind, span: at("series"), evaluator: ev))
        switch a["x"] {
        case .none: break
        case .list(let xs) where kind == .bar:
            spec.categories = xs.map { $0.displayString }
        case .list(let xs) where kind == .line || kind == .scatter:
            let shared = try numbers(xs, what: "`x`", span: at("x"))
            for i in spec.series.indices where spec.series[i].x == nil { spec.series[i].x = shared }
        case .list:
            throw RuntimeError(RuntimeCode.value, "`x` applies to line, scatter and bar plots, not to a \(kindName) plot", at: at("x"))
        case let v:
            throw RuntimeError(RuntimeCode.type, "`x` must be a list, found \(v.kindName)", at: at("x"))
        }
        spec.title = try ev.string(a["title"], "the title", span: at("title"))
        spec.xLabel = try ev.string(a["x_label"], "`x_label`", span: at("x_label"))
        spec.yLabel = try ev.string(a["y_label"], "`y_label`", span: at("y_label"))
        spec.logX = try ev.bool(a["log_x"], "log_x", span: at("log_x"))
        spec.logY = try ev.bool(a["log_y"], "log_y", span: at("log_y"))
        spec.bins = try ev.int(a["bins"], "bins", span: at("bins"))
        spec.width = try ev.int(a["width"], "width", span: at("width"))
        spec.height = try ev.int(a["height"], "height", span: at("height"))
        let bytes: [UInt8]
        do { bytes = try PlotRenderer.render(spec, as: format) } catch let e as PlotError {
            throw RuntimeError(RuntimeCode.value, e.message, at: at(e.argument))
        }
        let path = try destination(requested, in: directory, span: at("to"))
        do { try writeAtomically(Data(bytes), to: path) } catch {
            throw RuntimeError(RuntimeCode.io, "cannot write the figure \(describe(requested)): \(error)", at: at("to"))
        }
        return .none
    }

    /// The series a `series` argument describes: a list of numbers is one unnamed series; a
    /// record gives one series per field, in order, each a list of numbers or (line, scatter)
    /// a record `{x: …, y: …}`.
    static func series(_ v: DCLCompiler.Value, kind: PlotKind, span: SourceSpan, evaluator ev: Evaluator) throws -> [PlotSeries] {
        switch v {
        case .list(let xs):
            if xs.contains(where: { if case .list = $0 { return true }; return false }) {
                throw RuntimeError(RuntimeCode.type, "a list of lists does not name its series; write a record, e.g. `{train: a, test: b}`", at: span)
            }
            return [PlotSeries(name: "", y: try numbers(xs, what: "the series", span: span))]
        case .record(let r):
            return try r.fields.map { name, field in
                let what = "series `\(name)`"
                switch field {
                case .list(let ys):
                    return PlotSeries(name: name, y: try numbers(ys, what: what, span: span))
                case .record(let xy) where kind == .line || kind == .scatter:
                    guard case .list(let xs)? = xy["x"], case .list(let ys)? = xy["y"], xy.count == 2 else {
                        throw RuntimeError(RuntimeCode.type, "\(what) must be a list of numbers or a record {x: […], y: […]}", at: span)
                    }
                    return PlotSeries(name: name, x: try numbers(xs, what: what, span: span), y: try numbers(ys, what: what, span: span))
                default:
                    throw RuntimeError(RuntimeCode.type, "\(what) must be a list of numbers, found \(field.kindName)", at: span)
                }
            }
        default:
            throw RuntimeError(RuntimeCode.type, "`plot` needs a list of numbers or a record of series, found \(v.kindName)", at: span)
        }
    }

    /// Numbers as doubles; NaN and infinities pass through for `PlotSpec.validate` to report
    /// with their series and index.
    static func numbers(_ xs: [DCLCompiler.Value], what: String, span: SourceSpan) throws -> [Double] {
        try xs.enumerated().map { i, x in
            guard let d = x.numeric else {
                throw RuntimeError(RuntimeCode.type, "\(what) must hold numbers, found \(x.kindName) at index \(i)", at: span)
            }
            return d
        }
    }

    /// The path to write: relative to `directory` (the working directory when nil) and inside
    /// it, or absolute. The relative path is resolved component by component (Foundation's
    /// `standardized` drops a leading `..` of a relative URL instead of climbing), and climbing
    /// above the directory at any point is refused.
    static func destination(_ requested: String, in directory: String? = nil, span: SourceSpan) throws -> String {
        if requested.hasPrefix("/") { return requested }
        var parts: [Substring] = []
        for c in requested.split(separator: "/") where c != "." {
            if c == ".." {
                guard !parts.isEmpty else {
                    throw RuntimeError(RuntimeCode.io, "the figure \(describe(requested)) would be written outside \(directory == nil ? "the working directory" : "the --out directory"); refusing",
                                       at: span)
                }
                parts.removeLast()
            } else {
                parts.append(c)
            }
        }
        var base = FileManager.default.currentDirectoryPath
        if let d = directory { base = d.hasPrefix("/") ? d : (base == "/" ? "" : base) + "/" + d }
        while base.count > 1, base.hasSuffix("/") { base.removeLast() }
        return (base == "/" ? "" : base) + "/" + parts.joined(separator: "/")
    }

    static func describe(_ path: String) -> String { "`" + escaped(path, QuoteStyle.message(limit: 80)) + "`" }
}
