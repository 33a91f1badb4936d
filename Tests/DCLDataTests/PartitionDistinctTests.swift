// `partition(..., distinct: k)`: fleets larger (or smaller) than the clients a data set can hold
// disjointly. The scheme forms k clients; client c holds formed client c mod k's samples, with
// its own train/test split (by_user keeps the time split).

import Testing
@testable import DCLData
import DCLTensor

/// `n` samples of a 1-feature data set whose labels cycle through `classes`.
private func labelled(_ n: Int, classes: Int) throws -> Dataset {
    let x = try Tensor(shape: [n, 1], floats: (0..<n).map(Float.init))
    let y = try Tensor(shape: [n], ints: (0..<n).map { Int32($0 % classes) })
    return try Dataset(columns: [("x", x), ("y", y)], classCount: classes, source: "labelled")
}

private func rows(_ c: ClientData) -> [Int] { (c.train.baseRows + c.test.baseRows).sorted() }

@Suite struct PartitionDistinctTests {
    @Test func clientsBeyondDistinctRepeatFormedClientsWithTheirOwnSplit() throws {
        let d = try labelled(300, classes: 5)
        let schemes: [PartitionScheme] = [.iid, .labelSubset(classesPerClient: 2), .dirichlet(alpha: 0.5),
                                          .classGroups(groups: 5, r: 0.8, samplesPerClient: 30)]
        for s in schemes {
            let formed = try d.partition(s, clients: 4, seed: 3, testFraction: 0.3)
            let fleet = try d.partition(s, clients: 11, seed: 3, testFraction: 0.3, distinct: 4)
            #expect(fleet.count == 11 && fleet.clients.map(\.id) == Array(0..<11), "\(s)")
            // The first k clients are exactly the formed ones, split included.
            for c in 0..<4 {
                #expect(fleet.clients[c].train.baseRows == formed.clients[c].train.baseRows, "\(s)")
                #expect(fleet.clients[c].test.baseRows == formed.clients[c].test.baseRows, "\(s)")
            }
            // Repeats hold the same samples and as many test samples, split by their own seed.
            var resplit = 0
            for c in 4..<11 {
                let original = formed.clients[c % 4]
                #expect(rows(fleet.clients[c]) == rows(original), "\(s) client \(c)")
                #expect(fleet.clients[c].test.count == original.test.count, "\(s) client \(c)")
                if fleet.clients[c].test.baseRows != original.test.baseRows { resplit += 1 }
            }
            #expect(resplit > 0, "\(s): every repeated client kept its original's split")
            #expect(fleet.unassigned == formed.unassigned, "\(s)")
            #expect(fleet.scheme.hasSuffix("distinct: 4)"))
            // Deterministic.
            let again = try d.partition(s, clients: 11, seed: 3, testFraction: 0.3, distinct: 4)
            #expect(fleet.clients.map { $0.test.baseRows } == again.clients.map { $0.test.baseRows }, "\(s)")
        }
    }

    @Test func fewerClientsThanDistinctTakeTheFirstFormed() throws {
        let d = try labelled(200, classes: 4)
        let formed = try d.partition(.dirichlet(alpha: 1), clients: 10, seed: 1)
        let few = try d.partition(.dirichlet(alpha: 1), clients: 3, seed: 1, distinct: 10)
        #expect(few.count == 3)
        for c in 0..<3 { #expect(few.clients[c].train.baseRows == formed.clients[c].train.baseRows) }
        // Samples of formed clients 3…9 are left out.
        #expect(few.unassigned == 200 - (0..<3).reduce(0) { $0 + rows(formed.clients[$1]).count })
    }

    @Test func aFleetLargerThanTheDataRepeatsInsteadOfFailing() throws {
        let d = try labelled(20, classes: 2)
        expectDataError(.invalidArgument, contains: "expected at most 20 clients") { _ = try d.partition(.iid, clients: 1000, seed: 1) }
        let f = try d.partition(.iid, clients: 1000, seed: 1, testFraction: 0.5, distinct: 5)
        #expect(f.count == 1000 && f.clients.allSatisfy { $0.train.count == 2 && $0.test.count == 2 })
        #expect(rows(f.clients[999]) == rows(f.clients[4]))
    }

    @Test func byUserRepeatsUsersInOrderWithTheSameSplit() throws {
        // Three users (groups 0, 1, 2) with 4, 3 and 2 samples.
        let groups: [Int32] = [0, 0, 0, 0, 1, 1, 1, 2, 2]
        let d = try labelled(9, classes: 2).settingGroups(groups, kind: "user")
        let f = try d.partition(.byUser, clients: 7, seed: 5, testFraction: 0.25, distinct: 3)
        #expect(f.count == 7)
        #expect(f.clients.map { $0.train.groups!.first! } == [0, 1, 2, 0, 1, 2, 0])
        for c in 3..<7 {
            #expect(f.clients[c].train.baseRows == f.clients[c % 3].train.baseRows)
            #expect(f.clients[c].test.baseRows == f.clients[c % 3].test.baseRows)
        }
        // Fewer devices than users: the first users in id order, not a random draw.
        let two = try d.partition(.byUser, clients: 2, seed: 5, testFraction: 0.25, distinct: 3)
        #expect(two.clients.map { $0.train.groups!.first! } == [0, 1])
    }

    @Test func distinctIsChecked() throws {
        let d = try labelled(10, classes: 2)
        expectDataError(.invalidArgument, contains: "positive distinct client count") {
            _ = try d.partition(.iid, clients: 4, seed: 1, distinct: 0)
        }
        expectDataError(.invalidArgument, contains: "`distinct` needs a client count") {
            _ = try d.partition(.iid, clients: nil, seed: 1, distinct: 2)
        }
        expectDataError(.invalidArgument, contains: "expected at most 10 distinct clients for 10 samples, found 11") {
            _ = try d.partition(.iid, clients: 40, seed: 1, distinct: 11)
        }
    }
}
