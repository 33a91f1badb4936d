// Client partitioning for simulated devices: a scheme assigns disjoint sets of rows to clients,
// then each client's rows are split into train and test. Everything is seeded: the same data set,
// scheme, client count and seed give the same rows for every client, byte for byte.
//
// Random streams are forked by purpose from the seed ("assign", "client split/<c>"), so e.g.
// changing the test fraction never changes which samples a client holds.

import DCLTensor

/// How samples are distributed over simulated clients. See `PartitionSchemes.swift` for each
/// scheme's exact rule.
public enum PartitionScheme: Sendable, Hashable, CustomStringConvertible {
    /// A seeded random permutation cut into near-equal contiguous shares.
    case iid
    /// Each client holds exactly `classesPerClient` classes (DC-CCL/ICIIA-style label skew).
    case labelSubset(classesPerClient: Int)
    /// Per class, client shares drawn from Dirichlet(alpha); smaller alpha, more skew. The draw is
    /// repeated (up to 100 times) until every client has at least `minSamples` samples.
    case dirichlet(alpha: Double, minSamples: Int = 1)
    /// ICIIA: classes split into `groups`; a fraction `r` of a client's samples come from its
    /// group, the rest at random. `samplesPerClient` (train + test) defaults to N / clients.
    case classGroups(groups: Int, r: Double, samplesPerClient: Int? = nil)
    /// Recommendation: each user (the data set's groups) is one client; the split is by time.
    case byUser

    /// The scheme's name as the language spells it: `iid`, `label_subset`, ….
    public var name: String {
        switch self {
        case .iid: return "iid"
        case .labelSubset: return "label_subset"
        case .dirichlet: return "dirichlet"
        case .classGroups: return "class_groups"
        case .byUser: return "by_user"
        }
    }

    public var description: String {
        switch self {
        case .iid: return "iid"
        case .labelSubset(let k): return "label_subset(\(k))"
        case .dirichlet(let a, let m): return "dirichlet(\(a)\(m != 1 ? ", min: \(m)" : ""))"
        case .classGroups(let g, let r, let n): return "class_groups(\(g), r: \(r)\(n.map { ", per_client: \($0)" } ?? ""))"
        case .byUser: return "by_user"
        }
    }
}

extension Dataset {
    /// Partitions the samples over simulated clients.
    ///
    /// - `clients`: number of clients; required except for `.byUser`, where nil means every
    ///   user and a number picks that many users at random (seeded).
    /// - `testFraction`: each client's share of test samples (see `clientTestCount`).
    /// - `distinct`: the scheme forms exactly this many clients, and client c holds the samples
    ///   of formed client c mod `distinct` — so a fleet larger than the data can hold disjointly
    ///   repeats samples, and a smaller one takes the first formed clients. A repeated client
    ///   draws its own train/test split (seeded by its index c); under `.byUser` the split is by
    ///   time, so a repeat holds the same train and test rows.
    public func partition(_ scheme: PartitionScheme, clients: Int?, seed: UInt64,
                          testFraction: Double = 0.2, distinct: Int? = nil) throws -> FederatedDataset {
        let op = "partition \(scheme)"
        guard testFraction.isFinite && testFraction >= 0 && testFraction <= 1 else {
            throw DataError.argument(op, "expected a test fraction in 0...1, found \(testFraction)")
        }
        if let clients, clients <= 0 {
            throw DataError.argument(op, "expected a positive client count, found \(clients)")
        }
        if let distinct {
            guard distinct > 0 else {
                throw DataError.argument(op, "expected a positive distinct client count, found \(distinct)")
            }
            guard clients != nil else {
                throw DataError.argument(op, "`distinct` needs a client count (clients: n, or the role's count)")
            }
        }
        // The clients the scheme itself forms; with `distinct`, the rest repeat them.
        let formed = distinct ?? clients
        let root = SeededGenerator(seed: seed)
        // Keyed by the scheme's name, not its parameters: class_groups with another r keeps the
        // same groups, so the knob changes only the mix.
        var rng = root.fork("assign \(scheme.name)")
        var unassigned = 0
        var federated: [ClientData] = []

        if case .byUser = scheme {
            federated = try partitionByUser(clients: formed, testFraction: testFraction, rng: &rng)
            if let distinct, let clients {
                // A repeated user keeps its time split: the same rows under the new client id.
                federated = (0..<clients).map { c in
                    let f = federated[c % distinct]
                    return client(c, train: f.train, test: f.test)
                }
            }
        } else {
            guard let formed, let clients else {
                throw DataError.argument(op, "expected a client count (clients: n)")
            }
            // Every scheme gives each formed client its own rows, so more than the samples cannot work.
            guard formed <= count else {
                throw DataError.argument(op, "expected at most \(count) \(distinct == nil ? "clients" : "distinct clients") for \(count) samples, found \(formed)")
            }
            var assignment: [[Int]]
            switch scheme {
            case .iid: assignment = try assignIID(clients: formed, rng: &rng, op: op)
            case .labelSubset(let k): assignment = try assignLabelSubset(k: k, clients: formed, rng: &rng, op: op)
            case .dirichlet(let a, let m): assignment = try assignDirichlet(alpha: a, minSamples: m, clients: formed, rng: &rng, op: op)
            case .classGroups(let g, let r, let n):
                assignment = try assignClassGroups(groups: g, r: r, perClient: n, clients: formed, rng: &rng, op: op)
            case .byUser: assignment = []  // not reached: by_user is handled above
            }
            unassigned = count - assignment.reduce(0) { $0 + $1.count }
            if formed != clients {
                let base = assignment
                assignment = (0..<clients).map { base[$0 % formed] }
                // Repeats cover no new rows; a fleet smaller than `distinct` leaves the rest out.
                unassigned = count - assignment.prefix(formed).reduce(0) { $0 + $1.count }
            }
            for (c, rows) in assignment.enumerated() {
                // Canonical row order within a client; then a seeded choice of test rows.
                let sorted = rows.sorted()
                var split = root.fork("client split").fork(String(c))
                let nTest = Dataset.clientTestCount(sorted.count, testFraction)
                var isTest = [Bool](repeating: false, count: sorted.count)
                for i in split.permutation(sorted.count).prefix(nTest) { isTest[i] = true }
                let train = sorted.indices.filter { !isTest[$0] }.map { sorted[$0] }
                let test = sorted.indices.filter { isTest[$0] }.map { sorted[$0] }
                federated.append(client(c, train: train, test: test))
            }
        }
        let name = "partition(\(scheme), clients: \(clients.map(String.init) ?? "all"), seed: \(seed), test: \(testFraction)"
            + (distinct.map { ", distinct: \($0))" } ?? ")")
        return FederatedDataset(clients: federated, scheme: name, classCount: classCount, unassigned: unassigned)
    }

    /// Test samples for a client holding `n`: round(f × n), but for 0 < f < 1 and n ≥ 2 at least
    /// one and at most n − 1, so every client with two samples can both train and be evaluated.
    public static func clientTestCount(_ n: Int, _ f: Double) -> Int {
        var k = Int((f * Double(n)).rounded())
        if f > 0 && f < 1 && n >= 2 { k = min(max(k, 1), n - 1) }
        return min(max(k, 0), n)
    }

    private func client(_ c: Int, train: [Int], test: [Int]) -> ClientData {
        client(c, train: selectingUnchecked(train), test: selectingUnchecked(test))
    }

    private func client(_ c: Int, train: Dataset, test: Dataset) -> ClientData {
        var tr = train, te = test
        tr.source = source + " |> client(\(c)).train"
        te.source = source + " |> client(\(c)).test"
        return ClientData(id: c, train: tr, test: te)
    }

    // MARK: By user, time-ordered

    /// Each user's rows ordered by the `time` column (ties and missing `time`: row order).
    func rowsByGroup() throws -> [Int32: [Int]] {
        guard let groups else {
            throw DataError.argument("by_user", "\(source) has no per-sample user ids; load it with movielens(...) or set groups")
        }
        var byGroup: [Int32: [Int]] = [:]
        for (i, g) in groups.enumerated() { byGroup[g, default: []].append(i) }
        if hasColumn("time") {
            let t = try column("time")
            guard rowLength(t.shape) == 1 else {
                throw DataError.argument("by_user", "column 'time' has shape \(formatShape(t.shape)), expected one value per sample")
            }
            let times: [Double] = t.dtype == .int32 ? t.ints.map(Double.init) : t.floats.map(Double.init)
            for g in byGroup.keys {
                byGroup[g]!.sort { times[$0] != times[$1] ? times[$0] < times[$1] : $0 < $1 }
            }
        }
        return byGroup
    }

    /// Splits every user's samples by time: the earliest go to train, the latest
    /// `clientTestCount(n, testFraction)` to test. Both parts are in (user, time) order.
    public func splitByTime(testFraction: Double) throws -> (train: Dataset, test: Dataset) {
        guard testFraction.isFinite && testFraction >= 0 && testFraction <= 1 else {
            throw DataError.argument("time split", "expected a test fraction in 0...1, found \(testFraction)")
        }
        let byGroup = try rowsByGroup()
        var train: [Int] = [], test: [Int] = []
        for g in byGroup.keys.sorted() {
            let rows = byGroup[g]!
            let nTest = Dataset.clientTestCount(rows.count, testFraction)
            train += rows.prefix(rows.count - nTest)
            test += rows.suffix(nTest)
        }
        var tr = selectingUnchecked(train), te = selectingUnchecked(test)
        tr.source += " |> split_by_time(test: \(testFraction)).train"
        te.source += " |> split_by_time(test: \(testFraction)).test"
        return (tr, te)
    }

    private func partitionByUser(clients: Int?, testFraction: Double, rng: inout SeededGenerator) throws -> [ClientData] {
        let byGroup = try rowsByGroup()
        var users = byGroup.keys.sorted()
        if let clients {
            guard clients <= users.count else {
                throw DataError.argument("partition by_user", "expected at most \(users.count) clients (one per user), found \(clients)")
            }
            rng.shuffle(&users)
            users = Array(users.prefix(clients)).sorted()
        }
        return users.enumerated().map { c, u in
            let rows = byGroup[u]!
            let nTest = Dataset.clientTestCount(rows.count, testFraction)
            return client(c, train: Array(rows.prefix(rows.count - nTest)), test: Array(rows.suffix(nTest)))
        }
    }
}
