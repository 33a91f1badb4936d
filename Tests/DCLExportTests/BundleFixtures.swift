// A small two-model device bundle used by the bundle tests, and helpers to take a written
// bundle apart and put it back together with changes (for the hostile-input tests).

import Foundation
import DCLTensor
@testable import DCLExport

/// The control MLP's graph in the engine's text form (the reader parses and checks it against
/// the manifest, so it must be a real graph with the model's signature and parameters).
let controlGraphText = """
graph {
  input %0 "x" : f32[N,4]
  param %1 "fc1.weight" : f32[8,4] init=zeros trainable
  param %2 "fc1.bias" : f32[8] init=zeros trainable
  param %3 "fc2.weight" : f32[3,8] init=zeros trainable
  param %4 "fc2.bias" : f32[3] init=zeros trainable
  %5 = matmul(%0, %1, %2) {transpose_a=false, transpose_b=true, activation="relu"} : f32[N,8] @"fc1" #0
  %6 = matmul(%5, %3, %4) {transpose_a=false, transpose_b=true} : f32[N,3] @"fc2" #0
  output "logits" = %6
}

"""

/// The embedding model's graph: a table lookup, plus an int32 buffer it stores but does not read.
let embeddingGraphText = """
graph {
  input %0 "ids" : i32[N,3]
  param %1 "embedding" : f32[10,4] init=zeros trainable
  param %2 "positions" : i32[3] init=zeros frozen
  %3 = gather(%1, %0) {} : f32[N,3,4] @"embed" #0
  output "vectors" = %3
}

"""

/// The `control` MLP (x [4] → logits [3]) with its ONNX file built through
/// `makeONNXBuilder`, so its initialisers follow `storage`.
func controlModel(storage: WeightStorage) throws -> ModelDescription {
    var m = ModelDescription(
        name: "control", graphText: controlGraphText, onnx: nil,
        inputs: [TensorSignature(name: "x", sampleShape: [4])],
        outputs: [TensorSignature(name: "logits", sampleShape: [3])],
        parameters: [
            ModelParameter(name: "fc1.weight", tensor: try randomTensor([8, 4], seed: 1), channelAxis: 0),
            ModelParameter(name: "fc1.bias", tensor: try randomTensor([8], seed: 2)),
            ModelParameter(name: "fc2.weight", tensor: try randomTensor([3, 8], seed: 3), channelAxis: 0),
            ModelParameter(name: "fc2.bias", tensor: try randomTensor([3], seed: 4)),
        ],
        metrics: ModelMetrics(params: 67, flopsPerSample: 2 * (32 + 24), peakMemoryBytes: 67 * 4 + 64))
    var b = try m.makeONNXBuilder(weightStorage: storage)
    let transB = [ONNXAttribute("transB", .int(1))]
    let h = try b.addNode("Gemm", inputs: ["x", "fc1.weight", "fc1.bias"], attributes: transB)[0]
    let r = try b.addNode("Relu", inputs: [h])[0]
    try b.addNode("Gemm", inputs: [r, "fc2.weight", "fc2.bias"], outputs: ["logits"], attributes: transB)
    m.onnx = try b.build(producerVersion: "test").serializedBytes()
    return m
}

/// A model without ONNX, with an embedding table and an int32 buffer.
func embeddingModel() throws -> ModelDescription {
    ModelDescription(
        name: "base.device", graphText: embeddingGraphText, onnx: nil,
        inputs: [TensorSignature(name: "ids", sampleShape: [3], dtype: .int32)],
        outputs: [TensorSignature(name: "vectors", sampleShape: [3, 4])],
        parameters: [
            ModelParameter(name: "embedding", tensor: try randomTensor([10, 4], seed: 5), channelAxis: 0),
            ModelParameter(name: "positions", tensor: try Tensor(shape: [3], ints: [0, 1, 2])),
        ],
        metrics: ModelMetrics(params: 40, flopsPerSample: 0, peakMemoryBytes: 400))
}

func sampleBundle(storage: WeightStorage = .float32, budget: [BudgetLimit]? = nil) throws -> BundleDescription {
    BundleDescription(
        name: "phone", role: RoleDescription(name: "device", kind: .device),
        budget: budget ?? [BudgetLimit(.params, limit: 100_000), BudgetLimit(.flops, limit: 50),
                           BudgetLimit(.memory, limit: 1 << 20), BudgetLimit(.storage, limit: 1 << 20)],
        weightStorage: storage, models: [try controlModel(storage: storage), try embeddingModel()], dclVersion: "0.1.0-test")
}

/// Writes `description` into a fresh directory; returns (directory, bundle URL).
func writeSample(_ description: BundleDescription, file: String = "phone.dclb") throws -> (URL, URL) {
    let dir = try makeTemporaryDirectory("bundle")
    let url = dir.appendingPathComponent(file)
    try BundleWriter().write(description, to: url)
    return (dir, url)
}

/// The bytes of a freshly written sample bundle.
func sampleBundleBytes(storage: WeightStorage = .float32) throws -> [UInt8] {
    let (dir, url) = try writeSample(try sampleBundle(storage: storage))
    defer { try? FileManager.default.removeItem(at: dir) }
    return [UInt8](try Data(contentsOf: url))
}

/// A bundle's entries in archive order, as (name, uncompressed bytes).
func entries(of bundle: [UInt8]) throws -> [(String, [UInt8])] {
    let source = MemorySource(bytes: bundle)
    let dir = try ZipDirectory.read(source, limits: .standard)
    return try dir.entries.map { ($0.name, try ZipDirectory.contents(of: $0, from: source)) }
}

/// The sample bundle rebuilt (all entries stored) after `change` edits its entries.
func rebuiltSample(_ change: (inout [(String, [UInt8])]) throws -> Void) throws -> [UInt8] {
    var list = try entries(of: try sampleBundleBytes())
    try change(&list)
    return buildRawZip(list.map { RawZipEntry(name: $0.0, data: $0.1) })
}

/// Edits `manifest.json` as a JSON object.
func editManifest(_ list: inout [(String, [UInt8])], _ edit: (inout [String: Any]) -> Void) throws {
    let i = list.firstIndex { $0.0 == "manifest.json" }!
    var object = try JSONSerialization.jsonObject(with: Data(list[i].1)) as! [String: Any]
    edit(&object)
    list[i].1 = [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
}

/// Replaces an entry's bytes and updates its size and SHA-256 in the manifest, so only the
/// deeper checks can notice.
func replaceEntryConsistently(_ list: inout [(String, [UInt8])], _ name: String, _ bytes: [UInt8]) throws {
    let i = list.firstIndex { $0.0 == name }!
    list[i].1 = bytes
    try editManifest(&list) { m in
        var entries = m["entries"] as! [[String: Any]]
        for k in entries.indices where entries[k]["name"] as? String == name {
            entries[k]["bytes"] = bytes.count
            entries[k]["sha256"] = SHA256.hexDigest(bytes)
        }
        m["entries"] = entries
    }
}
