// The `:commands`: one table (name, arguments, summary, handler) serves dispatch, `:help` and
// completion. A command may be abbreviated to any prefix that names only it (`:q`, `:sh`).

import DCLCompiler
import DCLDiagnostics
import DCLSema
import DCLSyntax
import Foundation

struct ReplCommand {
    let name: String
    let arguments: String
    let summary: String
    let run: (ReplSession, String) -> Bool
}

extension ReplSession {
    static let commands: [ReplCommand] = [
        ReplCommand(name: "help", arguments: "[NAME]", summary: "this list, or the documentation of a built-in or a definition",
                    run: { $0.help($1) }),
        ReplCommand(name: "load", arguments: "FILE", summary: "run a file in the session; its definitions join the session",
                    run: { s, a in s.withPath(a, "load") { s.load($0, command: "load") } }),
        ReplCommand(name: "reload", arguments: "", summary: "start over: clear the session and load its files again",
                    run: { s, _ in s.reloadCommand() }),
        ReplCommand(name: "type", arguments: "EXPR", summary: "the static type of an expression", run: { $0.typeCommand($1) }),
        ReplCommand(name: "shape", arguments: "MODEL", summary: "a model's inputs and output (per-sample shapes)",
                    run: { $0.shapeCommand($1) }),
        ReplCommand(name: "summary", arguments: "MODEL", summary: "per-layer output shapes, parameters, FLOPs and activations",
                    run: { $0.summaryCommand($1) }),
        ReplCommand(name: "graph", arguments: "MODEL [--dot FILE]", summary: "the model's graph as text, or as Graphviz DOT in FILE",
                    run: { $0.graphCommand($1) }),
        ReplCommand(name: "params", arguments: "MODEL", summary: "parameter names, shapes and counts", run: { $0.paramsCommand($1) }),
        ReplCommand(name: "env", arguments: "", summary: "what the session defines, with kinds", run: { s, _ in s.envCommand() }),
        ReplCommand(name: "time", arguments: "STATEMENT", summary: "run a statement and print how long it took",
                    run: { $0.timeCommand($1) }),
        ReplCommand(name: "save", arguments: "FILE", summary: "write the session's definitions as a formatted .dcl script",
                    run: { s, a in s.withPath(a, "save") { s.save(to: $0) } }),
        ReplCommand(name: "quit", arguments: "", summary: "leave the REPL (also Ctrl-D)", run: { s, _ in
            s.quitRequested = true
            return true
        }),
    ]

    /// The command a name or unique prefix stands for.
    static func command(named name: String) -> ReplCommand? {
        if let exact = commands.first(where: { $0.name == name }) { return exact }
        let matches = commands.filter { $0.name.hasPrefix(name) }
        return !name.isEmpty && matches.count == 1 ? matches[0] : nil
    }

    /// Runs `:name arguments`.
    func command(_ text: String) -> Bool {
        let body = text.dropFirst()
        let name = String(body.prefix { !$0.isWhitespace })
        let arguments = body.dropFirst(name.count).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let c = ReplSession.command(named: name) else {
            let ambiguous = ReplSession.commands.filter { $0.name.hasPrefix(name) }.map { "`:\($0.name)`" }
            errors(ambiguous.count > 1 ? "`:\(name)` could be \(ambiguous.joined(separator: ", "))"
                                       : "unknown command `:\(name)`; `:help` lists the commands")
            return false
        }
        return c.run(self, arguments)
    }

    /// Runs `body` with a path argument (quotes optional), or reports the usage.
    func withPath(_ argument: String, _ command: String, _ body: (String) -> Bool) -> Bool {
        let path = argument.trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
        guard !path.isEmpty else {
            errors("usage: :\(command) FILE")
            return false
        }
        return body(path)
    }

    func reloadCommand() -> Bool {
        guard !loadedFiles.isEmpty else {
            errors("nothing to reload: no file was loaded (`:load FILE`)")
            return false
        }
        let ok = reload()
        output("reloaded \(loadedFiles.map { "`\($0)`" }.joined(separator: ", ")); interactive definitions cleared")
        return ok
    }

    func typeCommand(_ text: String) -> Bool {
        guard !text.isEmpty else {
            errors("usage: :type EXPR")
            return false
        }
        guard let staged = stage(text, path: nil) else { return false }
        defer { unstage(staged) }
        guard staged.newItems.count == 1, case .expr(let e) = staged.newItems[0].kind else {
            errors("`:type` takes an expression, such as `net.features` or `lenet(10)`")
            return false
        }
        output("\(text.trimmingCharacters(in: .whitespacesAndNewlines)): \(staged.checker.type(of: e) ?? .any)")
        return true
    }

    func timeCommand(_ text: String) -> Bool {
        guard !text.isEmpty else {
            errors("usage: :time STATEMENT")
            return false
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let ok = runCode(text, path: nil)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        output(String(format: "time: %.3f s", seconds))
        return ok
    }
}
