// Mini-batch iteration for training and evaluation loops. The order of an epoch is a function of
// (seed, epoch) alone — `SeededGenerator(seed).fork("epoch <e>")` — so epoch 3 of a run can be
// replayed without replaying epochs 0–2, and two runs with the same seed see the same batches.
// Each batch gathers only its own rows into fresh contiguous tensors.

import DCLTensor

/// One mini-batch: contiguous tensors for every column, plus which rows of the data set they are.
public struct Batch: Sendable {
    /// Columns by name, each of shape `[rows.count, …]`.
    public let columns: [String: Tensor]
    /// Row numbers (in the data set the batch came from) of the samples, in batch order.
    public let rows: [Int]
    /// The samples' group ids (user or client), when the data set has them.
    public let groups: [Int32]?

    /// Number of samples in the batch.
    public var count: Int { rows.count }

    /// A column by name.
    public subscript(_ name: String) -> Tensor? { columns[name] }
}

/// How to order and cut a data set into batches.
public struct BatchOptions: Sendable, Hashable {
    /// Samples per batch (the last batch may be smaller unless `dropLast`).
    public var size: Int
    /// Seed of the per-epoch shuffle; nil keeps the data set's order.
    public var shuffleSeed: UInt64?
    /// Epoch number; with a seed, each epoch has its own order.
    public var epoch: Int
    /// Whether to drop a final batch smaller than `size`.
    public var dropLast: Bool
    /// The training's seed when batches are for training: the data set's augmentations are drawn
    /// from it and `epoch`. nil (evaluation) applies them in their deterministic form.
    public var augmentSeed: UInt64?

    public init(size: Int, shuffleSeed: UInt64? = nil, epoch: Int = 0, dropLast: Bool = false, augmentSeed: UInt64? = nil) {
        self.size = size
        self.shuffleSeed = shuffleSeed
        self.epoch = epoch
        self.dropLast = dropLast
        self.augmentSeed = augmentSeed
    }
}

/// The batches of one epoch, produced lazily.
public struct BatchSequence: Sequence, Sendable {
    public let dataset: Dataset
    /// Row order of the epoch.
    public let order: [Int]
    public let size: Int
    public let dropLast: Bool
    /// Training seed and epoch the augmentations are drawn for (nil: deterministic form).
    let augmentation: (seed: UInt64, epoch: Int)?

    /// Number of batches the sequence yields.
    public var batchCount: Int {
        dropLast ? order.count / size : (order.count + size - 1) / size
    }

    public struct Iterator: IteratorProtocol {
        let seq: BatchSequence
        var start = 0
        public mutating func next() -> Batch? {
            let end = Swift.min(start + seq.size, seq.order.count)
            guard start < end, !(seq.dropLast && end - start < seq.size) else { return nil }
            let rows = Array(seq.order[start..<end])
            start = end
            let groups = seq.dataset.groups.map { g in rows.map { g[$0] } }
            return Batch(columns: seq.dataset.gatherAugmented(rows, training: seq.augmentation), rows: rows, groups: groups)
        }
    }

    public func makeIterator() -> Iterator { Iterator(seq: self) }
}

extension Dataset {
    /// The row order of an epoch: identity without a seed, else a permutation derived from
    /// `(seed, epoch)` only.
    public static func epochOrder(count: Int, seed: UInt64?, epoch: Int) -> [Int] {
        guard let seed else { return Array(0..<count) }
        var rng = SeededGenerator(seed: seed).fork("epoch \(epoch)")
        return rng.permutation(count)
    }

    /// The mini-batches of one epoch. Throws for a non-positive batch size.
    public func batches(_ options: BatchOptions) throws -> BatchSequence {
        guard options.size > 0 else {
            throw DataError.argument("batches", "expected a positive batch size, found \(options.size)")
        }
        // A size beyond the data set means one (partial) batch; capping it keeps index arithmetic
        // in range, and with dropLast that partial batch is dropped like any other.
        let partialOnly = options.dropLast && options.size > count
        return BatchSequence(dataset: self,
                             order: partialOnly ? [] : Dataset.epochOrder(count: count, seed: options.shuffleSeed, epoch: options.epoch),
                             size: Swift.min(options.size, Swift.max(count, 1)), dropLast: options.dropLast,
                             augmentation: options.augmentSeed.map { ($0, options.epoch) })
    }

    /// `batches(BatchOptions(size:shuffleSeed:epoch:dropLast:))`.
    public func batches(size: Int, shuffleSeed: UInt64? = nil, epoch: Int = 0, dropLast: Bool = false,
                        augmentSeed: UInt64? = nil) throws -> BatchSequence {
        try batches(BatchOptions(size: size, shuffleSeed: shuffleSeed, epoch: epoch, dropLast: dropLast, augmentSeed: augmentSeed))
    }
}
