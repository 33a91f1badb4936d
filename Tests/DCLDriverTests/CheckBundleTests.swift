// `dcl check` reports what `dcl compile` finds in bundles — placement and budgets — from the
// graphs alone: no weights created, no data read, nothing written.

import DCLCompiler
import DCLDiagnostics
import DCLRuntime
import Foundation
import Testing
@testable import DCLDriver

extension DriverTests {
    @Suite("check bundles") struct CheckBundles {
        /// The diagnostics `dcl check` gives for `path`, through the command's own stages.
        private func check(_ path: String) throws -> [Diagnostic] {
            let c = Pipeline.load(path: path)
            let program = try #require(c.program)
            if !c.diagnostics.hasErrors { Pipeline.checkShapes(program, diagnostics: c.diagnostics) }
            return c.diagnostics.diagnostics
        }

        private func storageNote(_ d: Diagnostic) -> String? { d.notes.first { $0.hasPrefix("storage") } }

        @Test func overBudgetIsReportedAsCompileReportsIt() throws {
            let dir = try makeTemporaryDirectory("check-budget")
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = try writeScript(TestScripts.overBudget, named: "over.dcl", in: dir)
            #expect(runCommand(["check", path]) == ExitStatus.scriptErrors)
            let checked = try check(path)
            #expect(checked.map(\.code) == ["E0406"], "\(checked.map(\.message))")
            let d = try #require(checked.first)
            let compiled = compile(path, into: dir.appendingPathComponent("out"))
            let c = try #require(compiled.diagnostics.first { $0.code == "E0406" }, "\(compiled.text)")
            // Same message, place, label and hint; params, FLOPs and memory are measured on the
            // same graphs, so those notes are the same too.
            var same = d
            same.notes = c.notes
            #expect(same == c)
            let exact = { (d: Diagnostic) in d.notes.filter { !$0.hasPrefix("storage") } }
            #expect(exact(d) == exact(c) && exact(d).count == 3)
            // Storage is the weights' stored bytes: over the limit already, and below the bundle's.
            let note = try #require(storageNote(d))
            #expect(note.contains("at least") && note.contains("over by at least") && note.contains("lower bound"), "\(note)")
            #expect(storageNote(c).map { !$0.contains("at least") } == true)
        }

        @Test func storageIsReportedOnlyWhenTheLowerBoundIsOver() throws {
            let dir = try makeTemporaryDirectory("check-storage")
            defer { try? FileManager.default.removeItem(at: dir) }
            // 64·256 + 256 + 256·10 + 10 = 19,210 parameters: 76,840 B as f32, about 19 KiB as int8.
            func script(_ quantize: String) -> String {
                """
                import std.nn

                let net = mlp(shape: [64], hidden: [256], classes: 10)
                role device[2] { budget { params: 1M, storage: 64KiB } }
                bundle phone for device { models: [net], quantize: \(quantize) }
                """
            }
            let f32 = try check(try writeScript(script("none"), named: "f32.dcl", in: dir))
            let d = try #require(f32.first { $0.code == "E0406" }, "\(f32.map(\.message))")
            #expect(d.message.hasSuffix("(storage)"))
            #expect(storageNote(d)?.contains("at least 75.0 KiB (76,840 B)") == true, "\(d.notes)")
            // As int8 the weights fit: the bound proves nothing, so check says nothing.
            let int8 = try check(try writeScript(script("int8"), named: "int8.dcl", in: dir))
            #expect(int8.filter { $0.severity == .error }.isEmpty, "\(int8.map(\.message))")
        }

        @Test func cloudOnlyModelInADeviceBundleIsAPlacementError() throws {
            let dir = try makeTemporaryDirectory("check-placement")
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = try writeScript(TestScripts.hiddenCloudModel, named: "hidden.dcl", in: dir)
            let checked = try check(path)
            let d = try #require(checked.first { $0.code == "E0401" }, "\(checked.map(\.message))")
            let compiled = compile(path, into: dir.appendingPathComponent("out"))
            #expect(compiled.diagnostics.contains(d), "check and compile give the same diagnostic: \(compiled.text)")
            #expect(runCommand(["check", path]) == ExitStatus.scriptErrors)
        }

        @Test func hugeModelIsMeasuredWithoutItsWeights() throws {
            let dir = try makeTemporaryDirectory("check-huge")
            defer { try? FileManager.default.removeItem(at: dir) }
            // 11 × (30,000 × 30,000 + 30,000) ≈ 10^10 parameters: 40 GB of float32 weights if
            // they existed (each layer stays under the engine's per-tensor limit).
            let path = try writeScript("""
                model big {
                  input x: [30000]
                  for i in 0..11 {
                    linear(30000)
                  }
                }
                role device[2] { budget { params: 1M, storage: 1GiB } }
                bundle phone for device { models: [big] }
                """, named: "big.dcl", in: dir)
            let checked = try check(path)
            let d = try #require(checked.first { $0.code == "E0406" }, "\(checked.map(\.message))")
            #expect(d.notes.first == "params ≤ 1,000,000 per model: `big` 9,900,330,000 (over by 9,899,330,000)")
            #expect(d.notes.last?.contains("at least 36.88 GiB (39,601,320,000 B)") == true, "\(d.notes)")
            // The same path with its evaluator kept: the model exists, its weights do not.
            let c = Pipeline.load(path: path)
            let ev = Evaluator(program: try #require(c.program), hooks: CheckModeHooks(), seed: 0, checkMode: true)
            try CompileMode.run(ev)
            #expect(BundleCheck.diagnostics(ev).map(\.code) == ["E0406"])
            guard case .model(let big) = try ev.lookup("big", in: ev.environment(of: ev.program.main), span: .none) else {
                Issue.record("`big` is not a model"); return
            }
            #expect(big.weights.tensors.isEmpty)
            let bundle = try CompileMode.bundles(ev)[0]
            let plan = try BundlePlan.make(bundle, evaluator: ev, contents: .graphs)
            #expect(plan.models.map(\.name) == ["big"] && plan.models[0].weights.isEmpty)
            #expect(plan.models[0].graph.parameters.filter { $0.shape == [30000, 30000] }.count == 11)
        }

        @Test func bundlesThatNeedDataAreLeftToCompile() throws {
            let dir = try makeTemporaryDirectory("check-data")
            defer { try? FileManager.default.removeItem(at: dir) }
            // The model's classes come from a file check mode does not read.
            let path = try writeScript("""
                import std.nn

                let d = csv("missing.csv", label: "label", shape: [4])
                let net = mlp(shape: [4], hidden: [8], classes: d.classes)
                role device[2] { budget { params: 1 } }
                bundle b for device { models: [net] }
                """, named: "data.dcl", in: dir)
            let checked = try check(path)
            #expect(!checked.contains { $0.code == "E0406" || $0.severity == .error }, "\(checked.map(\.message))")
        }
    }
}
