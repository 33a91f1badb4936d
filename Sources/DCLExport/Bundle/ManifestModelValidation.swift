// The manifest's description of one model, checked before any other entry is read: its name
// and entry files, its signature (names, dtypes, shapes) and its tensors' names and keys.
//
// `dcl predict` sizes its input tensors from the signature and names its output files after
// it, so every number there is bounded (a dimension at most 2^40, a sample within the tensor
// cap) and every name is plain (see BundleNames.swift) before anything uses them.

import DCLTensor

/// Most dimensions in a signature or tensor shape.
let maxSignatureRank = 32
/// Largest fixed dimension in a signature (2^40).
let maxSignatureDimension = 1 << 40

/// Checks model `m` of a manifest.
func validateManifestModel(_ m: BundleManifest.Model) throws {
    func bad(_ message: String) -> ExportError { ExportError(.manifest, entry: manifestEntryName, message) }
    do { try validateModelName(m.name) } catch let e as ExportError {
        throw bad(e.message)
    }
    guard m.graph == "\(m.name).graph" else { throw bad("model '\(m.name)' has graph entry \(quotedName(m.graph)), expected '\(m.name).graph'") }
    if let onnx = m.onnx, onnx != "\(m.name).onnx" {
        throw bad("model '\(m.name)' has ONNX entry \(quotedName(onnx)), expected '\(m.name).onnx'")
    }
    guard !m.outputs.isEmpty else { throw bad("model '\(m.name)' has no outputs") }
    var names: Set<String> = []
    for s in m.inputs + m.outputs {
        try validateSignatureName(s.name, model: m.name)
        guard names.insert(s.name).inserted else { throw bad("model '\(m.name)' names '\(s.name)' twice among its inputs and outputs") }
        guard s.dtype == "f32" || s.dtype == "i32" else { throw bad("'\(s.name)' of model '\(m.name)' has dtype \(quotedName(s.dtype)), expected 'f32' or 'i32'") }
        _ = try sampleElementCount(s, model: m.name)
    }
    var tensorNames: Set<String> = []
    for t in m.tensors {
        try validateTensorName(t.name, model: m.name)
        guard tensorNames.insert(t.name).inserted else { throw bad("model '\(m.name)' lists tensor '\(t.name)' twice") }
        guard t.key == "\(m.name)/\(t.name)" else { throw bad("tensor '\(t.name)' of model '\(m.name)' has key \(quotedName(t.key)), expected '\(m.name)/\(t.name)'") }
        guard t.shape.count <= maxSignatureRank else { throw bad("tensor '\(t.key)' has rank \(t.shape.count), more than \(maxSignatureRank)") }
        if let scale = t.scaleKey, scale != t.key + int8ScaleSuffix {
            throw bad("tensor '\(t.key)' has scale key \(quotedName(scale)), expected '\(t.key)\(int8ScaleSuffix)'")
        }
        if let axis = t.axis, axis < 0 || axis >= t.shape.count {
            throw bad("tensor '\(t.key)' has channel axis \(axis), outside its rank \(t.shape.count)")
        }
    }
}

/// Elements per sample of signature `s`: `["N", d1, d2, …]` with the batch symbol first and
/// fixed dimensions 0…2^40 after it, whose product (in bytes) fits the tensor cap.
func sampleElementCount(_ s: BundleManifest.Signature, model: String) throws -> Int {
    func bad(_ message: String) -> ExportError {
        ExportError(.manifest, entry: manifestEntryName, "'\(s.name)' of model '\(model)' has shape \(s.shape): \(message)")
    }
    guard s.shape.first == .symbol("N") else { throw bad("expected the batch symbol \"N\" first") }
    guard s.shape.count <= maxSignatureRank else { throw bad("rank more than \(maxSignatureRank)") }
    var sample: [Int] = []
    for d in s.shape.dropFirst() {
        guard case .fixed(let v) = d else { throw bad("only the first dimension may be symbolic") }
        guard v >= 0, v <= maxSignatureDimension else { throw bad("dimension \(v) is outside 0…\(maxSignatureDimension)") }
        sample.append(v)
    }
    do {
        return try elementCount(sample, op: "signature")
    } catch let e as TensorError {
        throw bad(e.message)
    }
}
