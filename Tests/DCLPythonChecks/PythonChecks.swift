// Running the Python cross-check scripts (Tests/python) from Swift tests: one copy for every test
// target that compares dcl's output with onnx, onnxruntime, safetensors or numpy.
//
// A missing package skips the check with a notice, unless DCL_REQUIRE_PYTHON_CHECKS=1 (set by
// .ci/run), where it is a recorded failure — so CI cannot pass by skipping.

import Foundation
import Testing

/// The repository's `Tests/python` directory.
public let pythonScriptsDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("python")

/// Runs `python3` with `arguments`; returns (exit status, stdout + stderr).
public func runPython(_ arguments: [String]) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3"] + arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: output, as: UTF8.self))
}

/// Whether `python3` can import every module in `modules`; prints a notice when not.
public func pythonHas(_ modules: [String], for what: String) -> Bool {
    let ok = (try? runPython(["-c", "import " + modules.joined(separator: ", ")]))?.0 == 0
    if !ok {
        print("notice: skipping \(what): python3 with \(modules.joined(separator: ", ")) is not available (pip install \(modules.joined(separator: " ")))")
    }
    return ok
}

/// Whether the Python packages are there; records a failure when CI requires them.
public func pythonChecksAvailable(_ modules: [String], for what: String) -> Bool {
    if pythonHas(modules, for: what) { return true }
    if ProcessInfo.processInfo.environment["DCL_REQUIRE_PYTHON_CHECKS"] == "1" {
        Issue.record("DCL_REQUIRE_PYTHON_CHECKS=1 but python3 cannot import \(modules.joined(separator: ", "))")
    }
    return false
}
