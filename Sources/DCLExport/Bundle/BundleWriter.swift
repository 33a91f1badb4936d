// Writing a `.dclb` atomically: the archive is written to a temporary file in the destination's
// directory, flushed to disk (fsync), read back and verified, then renamed over the
// destination, and the directory is fsynced so the rename itself is durable. A failure or a
// crash at any point leaves either the old bundle or the new one under the destination name —
// never half of one — and a failure removes the temporary file. Nothing is written anywhere
// but the destination's directory.
//
// A symbolic link at the destination is written through (its target is replaced). A process
// killed mid-write leaves its `.NAME.dcl-tmp-PID-…` file behind; it is never read as a bundle,
// and the next write to the same destination removes it once that process is gone
// (AtomicWrite.swift).

import DCLTensor
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes bundles described by `BundleDescription`.
public struct BundleWriter: Sendable {
    /// Re-read the written archive and verify every checksum before it replaces the
    /// destination (on by default; the cost is one read of the bundle).
    public var verifyAfterWrite = true
    /// The caps the read-back verification applies (raise them for bundles past 4 GiB).
    public var readLimits = BundleLimits.standard

    /// Test hook: runs before each entry is written, by name; a throw simulates a failure
    /// mid-write.
    var beforeEntry: (@Sendable (String) throws -> Void)?

    public init() {}

    /// The manifest and entries `description` turns into, without writing anything.
    public func manifest(for description: BundleDescription) throws -> BundleManifest {
        try buildBundle(description).manifest
    }

    /// Writes `description` to `url` atomically and returns its manifest. The destination's
    /// directory is created if missing; an existing bundle there is replaced only once the
    /// new one is complete and verified.
    @discardableResult
    public func write(_ description: BundleDescription, to url: URL) throws -> BundleManifest {
        let built = try buildBundle(description)
        let destination = URL(fileURLWithPath: AtomicWrite.resolvedDestination(url.standardizedFileURL.path)).standardizedFileURL
        let directory = destination.deletingLastPathComponent()
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: destination.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ExportError(.io, "'\(destination.path)' is a directory, expected a bundle file path")
        }
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ExportError(.io, "cannot create directory '\(directory.path)': \(error.localizedDescription)")
        }

        AtomicWrite.removeStaleTemporaries(of: destination.path)
        let temporary = URL(fileURLWithPath: AtomicWrite.temporaryPath(for: destination.path))
        do {
            try ZipWriter.write(built.entries, to: temporary, beforeEntry: beforeEntry)
            try fsyncPath(temporary.path)
            if verifyAfterWrite {
                let read = try BundleReader(limits: readLimits).read(path: temporary.path)
                guard read.manifest == built.manifest else {
                    throw ExportError(.io, "the bundle read back from '\(temporary.path)' differs from the one written")
                }
            }
            guard rename(temporary.path, destination.path) == 0 else {
                throw ExportError(.io, "cannot move the new bundle into place at '\(destination.path)': \(String(cString: strerror(errno)))")
            }
        } catch {
            try? fm.removeItem(at: temporary)
            throw error
        }
        // The rename is durable once the directory entry is on disk; a failure here leaves a
        // complete bundle in place, so it is not an error.
        try? fsyncPath(directory.path)
        return built.manifest
    }

    /// Flushes a file's (or directory's) data and metadata to disk.
    private func fsyncPath(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ExportError(.io, "cannot open '\(path)' to flush it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ExportError(.io, "cannot flush '\(path)' to disk: \(String(cString: strerror(errno)))") }
    }
}
