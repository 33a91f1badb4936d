// Looking at models: `:shape`, `:summary`, `:graph` and `:params`. The argument is any model
// expression. A name or member path (`net`, `base.cloud`) is the session's own instance; anything
// else (`lenet(10)`, a model declaration named bare) is elaborated without weights, so looking
// never draws weights, trains or reads data, and never changes the session.

import DCLCompiler
import DCLDiagnostics
import DCLGraph
import DCLSema
import DCLSyntax
import Foundation

extension ReplSession {
    /// The model an inspection command's argument stands for; reports and returns nil otherwise.
    func inspectedModel(_ text: String, command: String) -> ModelInstance? {
        guard !text.isEmpty else {
            errors("usage: :\(command) MODEL")
            return nil
        }
        guard let staged = stage(text, path: nil) else { return nil }
        defer { unstage(staged) }
        guard staged.newItems.count == 1, case .expr(let e) = staged.newItems[0].kind else {
            errors("`:\(command)` takes an expression naming a model, such as `net` or `lenet(10)`")
            return nil
        }
        do {
            let ev = ReplSession.isPath(e) ? state.evaluator : checkModeEvaluator()
            var value = try ev.evaluate(e, in: ev.environment(of: state.module))
            if case .constructor(let c) = value, let md = c.model {
                // A parameterised model declaration: its defaults, elaborated without weights.
                let checkEv = ev.checkMode ? ev : checkModeEvaluator()
                value = try checkEv.elaborator.constructDefault(md, in: c.module, span: e.span)
            }
            guard let m = try ev.asModel(value, span: e.span) else {
                errors("`:\(command)` expected a model, found \(value.kindName)")
                return nil
            }
            return m
        } catch {
            reportRunFailure(error)
            return nil
        }
    }

    /// A name or a chain of member accesses: evaluating it only reads what the session holds.
    static func isPath(_ e: Expr) -> Bool {
        switch e.kind {
        case .name: return true
        case .member(let base, _): return isPath(base)
        case .paren(let inner): return isPath(inner)
        default: return false
        }
    }

    func shapeCommand(_ text: String) -> Bool {
        guard let m = inspectedModel(text, command: "shape") else { return false }
        var lines = ["model \(m.name)"]
        let width = m.inputs.map(\.name.count).max() ?? 0
        for i in m.inputs {
            lines.append("  input  \(i.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(i.dtype.rawValue)\(shape(i.shape))")
        }
        lines.append("  output \(String(repeating: " ", count: width))  \(shape(m.outputShape))")
        lines.append("(per sample; the batch dimension is implicit)")
        output(lines.joined(separator: "\n"))
        return true
    }

    func summaryCommand(_ text: String) -> Bool {
        guard let m = inspectedModel(text, command: "summary") else { return false }
        do {
            let report = try m.cost(batch: 1)
            output("model \(m.name): inputs \(m.inputDescription) → \(m.outputDescription), batch 1\n" + report.table
                   + "\n(FLOPs count a multiply-add as 2)")
            return true
        } catch {
            reportCommandFailure(error, command: "summary", model: m)
            return false
        }
    }

    func graphCommand(_ text: String) -> Bool {
        var expression = text, dotPath: String?
        if let r = text.range(of: "--dot") {
            expression = String(text[..<r.lowerBound]).trimmingCharacters(in: .whitespaces)
            dotPath = String(text[r.upperBound...]).trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
            if expression.isEmpty || dotPath?.isEmpty ?? true {
                errors("usage: :graph MODEL --dot FILE (the model first, then the DOT file to write)")
                return false
            }
        }
        guard let m = inspectedModel(expression, command: "graph") else { return false }
        let g: Graph
        do { g = try m.forward(training: false) } catch {
            reportCommandFailure(error, command: "graph", model: m)
            return false
        }
        guard let path = dotPath else {
            output(GraphPrinter.print(g).trimmingCharacters(in: .newlines))
            return true
        }
        do {
            try ReplFiles.write(Data(DotWriter.render(g, title: m.name).utf8), to: path, example: "\(m.name).dot")
        } catch {
            errors(":graph: \(ReplFiles.describe(error))")
            return false
        }
        output("wrote `\(path)`")
        return true
    }

    func paramsCommand(_ text: String) -> Bool {
        guard let m = inspectedModel(text, command: "params") else { return false }
        let g: Graph
        do { g = try m.forward(training: false) } catch {
            reportCommandFailure(error, command: "params", model: m)
            return false
        }
        let rows = g.parameters.map { p -> [String] in
            let trained = p.trainable && (m.trainableSubset?.contains(p.name) ?? true)
            return [p.name, shape(p.shape), grouped(p.shape.reduce(1, *)), trained ? "" : (p.trainable ? "frozen" : "state")]
        }
        guard !rows.isEmpty else {
            output("model \(m.name) has no parameters")
            return true
        }
        let header = ["name", "shape", "count", ""]
        var widths = header.map(\.count)
        for r in rows { for (k, cell) in r.enumerated() { widths[k] = max(widths[k], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { k, c in
                k == 2 ? String(repeating: " ", count: widths[k] - c.count) + c : c.padding(toLength: widths[k], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        let total = g.parameters.reduce(0) { $0 + $1.shape.reduce(1, *) }
        var lines = [line(header)] + rows.map(line)
        lines.append("\(grouped(m.parameterCount)) trainable of \(grouped(total)) stored in \(rows.count) tensors")
        output(lines.joined(separator: "\n"))
        return true
    }

    /// A model that could not be built or costed: a run-time error as its diagnostic, anything
    /// else as one line naming the command and the model.
    private func reportCommandFailure(_ error: Error, command: String, model: ModelInstance) {
        if error is RuntimeError || error is Interrupted {
            reportRunFailure(error)
        } else {
            errors(":\(command): cannot build the graph of model \(model.name): \(ReplFiles.describe(error))")
        }
    }

    private func shape(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}

/// `61,706`.
func grouped(_ n: Int) -> String {
    let digits = Array(String(abs(n)))
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}
