// A set of small non-negative integers (argument positions) that allocates nothing for the
// first 64. Binding a built-in call tracked its bound parameters in a `[Bool]`, one heap
// allocation per call on the hottest path of `dcl check`; no built-in has 64 parameters, but
// the array beyond keeps any count correct.

struct PositionSet {
    private var low: UInt64 = 0
    private var high: [Bool]

    /// A set for positions `0..<count`, empty.
    init(count: Int) {
        high = count > 64 ? [Bool](repeating: false, count: count - 64) : []
    }

    func contains(_ i: Int) -> Bool {
        i < 64 ? low & (1 << UInt64(i)) != 0 : high[i - 64]
    }

    mutating func insert(_ i: Int) {
        if i < 64 { low |= 1 << UInt64(i) } else { high[i - 64] = true }
    }
}
