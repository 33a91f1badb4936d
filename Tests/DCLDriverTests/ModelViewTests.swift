// `dcl summary FILE MODEL` and `dcl graph FILE MODEL` take the names the REPL's `:summary` does
// (a model declaration named bare is the model its defaults build), and an unknown name is a
// script error with a hint (E0100, exit 1), not a run-time failure (exit 3).

import DCLCompiler
import DCLDiagnostics
import DCLSyntax
import Foundation
import Testing
@testable import DCLDriver

extension DriverTests {
    @Suite("summary and graph name models") struct ModelViews {
        static let script = """
        model small(classes: int = 4) {
          input x: [1, 6, 6]
          flatten |> linear(classes)
        }
        let net = small(3)
        """

        func scriptPath() throws -> String {
            try writeScript(Self.script, named: "views.dcl", in: try makeTemporaryDirectory("views"))
        }

        @Test func aModelDeclarationWithDefaultsIsSummarised() throws {
            let path = try scriptPath()
            #expect(runCommand(["summary", path, "small"]) == ExitStatus.ok)
            #expect(runCommand(["graph", path, "small"]) == ExitStatus.ok)
            #expect(runCommand(["summary", path, "net"]) == ExitStatus.ok)
        }

        @Test func anUnknownNameIsAScriptError() throws {
            let path = try scriptPath()
            #expect(runCommand(["summary", path, "nosuch"]) == ExitStatus.scriptErrors)
            #expect(runCommand(["graph", path, "nosuch"]) == ExitStatus.scriptErrors)
            #expect(runCommand(["graph", path, "nett.head"]) == ExitStatus.scriptErrors)
        }

        @Test func theUnknownNameDiagnosticSuggestsTheClosestName() throws {
            let checked = Pipeline.load(path: try scriptPath())
            let program = try #require(checked.program)
            let ev = Evaluator(program: program, hooks: CheckModeHooks(), seed: 0, checkMode: true)
            let env = ev.environment(of: program.main)
            for (i, item) in program.main.program.items.enumerated() { try ev.executeTopLevel(item, index: i, in: env) }
            let file = program.sources.add(path: "<model>", text: "smal(2)")
            let parsed = Parser.parse(file, diagnostics: DiagnosticEngine())
            guard case .expr(let e) = parsed.items.first?.kind else { Issue.record("not an expression"); return }
            let d = try #require(ModelExpressionNames.unknownName(in: e, module: program.main, environment: env))
            #expect(d.code == "E0100")
            #expect(d.message == "unknown name `smal`")
            #expect(d.hint == "did you mean `small`?")
            let known = Parser.parse(program.sources.add(path: "<model>", text: "net"), diagnostics: DiagnosticEngine())
            guard case .expr(let k) = known.items.first?.kind else { Issue.record("not an expression"); return }
            #expect(ModelExpressionNames.unknownName(in: k, module: program.main, environment: env) == nil)
        }
    }
}
