// Replacing `dcl compile`'s output directory as a whole, so a compile killed midway never
// leaves a mix of old and new bundles: the new set is written into a sibling staging directory
// `.DIR.dcl-stage-PID-RANDOM`, which also receives hard links to every other file of `DIR`
// (so nothing the user keeps there is lost); then `DIR` is renamed away to
// `.DIR.dcl-old-PID-RANDOM`, the staging directory renamed to `DIR`, and the old one deleted.
// A reader sees the old set or the new one (or, for the instant between the two renames, no
// directory) — never half of each.
//
// Recovery: staging and old directories of processes that no longer exist are cleaned up by
// the next compile into the same directory; if such a process died between the two renames
// (so `DIR` is missing), its old directory is renamed back first.
//
// The swap is skipped — each bundle is then written atomically in place, as before — when it
// would be surprising or expensive: `DIR` holds subdirectories or special files (they would
// have to be copied), `DIR` is this process's working directory, or its parent cannot be
// written.

import DCLTensor
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct OutputDirectorySwap {
    /// The output directory (symbolic links resolved).
    let directory: String
    /// Where the new set is being written.
    let staging: String

    enum Failure: Error, CustomStringConvertible {
        case io(String)
        var description: String { if case .io(let m) = self { return m }; return "" }
    }

    /// Prepares a staging directory for `directory`, or returns nil when the swap does not
    /// apply (see above) and bundles should be written in place.
    static func begin(_ requested: String) throws -> OutputDirectorySwap? {
        let directory = resolved(requested)
        let parent = (directory as NSString).deletingLastPathComponent
        let name = (directory as NSString).lastPathComponent
        guard !name.isEmpty, name != "/", name != ".", name != ".." else { return nil }
        recover(directory)
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: directory, isDirectory: &isDirectory)
        if exists {
            guard isDirectory.boolValue else { return nil }
            if resolved(fm.currentDirectoryPath) == directory { return nil }
            let entries = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
            for e in entries {
                var st = stat()
                guard lstat(directory + "/" + e, &st) == 0 else { return nil }
                let kind = st.st_mode & S_IFMT
                if kind != S_IFREG && kind != S_IFLNK { return nil }
            }
        }
        do {
            try fm.createDirectory(atPath: parent.isEmpty ? "." : parent, withIntermediateDirectories: true)
        } catch {
            throw Failure.io("cannot create directory '\(parent)': \(error.localizedDescription)")
        }
        let staging = sibling(of: directory, kind: "stage")
        guard mkdir(staging, 0o755) == 0 else { return nil }
        let swap = OutputDirectorySwap(directory: directory, staging: staging)
        if exists {
            do { try swap.carryOver() } catch {
                swap.abandon()
                throw error
            }
        }
        return swap
    }

    /// Hard links (or copies, across devices) every entry of the old directory into staging;
    /// bundles being rewritten are replaced afterwards by the writer.
    private func carryOver() throws {
        let fm = FileManager.default
        var st = stat()
        if stat(directory, &st) == 0 { chmod(staging, st.st_mode & 0o7777) }
        for e in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] {
            let from = directory + "/" + e, to = staging + "/" + e
            var info = stat()
            guard lstat(from, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFLNK {
                guard let target = try? fm.destinationOfSymbolicLink(atPath: from), symlink(target, to) == 0 else {
                    throw Failure.io("cannot carry '\(from)' over to the new output directory: \(String(cString: strerror(errno)))")
                }
            } else if link(from, to) != 0 {
                do { try fm.copyItem(atPath: from, toPath: to) } catch {
                    throw Failure.io("cannot carry '\(from)' over to the new output directory: \(error.localizedDescription)")
                }
            }
        }
    }

    /// Where bundle `file` is written during the compile.
    func path(of file: String) -> String { staging + "/" + file }

    /// Puts the staging directory in place of the output directory.
    func commit() throws {
        let fm = FileManager.default
        var old: String?
        if fm.fileExists(atPath: directory) {
            let away = OutputDirectorySwap.sibling(of: directory, kind: "old")
            guard rename(directory, away) == 0 else {
                let why = String(cString: strerror(errno))
                abandon()
                throw Failure.io("cannot move '\(directory)' aside to replace it: \(why)")
            }
            old = away
        }
        guard rename(staging, directory) == 0 else {
            let why = String(cString: strerror(errno))
            if let old { _ = rename(old, directory) }
            abandon()
            throw Failure.io("cannot move the new bundles into place at '\(directory)': \(why)")
        }
        if let old { try? fm.removeItem(atPath: old) }
        let parent = (directory as NSString).deletingLastPathComponent
        let fd = open(parent.isEmpty ? "." : parent, O_RDONLY)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }

    /// Removes the staging directory (after a failure).
    func abandon() {
        try? FileManager.default.removeItem(atPath: staging)
    }

    // MARK: Naming and recovery

    private static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: AtomicWrite.resolvedDestination(URL(fileURLWithPath: path).standardizedFileURL.path))
            .resolvingSymlinksInPath().path
    }

    /// `.NAME.dcl-KIND-PID-RANDOM` next to `directory`.
    private static func sibling(of directory: String, kind: String) -> String {
        let parent = (directory as NSString).deletingLastPathComponent
        let name = (directory as NSString).lastPathComponent
        return (parent.isEmpty ? "." : parent) + "/.\(name).dcl-\(kind)-\(getpid())-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// Cleans up after compiles into `directory` whose processes died: restores a directory
    /// moved aside if `directory` is missing, deletes the rest.
    private static func recover(_ directory: String) {
        let fm = FileManager.default
        let parent = (directory as NSString).deletingLastPathComponent
        let name = (directory as NSString).lastPathComponent
        let base = parent.isEmpty ? "." : parent
        guard let entries = try? fm.contentsOfDirectory(atPath: base) else { return }
        func deadPID(_ entry: String, _ kind: String) -> Bool {
            let prefix = ".\(name).dcl-\(kind)-"
            guard entry.hasPrefix(prefix) else { return false }
            let rest = entry.dropFirst(prefix.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]), pid > 0 else { return false }
            return !(kill(pid, 0) == 0 || errno == EPERM)
        }
        for e in entries.sorted() where deadPID(e, "old") {
            if !fm.fileExists(atPath: directory) && rename(base + "/" + e, directory) == 0 { continue }
            try? fm.removeItem(atPath: base + "/" + e)
        }
        for e in entries where deadPID(e, "stage") { try? fm.removeItem(atPath: base + "/" + e) }
    }
}
