// Bounded "best M so far" lists for the streaming top-k search (TopKSearch.swift).
//
// Each list is a binary heap with its *worst* pair at the root, so the one question asked of
// almost every score — can it enter? — is a comparison with the root, and an entry costs
// O(log M). Scanning N scores keeps M pairs, never N: a full sort of a 10⁶-long row (what
// `Similarity.topK` does on a materialised score matrix) is what this replaces.
//
// The order is `Similarity.topK`'s, made total by the index: a larger score ranks first, NaN
// ranks after every number, and among equal scores (0 and -0 are equal) the lower index ranks
// first. A total order makes the top M of any set unique, so lists built over different parts
// of the pool merge into exactly the list one pass over the whole pool would have built.

/// True if (a, i) ranks before (b, j): the order of every top-k in the engine.
@inline(__always)
func ranksBefore(_ a: Float, _ i: Int32, _ b: Float, _ j: Int32) -> Bool {
    // Two NaNs are unequal to each other, yet tied here (`Similarity.topK`'s stable sort
    // keeps them in index order).
    if a.isNaN || b.isNaN { return a.isNaN == b.isNaN ? i < j : b.isNaN }
    if a != b { return a > b }
    return i < j
}

/// `lists` heaps of up to `capacity` (score, index) pairs in caller-owned memory: list `l`
/// occupies `scores[l·capacity ..< (l+1)·capacity]` and the same range of `indices`.
struct TopKLists {
    let capacity: Int
    let scores: UnsafeMutablePointer<Float>
    let indices: UnsafeMutablePointer<Int32>
    /// Pairs held by each list.
    let counts: UnsafeMutablePointer<Int>

    /// The score a new pair of list `l` must beat to be worth offering, or NaN while every
    /// pair must be offered: the list is not full, or its worst score is NaN (then a number
    /// beats it and only the index decides between NaNs). Pairs are offered in increasing
    /// index order within one list, so a pair scoring exactly the threshold ranks after the
    /// root and cannot enter: the strict test `score > threshold` is exact.
    @inline(__always)
    func threshold(_ l: Int) -> Float {
        if counts[l] < capacity { return .nan }
        return scores[l * capacity]
    }

    /// Offers (score, index) to list `l`; it is kept if the list is not full or it ranks
    /// before the worst pair held.
    @inline(__always)
    func offer(_ l: Int, _ score: Float, _ index: Int32) {
        let s = scores + l * capacity, ix = indices + l * capacity
        let n = counts[l]
        if n < capacity {
            // Sift up: a parent must never rank before its child.
            var c = n
            while c > 0 {
                let p = (c - 1) / 2
                if !ranksBefore(s[p], ix[p], score, index) { break }
                s[c] = s[p]; ix[c] = ix[p]
                c = p
            }
            s[c] = score; ix[c] = index
            counts[l] = n + 1
        } else if ranksBefore(score, index, s[0], ix[0]) {
            siftDown(s, ix, from: 0, size: n, score, index)
        }
    }

    /// Places (score, index) at `hole` of a heap of `size` pairs, moving down past children
    /// that rank after it.
    @inline(__always)
    private func siftDown(_ s: UnsafeMutablePointer<Float>, _ ix: UnsafeMutablePointer<Int32>, from hole: Int, size: Int,
                          _ score: Float, _ index: Int32) {
        var h = hole
        while true {
            var c = 2 * h + 1
            if c >= size { break }
            // The worse child is the one that may rise to the hole.
            if c + 1 < size && ranksBefore(s[c], ix[c], s[c + 1], ix[c + 1]) { c += 1 }
            if !ranksBefore(score, index, s[c], ix[c]) { break }
            s[h] = s[c]; ix[h] = ix[c]
            h = c
        }
        s[h] = score; ix[h] = index
    }

    /// Rearranges list `l` from a heap into ranking order, best first (heap sort: the worst
    /// pair left is moved to the end each step).
    func sort(_ l: Int) {
        let s = scores + l * capacity, ix = indices + l * capacity
        var n = counts[l]
        while n > 1 {
            n -= 1
            let score = s[n], index = ix[n]
            s[n] = s[0]; ix[n] = ix[0]
            siftDown(s, ix, from: 0, size: n, score, index)
        }
    }

    /// Writes the best `count` pairs of list `l` over all `parts` (each sorted, best first) to
    /// `outScores`/`outIndices`: a merge of sorted runs, each step taking the best head.
    static func merge(_ parts: [TopKLists], list l: Int, count: Int,
                      into outScores: UnsafeMutablePointer<Float>, _ outIndices: UnsafeMutablePointer<Int32>) {
        var heads = [Int](repeating: 0, count: parts.count)
        for out in 0..<count {
            var best = -1
            var bs: Float = 0, bi: Int32 = 0
            for (p, part) in parts.enumerated() where heads[p] < part.counts[l] {
                let at = l * part.capacity + heads[p]
                if best < 0 || ranksBefore(part.scores[at], part.indices[at], bs, bi) {
                    best = p; bs = part.scores[at]; bi = part.indices[at]
                }
            }
            // The parts together hold at least `count` pairs (the caller checks M ≤ N).
            precondition(best >= 0, "top-k merge ran out of pairs")
            heads[best] += 1
            outScores[out] = bs
            outIndices[out] = bi
        }
    }
}
