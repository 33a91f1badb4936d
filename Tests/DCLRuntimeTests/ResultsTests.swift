// Results out of a script: `plot` writes its file (and nothing in check mode), `predict`,
// `confusion_matrix` and `class_accuracy` agree with each other and with `evaluate`, and
// `save` writes tables as CSV and numbers as .npy that numpy reads back.

import DCLCompiler
import DCLPythonChecks
@testable import DCLRuntime
import DCLTestScratch
import Foundation
import Testing

@Suite(.ownThreads) struct ResultsTests {
    @Test func plotWritesSVGAndPNGButNotInCheckMode() throws {
        let dir = try temporaryDirectory()
        let script = """
        let accs = {controlled: [0.91, 0.88, 0.93], uncontrolled: [0.87, 0.9, 0.85]}
        plot(accs, to: "\(dir)/devices.svg", kind: box, title: "per-device accuracy", y_label: "accuracy")
        plot(accs, to: "\(dir)/devices.png", kind: box)
        plot([0.5, 0.25, 0.125], to: "\(dir)/loss.svg", log_y: true, x: [1, 2, 4], log_x: true)
        """
        _ = try runScript(script, directory: dir, checkMode: true)
        #expect(!FileManager.default.fileExists(atPath: dir + "/devices.svg"))
        _ = try runScript(script, directory: dir)
        let svg = try String(contentsOfFile: dir + "/devices.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<?xml"))
        #expect(svg.contains("data-name=\"controlled\" data-kind=\"box\" data-values=\"0.91 0.88 0.93\""))
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/devices.png"))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // The same script writes the same bytes.
        _ = try runScript(script, directory: dir)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/devices.png")) == png)
        #expect(try String(contentsOfFile: dir + "/devices.svg", encoding: .utf8) == svg)
    }

    /// Relative figure paths stay inside the working directory, however they climb.
    @Test func figurePathsCannotLeaveTheWorkingDirectory() throws {
        let cwd = FileManager.default.currentDirectoryPath
        #expect(try PlotBuiltin.destination("a/./b/../c.svg", span: .none) == cwd + "/a/c.svg")
        #expect(try PlotBuiltin.destination("/tmp/x.svg", span: .none) == "/tmp/x.svg")
        for escaping in ["../x.svg", "a/../../x.svg", "./a/b/../../../x.svg"] {
            #expect(throws: RuntimeError.self) { try PlotBuiltin.destination(escaping, span: .none) }
            #expect(throws: RuntimeError.self) { try PlotBuiltin.destination(escaping, in: "/tmp/out", span: .none) }
        }
        // `dcl run --out DIR`: relative figures go into DIR (relative DIRs from the working directory).
        #expect(try PlotBuiltin.destination("a/../c.svg", in: "/tmp/out/", span: .none) == "/tmp/out/c.svg")
        #expect(try PlotBuiltin.destination("c.svg", in: "res", span: .none) == cwd + "/res/c.svg")
        #expect(try PlotBuiltin.destination("/tmp/x.svg", in: "res", span: .none) == "/tmp/x.svg")
    }

    static let classifier = """
    data d = csv("toy.csv", label: "label")
    model net {
      input x: [4]
      linear(8) |> relu
      linear(3)
    }
    train net on d { epochs: 5, batch: 16, optimizer: adam(lr: 0.05), log: "none" }
    let p = predict(net, on: d)
    let cm = confusion_matrix(net, on: d)
    let per_class = class_accuracy(net, on: d)
    let m = evaluate(net, on: d)
    """

    @Test func predictionsConfusionAndPerClassAccuracyAgree() throws {
        let dir = try temporaryDirectory(files: ["toy.csv": syntheticCSV(rows: 90, features: 4, classes: 3, seed: 3)])
        let r = try runScript(Self.classifier, directory: dir)
        guard case .list(let p)? = r.value("p"), case .list(let rows)? = r.value("cm"), case .list(let per)? = r.value("per_class"),
              case .metrics(let m)? = r.value("m") else {
            Issue.record("unexpected values")
            return
        }
        #expect(p.count == 90)
        let cm: [[Int]] = rows.map { row in
            guard case .list(let xs) = row else { return [] }
            return xs.map { if case .int(let i) = $0 { return i }; return -1 }
        }
        #expect(cm.count == 3 && cm.allSatisfy { $0.count == 3 })
        #expect(cm.joined().reduce(0, +) == 90)
        // Predicted-class counts in `p` are the matrix's column sums.
        for c in 0..<3 {
            let predicted = p.filter { if case .int(let i) = $0 { return i == c }; return false }.count
            #expect(predicted == cm.map { $0[c] }.reduce(0, +))
        }
        let correct = (0..<3).map { cm[$0][$0] }.reduce(0, +)
        #expect(abs(Double(correct) / 90 - m["accuracy"]!) < 1e-9)
        for c in 0..<3 {
            let total = cm[c].reduce(0, +)
            if case .float(let a) = per[c] { #expect(abs(a - Double(cm[c][c]) / Double(total)) < 1e-12) } else { #expect(total == 0) }
        }
    }

    @Test func predictOnAModelWithOneOutputGivesScores() throws {
        let dir = try temporaryDirectory(files: ["toy.csv": syntheticCSV(rows: 10, features: 4, classes: 2, seed: 1)])
        let r = try runScript("""
        data d = csv("toy.csv", label: "label")
        model score {
          input x: [4]
          linear(1) |> reshape([-1])
        }
        let p = predict(score, on: d)
        """, directory: dir)
        guard case .list(let p)? = r.value("p") else { Issue.record("no list"); return }
        #expect(p.count == 10)
        #expect(p.allSatisfy { if case .float = $0 { return true }; return false })
    }

    @Test func confusionMatrixNeedsAClassifier() throws {
        let dir = try temporaryDirectory(files: ["toy.csv": syntheticCSV(rows: 10, features: 4, classes: 2, seed: 1)])
        #expect(throws: ScriptFailure.self) {
            try runScript("""
            data d = csv("toy.csv", label: "label")
            model score {
              input x: [4]
              linear(1) |> reshape([-1])
            }
            let cm = confusion_matrix(score, on: d)
            """, directory: dir)
        }
    }

    @Test func tablesSaveAsCSVAndNumbersAsNPY() throws {
        let dir = try temporaryDirectory()
        _ = try runScript("""
        save [{method: "dc-ccl", acc: 0.5, note: "a, \\"b\\""}, {method: "cloud", acc: 0.25, note: none}] to "table.csv"
        save [[1, 2, 3], [4, 5, 6]] to "ints.npy"
        save [0.5, 1.5, -2.0] to "floats.npy"
        save [[1, 0.5], [2, 3]] to "rows.csv"
        """, directory: dir)
        let csv = try String(contentsOfFile: dir + "/table.csv", encoding: .utf8)
        #expect(csv == "method,acc,note\ndc-ccl,0.5,\"a, \"\"b\"\"\"\ncloud,0.25,\n")
        #expect(try String(contentsOfFile: dir + "/rows.csv", encoding: .utf8) == "1,0.5\n2,3\n")
        let npy = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/ints.npy")))
        let headerLength = Int(npy[8]) | Int(npy[9]) << 8
        #expect(Array(npy[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        #expect((10 + headerLength) % 64 == 0)
        #expect(String(decoding: npy[10..<10 + headerLength], as: UTF8.self).hasPrefix("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(npy.count == 10 + headerLength + 6 * 4)
        guard pythonChecksAvailable(["numpy"], for: "reading saved .npy files back with numpy") else { return }
        let (status, out) = try runPython(["-c", """
        import numpy as np, sys
        a = np.load(sys.argv[1]); b = np.load(sys.argv[2])
        print(a.dtype, a.shape, a.tolist(), b.dtype, b.shape, b.tolist())
        """, dir + "/ints.npy", dir + "/floats.npy"])
        #expect(status == 0, "\(out)")
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "int32 (2, 3) [[1, 2, 3], [4, 5, 6]] float32 (3,) [0.5, 1.5, -2.0]")
    }

    @Test func ragedOrNonNumericArraysAreRefused() throws {
        let dir = try temporaryDirectory()
        for (value, message) in [("[[1, 2], [3]]", "rectangular"), ("[1, \"a\"]", "holds numbers"), ("[2147483648]", "32-bit")] {
            do {
                _ = try runScript("save \(value) to \"x.npy\"", directory: dir)
                Issue.record("\(value) was saved")
            } catch let f as ScriptFailure {
                #expect(f.rendered.contains(message), "\(f.rendered)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.npy"))
    }
}
