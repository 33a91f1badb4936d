// The Python cross-check: every case graph is written with seeded inputs and expected outputs
// (.npy), then Tests/python/check_onnx.py runs `onnx.checker.check_model(full_check=True)`,
// compares the file with the `onnx` package's own serialisation of it, and runs ONNX Runtime.
//
// Skipped with a notice when python3 lacks onnx/onnxruntime/numpy — unless
// DCL_REQUIRE_PYTHON_CHECKS=1 (set by .ci/run), where a missing package is a failure.

import DCLTestScratch
import Foundation
import Testing
@testable import DCLExport

@Suite("ONNX cross-check with onnx and onnxruntime", .ownThreads)
struct ONNXCrossCheckTests {
    @Test func checkerAndRuntimeAgree() throws {
        guard pythonChecksAvailable(["onnx", "onnxruntime", "numpy"], for: "the ONNX cross-check") else { return }
        let dir = try makeTemporaryDirectory("onnx")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = try allONNXCases()
        for c in cases {
            try c.model.serializedData().write(to: dir.appendingPathComponent("\(c.name).onnx"))
            for (i, input) in c.inputs.enumerated() {
                let url = dir.appendingPathComponent("\(c.name).input\(i).npy")
                switch input {
                case .floats(let r): try writeNPY(url, shape: r.shape, floats: r.values)
                case .int64s(let shape, let values): try writeNPY(url, shape: shape, int64s: values)
                }
            }
            for (j, out) in c.expected.enumerated() {
                try writeNPY(dir.appendingPathComponent("\(c.name).output\(j).npy"), shape: out.shape, floats: out.values)
            }
        }
        let script = pythonScriptsDirectory.appendingPathComponent("check_onnx.py").path
        let (status, output) = try runPython([script, dir.path])
        #expect(status == 0, "check_onnx.py failed:\n\(output)")
        for c in cases { #expect(output.contains("ok \(c.name)"), "no result for \(c.name):\n\(output)") }
    }
}
