// Named tensors a graph runs against: weights, running statistics, optimiser state, plus the
// number of optimiser steps taken (which drives learning-rate schedules, Adam's bias correction
// and dropout masks). Saved and loaded as safetensors with the step in the metadata.

import DCLTensor

/// Parameters and optimiser state by name. A reference type: runs update it in place.
public final class ParameterStore {
    public var tensors: [String: Tensor]
    /// Optimiser updates applied so far.
    public var step: Int

    public init(tensors: [String: Tensor] = [:], step: Int = 0) {
        self.tensors = tensors
        self.step = step
    }

    public subscript(name: String) -> Tensor? {
        get { tensors[name] }
        set { tensors[name] = newValue }
    }

    /// Creates every parameter of `graph` that is missing (or all, with `overwrite`) from its
    /// initializer, forking `seed` by parameter name — so values do not depend on creation order.
    public func initialize(_ graph: Graph, seed: UInt64, overwrite: Bool = false) throws {
        for p in graph.parameters where overwrite || tensors[p.name] == nil {
            if p.dtype == .float32 {
                tensors[p.name] = try p.initializer.tensor(shape: p.shape, seed: seed, name: p.name)
            } else {
                tensors[p.name] = try Tensor(zeros: p.shape, dtype: p.dtype)
            }
        }
    }

    /// An independent copy (tensors are copy-on-write).
    public func copy() -> ParameterStore { ParameterStore(tensors: tensors, step: step) }

    /// Writes all tensors (sorted by name) and the step to a safetensors file, atomically.
    public func save(path: String, metadata: [String: String] = [:]) throws {
        var meta = metadata
        meta["dcl.step"] = String(step)
        let entries = tensors.keys.sorted().map { SafeTensorsEntry(name: $0, tensor: tensors[$0]!) }
        try SafeTensorsFile(entries: entries, metadata: meta).write(path: path)
    }

    /// Reads a store written by `save` (or any safetensors file of F32/I32/F16/I8 tensors).
    public static func load(path: String) throws -> ParameterStore {
        let file = try SafeTensorsFile.read(path: path)
        return ParameterStore(tensors: try file.tensors(), step: file.metadata["dcl.step"].flatMap { Int($0) } ?? 0)
    }

    /// Bitwise equality of every tensor and the step.
    public func bitwiseEqual(_ other: ParameterStore) -> Bool {
        guard step == other.step, Set(tensors.keys) == Set(other.tensors.keys) else { return false }
        return tensors.allSatisfy { other.tensors[$0.key]!.bitwiseEqual($0.value) }
    }
}
