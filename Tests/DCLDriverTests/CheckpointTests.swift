// How trained weights reach bundles: `save BUNDLE to …` in a run writes a checkpoint keyed
// MODEL/PARAM; `dcl compile --weights` ships it; `dcl run --bundles` compiles at the end of
// the run. Both give the same bytes.

import DCLExport
import DCLGraph
import DCLTensor
import Foundation
import Testing
@testable import DCLDriver

extension DriverTests {
    @Suite("checkpoints") struct Checkpoints {
        @Test func runBundlesAndCompileWithWeightsAgree() throws {
            let dir = try makeTemporaryDirectory("checkpoint")
            defer { try? FileManager.default.removeItem(at: dir) }
            try Data(TestScripts.tinyCSV.utf8).write(to: dir.appendingPathComponent("tiny.csv"))
            let script = try writeScript(TestScripts.checkpoint, named: "ck.dcl", in: dir)
            let trained = dir.appendingPathComponent("trained"), fromCheckpoint = dir.appendingPathComponent("compiled")
            #expect(runCommand(["run", script, "--bundles", trained.path]) == 0)
            let checkpoint = dir.appendingPathComponent("ck.safetensors").path
            let keys = try ParameterStore.load(path: checkpoint).tensors.keys.sorted()
            #expect(keys == ["net/features.linear_1.bias", "net/features.linear_1.weight", "net/head.linear_1.bias", "net/head.linear_1.weight"])

            let r = compile(script, into: fromCheckpoint, weights: [checkpoint])
            #expect(r.status == 0, "\(r.text)")
            let a = try Data(contentsOf: trained.appendingPathComponent("b.dclb"))
            let b = try Data(contentsOf: fromCheckpoint.appendingPathComponent("b.dclb"))
            #expect(a == b, "run --bundles and compile --weights should write the same bundle")

            // Without --weights the bundle ships the seeded initial weights, not the trained ones.
            let initial = dir.appendingPathComponent("initial")
            #expect(compile(script, into: initial).status == 0)
            let w0 = try BundleReader().read(path: initial.appendingPathComponent("b.dclb").path).tensor(model: "net", parameter: "head.linear_1.weight")
            let w1 = try BundleReader().read(path: trained.appendingPathComponent("b.dclb").path).tensor(model: "net", parameter: "head.linear_1.weight")
            #expect(!w0.bitwiseEqual(w1))
            #expect(w1.bitwiseEqual(try ParameterStore.load(path: checkpoint).tensors["net/head.linear_1.weight"]!))
        }

        @Test func oneBundleCanBeCompiledFromItsOwnCheckpoint() throws {
            let dir = try makeTemporaryDirectory("checkpoint-select")
            defer { try? FileManager.default.removeItem(at: dir) }
            try Data(TestScripts.tinyCSV.utf8).write(to: dir.appendingPathComponent("tiny.csv"))
            // A second bundle whose model the checkpoint does not hold.
            let script = try writeScript(TestScripts.checkpoint + "\nlet other = mlp(shape: [4], hidden: [2], classes: 3)\nbundle c for device { models: [other] }\n",
                                         named: "ck.dcl", in: dir)
            #expect(runCommand(["run", script, "--bundles", dir.appendingPathComponent("trained").path]) == 0)
            let checkpoint = dir.appendingPathComponent("ck.safetensors").path
            let all = dir.appendingPathComponent("all"), one = dir.appendingPathComponent("one")
            #expect(runCommand(["compile", script, "-o", all.path, "--weights", checkpoint]) == 2, "bundle c is not covered")
            #expect(runCommand(["compile", script, "-o", one.path, "--weights", checkpoint, "--bundle", "b"]) == 0)
            #expect(listing(one) == ["b.dclb"])
            #expect(try Data(contentsOf: one.appendingPathComponent("b.dclb")) == Data(contentsOf: dir.appendingPathComponent("trained/b.dclb")))
            #expect(runCommand(["compile", script, "-o", one.path, "--bundle", "nope"]) == 2)
        }

        @Test func weightsMustCoverEveryShippedModel() throws {
            let dir = try makeTemporaryDirectory("checkpoint-missing")
            defer { try? FileManager.default.removeItem(at: dir) }
            try Data(TestScripts.tinyCSV.utf8).write(to: dir.appendingPathComponent("tiny.csv"))
            let script = try writeScript(TestScripts.checkpoint, named: "ck.dcl", in: dir)
            let partial = dir.appendingPathComponent("partial.safetensors").path
            try ParameterStore(tensors: ["other/w": try Tensor(shape: [1], floats: [1])]).save(path: partial)
            let r = compile(script, into: dir.appendingPathComponent("out"), weights: [partial])
            #expect(r.status == 2)
            #expect(r.text.contains("--weights has no weights for model `net`, which bundle `b` ships"), "\(r.text)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
        }

        @Test func loadingABundleCheckpointRestoresItsModels() throws {
            let dir = try makeTemporaryDirectory("checkpoint-load")
            defer { try? FileManager.default.removeItem(at: dir) }
            try Data(TestScripts.tinyCSV.utf8).write(to: dir.appendingPathComponent("tiny.csv"))
            let script = try writeScript(TestScripts.checkpoint, named: "ck.dcl", in: dir)
            #expect(runCommand(["run", script]) == 0)
            // A script that loads the checkpoint compiles the trained weights without --weights.
            let loading = TestScripts.checkpoint.replacingOccurrences(of: "save b to", with: "load b from")
            let r = compile(try writeScript(loading, named: "load.dcl", in: dir), into: dir.appendingPathComponent("out"))
            #expect(r.status == 0, "\(r.text)")
            let shipped = try BundleReader().read(path: dir.appendingPathComponent("out/b.dclb").path).tensor(model: "net", parameter: "head.linear_1.weight")
            #expect(shipped.bitwiseEqual(try ParameterStore.load(path: dir.appendingPathComponent("ck.safetensors").path).tensors["net/head.linear_1.weight"]!))
        }
    }
}
