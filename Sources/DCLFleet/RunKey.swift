// What a run computes, as one SHA-256: the dcl version, the bytes of every source file the script
// loads (in load order; not their paths, so `./x.dcl` and `x.dcl` are one run), the seed and the `--set` values. A service restarted on a store that
// holds an unfinished run under the same key resumes that run (FleetStore.unfinishedRun); any
// other service starts a new one. Data files are not in the key: a changed data file changes the
// tasks the script asks for, which the store refuses when the replayed round differs.

import Crypto

public enum RunKey {
    public static func of(version: String, sources: [[UInt8]], seed: UInt64, assignments: [String]) -> [UInt8] {
        var h = SHA256()
        // Every field is length-prefixed, so no two different inputs hash the same bytes.
        func field(_ bytes: some Collection<UInt8>) {
            withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { h.update(bufferPointer: $0) }
            h.update(data: Array(bytes))
        }
        field(Array("dcl-run-key-v1".utf8))
        field(Array(version.utf8))
        withUnsafeBytes(of: UInt64(sources.count).littleEndian) { h.update(bufferPointer: $0) }
        for source in sources { field(source) }
        withUnsafeBytes(of: seed.littleEndian) { h.update(bufferPointer: $0) }
        // `--set a=1 --set b=2` and `--set b=2 --set a=1` are the same run.
        let sorted = assignments.sorted()
        withUnsafeBytes(of: UInt64(sorted.count).littleEndian) { h.update(bufferPointer: $0) }
        for a in sorted { field(Array(a.utf8)) }
        return Array(h.finalize())
    }
}
