// Walking nested lists and records without letting a script turn the walk into a crash or a hang.
//
// Two shapes of value are cheap to build and ruinous to walk naively:
// * a deep chain — `for i in 0..1000000 { x = [x] }` — whose every recursive walk (and even its
//   destruction) overflows the stack: lists and records therefore nest at most `maxNesting` deep,
//   checked where a script builds them;
// * a shared DAG — `x = [x, x]` sixty times — which holds 60 arrays but 2^60 paths: every walk
//   here visits each shared storage once (lists and records share storage until mutated, and
//   nothing mutates during a walk), so its cost is the number of distinct storages, not paths.

import DCLDiagnostics

extension Value {
    /// How deep lists and records may nest (as deep as the parser lets brackets nest).
    public static let maxNesting = 256

    /// The identity of a list's or record's storage during a walk (nil for other values and
    /// for empty lists, which have nothing to walk).
    var storageIdentity: UnsafeRawPointer? {
        switch self {
        case .list(let xs):
            return xs.withUnsafeBufferPointer { $0.baseAddress.map { UnsafeRawPointer($0) } }
        case .record(let r):
            return r.storageIdentity
        default:
            return nil
        }
    }

    /// The elements of a list or the field values of a record; empty for other values.
    var children: [Value] {
        switch self {
        case .list(let xs): return xs
        case .record(let r): return r.keys.map { r[$0]! }
        default: return []
        }
    }

    /// How deeply lists and records nest in this value (0 for a scalar, 1 for `[1, 2]`), or nil
    /// as soon as it is known to exceed `limit`.
    func nestingDepth(limit: Int = Value.maxNesting) -> Int? {
        var memo: [UnsafeRawPointer: Int] = [:]
        return Value.depth(self, limit: limit, memo: &memo)
    }

    private static func depth(_ v: Value, limit: Int, memo: inout [UnsafeRawPointer: Int]) -> Int? {
        guard let id = v.storageIdentity else {
            if case .record = v { return 1 }   // an empty record (no storage to name)
            return 0
        }
        if let d = memo[id] { return d <= limit ? d : nil }
        guard limit > 0 else { return nil }
        var deepest = 0
        for c in v.children {
            guard let d = depth(c, limit: limit - 1, memo: &memo) else { return nil }
            deepest = max(deepest, d)
        }
        memo[id] = deepest + 1
        return deepest + 1
    }
}

extension Record {
    /// The identity of the storage of the field values: records that share it are copies of one
    /// record (assigning a field of a shared record gives it new storage). Dictionary is one
    /// reference to its storage on this platform; elsewhere there is no identity and walks fall
    /// back to visiting every path, which the nesting cap still bounds in depth.
    var storageIdentity: UnsafeRawPointer? {
        guard MemoryLayout<[String: Value]>.size == MemoryLayout<UnsafeRawPointer>.size, count > 0 else { return nil }
        return unsafeBitCast(values, to: UnsafeRawPointer.self)
    }
}

extension Evaluator {
    /// Throws E0507 unless `v`, about to be stored in a list or record, leaves room for one more
    /// level of nesting.
    func checkNesting(of v: Value, at span: SourceSpan) throws {
        switch v {
        case .list, .record:
            guard v.nestingDepth(limit: Value.maxNesting - 1) != nil else {
                throw RuntimeError(RuntimeCode.limit, "lists and records nest at most \(Value.maxNesting) deep", at: span)
            }
        default:
            return
        }
    }
}
