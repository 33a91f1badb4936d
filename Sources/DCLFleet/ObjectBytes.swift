// Where a store keeps the bytes of its objects (weights, graphs, outcomes): beside its database,
// not in it. SQLite keeps a large value as a chain of 4 KiB overflow pages, written and read one
// page at a time, and refuses any value over 10^9 bytes (below FleetLimits.maxBlobBytes); a file
// is written and read in one piece. The database keeps each object's hash and size, and the
// object is known to the store only once that row is committed: bytes without a row are
// unreferenced leftovers of a write that did not commit, harmless because they are addressed by
// their content.

import Foundation
import Synchronization

protocol ObjectBytes: Sendable {
    /// Stores the bytes under their hash (once: bytes already held are kept).
    func write(_ ref: BlobRef, bytes: [UInt8]) throws
    /// The bytes of an object of `size` bytes; an error if they are missing or not that size.
    func read(_ sha256: [UInt8], size: Int) throws -> [UInt8]
}

/// Object files in a directory, one per object, named by the hash's hex digits under a folder
/// named by the first two (so no folder holds more than a few thousand names).
struct ObjectFiles: ObjectBytes {
    let directory: URL

    init(directory: URL) throws {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FleetError.store("cannot create the object folder \(directory.path): \(error.localizedDescription)")
        }
    }

    private func location(_ sha256: [UInt8]) -> (folder: URL, file: URL) {
        let hex = Digest.hex(sha256)
        let folder = directory.appendingPathComponent(String(hex.prefix(2)), isDirectory: true)
        return (folder, folder.appendingPathComponent(hex))
    }

    /// Written under a temporary name and renamed, so a file under an object's name is whole
    /// (a service killed mid-write leaves only a temporary file behind).
    func write(_ ref: BlobRef, bytes: [UInt8]) throws {
        let (folder, file) = location(ref.sha256)
        if let size = try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int, size == bytes.count { return }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let temporary = folder.appendingPathComponent(".\(Digest.hex(ref.sha256)).\(UInt64.random(in: 0...UInt64.max)).tmp")
            do {
                try Self.writeWhole(bytes, to: temporary.path)
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                throw error
            }
            if rename(temporary.path, file.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw FleetError.store("cannot store object \(ref.hex) at \(file.path): \(reason)")
            }
        } catch let error as FleetError {
            throw error
        } catch {
            throw FleetError.store("cannot store object \(ref.hex) in \(folder.path): \(error.localizedDescription)")
        }
    }

    func read(_ sha256: [UInt8], size: Int) throws -> [UInt8] {
        let file = location(sha256).file.path
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FleetError.store("object \(Digest.hex(sha256)) is missing from \(directory.path)") }
        defer { close(fd) }
        // The size is the database's, not a peer's, so allocating it is safe; one byte more than
        // expected would show a file that grew.
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, count in
            count = 0
            while count < buffer.count {
                let n = Foundation.read(fd, buffer.baseAddress! + count, buffer.count - count)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }
                count += n
            }
        }
        guard failure == 0 else {
            throw FleetError.store("cannot read object \(Digest.hex(sha256)) from \(file): \(String(cString: strerror(failure)))")
        }
        guard bytes.count == size else {
            throw FleetError.store("object \(Digest.hex(sha256)) in \(directory.path) has \(bytes.count) bytes or more, not \(size)")
        }
        return bytes
    }

    /// Writes in large pieces straight from the array (Foundation's file APIs copy the bytes
    /// into a `Data` first, and read in 4 KiB pieces).
    private static func writeWhole(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FleetError.store("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FleetError.store("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }
}

/// Objects of an in-memory store, held until the rounds that use them have been read
/// (`SQLiteFleetStore.releaseObjects`).
final class ObjectMemory: ObjectBytes {
    private let objects = Mutex<[[UInt8]: [UInt8]]>([:])

    func remove(_ hashes: [[UInt8]]) {
        objects.withLock { held in for h in hashes { held[h] = nil } }
    }

    var count: Int { objects.withLock { $0.count } }

    func write(_ ref: BlobRef, bytes: [UInt8]) throws {
        objects.withLock { held in
            if held[ref.sha256] == nil { held[ref.sha256] = bytes }
        }
    }

    func read(_ sha256: [UInt8], size: Int) throws -> [UInt8] {
        guard let bytes = objects.withLock({ $0[sha256] }), bytes.count == size else {
            throw FleetError.store("object \(Digest.hex(sha256)) is missing from the in-memory store")
        }
        return bytes
    }
}
