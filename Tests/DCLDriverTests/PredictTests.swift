// `dcl predict` inputs and outputs: .npy and .csv inputs, named inputs for several, one .npy per
// output, atomic writes, and clear failures for a missing model or a mis-shaped input.

import DCLData
import DCLExport
import DCLTensor
import Foundation
import Testing
@testable import DCLDriver

extension DriverTests {
    @Suite("predict") struct PredictCommand {
        /// A bundle with a one-input model, a two-input model and a two-output index.
        private func fixture() throws -> (dir: URL, bundle: String) {
            let dir = try makeTemporaryDirectory("predict")
            let script = """
            import std.nn
            import std.rec
            let small = mlp(shape: [3], hidden: [4], classes: 2)
            let rec = logistic(users: 5, items: 7)
            role device[2] { }
            bundle b for device { models: [small, rec] }
            """
            let r = compile(try writeScript(script, named: "p.dcl", in: dir), into: dir)
            #expect(r.status == 0, "\(r.text)")
            return (dir, dir.appendingPathComponent("b.dclb").path)
        }

        @Test func csvAndNpyInputsGiveTheSameOutputs() throws {
            let (dir, bundle) = try fixture()
            defer { try? FileManager.default.removeItem(at: dir) }
            try Data("a,b,c\n0.5,1,-2\n3,0.25,1e-1\n".utf8).write(to: dir.appendingPathComponent("x.csv"))
            try NPY.write(try Tensor(shape: [2, 3], floats: [0.5, 1, -2, 3, 0.25, 0.1]), to: dir.appendingPathComponent("x.npy").path)
            let fromCSV = dir.appendingPathComponent("csv.npy").path, fromNPY = dir.appendingPathComponent("npy.npy").path
            #expect(runCommand(["predict", bundle, "--model", "small", "--input", dir.appendingPathComponent("x.csv").path, "--output", fromCSV]) == 0)
            #expect(runCommand(["predict", bundle, "--model", "small", "--input", dir.appendingPathComponent("x.npy").path, "--output", fromNPY]) == 0)
            let a = try NPY.read(fromCSV), b = try NPY.read(fromNPY)
            #expect(a.shape == [2, 2] && a.bitwiseEqual(b))
            #expect(listing(dir).allSatisfy { !$0.contains("tmp-") }, "temporary files left: \(listing(dir))")
        }

        @Test func namedInputsFeedSeveralInputIdsAsIntegers() throws {
            let (dir, bundle) = try fixture()
            defer { try? FileManager.default.removeItem(at: dir) }
            try Data("user\n0\n4\n2\n".utf8).write(to: dir.appendingPathComponent("u.csv"))
            try NPY.write(try Tensor(shape: [3], ints: [6, 0, 3]), to: dir.appendingPathComponent("i.npy").path)
            let out = dir.appendingPathComponent("y.npy").path
            #expect(runCommand(["predict", bundle, "--model", "rec", "--input", "user=\(dir.path)/u.csv", "--input", "item=\(dir.path)/i.npy",
                                "--output", out]) == 0)
            let contents = try BundleReader().read(path: bundle)
            let want = try contents.model(named: "rec").run(["user": try Tensor(shape: [3], ints: [0, 4, 2]), "item": try Tensor(shape: [3], ints: [6, 0, 3])])
            #expect(try NPY.read(out).bitwiseEqual(want[0].tensor))
            // Ids must be integers.
            try Data("user\n0.5\n".utf8).write(to: dir.appendingPathComponent("bad.csv"))
            #expect(runCommand(["predict", bundle, "--model", "rec", "--input", "user=\(dir.path)/bad.csv", "--input", "item=\(dir.path)/i.npy"]) == 2)
            // Several inputs must be named.
            #expect(runCommand(["predict", bundle, "--model", "rec", "--input", "\(dir.path)/u.csv"]) == 2)
        }

        @Test func failuresExitWithTheDocumentedStatus() throws {
            let (dir, bundle) = try fixture()
            defer { try? FileManager.default.removeItem(at: dir) }
            try NPY.write(try Tensor(shape: [2, 4], floats: [Float](repeating: 0, count: 8)), to: dir.appendingPathComponent("wide.npy").path)
            #expect(runCommand(["predict", bundle, "--model", "nope", "--input", "\(dir.path)/wide.npy"]) == 1)
            #expect(runCommand(["predict", bundle, "--model", "small", "--input", "\(dir.path)/wide.npy"]) == 2)
            #expect(runCommand(["predict", bundle, "--model", "small", "--input", "\(dir.path)/absent.npy"]) == 2)
            #expect(runCommand(["predict", "\(dir.path)/absent.dclb", "--model", "small", "--input", "\(dir.path)/wide.npy"]) == 2)
            // A damaged bundle is refused before anything runs.
            var bytes = try Data(contentsOf: URL(fileURLWithPath: bundle))
            bytes[bytes.count / 2] ^= 0xFF
            try bytes.write(to: dir.appendingPathComponent("damaged.dclb"))
            #expect(runCommand(["predict", "\(dir.path)/damaged.dclb", "--model", "small", "--input", "\(dir.path)/wide.npy"]) == 1)
        }

        @Test func severalOutputsWriteOneFileEach() throws {
            let dir = try makeTemporaryDirectory("outputs")
            defer { try? FileManager.default.removeItem(at: dir) }
            let results = [("scores", try Tensor(shape: [1, 2], floats: [0.5, 0.25])), ("positions", try Tensor(shape: [1, 2], ints: [1, 0]))]
            try PredictIO.write(results.map { (name: $0.0, tensor: $0.1) }, to: dir.appendingPathComponent("y.npy").path)
            #expect(listing(dir) == ["y.positions.npy", "y.scores.npy"])
            #expect(try NPY.read(dir.appendingPathComponent("y.positions.npy").path).ints == [1, 0])
            #expect(PredictIO.csv(results.map { (name: $0.0, tensor: $0.1) }) == "# scores f32[1, 2]\n0.5,0.25\n# positions i32[1, 2]\n1,0\n")
        }
    }
}
