// Numbering of generated names per scope path (`features.conv2d_1`, `features.conv2d_2`, …),
// for the graph builder's node names and the elaborator's layer paths.
//
// Every node and every layer of a model asks for a number, so this is on the hot path of
// `dcl check`: keying one table by `path + op` built a long string and hashed it per name, and
// the name itself took two or three allocations. Here the table of the current scope is found
// once, when the scope is entered; a name hashes only its short base (`conv2d`), and is built
// with one allocation (`joinedName`).

/// Counters of generated names, one table per scope path.
public struct ScopedNumbering {
    private var tableOfPath: [String: Int] = ["": 0]
    private var tables: [[String: Int]] = [[:]]
    private var current = 0

    public init() {}

    /// Makes `path` the current scope (the same path always gets the same table, so numbering
    /// continues where an earlier visit left it). Returns what `leave` restores.
    public mutating func enter(_ path: String) -> Int {
        let saved = current
        if let i = tableOfPath[path] {
            current = i
        } else {
            tables.append([:])
            current = tables.count - 1
            tableOfPath[path] = current
        }
        return saved
    }

    /// Returns to the scope that was current before `enter`.
    public mutating func leave(restoring saved: Int) { current = saved }

    /// The next number (1, 2, …) for `base` in the current scope.
    public mutating func next(_ base: String) -> Int {
        Self.increment(&tables[current][base, default: 0])
    }

    /// Counts one use of `base` under `path` without entering it (a builder continuing on an
    /// existing graph counts the names it already has).
    public mutating func count(_ base: String, under path: String) {
        let saved = enter(path)
        _ = next(base)
        leave(restoring: saved)
    }

    private static func increment(_ c: inout Int) -> Int {
        c += 1
        return c
    }
}

/// `a + b + c + d + e` in one allocation (a chain of `+` allocates an intermediate per step
/// once the text is longer than a small string's 15 bytes).
@inline(__always)
public func joinedName(_ a: String, _ b: String, _ c: String = "", _ d: String = "", _ e: String = "") -> String {
    let length = a.utf8.count + b.utf8.count + c.utf8.count + d.utf8.count + e.utf8.count
    var s = ""
    if length > 15 { s.reserveCapacity(length) }
    s += a
    s += b
    s += c
    s += d
    s += e
    return s
}
