// A mapping between a data set's original ids (MovieLens userId, movieId, …) and the dense
// indices 0..<count that embedding tables and one-hot encodings need. Dense indices are assigned
// in order of first appearance, so the same file always gives the same mapping.

/// Original ids ↔ dense indices 0..<count.
public struct Vocabulary: Sendable, Equatable {
    /// `ids[i]` is the original id of dense index `i`.
    public private(set) var ids: [Int64] = []
    private var index: [Int64: Int32] = [:]

    public init() {}

    /// A vocabulary over `ids` in the given order; duplicates keep their first index.
    public init<S: Sequence>(_ ids: S) where S.Element == Int64 {
        for id in ids { _ = intern(id) }
    }

    /// Number of distinct ids.
    public var count: Int { ids.count }

    /// The dense index of an original id, or nil if it never occurred.
    public func dense(_ id: Int64) -> Int32? { index[id] }

    /// The original id of a dense index, or nil if out of range.
    public func original(_ dense: Int32) -> Int64? {
        dense >= 0 && Int(dense) < ids.count ? ids[Int(dense)] : nil
    }

    /// The dense index of `id`, adding it if new.
    @discardableResult
    public mutating func intern(_ id: Int64) -> Int32 {
        if let d = index[id] { return d }
        let d = Int32(ids.count)
        ids.append(id)
        index[id] = d
        return d
    }

    public static func == (a: Vocabulary, b: Vocabulary) -> Bool { a.ids == b.ids }
}
