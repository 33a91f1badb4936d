// Random access to the bytes of an archive, from a file or from memory, with every read
// checked against the source's size — so an offset in a hostile header can name bytes that do
// not exist without anything being allocated for them.

import Foundation

/// Bytes an archive is read from.
protocol ByteSource {
    /// Total size in bytes.
    var size: Int { get }
    /// Exactly `count` bytes at `offset`; throws if the range is not inside the source.
    func read(at offset: Int, count: Int) throws -> [UInt8]
}

extension ByteSource {
    /// Throws unless `offset..<offset+count` lies inside the source.
    func checkRange(_ offset: Int, _ count: Int, what: String) throws {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw ExportError(.truncated, "\(what) at offset \(offset) (\(count) bytes) lies past the end of the \(size)-byte archive")
        }
    }
}

/// An archive held in memory.
struct MemorySource: ByteSource {
    let bytes: [UInt8]
    var size: Int { bytes.count }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        try checkRange(offset, count, what: "read")
        return Array(bytes[offset..<(offset + count)])
    }
}

/// An archive file, read on demand (never mapped: a file truncated while mapped would crash
/// the process on access).
final class FileSource: ByteSource {
    let size: Int
    private let handle: FileHandle
    let path: String

    init(path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ExportError(.io, "'\(path)' does not exist")
        }
        guard !isDirectory.boolValue else { throw ExportError(.io, "'\(path)' is a directory, expected a bundle file") }
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw ExportError(.io, "cannot open '\(path)' for reading")
        }
        handle = h
        do {
            size = Int(try h.seekToEnd())
        } catch {
            try? h.close()
            throw ExportError(.io, "cannot determine the size of '\(path)': \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        try checkRange(offset, count, what: "read")
        if count == 0 { return [] }
        do {
            try handle.seek(toOffset: UInt64(offset))
            var out = [UInt8]()
            out.reserveCapacity(count)
            // Read in chunks: a short read (a file shrinking under us) must not loop forever.
            while out.count < count {
                guard let chunk = try handle.read(upToCount: min(count - out.count, 1 << 24)), !chunk.isEmpty else {
                    throw ExportError(.truncated, "'\(path)' ended at \(offset + out.count) bytes while reading \(count) bytes at offset \(offset)")
                }
                out.append(contentsOf: chunk)
            }
            return out
        } catch let e as ExportError {
            throw e
        } catch {
            throw ExportError(.io, "cannot read '\(path)': \(error.localizedDescription)")
        }
    }
}

/// CRC-32 (ISO-HDLC, the zip checksum), table-driven.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}
