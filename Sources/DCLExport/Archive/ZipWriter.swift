// Writing a zip archive through ZIPFoundation, deterministically: entries in the order given,
// every timestamp 1980-01-01 00:00 UTC (the zip epoch), permissions 0644, text entries deflated
// and binary ones stored. ZIPFoundation converts dates with `gmtime`, so the bytes do not
// depend on the machine's time zone.
//
// Binary entries (weights, ONNX) are stored: float weights barely compress, stored entries can
// be read without inflating, and an all-zero weight tensor cannot trip the reader's
// compression-ratio cap.

import Foundation
import ZIPFoundation

/// One entry to write.
struct ZipEntrySpec {
    var name: String
    var bytes: [UInt8]
    /// Deflate (text) or store (binary).
    var compress: Bool
}

enum ZipWriter {
    /// 1980-01-01 00:00:00 UTC, the earliest time a zip header can hold.
    static let fixedDate = Date(timeIntervalSince1970: 315_532_800)

    /// Writes `entries` to a new archive at `url` (which must not exist). `beforeEntry` runs
    /// before each entry is added (a test hook for failures mid-write).
    static func write(_ entries: [ZipEntrySpec], to url: URL,
                      beforeEntry: ((String) throws -> Void)? = nil) throws {
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .create)
        } catch {
            throw ExportError(.io, "cannot create '\(url.path)': \(error.localizedDescription)")
        }
        for entry in entries {
            try validateEntryName(entry.name)
            try beforeEntry?(entry.name)
            let bytes = entry.bytes
            do {
                try archive.addEntry(
                    with: entry.name, type: .file, uncompressedSize: Int64(bytes.count),
                    modificationDate: fixedDate, permissions: 0o644,
                    compressionMethod: entry.compress ? .deflate : .none, bufferSize: 1 << 16,
                    provider: { position, size in
                        let start = Int(position)
                        return Data(bytes[start..<min(bytes.count, start + size)])
                    })
            } catch {
                throw ExportError(.io, entry: entry.name, "cannot write to '\(url.path)': \(error.localizedDescription)")
            }
        }
    }
}
