// Per-value entries of a graph (types, sources) by value id. Ids are handed out in order by
// the builder, so a dense array indexed by id serves nearly every lookup without hashing —
// building a model's graph did one dictionary insert per value and per table. Graph text may
// number its values freely (up to `GraphTextLimits.maxValueID`), so an id far beyond the
// entries held goes to a dictionary instead: memory stays proportional to the entries, never
// to the largest id.

public struct ValueTable<Element>: Sequence {
    private var dense: [Element?] = []
    private var sparse: [ValueID: Element] = [:]
    /// Entries held.
    public private(set) var count = 0

    public init() {}

    public subscript(v: ValueID) -> Element? {
        get {
            if v.raw >= 0, v.raw < dense.count { return dense[v.raw] }
            return sparse.isEmpty ? nil : sparse[v]
        }
        set {
            if v.raw >= 0, v.raw >= dense.count, v.raw < Self.denseLimit(count), newValue != nil { grow(to: v.raw + 1) }
            if v.raw >= 0, v.raw < dense.count {
                let had = dense[v.raw] != nil
                dense[v.raw] = newValue
                count += (newValue != nil ? 1 : 0) - (had ? 1 : 0)
            } else {
                let had = sparse[v] != nil
                sparse[v] = newValue
                count += (newValue != nil ? 1 : 0) - (had ? 1 : 0)
            }
        }
    }

    /// How far past its entries the dense part may reach: ids a little ahead of the count
    /// (values removed by passes leave gaps) stay dense; a stray huge id does not.
    private static func denseLimit(_ count: Int) -> Int { Swift.max(1024, 4 * (count + 1)) }

    /// Extends the dense part to `size` slots (at least doubling), moving sparse entries in.
    private mutating func grow(to size: Int) {
        let target = Swift.max(size, 2 * dense.count)
        dense.append(contentsOf: repeatElement(nil, count: target - dense.count))
        guard !sparse.isEmpty else { return }
        for (k, v) in sparse where k.raw >= 0 && k.raw < dense.count {
            dense[k.raw] = v
            sparse[k] = nil
        }
    }

    /// The ids held, ascending.
    public var keys: [ValueID] { map(\.key) }

    /// Entries in ascending id order.
    public func makeIterator() -> AnyIterator<(key: ValueID, value: Element)> {
        var i = 0
        let extra = sparse.sorted { $0.key < $1.key }
        var j = 0
        // Sparse ids are beyond the dense part, except negative ones (never handed out).
        return AnyIterator {
            while i < dense.count {
                defer { i += 1 }
                if let e = dense[i] { return (ValueID(i), e) }
            }
            guard j < extra.count else { return nil }
            defer { j += 1 }
            return (extra[j].key, extra[j].value)
        }
    }
}
