// Writes that must not damage what they replace: `dcl fmt` and `save` through a symbolic
// link, temporaries of killed writers cleaned up, and `dcl compile` swapping in its whole
// output set at once (a staging directory renamed over the old one).

import DCLExport
import DCLTensor
import Foundation
import Testing
@testable import DCLDriver

extension DriverTests {
    @Suite("safe writes") struct SafeWrites {
        /// A process id no process has (checked).
        private func deadPID() -> pid_t {
            var pid: pid_t = 4_194_000
            while kill(pid, 0) == 0 || errno == EPERM { pid += 1 }
            return pid
        }

        @Test func fmtWritesThroughASymlink() throws {
            let dir = try makeTemporaryDirectory("fmt-link")
            defer { try? FileManager.default.removeItem(at: dir) }
            let real = dir.appendingPathComponent("real.dcl").path, link = dir.appendingPathComponent("link.dcl").path
            try Data("let   x=1\n".utf8).write(to: URL(fileURLWithPath: real))
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.dcl")
            #expect(runCommand(["fmt", link]) == 0)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.dcl")
            #expect(try String(contentsOfFile: real, encoding: .utf8) == "let x = 1\n")
            #expect(listing(dir) == ["link.dcl", "real.dcl"])
        }

        @Test func saveWritesThroughASymlink() throws {
            let dir = try makeTemporaryDirectory("save-link")
            defer { try? FileManager.default.removeItem(at: dir) }
            let real = dir.appendingPathComponent("w.safetensors").path, link = dir.appendingPathComponent("latest.safetensors").path
            try Data([0]).write(to: URL(fileURLWithPath: real))
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
            let script = try writeScript("import std.nn\nlet m = mlp(shape: [3], hidden: [4], classes: 2)\nsave m to \"\(link)\"\n", named: "s.dcl", in: dir)
            #expect(runCommand(["run", script]) == 0)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real)
            #expect(try SafeTensorsFile.read(path: real).entries.count > 0)
        }

        @Test func compileSwapsTheWholeOutputDirectory() throws {
            let dir = try makeTemporaryDirectory("compile-swap")
            defer { try? FileManager.default.removeItem(at: dir) }
            let script = try writeScript("""
            import std.nn
            let a = mlp(shape: [3], hidden: [4], classes: 2)
            let b = mlp(shape: [5], hidden: [4], classes: 2)
            role device[2] { }
            bundle one for device { models: [a] }
            bundle two for device { models: [b] }
            """, named: "s.dcl", in: dir)
            let out = dir.appendingPathComponent("out")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try Data("keep me".utf8).write(to: out.appendingPathComponent("notes.txt"))
            try Data("old".utf8).write(to: out.appendingPathComponent("one.dclb"))
            // Leftovers of a compile killed earlier (its process is gone).
            let dead = deadPID()
            let stale = dir.appendingPathComponent(".out.dcl-stage-\(dead)-1a")
            try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
            let oldInode = try FileManager.default.attributesOfItem(atPath: out.path)[.systemFileNumber] as! UInt64
            #expect(compile(script, into: out).status == 0)
            #expect(listing(out) == ["notes.txt", "one.dclb", "two.dclb"])
            #expect(try String(contentsOf: out.appendingPathComponent("notes.txt"), encoding: .utf8) == "keep me")
            #expect(try BundleReader().read(path: out.appendingPathComponent("one.dclb").path).manifest.bundle == "one")
            // A new directory took the old one's place; no staging or old directory remains.
            #expect(try FileManager.default.attributesOfItem(atPath: out.path)[.systemFileNumber] as! UInt64 != oldInode)
            #expect(listing(dir) == ["out", "s.dcl"])
        }

        @Test func compileRestoresADirectoryMovedAsideByAKilledCompile() throws {
            let dir = try makeTemporaryDirectory("compile-recover")
            defer { try? FileManager.default.removeItem(at: dir) }
            let script = try writeScript("import std.nn\nlet a = mlp(shape: [3], hidden: [4], classes: 2)\nrole device[2] { }\nbundle one for device { models: [a] }\n",
                                         named: "s.dcl", in: dir)
            // Killed between its two renames: `out` is missing, the old set is aside.
            let aside = dir.appendingPathComponent(".out.dcl-old-\(deadPID())-7f")
            try FileManager.default.createDirectory(at: aside, withIntermediateDirectories: true)
            try Data("keep me".utf8).write(to: aside.appendingPathComponent("notes.txt"))
            let out = dir.appendingPathComponent("out")
            #expect(compile(script, into: out).status == 0)
            #expect(listing(out) == ["notes.txt", "one.dclb"])
            #expect(listing(dir) == ["out", "s.dcl"])
        }

        @Test func compileIntoADirectoryWithSubdirectoriesWritesInPlace() throws {
            let dir = try makeTemporaryDirectory("compile-inplace")
            defer { try? FileManager.default.removeItem(at: dir) }
            let script = try writeScript("import std.nn\nlet a = mlp(shape: [3], hidden: [4], classes: 2)\nrole device[2] { }\nbundle one for device { models: [a] }\n",
                                         named: "s.dcl", in: dir)
            let out = dir.appendingPathComponent("out")
            try FileManager.default.createDirectory(at: out.appendingPathComponent("sub"), withIntermediateDirectories: true)
            let oldInode = try FileManager.default.attributesOfItem(atPath: out.path)[.systemFileNumber] as! UInt64
            #expect(compile(script, into: out).status == 0)
            #expect(listing(out) == ["one.dclb", "sub"])
            #expect(try FileManager.default.attributesOfItem(atPath: out.path)[.systemFileNumber] as! UInt64 == oldInode)
        }
    }
}
