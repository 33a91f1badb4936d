// Writing and reading bundles: round trips at every weight storage, determinism, budgets,
// atomic replacement, description checks, and the cross-check with Python's zipfile, hashlib,
// safetensors and onnx.

import DCLTestScratch
import Foundation
import Testing
import DCLTensor
@testable import DCLExport

@Suite("bundle write and read", .ownThreads)
struct BundleTests {
    @Test(arguments: [WeightStorage.float32, .float16, .int8(perChannel: true), .int8(perChannel: false)])
    func roundTrip(storage: WeightStorage) throws {
        let description = try sampleBundle(storage: storage)
        let (dir, url) = try writeSample(description)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundle = try BundleReader().read(path: url.path)
        let m = bundle.manifest

        #expect(m.format == "dcl-bundle" && m.formatVersion == 1 && m.dclVersion == "0.1.0-test")
        #expect(m.bundle == "phone" && m.role == BundleManifest.Role(name: "device", kind: .device))
        #expect(m.weights.storage == storage.name)
        #expect(m.models.map(\.name) == ["control", "base.device"])
        #expect(m.models[0].inputs == [BundleManifest.Signature(name: "x", shape: [.symbol("N"), .fixed(4)], dtype: "f32")])
        #expect(m.models[1].inputs[0].dtype == "i32")
        #expect(m.models[0].onnx == "control.onnx" && m.models[1].onnx == nil)
        #expect(m.models[0].params == 67 && m.models[0].flopsPerSample == 112 && m.models[1].peakMemoryBytes == 400)
        #expect(bundle.archiveEntries.map(\.name) == ["manifest.json", "weights.safetensors", "control.graph", "control.onnx", "base.device.graph"])
        #expect(m.entries.map(\.name) == Array(bundle.archiveEntries.map(\.name).dropFirst()))

        // Weights come back as stored: exact for f32 and int32, within the quantisation bound otherwise.
        for model in description.models {
            for p in model.parameters {
                let back = try bundle.tensor(model: model.name, parameter: p.name)
                #expect(back.shape == p.tensor.shape)
                let expected = try StoredWeight(name: p.name, tensor: p.tensor, storage: storage, channelAxis: p.channelAxis).restored()
                #expect(back.bitwiseEqual(expected), "\(model.name)/\(p.name)")
                if storage == .float32 || p.tensor.dtype == .int32 { #expect(back.bitwiseEqual(p.tensor)) }
            }
        }
        let stored = m.models[0].tensors.first { $0.name == "fc1.weight" }!
        switch storage {
        case .float32: #expect(stored.stored == "F32" && stored.error == nil && m.models[0].quantizationError == nil)
        case .float16: #expect(stored.stored == "F16" && stored.error!.maxAbsError > 0)
        case .int8(let perChannel):
            #expect(stored.stored == "I8" && stored.scaleKey == "control/fc1.weight_scale")
            #expect(stored.axis == (perChannel ? 0 : nil))
            #expect(m.weights.int8Granularity == (perChannel ? "per_channel" : "per_tensor"))
            #expect(m.models[0].quantizationError!.maxRelativeError <= 0.5 / 127 * 1.001)
            // Biases stay float32.
            #expect(m.models[0].tensors.first { $0.name == "fc1.bias" }!.stored == "F32")
        }
        #expect(try bundle.graphText(of: "control") == description.models[0].graphText)
        #expect(try bundle.onnxModel(of: "control").serializedBytes() == description.models[0].onnx)
        expectExportError(.missingEntry, "without an ONNX file") { _ = try bundle.onnxModel(of: "base.device") }
    }

    @Test func writingIsDeterministic() throws {
        let a = try sampleBundleBytes(storage: .int8(perChannel: true))
        let b = try sampleBundleBytes(storage: .int8(perChannel: true))
        #expect(a == b)
        #expect(try sampleBundleBytes() != a)
    }

    @Test func budgetLimitsAreMeasuredAndJudged() throws {
        let m = try BundleWriter().manifest(for: try sampleBundle())
        let byMetric = Dictionary(uniqueKeysWithValues: m.budget.limits.map { ($0.metric, $0) })
        #expect(byMetric[.params]!.measured == 67 && byMetric[.params]!.met)
        #expect(byMetric[.flops]!.measured == 112 && !byMetric[.flops]!.met)     // over the 50-FLOP limit
        #expect(byMetric[.memory]!.measured == 400)
        #expect(byMetric[.storage]!.measured == m.entries.reduce(0) { $0 + $1.bytes })
        #expect(!m.budget.met)
        let overridden = try BundleWriter().manifest(for: try sampleBundle(budget: [BudgetLimit(.flops, limit: 50, measured: 10)]))
        #expect(overridden.budget.met && overridden.budget.limits[0].measured == 10)
        expectExportError(.invalidArgument, "budget 'params' is given twice") {
            _ = try BundleWriter().manifest(for: try sampleBundle(budget: [BudgetLimit(.params, limit: 1), BudgetLimit(.params, limit: 2)]))
        }
    }

    @Test func aFailedWriteLeavesTheOldBundleAndNoTemporaryFile() throws {
        let (dir, url) = try writeSample(try sampleBundle())
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try Data(contentsOf: url)

        struct Injected: Error {}
        var writer = BundleWriter()
        writer.beforeEntry = { name in if name == "control.onnx" { throw Injected() } }
        #expect(throws: Injected.self) { try writer.write(try sampleBundle(storage: .float16), to: url) }

        #expect(try Data(contentsOf: url) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["phone.dclb"])
        _ = try BundleReader().read(path: url.path)

        // Without the failure, the same write replaces the bundle.
        try BundleWriter().write(try sampleBundle(storage: .float16), to: url)
        #expect(try BundleReader().read(path: url.path).manifest.weights.storage == "f16")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["phone.dclb"])
    }

    @Test func writerRefusesADirectoryDestinationAndCreatesMissingDirectories() throws {
        let dir = try makeTemporaryDirectory("bundle")
        defer { try? FileManager.default.removeItem(at: dir) }
        expectExportError(.io, "is a directory") { try BundleWriter().write(try sampleBundle(), to: dir) }
        let nested = dir.appendingPathComponent("out/bundles/phone.dclb")
        try BundleWriter().write(try sampleBundle(), to: nested)
        #expect(FileManager.default.fileExists(atPath: nested.path))
    }

    @Test func invalidDescriptionsAreRefused() throws {
        for bad in ["../x", "a/b", "", ".hidden", "-x", "a\\b", "a:b", "x\u{0}"] {
            var d = try sampleBundle()
            d.models[1].name = bad
            expectExportError(.invalidArgument, "cannot name a bundle entry") { _ = try BundleWriter().manifest(for: d) }
        }
        var twice = try sampleBundle()
        twice.models[1].name = "control"
        expectExportError(.invalidArgument, "'control' appears twice") { _ = try BundleWriter().manifest(for: twice) }
        var dupParam = try sampleBundle()
        dupParam.models[1].parameters.append(dupParam.models[1].parameters[0])
        expectExportError(.invalidArgument, "parameter 'embedding' twice") { _ = try BundleWriter().manifest(for: dupParam) }
        var dupIO = try sampleBundle()
        dupIO.models[1].outputs[0].name = "ids"
        expectExportError(.invalidArgument, "'ids' twice") { _ = try BundleWriter().manifest(for: dupIO) }
    }

    @Test func onnxMustMatchTheDescription() throws {
        // ONNX built for f32 weights in an int8 bundle: the initialisers disagree.
        var d = try sampleBundle(storage: .int8(perChannel: true))
        d.models[0].onnx = try controlModel(storage: .float32).onnx
        expectExportError(.invalidArgument, "model 'control'", "'fc1.weight_quantized'") { _ = try BundleWriter().manifest(for: d) }
        // Different weights, same storage.
        var e = try sampleBundle()
        e.models[0].parameters[0].tensor = try randomTensor([8, 4], seed: 77)
        expectExportError(.invalidArgument, "'fc1.weight' does not hold") { _ = try BundleWriter().manifest(for: e) }
        // Outputs renamed.
        var f = try sampleBundle()
        f.models[0].outputs[0].name = "scores"
        expectExportError(.invalidArgument, "the ONNX graph's outputs are [\"logits\"], expected [\"scores\"]") { _ = try BundleWriter().manifest(for: f) }
        var g = try sampleBundle()
        g.models[0].onnx = [0xFF, 0xFF]
        expectExportError(.invalidArgument, "does not decode") { _ = try BundleWriter().manifest(for: g) }
    }

    @Test(arguments: [WeightStorage.float32, .float16, .int8(perChannel: true)])
    func pythonReadsTheBundle(storage: WeightStorage) throws {
        guard pythonChecksAvailable(["onnx", "safetensors", "numpy"], for: "the bundle cross-check") else { return }
        let (dir, url) = try writeSample(try sampleBundle(storage: storage))
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = pythonScriptsDirectory.appendingPathComponent("check_bundle.py").path
        let (status, output) = try runPython([script, url.path])
        #expect(status == 0, "check_bundle.py failed:\n\(output)")

        // Python's view of every tensor: dtype, shape and the SHA-256 of its bytes.
        let bundle = try BundleReader().read(path: url.path)
        let weights = try SafeTensorsFile.decodeWeights(bundle.entry("weights.safetensors")!)
        let numpyNames = ["F32": "float32", "I32": "int32", "F16": "float16", "I8": "int8"]
        for e in weights.entries {
            let key = e.name
            let shape = "(" + e.shape.map(String.init).joined(separator: ", ") + (e.shape.count == 1 ? ",)" : ")")
            let line = "tensor \(key) \(numpyNames[e.dtype.rawValue]!) \(shape) \(SHA256.hexDigest(Array(weights.bytes(of: key)!)))"
            #expect(output.contains(line), "missing '\(line)' in:\n\(output)")
        }
        #expect(output.contains("metadata dcl.weight_storage=\(storage.name)"))
    }
}
