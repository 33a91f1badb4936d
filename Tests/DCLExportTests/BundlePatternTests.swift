// The manifest additions the compiler writes: `patterns` (how a bundle's models serve the
// script's patterns) and each model's `output_error` — written, read back, shown by `inspect`,
// and refused when they name models the bundle does not hold. Also `BundleModel`, which runs a
// model from a bundle alone.

import DCLGraph
import DCLTensor
import Foundation
import Testing
@testable import DCLExport

@Suite("bundle patterns, output errors and running models")
struct BundlePatternTests {
    private func withPattern(_ models: [String: String]) throws -> BundleDescription {
        var d = try sampleBundle()
        d.patterns = [BundleManifest.Pattern(kind: "plugin", name: "att", models: models,
                                             settings: ["memory": .number(16), "min_memory": .number(2), "attach": .text("features")])]
        d.models[0].outputError = QuantizationError(maxAbsError: 0.25, maxRelativeError: 0.5, rmsError: 0.125)
        return d
    }

    @Test func patternsAndOutputErrorsRoundTrip() throws {
        let (dir, url) = try writeSample(try withPattern(["head": "control", "features": "base.device"]))
        defer { try? FileManager.default.removeItem(at: dir) }
        let contents = try BundleReader().read(path: url.path)
        let p = try #require(contents.manifest.patterns?.first)
        #expect(p.models == ["head": "control", "features": "base.device"])
        #expect(p.settings["memory"] == .number(16) && p.settings["attach"] == .text("features"))
        #expect(contents.manifest.models[0].outputError?.maxAbsError == 0.25)
        let report = renderBundleReport(contents)
        #expect(report.contains("plugin 'att': features base.device, head control; attach features, memory 16, min_memory 2"))
        #expect(report.contains("control: outputs on a probe batch move by max abs 0.25"))
        // A bundle without patterns writes no `patterns` key at all.
        let (plainDir, plainURL) = try writeSample(try sampleBundle())
        defer { try? FileManager.default.removeItem(at: plainDir) }
        #expect(!String(decoding: try BundleReader().read(path: plainURL.path).manifestJSON, as: UTF8.self).contains("patterns"))
    }

    @Test func patternsMustNameModelsOfTheBundle() throws {
        expectExportError(.invalidArgument, "pattern 'att' names model 'ghost' (head)") {
            _ = try BundleWriter().manifest(for: try withPattern(["head": "ghost"]))
        }
        let bad = try rebuiltSample { try editManifest(&$0) { m in
            m["patterns"] = [["kind": "plugin", "name": "att", "models": ["head": "ghost"], "settings": [String: Any]()]]
        } }
        expectExportError(.manifest, "pattern 'att' names model 'ghost' as its head") { _ = try BundleReader().read(bytes: bad) }
    }

    @Test func bundleModelsRunFromTheBundleAlone() throws {
        // A graph whose text is the real IR, so the bundle can run it.
        let b = GraphBuilder()
        let x = try b.input("x", TensorType(.float32, [.symbol("N"), 3]))
        let w = try b.parameter("w", shape: [2, 3], initializer: .uniform(low: -1, high: 1))
        try b.output("y", try b.matmul(x, w, transposeB: true, activation: .relu))
        let g = try b.finish()
        let store = ParameterStore()
        try store.initialize(g, seed: 4)
        let model = try ModelDescription(name: "tiny", graph: g, weights: store.tensors, metrics: try ModelMetrics(measuring: g))
        let flops = try CostReport.make(g, bindings: ["N": 1]).totalFlops
        #expect(model.metrics.params == 6 && model.metrics.flopsPerSample == flops)
        let d = BundleDescription(name: "t", role: RoleDescription(name: "device", kind: .device), models: [model], dclVersion: "test")
        let (dir, url) = try writeSample(d, file: "t.dclb")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runner = try BundleReader().read(path: url.path).model(named: "tiny")
        let input = try Tensor(shape: [2, 3], floats: [1, -2, 0.5, 0, 3, -1])
        let got = try runner.run(["x": input])
        let want = try Executor(graph: g).run(inputs: ["x": input], store: store)["y"]!
        #expect(got.map(\.name) == ["y"] && got[0].tensor.bitwiseEqual(want))
        expectExportError(.invalidArgument, "input 'x' of 'tiny'", "expected f32[N, 3]") {
            _ = try runner.run(["x": try Tensor(shape: [2, 4], floats: [Float](repeating: 0, count: 8))])
        }
        expectExportError(.invalidArgument, "no model 'other'", "'tiny'") { _ = try BundleReader().read(path: url.path).model(named: "other") }
    }

    @Test func probeMeasuresWhatNarrowingDoesToOutputs() throws {
        let b = GraphBuilder()
        let ids = try b.input("ids", TensorType(.int32, [.symbol("N")]))
        let table = try b.parameter("table", shape: [5, 4], initializer: .uniform(low: -1, high: 1))
        try b.output("out", try b.gather(table, ids))
        let g = try b.finish()
        let store = ParameterStore()
        try store.initialize(g, seed: 9)
        #expect(try QuantizationProbe.outputError(g, weights: store.tensors, storage: .float32, channelAxes: [:]) == nil)
        let f16 = try #require(try QuantizationProbe.outputError(g, weights: store.tensors, storage: .float16, channelAxes: [:]))
        let int8 = try #require(try QuantizationProbe.outputError(g, weights: store.tensors, storage: .int8(perChannel: true), channelAxes: g.channelAxes()))
        #expect(f16.maxAbsError > 0 && f16.maxAbsError < int8.maxAbsError && int8.maxAbsError < 0.01)
        // Probe ids stay inside the table they index.
        let feeds = try QuantizationProbe.probeInputs(g, batch: 64, seed: 1)
        #expect(feeds["ids"]!.ints.allSatisfy { $0 >= 0 && $0 < 5 } && Set(feeds["ids"]!.ints).count > 1)
    }
}
