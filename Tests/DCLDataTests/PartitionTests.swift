import Foundation
import Testing
@testable import DCLData
import DCLTensor

/// `n` samples of a 1-feature data set whose labels cycle through `classes`.
private func labelled(_ n: Int, classes: Int) throws -> Dataset {
    let x = try Tensor(shape: [n, 1], floats: (0..<n).map(Float.init))
    let y = try Tensor(shape: [n], ints: (0..<n).map { Int32($0 % classes) })
    return try Dataset(columns: [("x", x), ("y", y)], classCount: classes, source: "labelled")
}

/// All base rows of every client (train and test), checking no row appears twice.
private func checkDisjoint(_ f: FederatedDataset, sourceLocation: SourceLocation = #_sourceLocation) -> Set<Int> {
    var seen = Set<Int>()
    var total = 0
    for c in f.clients {
        let rows = c.train.baseRows + c.test.baseRows
        total += rows.count
        seen.formUnion(rows)
    }
    #expect(seen.count == total, "a sample is shared between clients or parts", sourceLocation: sourceLocation)
    return seen
}

/// Every client's rows, for determinism comparisons.
private func fingerprint(_ f: FederatedDataset) -> [[Int]] {
    f.clients.flatMap { [$0.train.baseRows, $0.test.baseRows] }
}

@Suite struct PartitionTests {
    @Test func iidUsesEverySampleInNearEqualShares() throws {
        let d = try labelled(103, classes: 10)
        let f = try d.partition(.iid, clients: 10, seed: 1, testFraction: 0.2)
        #expect(checkDisjoint(f) == Set(0..<103))
        let sizes = f.clients.map { $0.train.count + $0.test.count }
        #expect(sizes == [11, 11, 11, 10, 10, 10, 10, 10, 10, 10])
        #expect(f.clients.map(\.test.count) == [2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
        #expect(f.unassigned == 0)
        expectDataError(.invalidArgument, contains: "expected at most 103 clients") { _ = try d.partition(.iid, clients: 104, seed: 1) }
    }

    @Test func labelSubsetGivesEachClientExactlyKClasses() throws {
        let d = try labelled(1000, classes: 10)
        let f = try d.partition(.labelSubset(classesPerClient: 3), clients: 20, seed: 1, testFraction: 0.25)
        #expect(checkDisjoint(f) == Set(0..<1000))  // 20 × 3 ≥ 10: every class is held
        let hs = try f.labelHistograms(.all)
        #expect(hs.count == 20 && hs.allSatisfy { $0.count == 10 })
        for h in hs { #expect(h.filter { $0 > 0 }.count == 3) }
        // 60 holdings over 10 classes: each class is held by exactly 6 clients.
        for k in 0..<10 { #expect(hs.filter { $0[k] > 0 }.count == 6) }
        // Shares of a class differ by at most one sample (100 samples over 6 holders: 16 or 17).
        for k in 0..<10 {
            let shares = hs.map { $0[k] }.filter { $0 > 0 }
            #expect(shares.max()! - shares.min()! <= 1 && shares.reduce(0, +) == 100)
        }
        // Train and test histograms add up to the whole.
        let tr = try f.labelHistograms(.train), te = try f.labelHistograms(.test)
        for c in 0..<20 { #expect(zip(tr[c], te[c]).map(+) == hs[c]) }
    }

    @Test func labelSubsetWithFewClientsLeavesClassesUnassigned() throws {
        let d = try labelled(100, classes: 10)
        let f = try d.partition(.labelSubset(classesPerClient: 2), clients: 3, seed: 5, testFraction: 0)
        #expect(f.unassigned == 40)  // 6 holdings cover 6 of 10 classes
        #expect(try f.labelHistograms().allSatisfy { $0.filter { $0 > 0 }.count == 2 })
        expectDataError(.invalidArgument, contains: "expected 1...10 classes per client") {
            _ = try d.partition(.labelSubset(classesPerClient: 11), clients: 3, seed: 5)
        }
    }

    @Test func dirichletSkewFollowsAlpha() throws {
        let d = try labelled(2000, classes: 10)
        let skewed = try d.partition(.dirichlet(alpha: 0.1), clients: 10, seed: 3)
        let even = try d.partition(.dirichlet(alpha: 1000), clients: 10, seed: 3)
        #expect(checkDisjoint(skewed) == Set(0..<2000) && checkDisjoint(even) == Set(0..<2000))
        // Mean over clients of the largest class share: near 1 for small alpha, near 0.1 for large.
        func dominance(_ f: FederatedDataset) throws -> Double {
            let hs = try f.labelHistograms()
            return hs.map { Double($0.max()!) / Double(max($0.reduce(0, +), 1)) }.reduce(0, +) / Double(hs.count)
        }
        #expect(try dominance(skewed) > 0.5)
        #expect(try dominance(even) < 0.15)
        #expect(skewed.clients.allSatisfy { $0.train.count + $0.test.count >= 1 })
        expectDataError(.invalidArgument, contains: "positive finite alpha") { _ = try d.partition(.dirichlet(alpha: 0), clients: 3, seed: 1) }
    }

    @Test func classGroupsMixesGroupAndRandomSamplesByR() throws {
        // 20 classes × 100 samples; 4 groups of 5 classes; 16 clients of 96 (80 train / 16 test).
        let d = try labelled(2000, classes: 20)
        let grouped = try d.partition(.classGroups(groups: 4, r: 1, samplesPerClient: 96), clients: 16, seed: 2, testFraction: 1.0 / 6)
        #expect(grouped.clients.allSatisfy { $0.train.count == 80 && $0.test.count == 16 })
        #expect(grouped.unassigned == 2000 - 16 * 96)
        _ = checkDisjoint(grouped)
        // r = 1: each client only sees the 5 classes of its group, and clients c and c + 4 share a group.
        let hs = try grouped.labelHistograms()
        for c in 0..<16 {
            let seen = Set(hs[c].indices.filter { hs[c][$0] > 0 })
            #expect(seen.count <= 5)
            let partner = Set(hs[(c + 4) % 16].indices.filter { hs[(c + 4) % 16][$0] > 0 })
            #expect(seen.union(partner).count <= 5)
        }
        // r = 0.5 (same seed, so the same groups): 48 samples from the group, the rest from anywhere.
        let half = try d.partition(.classGroups(groups: 4, r: 0.5, samplesPerClient: 96), clients: 16, seed: 2)
        let hh = try half.labelHistograms()
        let groupOf0 = Set(hs[0].indices.filter { hs[0][$0] > 0 })
        let inGroup = groupOf0.reduce(0) { $0 + hh[0][$1] }
        #expect(inGroup >= 48 && inGroup < 96)
        expectDataError(.invalidArgument, contains: "cannot give 16 clients 200 samples") {
            _ = try d.partition(.classGroups(groups: 4, r: 1, samplesPerClient: 200), clients: 16, seed: 2)
        }
        expectDataError(.invalidArgument, contains: "group 0 has 500 samples but its 3 clients need 200 each") {
            _ = try d.partition(.classGroups(groups: 4, r: 1, samplesPerClient: 200), clients: 9, seed: 2)
        }
    }

    @Test func sameSeedSameBytesDifferentSeedDifferent() throws {
        let d = try labelled(500, classes: 10)
        let schemes: [PartitionScheme] = [.iid, .labelSubset(classesPerClient: 2), .dirichlet(alpha: 0.5), .classGroups(groups: 5, r: 0.8)]
        for s in schemes {
            let a = try d.partition(s, clients: 10, seed: 7), b = try d.partition(s, clients: 10, seed: 7)
            let c = try d.partition(s, clients: 10, seed: 8)
            #expect(fingerprint(a) == fingerprint(b), "\(s)")
            #expect(fingerprint(a) != fingerprint(c), "\(s)")
            for (p, q) in zip(a.clients, b.clients) {
                #expect(try p.train.column("x").bitwiseEqual(q.train.column("x")), "\(s)")
                #expect(try p.test.column("y").bitwiseEqual(q.test.column("y")), "\(s)")
            }
        }
    }

    @Test func testFractionDoesNotChangeWhoHoldsWhat() throws {
        let d = try labelled(300, classes: 10)
        let a = try d.partition(.labelSubset(classesPerClient: 2), clients: 6, seed: 1, testFraction: 0.1)
        let b = try d.partition(.labelSubset(classesPerClient: 2), clients: 6, seed: 1, testFraction: 0.5)
        for (p, q) in zip(a.clients, b.clients) {
            #expect(Set(p.train.baseRows + p.test.baseRows) == Set(q.train.baseRows + q.test.baseRows))
        }
    }

    @Test func mergedAndClientBatchesKeepClientsApart() throws {
        let d = try labelled(120, classes: 6)
        let f = try d.partition(.labelSubset(classesPerClient: 2), clients: 6, seed: 4, testFraction: 0.25)
        let m = try f.merged(.train)
        #expect(m.count == f.clients.reduce(0) { $0 + $1.train.count })
        #expect(m.groupKind == "client" && Set(m.groups!) == Set(0..<6))
        let seq = try f.clientBatches(size: 4, seed: 1)
        var perClient = [Int](repeating: 0, count: 6)
        for cb in seq {
            #expect(cb.batch.count <= 4)
            // Every sample of the batch belongs to that client's training rows.
            let own = Set(try f.clients[cb.client].train.column("x").floats)
            #expect(Set(cb.batch["x"]!.floats).isSubset(of: own))
            perClient[cb.client] += cb.batch.count
        }
        #expect(perClient == f.clients.map(\.train.count))
        let order1 = Array(try f.clientBatches(size: 4, seed: 1)).map(\.client)
        let order2 = Array(try f.clientBatches(size: 4, seed: 1, epoch: 1)).map(\.client)
        #expect(order1 == Array(seq).map(\.client) && order1 != order2)
        #expect(try f.report().contains("client 0: train"))
    }

    @Test func argumentsAreChecked() throws {
        let d = try labelled(10, classes: 2)
        expectDataError(.invalidArgument, contains: "expected a client count") { _ = try d.partition(.iid, clients: nil, seed: 1) }
        expectDataError(.invalidArgument, contains: "positive client count") { _ = try d.partition(.iid, clients: 0, seed: 1) }
        expectDataError(.invalidArgument, contains: "test fraction in 0...1") { _ = try d.partition(.iid, clients: 2, seed: 1, testFraction: 2) }
        expectDataError(.invalidArgument, contains: "no per-sample user ids") { _ = try d.partition(.byUser, clients: nil, seed: 1) }
        expectDataError(.invalidArgument, contains: "expected at most 10 clients") {
            _ = try d.partition(.labelSubset(classesPerClient: 1), clients: 1_000_000_000, seed: 1)
        }
        expectDataError(.invalidArgument, contains: "cannot give 2 clients") {
            _ = try d.partition(.classGroups(groups: 2, r: 0.5, samplesPerClient: Int.max), clients: 2, seed: 1)
        }
        expectDataError(.invalidArgument, contains: "at least \(Int.max) samples") {
            _ = try d.partition(.dirichlet(alpha: 1, minSamples: Int.max), clients: 2, seed: 1)
        }
        #expect(Dataset.clientTestCount(1, 0.2) == 0 && Dataset.clientTestCount(2, 0.1) == 1 && Dataset.clientTestCount(10, 0.95) == 9)
        #expect(Dataset.clientTestCount(10, 1) == 10 && Dataset.clientTestCount(10, 0) == 0)
    }
}
