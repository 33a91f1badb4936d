// The lookup that scopes and bound arguments share: a short array of names scanned in order.
// Scopes hold a handful of names and an argument list a dozen, so a scan costs less than
// hashing into a dictionary (and the allocation a dictionary takes per scope or call).

extension Array where Element == String {
    /// The index of `name`, or nil. Lengths are compared first: a differing length (most
    /// misses) answers without a call into the string comparison.
    @inlinable
    public func positionOfName(_ name: String) -> Int? {
        let length = name.utf8.count
        var i = 0
        while i < count {
            if self[i].utf8.count == length, self[i] == name { return i }
            i += 1
        }
        return nil
    }
}
