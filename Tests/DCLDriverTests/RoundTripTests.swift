// compile → `dcl predict` gives outputs bit-identical to the interpreter's for the same weights
// and input: the bundle's graph text parses back to the graph the interpreter runs, and its
// weights are the model's, byte for byte.

import DCLCompiler
import DCLData
import DCLExport
import DCLGraph
import DCLTensor
import Foundation
import Testing
@testable import DCLDriver
@testable import DCLRuntime

extension DriverTests {
    @Suite("round trip") struct RoundTrip {
        /// The interpreter's output of `m` (its `InferenceRunner`, as `evaluate` uses).
        private func interpreter(_ m: ModelInstance, _ feeds: [String: Tensor]) throws -> Tensor {
            try InferenceRunner(m, options: ExecutionOptions(pool: .shared)).run(feeds, span: .none)
        }

        /// `dcl predict` on the CLI: inputs written as .npy, the output read back.
        private func predict(_ bundle: URL, _ model: String, _ feeds: [String: Tensor], in dir: URL) throws -> Tensor {
            var args = ["predict", bundle.path, "--model", model]
            for (name, t) in feeds.sorted(by: { $0.key < $1.key }) {
                let path = dir.appendingPathComponent("\(model).\(name).npy").path
                try NPY.write(t, to: path)
                args += ["--input", feeds.count == 1 ? path : "\(name)=\(path)"]
            }
            let out = dir.appendingPathComponent("\(model).out.npy").path
            args += ["--output", out]
            #expect(runCommand(args) == 0, "dcl \(args.joined(separator: " ")) failed")
            return try NPY.read(out)
        }

        private func probe(_ m: ModelInstance, batch: Int = 5, seed: UInt64 = 3) throws -> [String: Tensor] {
            try QuantizationProbe.probeInputs(try m.forward(training: false), batch: batch, seed: seed)
        }

        @Test func predictIsBitIdenticalToTheInterpreter() throws {
            let dir = try makeTemporaryDirectory("roundtrip")
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = compile(try writeScript(TestScripts.roundTrip, named: "rt.dcl", in: dir), into: dir, seed: 11)
            #expect(r.status == 0, "\(r.text)")
            let ev = try #require(r.evaluator)
            let phone = dir.appendingPathComponent("phone.dclb"), server = dir.appendingPathComponent("server.dclb")
            func model(_ name: String) throws -> ModelInstance { try #require(try ev.asModel(try value(name, in: r), span: .none)) }
            guard case .plugin(let att) = try value("att", in: r), case .split(let split) = try value("base", in: r) else {
                Issue.record("att or base has the wrong kind")
                return
            }
            let fused = try #require(try ev.asModel(.split(split), span: .none))
            let features = try att.backbone.view("features", span: .none)
            let cases: [(URL, String, ModelInstance)] = [
                (phone, "net", try model("net")), (phone, "rec", try model("rec")),
                (phone, "att.features", features), (phone, "att.head", att.module),
                (server, "base", fused), (server, "base.cloud", split.cloud), (server, "res", try model("res")),
            ]
            for (bundle, name, m) in cases {
                let feeds = try probe(m)
                let want = try interpreter(m, feeds)
                let got = try predict(bundle, name, feeds, in: dir)
                #expect(got.shape == want.shape && got.bitwiseEqual(want), "\(name): dcl predict differs from the interpreter")
            }
            // The cold-start head after the features model is the backbone itself.
            let x = try probe(try model("net"))
            let viaBundle = try predict(phone, "att.fallback", ["features": try interpreter(features, x)], in: dir)
            #expect(viaBundle.bitwiseEqual(try interpreter(try model("net"), x)))
        }

        @Test func graphTextParsesBackToTheSameGraph() throws {
            let dir = try makeTemporaryDirectory("graphtext")
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = compile(try writeScript(TestScripts.roundTrip, named: "rt.dcl", in: dir), into: dir)
            #expect(r.status == 0, "\(r.text)")
            let contents = try BundleReader().read(path: dir.appendingPathComponent("server.dclb").path)
            for m in contents.manifest.models {
                let text = try contents.graphText(of: m.name)
                #expect(GraphPrinter.print(try GraphParser.parse(text)) == text, "\(m.name): print ∘ parse is not the identity")
                #expect(!text.contains("\"m1") && !text.contains("@\"m"), "\(m.name): instance ids leaked into the graph text")
            }
        }
    }
}
