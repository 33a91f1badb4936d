import Testing
@testable import DCLTensor

/// The streaming top-k search against the obvious method: every score (one fused multiply-add
/// chain per pair, k in order — how the engine's GEMM sums), then `Similarity.topK`'s full sort
/// of each row. Equality is exact: same scores, same order, same tie and NaN rules.
@Suite struct TopKSearchTests {
    /// Splitting pools (every job split, so small inputs take the parallel path) and a 2-thread
    /// pool that decides by the cost model.
    static let pools = [ThreadPool.serial, ThreadPool(threads: 2, splitsEveryJob: true),
                        ThreadPool(threads: 3, splitsEveryJob: true), ThreadPool(threads: 2)]

    static func bruteForce(_ queries: [Float], _ items: [Float], dim d: Int, top m: Int) -> (scores: [Float], indices: [Int32]) {
        let q = queries.count / d, n = items.count / d
        var all = [Float](repeating: 0, count: q * n)
        for i in 0..<q {
            for j in 0..<n {
                var acc: Float = 0
                for p in 0..<d { acc.addProduct(items[j * d + p], queries[i * d + p]) }
                all[i * n + j] = acc
            }
        }
        var s = [Float](repeating: 0, count: q * m), ix = [Int32](repeating: 0, count: q * m)
        Similarity.topK(all, rows: q, n: n, k: m, values: &s, indices: &ix)
        return (s, ix)
    }

    /// Searches with every pool and with `tileRows` (and the default tile), expecting the brute
    /// force's exact bits.
    static func expectMatches(_ queries: [Float], _ items: [Float], dim d: Int, top m: Int, tileRows: [Int],
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let q = queries.count / d, n = items.count / d
        let want = bruteForce(queries, items, dim: d, top: m)
        for pool in pools {
            for tile in tileRows + [TopKSearch.defaultTileRows(dim: d)] {
                var s = [Float](repeating: -1, count: q * m), ix = [Int32](repeating: -1, count: q * m)
                try TopKSearch.search(queries: queries, queryCount: q, items: items, itemCount: n, dim: d, top: m,
                                      scores: &s, indices: &ix, pool: pool, tileRows: tile)
                #expect(ix == want.indices, "q=\(q) n=\(n) d=\(d) m=\(m) tile=\(tile) threads=\(pool.threadCount)",
                        sourceLocation: sourceLocation)
                #expect(s.map(\.bitPattern) == want.scores.map(\.bitPattern),
                        "q=\(q) n=\(n) d=\(d) m=\(m) tile=\(tile) threads=\(pool.threadCount)", sourceLocation: sourceLocation)
            }
        }
    }

    static func normals(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float(rng.nextNormal()) }
    }

    @Test func matchesAFullSortOnRandomData() throws {
        // (queries, items, dim, top, tile rows): one query; queries not a multiple of the 16-wide
        // group; an odd dimension; N not a multiple of the tile; top larger than a tile; top = N;
        // fewer than 8 items (the padded block); a dimension past one 16-lane transpose.
        let cases: [(Int, Int, Int, Int, Int)] = [
            (1, 1000, 16, 50, 64), (37, 1000, 7, 10, 96), (5, 203, 33, 203, 64), (3, 100, 4, 70, 16),
            (2, 5, 3, 5, 64), (17, 9, 5, 4, 8), (20, 1003, 16, 1, 8), (4, 300, 70, 25, 40),
        ]
        for (i, (q, n, d, m, tile)) in cases.enumerated() {
            try Self.expectMatches(Self.normals(q * d, seed: UInt64(2 * i)), Self.normals(n * d, seed: UInt64(2 * i + 1)),
                                   dim: d, top: m, tileRows: [tile])
        }
    }

    @Test func tiesGoToTheLowerIndex() throws {
        // Entries in {-1, 0, 1}: scores are small integers, exact in any order, so most are tied.
        var rng = SeededGenerator(seed: 7)
        let d = 3, q = 19, n = 500
        let ints = { (count: Int) in (0..<count).map { _ in Float(rng.nextInt(below: 3) - 1) } }
        let queries = ints(q * d), items = ints(n * d)
        try Self.expectMatches(queries, items, dim: d, top: 40, tileRows: [8, 64])
        try Self.expectMatches(queries, items, dim: d, top: n, tileRows: [64])
        // All items equal: the answer is the first M indices.
        let same = [Float](repeating: 0.5, count: n * d)
        let (s, ix) = try TopKSearch.search(queries: [1, 2, 3], items: same, dim: d, top: 10)
        #expect(ix == (0..<10).map(Int32.init))
        #expect(s == [Float](repeating: 3, count: 10))
    }

    @Test func nanScoresRankLastAsInTopK() throws {
        // Items with a NaN (score NaN) and with ±infinity (score ±inf, or NaN against a zero).
        var items = Self.normals(60 * 4, seed: 11)
        for row in [0, 3, 17, 18, 40, 59] { items[row * 4 + 1] = .nan }
        items[5 * 4] = .infinity
        items[6 * 4 + 2] = -.infinity
        var queries = Self.normals(5 * 4, seed: 12)
        queries[2 * 4] = 0  // 0 · inf = NaN for query 2
        for m in [1, 10, 55, 60] { try Self.expectMatches(queries, items, dim: 4, top: m, tileRows: [8, 16]) }
        // Every score NaN: the order is by index alone.
        let (_, ix) = try TopKSearch.search(queries: [1, 1], items: [Float](repeating: .nan, count: 40), dim: 2, top: 7,
                                            pool: ThreadPool(threads: 2, splitsEveryJob: true))
        #expect(ix == (0..<7).map(Int32.init))
    }

    @Test func threadCountsGiveIdenticalBytes() throws {
        let d = 24, q = 40, n = 20_000, m = 30
        let queries = Self.normals(q * d, seed: 21), items = Self.normals(n * d, seed: 22)
        let one = try TopKSearch.search(queries: queries, items: items, dim: d, top: m, pool: .serial)
        for pool in Self.pools.dropFirst() {
            let other = try TopKSearch.search(queries: queries, items: items, dim: d, top: m, pool: pool)
            #expect(other.indices == one.indices, "\(pool.threadCount) threads")
            #expect(other.scores.map(\.bitPattern) == one.scores.map(\.bitPattern), "\(pool.threadCount) threads")
        }
        // And the result is the brute force's.
        let want = Self.bruteForce(queries, items, dim: d, top: m)
        #expect(one.indices == want.indices)
    }

    @Test func aQueryAloneIsItsRowOfABatch() throws {
        // One query takes the 8-lane GEMM and the contiguous scan; in a batch, the 16-lane GEMM
        // and the per-lane compare. Same bits either way.
        let d = 16, q = 21, n = 9_000, m = 50
        let queries = Self.normals(q * d, seed: 31), items = Self.normals(n * d, seed: 32)
        let batch = try TopKSearch.search(queries: queries, items: items, dim: d, top: m)
        for i in [0, 7, 20] {
            let alone = try TopKSearch.search(queries: Array(queries[(i * d)..<((i + 1) * d)]), items: items, dim: d, top: m)
            #expect(alone.indices == Array(batch.indices[(i * m)..<((i + 1) * m)]), "query \(i)")
            #expect(alone.scores.map(\.bitPattern) == batch.scores[(i * m)..<((i + 1) * m)].map(\.bitPattern), "query \(i)")
        }
    }

    @Test func rejectsBadInputsWithErrors() throws {
        let items: [Float] = [1, 2, 3, 4, 5, 6]
        #expect(throws: TensorError.self) { try TopKSearch.search(queries: [1, 2], items: items, dim: 2, top: 4) }
        #expect(throws: TensorError.self) { try TopKSearch.search(queries: [1, 2], items: items, dim: 2, top: 0) }
        #expect(throws: TensorError.self) { try TopKSearch.search(queries: [1, 2], items: items, dim: 0, top: 1) }
        #expect(throws: TensorError.self) { try TopKSearch.search(queries: [1, 2, 3], items: items, dim: 2, top: 1) }
        #expect(throws: TensorError.self) { try TopKSearch.search(queries: [], items: items, dim: 2, top: 1) }
        // Sizes whose products overflow, or past int32 indices, fail before anything is read.
        let one: [Float] = [0]
        var s: Float = 0, ix: Int32 = 0
        one.withUnsafeBufferPointer { p in
            for (q, n, d, m) in [(1, Int.max / 2, 4, 1), (Int.max / 3, 1, 3, 1), (1, Int(Int32.max) + 1, 1, 1), (Int.max / 4, 5, 1, 5)] {
                #expect(throws: TensorError.self) {
                    try TopKSearch.search(queries: p.baseAddress!, queryCount: q, items: p.baseAddress!, itemCount: n, dim: d,
                                          top: m, scores: &s, indices: &ix)
                }
            }
        }
    }
}
