// Exact top-M inner-product search: for each query q (of Q, each D floats), the M items x of a
// pool (N × D, N up to millions — users' embeddings in CoDA's coarse retrieval) with the
// largest q·x, best first, in `Similarity.topK`'s order (TopKLists.swift).
//
// Why not `Similarity.topK` on Q·Pᵀ: that materialises Q × N scores (4 MB per query at 10⁶)
// and sorts every row. Here the pool streams through in tiles of a few thousand rows. For
// each tile and each group of up to 16 queries, one GEMM writes the tile's scores as
// rows × 16 (one row per item, one lane per query) into per-thread scratch that stays in L2;
// the tile is read from memory once and reused for every query group. One 16-lane compare
// per item then tests all the group's queries against their current M-th best score, and
// only the rare scores that pass go to a query's bounded heap. Scratch is one tile per thread,
// whatever N is.
//
// Which GEMM: items × queriesᵀ with at most 16 query columns is `GEMMSmall.narrow`, which reads
// the tile in place (no packing) and keeps an 8 × 16 block of scores in registers — on AVX2
// that is the 16 vector registers exactly, where the blocked path's 12 × 32 tile spills; a
// single query (the latency case) takes its 8-lane form and its scores are one contiguous
// column, tested 16 at a time. A
// tile of fewer than 8 rows (only ever the pool's last) is copied into an 8-row zero-padded
// block so that it takes the same path: every score is then summed the same way (k in order,
// one accumulator) whichever tile, part or thread holds its row.
//
// Threads: the pool is cut into contiguous parts of whole tiles, searched by the engine's
// driver as independent tasks, each with its own lists; the lists are merged at the end.
// Because the order is total the merged top M is the same for every partition, so results
// are bit-identical for every thread count. One thread searches straight into the output.

/// Exact top-M inner-product search of queries against a pool of item vectors.
public enum TopKSearch {
    /// Queries per GEMM: the narrow kernel's column limit, and the compare's lane count.
    static let groupWidth = 16
    /// Scratch (bytes) a tile's items and scores should fit in: about half of a 512 KiB L2,
    /// leaving room for the other half's heaps and the next tile's prefetch.
    static let tileBytes = 256 * 1024
    /// Bytes of the per-part lists a search may allocate beyond its output; with more, it
    /// uses fewer parts (fewer threads) rather than more memory.
    static let partialListBytes = 256 << 20

    /// Items per tile for `dim`-float rows: the tile (4·dim bytes a row) and its scores
    /// (64 bytes a row) fit in `tileBytes`; a multiple of 8 (the narrow kernel's row block).
    static func defaultTileRows(dim: Int) -> Int {
        let rows = tileBytes / (4 * max(1, dim) + 4 * groupWidth)
        return min(4096, max(64, rows / 8 * 8))
    }

    /// For each of `queryCount` queries (rows of `queries`, `dim` floats each), the `top`
    /// items of `items` (`itemCount` rows of `dim` floats) with the largest inner product:
    /// `scores[q·top + r]` and `indices[q·top + r]` for rank r, best first, ties to the lower
    /// index, NaN scores last. Throws (before touching any output) unless every count is
    /// positive, `top ≤ itemCount ≤ Int32.max`, and the sizes fit in memory arithmetic.
    public static func search(queries: UnsafePointer<Float>, queryCount: Int, items: UnsafePointer<Float>, itemCount: Int,
                              dim: Int, top: Int, scores: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>,
                              pool: ThreadPool = .shared) throws {
        try search(queries: queries, queryCount: queryCount, items: items, itemCount: itemCount, dim: dim, top: top,
                   scores: scores, indices: indices, pool: pool, tileRows: defaultTileRows(dim: dim))
    }

    /// `search` on arrays: `queries` holds Q·dim floats, `items` N·dim; returns Q·top scores
    /// and indices.
    public static func search(queries: [Float], items: [Float], dim: Int, top: Int,
                              pool: ThreadPool = .shared) throws -> (scores: [Float], indices: [Int32]) {
        guard dim > 0 else { throw TensorError(op, "the dimension must be positive (got \(dim))") }
        guard queries.count % dim == 0, items.count % dim == 0 else {
            throw TensorError(op, "\(queries.count) query floats and \(items.count) item floats are not whole rows of \(dim)")
        }
        let q = queries.count / dim, n = items.count / dim
        try validate(queryCount: q, itemCount: n, dim: dim, top: top)
        var s = [Float](repeating: 0, count: q * top), ix = [Int32](repeating: 0, count: q * top)
        try queries.withUnsafeBufferPointer { qp in
            try items.withUnsafeBufferPointer { ip in
                try search(queries: qp.baseAddress!, queryCount: q, items: ip.baseAddress!, itemCount: n, dim: dim, top: top,
                           scores: &s, indices: &ix, pool: pool)
            }
        }
        return (s, ix)
    }

    static let op = "top_k_search"

    /// The checks `search` makes before it allocates or reads anything.
    static func validate(queryCount q: Int, itemCount n: Int, dim d: Int, top m: Int) throws {
        guard q > 0, n > 0, d > 0, m > 0 else {
            throw TensorError(op, "queries (\(q)), items (\(n)), dimension (\(d)) and top (\(m)) must all be positive")
        }
        guard m <= n else { throw TensorError(op, "top \(m) is more than the \(n) items searched") }
        guard n <= Int(Int32.max) else { throw TensorError(op, "\(n) items is more than int32 indices can address") }
        for (what, a, b) in [("items × dimension", n, d), ("queries × dimension", q, d), ("queries × top", q, m)] {
            let (count, o1) = a.multipliedReportingOverflow(by: b)
            let (_, o2) = count.multipliedReportingOverflow(by: 8)
            guard !o1 && !o2 else { throw TensorError(op, "\(what) = \(a) × \(b) overflows") }
        }
    }

    static func search(queries: UnsafePointer<Float>, queryCount q: Int, items: UnsafePointer<Float>, itemCount n: Int,
                       dim d: Int, top m: Int, scores: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>,
                       pool: ThreadPool, tileRows: Int) throws {
        try validate(queryCount: q, itemCount: n, dim: d, top: m)
        let tile = max(1, tileRows)
        let tiles = (n - 1) / tile + 1
        let groups = (q - 1) / groupWidth + 1
        // Per item and query group: 16·d multiply-adds (all 16 lanes are computed) and ~2 ns
        // of compare, in the driver's GEMM units (0.1 ns).
        let costPerItem = Double(groups) * Double(groupWidth * d + 20)
        let threads = pool.threads(forWork: Double(n) * costPerItem, .gemm)
        let listBytes = q * m * 8
        // Several parts per thread, so a thread that starts late (the other core busy) still
        // takes a share; bounded by the tiles and by the memory of the parts' lists.
        let parts = threads == 1 ? 1 : min(tiles, 4 * threads, max(1, partialListBytes / listBytes))
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: parts * q)
        counts.initialize(repeating: 0, count: parts * q)
        defer { counts.deallocate() }
        if parts == 1 {
            let lists = TopKLists(capacity: m, scores: scores, indices: indices, counts: counts)
            searchTiles(0..<tiles, tileRows: tile, queries, q, items, n, d, lists)
            for l in 0..<q { lists.sort(l) }
            return
        }
        let partScores = UnsafeMutablePointer<Float>.allocate(capacity: parts * q * m)
        let partIndices = UnsafeMutablePointer<Int32>.allocate(capacity: parts * q * m)
        defer { partScores.deallocate(); partIndices.deallocate() }
        let lists = (0..<parts).map { p in
            TopKLists(capacity: m, scores: partScores + p * q * m, indices: partIndices + p * q * m, counts: counts + p * q)
        }
        let tilesPerPart = Double(tiles) / Double(parts)
        pool.parallelTasks(parts, costPerTask: tilesPerPart * Double(tile) * costPerItem, family: .gemm) { p, _ in
            searchTiles((tiles * p / parts)..<(tiles * (p + 1) / parts), tileRows: tile, queries, q, items, n, d, lists[p])
            for l in 0..<q { lists[p].sort(l) }
        }
        pool.parallelRows(q, costPerRow: parts * m * 4, family: .direct) { l in
            TopKLists.merge(lists, list: l, count: m, into: scores + l * m, indices + l * m)
        }
    }

    /// Offers every item of `tileRange` (tiles of `tileRows` rows) to `lists` for every query,
    /// in increasing item order; runs on one thread.
    static func searchTiles(_ tileRange: Range<Int>, tileRows: Int, _ queries: UnsafePointer<Float>, _ q: Int,
                            _ items: UnsafePointer<Float>, _ n: Int, _ d: Int, _ lists: TopKLists) {
        if tileRange.isEmpty { return }
        let w = groupWidth
        // Scores of one tile (rows × 16, 64-byte aligned rows), then an 8-row padded block.
        let scratch = ThreadScratch.current.floats(max(tileRows, 8) * w + 8 * d, slot: .misc)
        let tileScores = scratch, padded = scratch + max(tileRows, 8) * w
        for t in tileRange {
            let first = t * tileRows, rows = min(tileRows, n - first)
            var block = items + first * d
            if rows < 8 {
                padded.initialize(from: block, count: rows * d)
                (padded + rows * d).initialize(repeating: 0, count: (8 - rows) * d)
                block = UnsafePointer(padded)
            }
            if q == 1 {
                // One query: its scores are one contiguous column, tested 16 items at a time.
                GEMM.sgemm(m: max(rows, 8), n: 1, k: d, a: block, lda: d, b: queries, ldb: d, transB: true,
                           c: tileScores, ldc: 1, pool: .serial)
                offerColumn(tileScores, rows: rows, firstItem: first, list: 0, lists)
                continue
            }
            var g0 = 0
            while g0 < q {
                let width = min(w, q - g0)
                GEMM.sgemm(m: max(rows, 8), n: width, k: d, a: block, lda: d, b: queries + g0 * d, ldb: d, transB: true,
                           c: tileScores, ldc: w, pool: .serial)
                offerTile(tileScores, rows: rows, firstItem: first, firstList: g0, width: width, lists)
                g0 += w
            }
        }
    }

    /// Offers one query's scores of a tile (`tile[r]` = item `firstItem + r`) to list `list`.
    @inline(__always)
    static func offerColumn(_ tile: UnsafePointer<Float>, rows: Int, firstItem: Int, list: Int, _ lists: TopKLists) {
        var threshold = lists.threshold(list)
        var r = 0
        while r + 16 <= rows {
            let s = UnsafeRawPointer(tile + r).load(as: F16.self)
            // As in `offerTile`: a pass is a score above the threshold, a NaN, or any score
            // while the threshold is NaN; `offer` makes the exact decision.
            if any(.!(s .<= F16(repeating: threshold))) {
                for c in 0..<16 where !(s[c] <= threshold) {
                    lists.offer(list, s[c], Int32(firstItem + r + c))
                    threshold = lists.threshold(list)
                }
            }
            r += 16
        }
        while r < rows {
            if !(tile[r] <= threshold) {
                lists.offer(list, tile[r], Int32(firstItem + r))
                threshold = lists.threshold(list)
            }
            r += 1
        }
    }

    /// Offers a tile's scores (row r = item `firstItem + r`, lane c = list `firstList + c`).
    @inline(__always)
    static func offerTile(_ tile: UnsafePointer<Float>, rows: Int, firstItem: Int, firstList: Int, width: Int, _ lists: TopKLists) {
        var threshold = F16(repeating: .infinity)
        var live = SIMDMask<SIMD16<Int32>>(repeating: false)
        for c in 0..<width {
            threshold[c] = lists.threshold(firstList + c)
            live[c] = true
        }
        let raw = UnsafeRawPointer(tile)
        for r in 0..<rows {
            let s = raw.load(fromByteOffset: r * 64, as: F16.self)
            // Not (s ≤ threshold): s beats a numeric threshold, or s is NaN, or the threshold
            // is NaN (offer everything). Lanes past `width` hold another group's scores.
            let pass = .!(s .<= threshold) .& live
            if !any(pass) { continue }
            for c in 0..<width where pass[c] {
                lists.offer(firstList + c, s[c], Int32(firstItem + r))
                threshold[c] = lists.threshold(firstList + c)
            }
        }
    }
}
