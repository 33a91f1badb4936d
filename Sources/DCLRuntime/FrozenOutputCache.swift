// Outputs of a frozen model, computed once per stored sample and reused.
//
// Why: ICIIA's protocol runs its frozen backbone over the same images again and again. Every
// plug-in of a sweep recomputed the features of the same 20,000 cloud images, and every
// evaluation recomputed each device's features and the backbone's own head over its 96 images:
// about 223,000 backbone passes for 29,600 distinct images in the example.
//
// A model's inference output for a sample depends only on its weights and that sample, so the
// outputs are kept per (model, section, stored input tensors) in a table indexed by stored row
// and filled on demand. Validity is checked, not assumed:
//   * an entry keeps a copy of the model's weights from when it was filled and is used only while
//     they are byte-identical — a `train` on the backbone in between makes a fresh entry;
//   * inputs are identified by the stored columns a data set selects rows from (`storedColumn`),
//     which the entry keeps alive, so their identity cannot be reused by another allocation;
//     data sets never write into a stored tensor.
// Missing rows are computed in the order the request lists them, in batches of the given size;
// every kernel computes a row of a batch independently of the other rows, so a cached value has
// the bits a direct computation gives (the ICIIA example prints identical tables either way).
//
// Memory is bounded: entries past `byteBudget` in total are dropped, least recently used first;
// a table larger than the budget on its own is not cached at all.

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import DCLCompiler
import DCLData
import DCLGraph
import DCLTensor

final class FrozenOutputCache {
    /// Total bytes of output tables kept.
    static let byteBudget = 256 << 20

    private final class Entry {
        let model: ModelID
        let section: String
        let weights: WeightSnapshot
        let inputs: [StoredColumnIdentity]
        let width: Int
        var values: [Float]
        var filled: [Bool]
        init(model: ModelID, section: String, weights: WeightSnapshot, inputs: [StoredColumnIdentity], width: Int, rows: Int) {
            self.model = model
            self.section = section
            self.weights = weights
            self.inputs = inputs
            self.width = width
            values = [Float](repeating: 0, count: rows * width)
            filled = [Bool](repeating: false, count: rows)
        }
        var bytes: Int { values.count * 4 + filled.count }
    }

    /// Off: every call computes directly (tests compare both).
    var enabled = true
    /// Most recently used last.
    private var entries: [Entry] = []
    private(set) var hits = 0
    private(set) var computedRows = 0

    /// `width` outputs per sample of `d` under `model` (identified as `section` of the model
    /// `owner`, whose weights must not change while an entry is used), computing only rows no
    /// earlier call computed through `compute` (outputs of a data set, row-major).
    func outputs(owner: ModelInstance, section: String, inputNames: [String], width: Int, on d: Dataset,
                 compute: (Dataset) throws -> [Float]) throws -> [Float] {
        // A missing column is the direct computation's error to report.
        guard enabled, inputNames.allSatisfy(d.hasColumn) else { return try compute(d) }
        let stored = try inputNames.map { try d.storedColumn($0) }
        guard let storedRows = stored.first?.rows, width > 0 else { return try compute(d) }
        let (tableFloats, overflow) = storedRows.multipliedReportingOverflow(by: width)
        guard !overflow, tableFloats <= Self.byteBudget / 4 else { return try compute(d) }
        let entry = try entry(owner: owner, section: section, inputs: stored, width: width, rows: storedRows)

        let rows = d.baseRows
        var missing: [Int] = []
        var queued = Set<Int>()
        for (i, r) in rows.enumerated() where !entry.filled[r] && queued.insert(r).inserted { missing.append(i) }
        if !missing.isEmpty {
            let computed = try compute(try d.selecting(rows: missing))
            for (k, i) in missing.enumerated() {
                let r = rows[i]
                entry.values.withUnsafeMutableBufferPointer { v in
                    for j in 0..<width { v[r * width + j] = computed[k * width + j] }
                }
                entry.filled[r] = true
            }
            computedRows += missing.count
        }
        hits += rows.count - missing.count
        var out = [Float](repeating: 0, count: rows.count * width)
        entry.values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                for (i, r) in rows.enumerated() {
                    for j in 0..<width { o[i * width + j] = v[r * width + j] }
                }
            }
        }
        return out
    }

    /// The entry for these keys with weights equal to the owner's current ones (made if absent,
    /// replaced if the weights changed), moved to the most-recent end.
    private func entry(owner: ModelInstance, section: String, inputs: [StoredColumnIdentity], width: Int, rows: Int) throws -> Entry {
        if let i = entries.firstIndex(where: { e in
            e.model == owner.id && e.section == section && e.width == width && e.inputs.count == inputs.count
                && zip(e.inputs, inputs).allSatisfy { $0.isSame(as: $1) }
        }) {
            let e = entries.remove(at: i)
            if e.weights.matches(owner.weights) {
                entries.append(e)
                return e
            }
        }
        let e = Entry(model: owner.id, section: section, weights: WeightSnapshot(owner.weights), inputs: inputs, width: width, rows: rows)
        entries.append(e)
        var total = entries.reduce(0) { $0 + $1.bytes }
        while total > Self.byteBudget, entries.count > 1 {
            total -= entries.removeFirst().bytes
        }
        return e
    }
}

/// A byte copy of a weight store, to tell later whether the store still holds the same values.
struct WeightSnapshot {
    private let tensors: [String: Tensor]

    init(_ store: ParameterStore) {
        // `try!`: the copy has the byte count of a storage that already holds this tensor.
        tensors = store.tensors.mapValues { t in try! Tensor(shape: t.shape, dtype: t.dtype, storage: t.storage.copy()) }
    }

    func matches(_ store: ParameterStore) -> Bool {
        guard store.tensors.count == tensors.count else { return false }
        for (name, t) in store.tensors {
            guard let s = tensors[name], s.shape == t.shape, s.dtype == t.dtype,
                  s.storage.byteCount == t.storage.byteCount,
                  memcmp(s.storage.bytes, t.storage.bytes, t.storage.byteCount) == 0 else { return false }
        }
        return true
    }
}
