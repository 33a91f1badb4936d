// A session whose output and errors are captured, and temporary directories with small files.

import Foundation
@testable import DCLRepl
import DCLTestScratch

/// What a session printed, split by stream.
final class Captured {
    var out: [String] = []
    var err: [String] = []
    var outText: String { out.joined(separator: "\n") }
    var errText: String { err.joined(separator: "\n") }

    func clear() {
        out = []
        err = []
    }
}

/// A session over `directory` (relative data paths resolve there) and what it printed.
func makeSession(directory: String? = nil) -> (ReplSession, Captured) {
    let captured = Captured()
    var options = ReplSession.Options()
    if let d = directory { options.directory = d }
    options.environment = [:]
    let session = ReplSession(options: options, output: { captured.out.append($0) }, errors: { captured.err.append($0) })
    return (session, captured)
}

/// Submits each input in order and returns whether all succeeded.
@discardableResult
func submitAll(_ session: ReplSession, _ inputs: [String]) -> Bool {
    inputs.reduce(true) { ok, input in session.submit(input) && ok }
}

/// A fresh directory under the system's temporary directory.
func temporaryDirectory() -> String {
    try! TestScratch.directory("repl").path
}

/// Writes `text` to `name` inside `directory` (creating subdirectories) and returns the path.
@discardableResult
func write(_ text: String, to name: String, in directory: String) -> String {
    let path = (directory as NSString).appendingPathComponent(name)
    try! FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try! Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

/// A small two-class CSV (`f0`…`f3`, `label`) that trains in milliseconds.
@discardableResult
func tinyDataset(in directory: String, rows: Int = 64) -> String {
    var lines = ["f0,f1,f2,f3,label"]
    for i in 0..<rows {
        let label = i % 2
        let base = Double(label) * 2 - 1
        lines.append((0..<4).map { k in String(base + Double((i * 7 + k * 3) % 11) / 20) }.joined(separator: ",") + ",\(label)")
    }
    return write(lines.joined(separator: "\n") + "\n", to: "tiny.csv", in: directory)
}

/// The model the tests inspect: 4 inputs, 3 outputs, 15 parameters.
let tinyModel = """
    model tiny {
      input x: [4]
      linear(3)
    }
    """

/// The repository root (for Examples/), from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
