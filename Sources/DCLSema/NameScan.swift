// The lookup that scopes and bound arguments share: a short array of names scanned in order.
// Scopes hold a handful of names and an argument list a dozen, so a scan costs less than
// hashing into a dictionary (and the allocation a dictionary takes per scope or call).

/// An entry of such an array that carries its name (an interpreter scope's binding, a bound
/// argument).
public protocol NamedEntry {
    var name: String { get }
}

extension String: NamedEntry {
    public var name: String { self }
}

extension Array where Element: NamedEntry {
    /// The index of the entry named `name`, or nil. Lengths are compared first: a differing
    /// length (most misses) answers without a call into the string comparison.
    @inlinable
    public func positionOfName(_ name: String) -> Int? {
        let length = name.utf8.count
        var i = 0
        while i < count {
            let candidate = self[i].name
            if candidate.utf8.count == length, candidate == name { return i }
            i += 1
        }
        return nil
    }
}
