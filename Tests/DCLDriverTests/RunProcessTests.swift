// `dcl run --set` and `dcl run --profile` as a person meets them: the real `dcl` process, its exit
// status, standard output and standard error. The script trains a tiny model on the digits data
// shipped in Examples/data for a few steps, so each run takes well under a second.

import Foundation
import DCLTestScratch
import Testing

/// The `dcl` binary next to this test bundle (`.build/<config>/`), `DCL_TEST_BINARY` if set.
func dclExecutable() -> String? {
    if let path = ProcessInfo.processInfo.environment["DCL_TEST_BINARY"], !path.isEmpty {
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
    var directories: [String] = []
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        directories.append((bundle.bundlePath as NSString).deletingLastPathComponent)
    }
    directories.append((CommandLine.arguments[0] as NSString).deletingLastPathComponent)
    directories.append(repositoryRoot.appendingPathComponent(".build/debug").path)
    return directories.map { ($0 as NSString).appendingPathComponent("dcl") }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Bytes one reader thread writes before `leave()` and the caller reads after `wait()`: the
/// DispatchGroup orders the two, which the compiler cannot see.
private final class ReadOnce: @unchecked Sendable {
    var bytes = Data()
}

/// Runs `dcl` with `arguments`; output is read while it runs, so a full pipe cannot stall it.
func runDCL(_ arguments: [String]) throws -> ProcessResult {
    let binary = try #require(dclExecutable(), "the dcl binary was not built next to the tests")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = arguments
    p.environment = ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"]
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let outData = ReadOnce()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData.bytes = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outData.bytes, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

@Suite(.serialized, .ownThreads) struct RunProcessTests {
    static func script(in dir: URL) throws -> String {
        let digits = repositoryRoot.appendingPathComponent("Examples/data/digits/digits.csv").path
        return try writeScript("""
            import std.data
            param devices: int = 3
            param steps: int = 5
            param lr: float = 0.1
            param label: string = "digits"
            let digits = digits_dataset("\(digits)", test: 0.2, seed: 0)
            role device[devices] { data: digits.train |> partition(iid()) }
            model tiny {
              input x: [1, 8, 8]
              flatten |> linear(10)
            }
            var n = 0
            for d in device { n += len(d.train) }
            print "{label}: {len(device)} devices hold {n} samples"
            fn fit(m: model) {
              train m on digits.train { steps: steps, batch: 32, optimizer: sgd(lr: lr), log: none }
            }
            let net = tiny
            fit(net)
            print "accuracy {evaluate(net, on: digits.test).accuracy:.3f}"

            """, named: "params.dcl", in: dir)
    }

    @Test func setChangesTheRunAndDefaultsStand() throws {
        let dir = try makeTemporaryDirectory("set")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.script(in: dir)
        let base = try runDCL(["run", path])
        #expect(base.status == 0, "\(base.stderr)")
        #expect(base.stdout.hasPrefix("digits: 3 devices hold"))
        let set = try runDCL(["run", path, "--set", "devices=5", "--set", "label=five"])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout.hasPrefix("five: 5 devices hold"))
        // The devices split the same training samples: only the count per device changes.
        let samples = { (s: String) in s.split(separator: "\n").first?.split(separator: " ").dropLast().last }
        #expect(samples(base.stdout) == samples(set.stdout))
        // `dcl check` and `dcl summary` read --set too; they check it the same way.
        #expect(try runDCL(["check", path, "--set", "devices=7"]).status == 0)
        #expect(try runDCL(["summary", path, "tiny", "--set", "devices=7"]).status == 0)
    }

    @Test func mistakesAreUsageErrors() throws {
        let dir = try makeTemporaryDirectory("set-errors")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.script(in: dir)
        let unknown = try runDCL(["run", path, "--set", "devics=5"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("dcl run: --set devics=5: the script has no param `devics` (did you mean `devices`?)"))
        #expect(unknown.stderr.contains("devices: int = 3") && unknown.stderr.contains("label: string = \"digits\""))
        #expect(unknown.stdout.isEmpty, "nothing runs before --set is checked")
        let badType = try runDCL(["run", path, "--set", "devices=abc"])
        #expect(badType.status == 2)
        #expect(badType.stderr.contains("param `devices` is an int, but `abc` is not"))
        #expect(try runDCL(["run", path, "--set", "devices"]).status == 2)
        #expect(try runDCL(["run", path, "--set", "=3"]).status == 2)
        #expect(try runDCL(["run", path, "--set", "steps=1", "--set", "steps=2"]).status == 2)
        #expect(try runDCL(["check", path, "--set", "nope=1"]).status == 2)
        #expect(try runDCL(["compile", path, "-o", dir.appendingPathComponent("out").path, "--set", "lr=fast"]).status == 2)
        // A value of the right type that the script cannot use is the script's run-time error.
        let zero = try runDCL(["run", path, "--set", "devices=0"])
        #expect(zero.status == 3, "\(zero.stderr)")
    }

    @Test func profileGoesToStandardErrorAndLeavesOutputAlone() throws {
        let dir = try makeTemporaryDirectory("profile")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.script(in: dir)
        let plain = try runDCL(["run", path])
        let profiled = try runDCL(["run", path, "--profile", "--threads", "2"])
        #expect(plain.status == 0 && profiled.status == 0, "\(profiled.stderr)")
        #expect(profiled.stdout == plain.stdout)
        let report = profiled.stderr
        #expect(report.contains("profile: run completed; wall "))
        #expect(report.contains("peak RSS ") && report.contains("2 threads"))
        // Statement rows: the top-level loop, the function, the role's declaration.
        let lines = report.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("params.dcl:13") && $0.contains("for d in device") })
        #expect(lines.contains { $0.contains("params.dcl:15") && $0.contains("fn fit(m: model)") })
        #expect(lines.contains { $0.contains("params.dcl:7") && $0.contains("role device[devices]") })
        // Op rows, and their percentages (with the time outside ops) add up to the run.
        let opsStart = try #require(lines.firstIndex { $0.hasPrefix("time by primitive op") })
        let opRows = lines[(opsStart + 2)...].filter { !$0.isEmpty }
        #expect(opRows.count >= 3)
        #expect(opRows.contains { $0.contains("matmul") || $0.contains("linear") || $0.contains("gemm") }, "\(opRows)")
        let percents = opRows.compactMap { Double($0.split(separator: " ").last ?? "") }
        #expect(percents.count == opRows.count)
        #expect(abs(percents.reduce(0, +) - 100) < 1.5, "\(percents)")
    }

    @Test func profileOfARunStoppedByAnError() throws {
        let dir = try makeTemporaryDirectory("profile-error")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeScript("""
            param n: int = 3
            print n
            let xs = [1, 2]
            print xs[n]

            """, named: "stops.dcl", in: dir)
        let r = try runDCL(["run", path, "--profile"])
        #expect(r.status == 3)
        #expect(r.stdout == "3\n")
        #expect(r.stderr.contains("profile: partial — the run stopped at stops.dcl:4"))
        #expect(r.stderr.contains("stops.dcl:4") && r.stderr.contains("print xs[n]"))
    }
}
