// Atomic replacement: temporaries of killed writers are cleaned up by the next write, and a
// symbolic link is written through instead of being replaced by a file.

import Foundation
import Testing
@testable import DCLTensor
import DCLTestScratch

@Suite struct AtomicWriteTests {
    private func makeDirectory() throws -> String {
        try TestScratch.directory("atomic").path
    }

    /// A process id no process has (checked, not assumed).
    private func deadPID() -> pid_t {
        var pid: pid_t = 4_194_000
        while AtomicWrite.processExists(pid) { pid += 1 }
        return pid
    }

    @Test func temporariesAreNamedRecognisably() {
        let t = AtomicWrite.temporaryPath(for: "/some/dir/w.safetensors")
        #expect(t.hasPrefix("/some/dir/.w.safetensors.dcl-tmp-\(getpid())-"))
    }

    @Test func staleTemporariesOfDeadWritersAreRemoved() throws {
        let dir = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dead = deadPID()
        let stale = [".w.bin.dcl-tmp-\(dead)-1f", ".w.bin.tmp-\(dead)-99"]
        let kept = [".w.bin.dcl-tmp-\(getpid())-2e",   // a live writer (this process)
                    ".other.bin.dcl-tmp-\(dead)-3d",    // another destination's
                    ".w.bin.dcl-tmp-x-4c"]               // not a PID
        for name in stale + kept { FileManager.default.createFile(atPath: dir + "/" + name, contents: Data([1])) }
        try writeAtomically(Data([7]), to: dir + "/w.bin")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(left == (kept + ["w.bin"]).sorted())
    }

    @Test func writingThroughASymlinkKeepsTheLink() throws {
        let dir = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/real", withIntermediateDirectories: true)
        try Data([1]).write(to: URL(fileURLWithPath: dir + "/real/target.bin"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.bin", withDestinationPath: "real/target.bin")
        try writeAtomically(Data([2, 3]), to: dir + "/link.bin")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/link.bin") == "real/target.bin")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/real/target.bin")) == Data([2, 3]))
        // No temporary is left next to the link or the target.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["link.bin", "real"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/real") == ["target.bin"])
    }

    @Test func aDanglingSymlinkCreatesItsTarget() throws {
        let dir = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.bin", withDestinationPath: dir + "/new.bin")
        try writeAtomically(Data([5]), to: dir + "/link.bin")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/link.bin") == dir + "/new.bin")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/new.bin")) == Data([5]))
    }
}
