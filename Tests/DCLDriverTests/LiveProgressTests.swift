// The live progress line as a person at a terminal sees it: `dcl run` under `script`, which
// gives it a pseudo-terminal for standard output.

import Foundation
import DCLTestScratch
import Testing

@Suite(.serialized, .ownThreads) struct LiveProgressTests {
    static let scriptTool = "/usr/bin/script"

    /// Runs `dcl ARGUMENTS` on a pseudo-terminal; returns what it wrote there.
    static func onTerminal(_ arguments: [String]) throws -> String {
        let binary = try #require(dclExecutable(), "the dcl binary was not built next to the tests")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: scriptTool)
        let command = ([binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        p.arguments = ["-qec", command, "/dev/null"]
        p.environment = ["PATH": "/usr/bin:/bin", "NO_COLOR": "1", "TERM": "dumb"]
        p.standardInput = FileHandle.nullDevice
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: scriptTool)))
    func aTerminalGetsOneUpdatingLinePerTrain() throws {
        let dir = try makeTemporaryDirectory("live")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try RunResultsTests.script(in: dir)
        let shown = try Self.onTerminal(["run", path])
        #expect(shown.contains("\r\u{1B}[2Knet  epoch 1/1  step 5/5  loss "), "\(shown)")
        #expect(shown.contains(" samples/s  elapsed ") && shown.contains("ETA 0s\r\n"), "\(shown)")
        #expect(!shown.contains("net epoch 1/1  loss "), "no epoch lines on a terminal")
        #expect(shown.contains("\r\naccuracy 0."))
        let quiet = try Self.onTerminal(["run", path, "--quiet"])
        #expect(!quiet.contains("step ") && !quiet.contains("\u{1B}[2K") && quiet.contains("accuracy 0."), "\(quiet)")
    }
}
