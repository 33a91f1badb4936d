// Every input that once crashed a fuzz target (Fuzz/findings) and every committed seed
// (Fuzz/corpus) goes through the same harness the fuzzer runs, on each `swift test`: a finding that
// comes back crashes this test process (the test fails, naming the input), without the sanitizer
// build that coverage-guided fuzzing needs (Scripts/fuzz.sh, docs/fuzzing.md).
//
// The fuzzer processes lower the resource caps first (Fuzz.setUp); this test does not, because
// the caps are process-wide and other suites run beside it — so every input here must also be
// refused or handled under the caps `dcl` itself runs with.

import DCLFuzzHarness
import Foundation
import Testing

/// One saved input: the fuzz target it is for and its path.
struct SavedInput: CustomTestStringConvertible, Sendable {
    let target: String
    let path: String
    var testDescription: String { "\(target): \(path.split(separator: "/").suffix(2).joined(separator: "/"))" }
}

private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The targets the harness has, by the folder name their inputs are kept under.
private let targets = ["bundle", "script", "data", "predict-input"]

/// Every file under Fuzz/findings/TARGET and Fuzz/corpus/TARGET, sorted.
private func savedInputs() -> [SavedInput] {
    var inputs: [SavedInput] = []
    for folder in ["Fuzz/findings", "Fuzz/corpus"] {
        for target in targets {
            let dir = repositoryRoot.appendingPathComponent("\(folder)/\(target)")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                inputs.append(SavedInput(target: target, path: dir.appendingPathComponent(name).path))
            }
        }
    }
    return inputs
}

@Suite("fuzz replay") struct FuzzReplayTests {
    @Test("every kept finding and seed runs through its harness", arguments: savedInputs())
    func replay(_ input: SavedInput) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: input.path)))
        // Each input gets its own scratch folder: cases run concurrently.
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("dcl-fuzz-replay-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        switch input.target {
        case "bundle": FuzzHarness.bundle(bytes)
        case "script": FuzzHarness.script(bytes)
        case "data": FuzzHarness.data(bytes, scratch: scratch.path)
        case "predict-input": FuzzHarness.predictInput(bytes, scratch: scratch.path)
        default: Issue.record("no harness for \(input.target)")
        }
    }

    /// The replay must see the inputs it is meant to: findings of three targets and seeds of all
    /// four (a moved folder would otherwise make this suite pass on nothing).
    @Test func theSavedInputsAreFound() {
        let inputs = savedInputs()
        for target in targets {
            #expect(inputs.contains { $0.target == target && $0.path.contains("/Fuzz/corpus/") }, "no seeds for \(target)")
        }
        #expect(inputs.filter { $0.path.contains("/Fuzz/findings/") }.count >= 9)
    }
}
