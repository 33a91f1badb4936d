// How values print: `print`, `str`, string interpolation with format specs, and `table`.

import DCLDiagnostics
import DCLGraph
import DCLTensor
import Foundation

/// Text built up to a byte limit. Lists can share structure (`x = [x, x]` doubles the printed
/// size at each step for no memory), so rendering stops at the limit instead of exhausting memory.
struct BoundedText {
    var text = ""
    let limit: Int
    var truncated = false

    init(limit: Int) { self.limit = limit }

    mutating func append(_ s: String) {
        guard !truncated else { return }
        if text.utf8.count + s.utf8.count > limit { truncated = true } else { text += s }
    }
}

extension Value {
    /// The text `print` and `str` show (cut with `…` past `ResourceLimits.maxStringBytes`;
    /// `print` and `str` report that as an error instead, see `Evaluator.displayChecked`).
    public var displayString: String {
        var out = BoundedText(limit: ResourceLimits.current.maxStringBytes)
        write(to: &out, quoted: false)
        return out.truncated ? out.text + "…" : out.text
    }

    func display(quoted: Bool) -> String {
        var out = BoundedText(limit: ResourceLimits.current.maxStringBytes)
        write(to: &out, quoted: quoted)
        return out.truncated ? out.text + "…" : out.text
    }

    /// Appends the display text; lists and records stop as soon as `out` is full.
    func write(to out: inout BoundedText, quoted: Bool) {
        switch self {
        case .list(let xs):
            out.append("[")
            for (i, x) in xs.enumerated() {
                if out.truncated { return }
                if i > 0 { out.append(", ") }
                x.write(to: &out, quoted: true)
            }
            out.append("]")
        case .record(let r):
            out.append("{")
            for (i, (k, v)) in r.fields.enumerated() {
                if out.truncated { return }
                if i > 0 { out.append(", ") }
                out.append("\(k): ")
                v.write(to: &out, quoted: true)
            }
            out.append("}")
        default:
            out.append(scalarDisplay(quoted: quoted))
        }
    }

    private func scalarDisplay(quoted: Bool) -> String {
        switch self {
        case .unknown: return "<unknown>"
        case .int(let i): return String(i)
        case .float(let f): return formatFloat(f)
        case .bool(let b): return b ? "true" : "false"
        // Not DCLText's quoter: this is program output (a string inside a printed list or
        // record), which escapes only the quote and must print as it always has.
        case .string(let s): return quoted ? "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : s
        case .bytes(let b): return formatBytes(b)
        case .none: return "none"
        case .list, .record: return display(quoted: quoted)
        case .range(let a, let b): return "\(a)..\(b)"
        case .tensor(let t): return "tensor \(t.typeDescription)"
        case .layer(let l): return "layer \(l.name)"
        case .model(let m): return m.summaryLine
        case .constructor(let c): return (c.isBlock ? "block " : "model ") + c.name
        case .function(let f): return "fn \(f.name)"
        case .dataset(let d): return d.dataset.description
        case .clients(let c): return "clients(\(c.federated.count), \(c.federated.scheme), \(c.part.rawValue))"
        case .client(let c): return "client \(c.index) (train \(c.data.train.count), test \(c.data.test.count))"
        case .split(let s): return "split \(s.name): cloud \(s.cloud.summaryLine) + device \(s.device.summaryLine)"
        case .distill(let d): return "distill \(d.name): \(d.teacher.name) -> \(d.student.name) (\(d.loss.rawValue))"
        case .plugin(let p): return "plugin \(p.name) on \(p.backbone.name) (memory \(p.memory))"
        case .retrieval(let r): return "retrieval \(r.name) (coarse \(r.coarse.name), fine \(r.fine?.name ?? "none"))"
        case .role(let r): return "role \(r.name)" + (r.count.map { "[\($0)]" } ?? "")
        case .bundle(let b): return "bundle \(b.name) for \(b.role.name)"
        case .optimizer(let o): return "\(o)"
        case .schedule(let s): return "\(s)"
        case .partitioner(let p): return p.description
        case .metrics(let m): return m.displayString
        case .strategy(let s): return "strategy \(s.name)"
        case .option(let o): return o
        case .module(let m): return "module \(m.name)"
        }
    }
}

/// Shortest round-tripping decimal, with `.0` for whole numbers (`3.0`, `0.1`, `1e-05`).
func formatFloat(_ f: Double) -> String {
    if f.isNaN { return "nan" }
    if f.isInfinite { return f < 0 ? "-inf" : "inf" }
    return "\(f)"
}

extension MetricsValue {
    public var displayString: String {
        var parts = values.map { name, v in
            name == "count" ? "\(name) \(Int(v))" : "\(name) \(String(format: "%.4f", v))"
        }
        if !clients.isEmpty {
            parts.append("(mean over \(clients.count) clients" + (std.isEmpty ? ")" : ", std " +
                std.map { "\($0.0) \(String(format: "%.4f", $0.1))" }.joined(separator: " ") + ")"))
        }
        return parts.joined(separator: "  ")
    }
}

extension Evaluator {
    public func display(_ v: Value) throws -> String { v.displayString }

    /// The display text, or E0507 if it is over `ResourceLimits.maxStringBytes`.
    func displayChecked(_ v: Value, span: SourceSpan) throws -> String {
        var out = BoundedText(limit: ResourceLimits.current.maxStringBytes)
        v.write(to: &out, quoted: false)
        if out.truncated {
            throw RuntimeError(RuntimeCode.limit, "the text of this \(v.kindName) is over the limit of \(ResourceLimits.describe(bytes: out.limit)) (DCL_MAX_STRING_BYTES)", at: span)
        }
        return out.text
    }

    /// Applies a format spec `[<>^][width][.precision][f e % d s]` to a value.
    func format(_ v: Value, spec: String?, span: SourceSpan) throws -> String {
        guard let spec = spec, !spec.isEmpty else { return try displayChecked(v, span: span) }
        var chars = Substring(spec)
        var align: Character?
        if let c = chars.first, "<>^".contains(c) { align = c; chars = chars.dropFirst() }
        var widthText = ""
        while let c = chars.first, c.isNumber { widthText.append(c); chars = chars.dropFirst() }
        // Width and precision size the output (`{x:.1000000000f}` asked for a 1 GB string):
        // checked before the value, so `dcl check` (where most values are unknown) reports it.
        var width: Int?
        if !widthText.isEmpty {
            let w = Int(widthText) ?? .max
            try checkFormatWidth(w, "the width in `\(spec)`", at: span)
            width = w
        }
        var precision: Int?
        if chars.first == "." {
            chars = chars.dropFirst()
            var p = ""
            while let c = chars.first, c.isNumber { p.append(c); chars = chars.dropFirst() }
            guard !p.isEmpty else { throw RuntimeError(RuntimeCode.value, "bad format spec `\(spec)`", at: span) }
            let pi = Int(p) ?? .max
            try checkFormatWidth(pi, "the precision in `\(spec)`", at: span)
            precision = pi
        }
        let type = chars.first
        if chars.count > 1 { throw RuntimeError(RuntimeCode.value, "bad format spec `\(spec)`", at: span) }
        if v.isUnknown { return v.displayString }
        var body: String
        switch type {
        case "f"?, "e"?, "%"?:
            guard var d = v.numeric else {
                throw RuntimeError(RuntimeCode.type, "format `\(spec)` needs a number, found \(v.kindName)", at: span)
            }
            let p = precision ?? 6
            if type == "%" { d *= 100 }
            body = FloatFormatting.format(d, precision: p, exponent: type == "e") + (type == "%" ? "%" : "")
        case "d"?:
            if case .int(let i) = v { body = String(i) } else {
                guard let d = v.numeric else { throw RuntimeError(RuntimeCode.type, "format `d` needs a number", at: span) }
                body = String(try integer(d, rounding: .towardZero, "the format `d`", at: span))
            }
        case "s"?, nil:
            if let p = precision, let d = v.numeric, type == nil, case .float = v {
                body = FloatFormatting.format(d, precision: p, exponent: false)
            } else {
                body = try displayChecked(v, span: span)
                if let p = precision, type == "s" { body = String(body.prefix(p)) }
            }
        default:
            throw RuntimeError(RuntimeCode.value, "unknown format type `\(type!)` in `\(spec)`", at: span)
        }
        if let w = width, body.count < w {
            let pad = w - body.count
            let numericRight = v.numeric != nil && align == nil
            switch align ?? (numericRight ? ">" : "<") {
            case ">": body = String(repeating: " ", count: pad) + body
            case "^": body = String(repeating: " ", count: pad / 2) + body + String(repeating: " ", count: pad - pad / 2)
            default: body += String(repeating: " ", count: pad)
            }
        }
        return body
    }

    /// Throws E0507 when a format width, precision or `digits` is over
    /// `ResourceLimits.maxFormatWidth`.
    func checkFormatWidth(_ n: Int, _ what: String, at span: SourceSpan) throws {
        let limit = ResourceLimits.current.maxFormatWidth
        guard n <= limit else {
            throw RuntimeError(RuntimeCode.limit, "\(what) is over the limit of \(limit)", at: span,
                               hint: n == .max ? nil : "format widths and precisions are at most \(limit)")
        }
    }

    /// A fixed-width text table; rows are records (keyed by column) or lists (by position).
    func table(rows: [Value], columns: [String]?, title: String?, digits: Int, span: SourceSpan) throws -> String {
        var cols = columns ?? []
        if cols.isEmpty {
            for r in rows {
                if case .record(let rec) = r { for k in rec.keys where !cols.contains(k) { cols.append(k) } }
            }
        }
        var values: [[Value?]] = []
        for r in rows {
            switch r {
            case .record(let rec):
                values.append(cols.map { rec[$0] })
            case .list(let xs):
                if cols.isEmpty { cols = (0..<xs.count).map { "c\($0)" } }
                values.append(xs)
            default:
                throw RuntimeError(RuntimeCode.type, "a table row must be a record or a list, found \(r.kindName)", at: span)
            }
        }
        let text = TextTable.render(title: title, header: cols, cells: values.map { $0.map { $0.map { cell($0, digits) } ?? "" } })
        if let observer = runObserver {
            let n = max(cols.count, values.map(\.count).max() ?? 0)
            observer.tableBuilt(BuiltTable(title: title, columns: (0..<n).map { $0 < cols.count ? cols[$0] : "" },
                                           rows: values.map { row in (0..<n).map { $0 < row.count ? row[$0] : nil } },
                                           digits: digits, text: text))
        }
        return text
    }

    private func cell(_ v: Value, _ digits: Int) -> String {
        if case .float(let f) = v { return String(format: "%.\(digits)f", f) }
        return v.displayString
    }
}
