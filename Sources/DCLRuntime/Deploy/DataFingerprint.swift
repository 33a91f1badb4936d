// A fingerprint of a data set: SHA-256 over its columns' names, types, shapes and bytes, its
// label column, classes, groups and augmentations. The service and a device host each derive a
// device's part from the script; every task carries the service's fingerprint and the host
// refuses work on data that differs (a transform without a seed, other files on the host)
// rather than return numbers for other samples.

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
