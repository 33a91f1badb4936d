// A fingerprint of a data set: SHA-256 over its columns' names, types, shapes and bytes, its
// label column, classes, groups and augmentations. The service and a device host each derive a
// device's part from the script; every task carries the service's fingerprint and the host
// refuses work on data that differs (a transform without a seed, other files on the host)
// rather than return numbers for other samples.

import DCLCompiler
import DCLData
import DCLExport
import DCLTensor

enum DataFingerprint {
    static func of(_ d: Dataset) throws -> String {
        var h = SHA256()
        func add(_ s: String) {
            let bytes = Array(s.utf8)
            var n = UInt64(bytes.count).littleEndian
            withUnsafeBytes(of: &n) { h.update($0) }
            h.update(bytes)
        }
        add("rows \(d.count) label \(d.labelColumn) classes \(d.classCount.map(String.init) ?? "-")")
        for name in d.columnNames {
            let t = try d.column(name)
            add("column \(name) \(t.dtype.rawValue) \(t.shape)")
            h.update(UnsafeRawBufferPointer(start: t.storage.bytes, count: t.byteCount))
        }
        if let g = d.groups {
            add("groups \(d.groupKind ?? "-") \(g.count)")
            g.withUnsafeBytes { h.update($0) }
        }
        for a in d.augmentations { add("augment \(a)") }
        return hex(h.finalize())
    }
}

/// The service's fingerprints of device parts, each computed once per run: a role's parts are
/// declarations, fixed once derived, while a DC-CCL device's training part travels with about
/// eight tasks (hashing it each time cost as much as building the task).
final class DataFingerprints {
    private struct Key: Hashable {
        var role: String
        var device: Int
        var part: String
    }
    private var known: [Key: String] = [:]

    /// The fingerprint of `d`, which is device `location.device`'s `part` of `location.role`.
    func of(_ d: Dataset, role: String, device: Int, part: ClientPart) throws -> String {
        let key = Key(role: role, device: device, part: part.rawValue)
        if let f = known[key] { return f }
        let f = try DataFingerprint.of(d)
        known[key] = f
        return f
    }

    func of(_ d: Dataset, at location: DeviceDataLocation) throws -> String {
        try of(d, role: location.role, device: location.device, part: location.part)
    }
}
