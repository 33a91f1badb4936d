// A federated data set: the simulated devices' data, one train/test pair per client, as the
// partitioners produce it. Clients' data sets are row selections of the same stored tensors, so
// a 100-client partition of MNIST costs index lists, not copies.

import DCLTensor

/// Which part of each client's data.
public enum ClientPart: String, Sendable, Hashable, CaseIterable {
    case train, test, all
}

/// One simulated client: its id (0-based, the position in `FederatedDataset.clients`) and data.
public struct ClientData: Sendable {
    public var id: Int
    public var train: Dataset
    public var test: Dataset

    public init(id: Int, train: Dataset, test: Dataset) {
        self.id = id
        self.train = train
        self.test = test
    }

    /// Train and test together (train first).
    public func all() throws -> Dataset { try Dataset.concatenate([train, test]) }

    func part(_ p: ClientPart) throws -> Dataset {
        switch p {
        case .train: return train
        case .test: return test
        case .all: return try all()
        }
    }
}

/// The per-client data sets of a partition.
public struct FederatedDataset: Sendable {
    public var clients: [ClientData]
    /// How the partition was made: `partition(label_subset(3), clients: 20, seed: 1, test: 0.2)`.
    public var scheme: String
    /// Class count of the labels, when the source had one.
    public var classCount: Int?
    /// Samples of the source that no client received (e.g. classes no client holds under
    /// `label_subset`, or samples beyond `clients × per_client` under `class_groups`).
    public var unassigned: Int

    public init(clients: [ClientData], scheme: String, classCount: Int?, unassigned: Int = 0) {
        self.clients = clients
        self.scheme = scheme
        self.classCount = classCount
        self.unassigned = unassigned
    }

    /// Number of clients.
    public var count: Int { clients.count }

    /// Label counts per client (rows) and class (columns; `classCount` wide when known).
    public func labelHistograms(_ part: ClientPart = .all) throws -> [[Int]] {
        var hs = try clients.map { try $0.part(part).labelHistogram() }
        let width = max(classCount ?? 0, hs.map(\.count).max() ?? 0)
        for i in hs.indices where hs[i].count < width {
            hs[i] += [Int](repeating: 0, count: width - hs[i].count)
        }
        return hs
    }

    /// Every client's part as one data set whose groups are the client ids (groupKind
    /// "client"): what a cloud-side trainer over simulated clients iterates.
    public func merged(_ part: ClientPart = .train) throws -> Dataset {
        guard !clients.isEmpty else {
            throw DataError.argument("merge clients", "the federated data set has no clients")
        }
        var parts: [Dataset] = []
        for c in clients {
            let p = try c.part(part)
            parts.append(try p.settingGroups([Int32](repeating: Int32(c.id), count: p.count), kind: "client"))
        }
        var d = try Dataset.concatenate(parts)
        d.source = "\(scheme).\(part.rawValue)"
        return d
    }

    /// Mini-batches that each hold samples of a single client (ICIIA trains on such batches, so
    /// the images of a batch can attend to each other). Each client's rows are shuffled and cut
    /// into batches of at most `size`; the batches of all clients are then shuffled together.
    /// Deterministic in (seed, epoch).
    /// With `augment`, the data sets' augmentations are drawn from `seed` and `epoch` (training).
    public func clientBatches(_ part: ClientPart = .train, size: Int, seed: UInt64, epoch: Int = 0,
                              augment: Bool = false) throws -> ClientBatchSequence {
        guard size > 0 else {
            throw DataError.argument("client batches", "expected a positive batch size, found \(size)")
        }
        let root = SeededGenerator(seed: seed).fork("client batches \(epoch)")
        let size = min(size, max(clients.map { $0.train.count + $0.test.count }.max() ?? 1, 1))
        var plan: [(Int, [Int])] = []
        var datasets: [Dataset] = []
        for c in clients {
            let d = try c.part(part)
            datasets.append(d)
            var rng = root.fork("client \(c.id)")
            let order = rng.permutation(d.count)
            for start in stride(from: 0, to: order.count, by: size) {
                plan.append((datasets.count - 1, Array(order[start..<min(start + size, order.count)])))
            }
        }
        var rng = root.fork("batch order")
        rng.shuffle(&plan)
        return ClientBatchSequence(clients: clients.map(\.id), datasets: datasets, plan: plan,
                                   augmentation: augment ? (seed, epoch) : nil)
    }

    /// A per-client table: sizes of train and test, and the label histogram of all samples.
    public func report() throws -> String {
        let hs = try labelHistograms(.all)
        var lines = ["\(scheme): \(clients.count) clients, \(clients.reduce(0) { $0 + $1.train.count + $1.test.count }) samples"
                     + (unassigned > 0 ? ", \(unassigned) unassigned" : "")]
        for (c, h) in zip(clients, hs) {
            let labels = h.enumerated().filter { $0.element > 0 }.map { "\($0.offset):\($0.element)" }.joined(separator: " ")
            lines.append("client \(c.id): train \(c.train.count), test \(c.test.count), labels \(labels)")
        }
        return lines.joined(separator: "\n")
    }
}

/// A batch of one client's samples.
public struct ClientBatch: Sendable {
    /// The client's id.
    public let client: Int
    public let batch: Batch
}

/// Single-client batches in a shuffled order; gathered lazily.
public struct ClientBatchSequence: Sequence, Sendable {
    let clients: [Int]
    let datasets: [Dataset]
    let plan: [(Int, [Int])]
    /// Training seed and epoch the augmentations are drawn for (nil: deterministic form).
    let augmentation: (seed: UInt64, epoch: Int)?

    /// Number of batches.
    public var batchCount: Int { plan.count }

    public struct Iterator: IteratorProtocol {
        let seq: ClientBatchSequence
        var position = 0
        public mutating func next() -> ClientBatch? {
            guard position < seq.plan.count else { return nil }
            let (k, rows) = seq.plan[position]
            position += 1
            let d = seq.datasets[k]
            let groups = d.groups.map { g in rows.map { g[$0] } }
            return ClientBatch(client: seq.clients[k], batch: Batch(columns: d.gatherAugmented(rows, training: seq.augmentation), rows: rows, groups: groups))
        }
    }

    public func makeIterator() -> Iterator { Iterator(seq: self) }
}
