// Sample pools in both stores: an import reads back exactly, a name is taken once unless
// replaced, and a replacement that fails half-way leaves the old pool whole.

import Foundation
import Testing
@testable import DCLFleet
@testable import DCLFleetPostgres

/// Samples from memory, in batches of `batch`; throws `failure` instead of the batch at
/// `failAt` (an import that breaks half-way).
final class ArraySource: PoolSampleSource {
    let samples: PoolBatch
    let vocabulary: PoolVocabularies
    let batch: Int
    let failAt: Int?
    private var next = 0, served = 0

    struct Broken: Error, CustomStringConvertible { var description: String { "ratings.csv:7:3: broken on purpose" } }

    init(_ samples: PoolBatch, _ vocabularies: PoolVocabularies, batch: Int = 2, failAt: Int? = nil) {
        self.samples = samples
        self.vocabulary = vocabularies
        self.batch = batch
        self.failAt = failAt
    }

    func nextBatch() throws -> PoolBatch? {
        if let failAt, served == failAt { throw Broken() }
        guard next < samples.count else { return nil }
        let end = min(next + batch, samples.count)
        var b = PoolBatch()
        b.user = Array(samples.user[next..<end])
        b.item = Array(samples.item[next..<end])
        if !samples.rating.isEmpty { b.rating = Array(samples.rating[next..<end]) }
        if !samples.label.isEmpty { b.label = Array(samples.label[next..<end]) }
        if !samples.time.isEmpty { b.time = Array(samples.time[next..<end]) }
        next = end
        served += 1
        return b
    }

    func vocabularies() throws -> PoolVocabularies { vocabulary }
}

@Suite struct SamplePoolStoreTests {
    /// Runs `body` on a fresh store of `kind`, removed afterwards whatever happens.
    private func withStore(_ kind: StoreKind, _ body: (any SamplePoolStore) async throws -> Void) async throws {
        let handle = try await StoreUnderTest(kind)
        do {
            try await body(try #require(handle.store as? any SamplePoolStore))
        } catch {
            await handle.remove()
            throw error
        }
        await handle.remove()
    }

    static func pool(seed: Int) -> (PoolBatch, PoolVocabularies) {
        var b = PoolBatch()
        b.user = [0, 0, 1, 2, 1]
        b.item = [0, 1, 1, 2, 0]
        b.rating = [4, 3.5, Float(seed), 0.5, 5]
        b.time = [100, 101, 200, Int64(Int32.max), -5]
        return (b, PoolVocabularies(users: [10, 20, 30 + Int64(seed)], items: [100, 200, 300], itemGenres: ["Action|Crime", "", "Comedy"]))
    }

    static let columns = PoolColumns(rating: true, label: false, time: true, genres: true)

    @Test(arguments: StoreKind.all) func importReadListDrop(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let (b, v) = Self.pool(seed: 1)
            let summary = try await store.importPool(name: "ml", kind: "movielens", source: "dir", columns: Self.columns, from: ArraySource(b, v),
                                                     replace: false, now: 5)
            #expect(summary == PoolSummary(name: "ml", kind: "movielens", source: "dir", columns: Self.columns, samples: 5, users: 3, items: 3, createdAt: 5))
            let back = try #require(try await store.readPool(name: "ml"))
            #expect(back.samples == b && back.vocabularies == v && back.summary == summary)

            var labels = PoolBatch()
            labels.user = [0]; labels.item = [0]; labels.label = [1]
            let plain = PoolColumns(rating: false, label: true, time: false, genres: false)
            _ = try await store.importPool(name: "clicks", kind: "csv", source: "c.csv", columns: plain,
                                           from: ArraySource(labels, PoolVocabularies(users: [1], items: [2], itemGenres: nil)), replace: false, now: 6)
            #expect(try await store.pools().map(\.name) == ["clicks", "ml"])
            let clicks = try #require(try await store.readPool(name: "clicks"))
            #expect(clicks.samples == labels && clicks.vocabularies.itemGenres == nil)

            #expect(try await store.dropPool(name: "clicks"))
            #expect(try await store.dropPool(name: "clicks") == false)
            #expect(try await store.readPool(name: "clicks") == nil)
            #expect(try await store.pools().map(\.name) == ["ml"])
        }
    }

    @Test(arguments: StoreKind.all) func aNameIsTakenOnceAndAFailedReplacementKeepsTheOldPool(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let (old, oldV) = Self.pool(seed: 1), (new, newV) = Self.pool(seed: 2)
            _ = try await store.importPool(name: "ml", kind: "movielens", source: "a", columns: Self.columns, from: ArraySource(old, oldV), replace: false, now: 1)

            await #expect(throws: FleetError.self) {
                try await store.importPool(name: "ml", kind: "movielens", source: "b", columns: Self.columns, from: ArraySource(new, newV), replace: false, now: 2)
        }
        // Broken after two batches were written: the error is the file's, and nothing changed.
        do {
            _ = try await store.importPool(name: "ml", kind: "movielens", source: "b", columns: Self.columns,
                                           from: ArraySource(new, newV, failAt: 2), replace: true, now: 2)
            Issue.record("the broken import succeeded")
        } catch {
            #expect("\(error)" == "ratings.csv:7:3: broken on purpose")
        }
        let kept = try #require(try await store.readPool(name: "ml"))
        #expect(kept.samples == old && kept.vocabularies == oldV && kept.summary.source == "a")
        #expect(try await store.pools().count == 1)

        _ = try await store.importPool(name: "ml", kind: "movielens", source: "b", columns: Self.columns, from: ArraySource(new, newV), replace: true, now: 3)
        let replaced = try #require(try await store.readPool(name: "ml"))
        #expect(replaced.samples == new && replaced.vocabularies == newV && replaced.summary.source == "b")
        }
    }

    @Test func badNamesAreRefused() {
        for name in ["", "a b", "x;drop", String(repeating: "a", count: 129), "é"] {
            #expect(throws: FleetError.self) { try SamplePoolRules.checkName(name) }
        }
        #expect(throws: Never.self) { try SamplePoolRules.checkName("ml-latest-small_2.v1") }
    }
}
