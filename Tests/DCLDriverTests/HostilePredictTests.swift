// `dcl predict` and `dcl inspect` on bundles whose checksums were recomputed so that only the
// content is hostile (graph text, manifest shapes, output names), and on hostile input files.
// Each must end in an error naming the bundle file and the entry — never a trap, never a file
// written outside the output directory.

import DCLData
import DCLTensor
import Foundation
import Testing
@testable import DCLDriver
@testable import DCLExport

extension DriverTests {
    @Suite("hostile predict", .serialized) struct HostilePredict {
        /// A compiled LeNet bundle (convolutions, pooling, linear layers) and a matching input.
        private func fixture() throws -> (dir: URL, bundle: String, input: String) {
            let dir = try makeTemporaryDirectory("hostile-predict")
            let script = "import std.vision\nlet net = lenet(10)\nrole device[2] { }\nbundle t for device { models: [net] }\n"
            let r = compile(try writeScript(script, named: "t.dcl", in: dir), into: dir)
            #expect(r.status == 0, "\(r.text)")
            let input = dir.appendingPathComponent("x.npy").path
            try NPY.write(try Tensor(zeros: [1, 1, 28, 28]), to: input)
            return (dir, dir.appendingPathComponent("t.dclb").path, input)
        }

        /// The bundle's entries with `change` applied, sizes and SHA-256s recomputed, rezipped.
        private func rebuilt(_ bundle: String, to path: String, _ change: (inout [String: [UInt8]]) throws -> Void) throws {
            let source = try FileSource(path: bundle)
            let directory = try ZipDirectory.read(source, limits: .standard)
            var data: [String: [UInt8]] = [:]
            for e in directory.entries { data[e.name] = try ZipDirectory.contents(of: e, from: source) }
            try change(&data)
            var manifest = try JSONSerialization.jsonObject(with: Data(data["manifest.json"]!)) as! [String: Any]
            var listed = manifest["entries"] as! [[String: Any]]
            for k in listed.indices {
                let bytes = data[listed[k]["name"] as! String]!
                listed[k]["bytes"] = bytes.count
                listed[k]["sha256"] = SHA256.hexDigest(bytes)
            }
            manifest["entries"] = listed
            data["manifest.json"] = [UInt8](try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]))
            let order = directory.entries.map(\.name)
            try? FileManager.default.removeItem(atPath: path)
            try ZipWriter.write(order.map { ZipEntrySpec(name: $0, bytes: data[$0]!, compress: false) }, to: URL(fileURLWithPath: path))
        }

        private func editGraph(_ bundle: String, to path: String, _ edit: (String) -> String) throws {
            try rebuilt(bundle, to: path) { data in
                let text = String(decoding: data["net.graph"]!, as: UTF8.self)
                let changed = edit(text)
                #expect(changed != text, "the mutation changed nothing")
                data["net.graph"] = Array(changed.utf8)
            }
        }

        /// Replaces the first match of `pattern` (a regular expression) by `template`.
        private static func sub(_ pattern: String, _ template: String) -> @Sendable (String) -> String {
            { text in
                let re = try! NSRegularExpression(pattern: pattern)
                guard let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return text }
                return (text as NSString).replacingCharacters(in: m.range, with: re.replacementString(for: m, in: text, offset: 0, template: template))
            }
        }

        /// Graph-text mutations: the reported crashes first, then others.
        static let graphMutations: [(String, @Sendable (String) -> String)] = [
            ("conv padding 2^62", sub(#"padding=\[\d+,\d+\]"#, "padding=[4611686018427387904,1]")),
            ("overflowing input dimension", sub(#"f32\[N,1,28,28\]"#, "f32[4611686018427387904*4,1,28,28]")),
            ("value id Int.max", { $0.replacingOccurrences(of: "%0", with: "%9223372036854775807") }),
            ("value id 2^31", { $0.replacingOccurrences(of: "%0", with: "%2147483648") }),
            ("conv stride 2^40", sub(#"stride=\[\d+,\d+\]"#, "stride=[1099511627776,1]")),
            ("conv dilation negative", sub(#"dilation=\[\d+,\d+\]"#, "dilation=[-1,1]")),
            ("conv groups 2^62", sub(#"groups=\d+"#, "groups=4611686018427387904")),
            ("pool kernel 2^50", sub(#"kernel=\[\d+,\d+\]"#, "kernel=[1125899906842624,2]")),
            ("pool kernel zero", sub(#"kernel=\[\d+,\d+\]"#, "kernel=[0,0]")),
            ("dimension beyond Int", sub(#"f32\[N,1,28,28\]"#, "f32[N,1,99999999999999999999999,28]")),
            ("dimension 2^40 squared", sub(#"f32\[N,1,28,28\]"#, "f32[N,1,1099511627776,1099511627776]")),
            ("negative parameter dimension", sub(#"param (%\d+ "[^"]+") : f32\[\d+"#, "param $1 : f32[-6")),
            ("unknown op", sub(#"= conv2d\("#, "= conv9d(")),
            ("attribute of the wrong type", sub(#"groups=\d+"#, "groups=\"many\"")),
            ("missing attribute", sub(#"groups=\d+, ?"#, "")),
            ("undefined operand", sub(#"conv2d\(%\d+"#, "conv2d(%99999")),
            ("truncated node line", sub(#"(%\d+ = conv2d\([^)]*)\).*"#, "$1")),
            ("truncated file", { String($0.dropLast(3)) }),
            ("output renamed outside", sub(#"output "[^"]+""#, #"output "/../../ESC""#)),
            ("declared type disagrees", sub(#"(= conv2d.*: f32\[N),\d+"#, "$1,7")),
            ("state update", sub(#"(\n  output )"#, "\n  assign \"x\" = %1$1")),
            ("huge constant", sub(#"(\n  output )"#, "\n  const %99 : f32[1099511627776,1099511627776] = [1.0]$1")),
            ("rank 40 input", sub(#"f32\[N,1,28,28\]"#, "f32[N" + String(repeating: ",1", count: 39) + "]")),
            ("unknown dtype", sub(#"f32\[N,1,28,28\]"#, "f64[N,1,28,28]")),
            ("garbage line", sub(#"(\n  output )"#, "\n  ⚠︎ nonsense (((\u{0}$1")),
            ("empty graph", { _ in "" }),
        ]

        @Test func mutatedGraphsFailCleanlyInInspectAndPredict() throws {
            let (dir, bundle, input) = try fixture()
            defer { try? FileManager.default.removeItem(at: dir) }
            #expect(runCommand(["predict", bundle, "--model", "net", "--input", input]) == 0)
            for (label, edit) in Self.graphMutations {
                let path = dir.appendingPathComponent("t-\(label.replacingOccurrences(of: " ", with: "-")).dclb").path
                try editGraph(bundle, to: path, edit)
                let (inspect, inspectErr) = capturingStandardError { runCommand(["inspect", path]) }
                #expect(inspect == 1, "\(label): inspect exited \(inspect)")
                #expect(inspectErr.contains(path) && inspectErr.contains("entry 'net.graph'"), "\(label): \(inspectErr)")
                let (predict, predictErr) = capturingStandardError { runCommand(["predict", path, "--model", "net", "--input", input]) }
                #expect(predict == 1, "\(label): predict exited \(predict)")
                #expect(predictErr.contains(path) && predictErr.contains("entry 'net.graph'"), "\(label): \(predictErr)")
            }
        }

        @Test func hugeManifestInputShapeIsRefused() throws {
            let (dir, bundle, input) = try fixture()
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("shape.dclb").path
            try rebuilt(bundle, to: path) { data in
                var m = try JSONSerialization.jsonObject(with: Data(data["manifest.json"]!)) as! [String: Any]
                var models = m["models"] as! [[String: Any]]
                var inputs = models[0]["inputs"] as! [[String: Any]]
                inputs[0]["shape"] = ["N", 1_099_511_627_776, 1_099_511_627_776]
                models[0]["inputs"] = inputs
                m["models"] = models
                data["manifest.json"] = [UInt8](try JSONSerialization.data(withJSONObject: m, options: [.sortedKeys]))
            }
            let (status, err) = capturingStandardError { runCommand(["predict", path, "--model", "net", "--input", input]) }
            #expect(status == 1)
            #expect(err.contains(path) && err.contains("entry 'manifest.json'") && err.contains("'x' of model 'net'"), "\(err)")
            #expect(capturingStandardError { runCommand(["inspect", path]) }.0 == 1)
        }

        @Test func outputNamedToEscapeIsNeverWrittenOutside() throws {
            let (dir, bundle, input) = try fixture()
            defer { try? FileManager.default.removeItem(at: dir) }
            // Graph and manifest both name the output `/../../ESC`; every checksum is right.
            let path = dir.appendingPathComponent("esc.dclb").path
            try rebuilt(bundle, to: path) { data in
                let text = String(decoding: data["net.graph"]!, as: UTF8.self)
                data["net.graph"] = Array(Self.sub(#"output "[^"]+""#, #"output "/../../ESC""#)(text).utf8)
                var m = try JSONSerialization.jsonObject(with: Data(data["manifest.json"]!)) as! [String: Any]
                var models = m["models"] as! [[String: Any]]
                var outputs = models[0]["outputs"] as! [[String: Any]]
                outputs[0]["name"] = "/../../ESC"
                models[0]["outputs"] = outputs
                m["models"] = models
                data["manifest.json"] = [UInt8](try JSONSerialization.data(withJSONObject: m, options: [.sortedKeys]))
            }
            let out = dir.appendingPathComponent("a/b/OUT")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let (status, err) = capturingStandardError { runCommand(["predict", path, "--model", "net", "--input", input, "--output", out.path + "/"]) }
            #expect(status == 1, "\(err)")
            #expect(err.contains("input or output named '/../../ESC'"), "\(err)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a/ESC.npy").path))
            #expect(listing(dir.appendingPathComponent("a")) == ["b"])
        }

        @Test func outputPathsStayInTheRequestedDirectory() throws {
            let dir = try makeTemporaryDirectory("outpaths")
            defer { try? FileManager.default.removeItem(at: dir) }
            let d = dir.path
            #expect(try PredictIO.outputPaths(["logits"], output: "\(d)/y.npy") == ["\(d)/y.npy"])
            #expect(try PredictIO.outputPaths(["logits"], output: "\(d)/y") == ["\(d)/y.npy"])
            #expect(try PredictIO.outputPaths(["a", "b"], output: "\(d)/y.npy") == ["\(d)/y.a.npy", "\(d)/y.b.npy"])
            #expect(try PredictIO.outputPaths(["logits"], output: "\(d)/") == ["\(d)/logits.npy"])
            #expect(try PredictIO.outputPaths(["a", "b"], output: d) == ["\(d)/a.npy", "\(d)/b.npy"])
            for bad in ["/../../ESC", "..", ".hidden", "a/b", "-x", "", "a\u{0}b"] {
                #expect(throws: PredictIO.Problem.self, "\(bad)") { try PredictIO.outputPaths([bad, "ok"], output: "\(d)/y.npy") }
                #expect(throws: PredictIO.Problem.self, "\(bad)") { try PredictIO.outputPaths([bad], output: "\(d)/") }
            }
        }

        @Test func endlessAndBinaryInputsFailFast() throws {
            let (dir, bundle, _) = try fixture()
            defer { try? FileManager.default.removeItem(at: dir) }
            let start = Date()
            let (npy, npyErr) = capturingStandardError { runCommand(["predict", bundle, "--model", "net", "--input", "/dev/zero"]) }
            #expect(npy == 2 && npyErr.contains("/dev/zero") && npyErr.contains("not an .npy file"), "\(npyErr)")
            // /dev/zero read as CSV: through a symbolic link named .csv.
            let link = dir.appendingPathComponent("zero.csv").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/zero")
            let (csv2, csv2Err) = capturingStandardError { runCommand(["predict", bundle, "--model", "net", "--input", link]) }
            #expect(csv2 == 2 && csv2Err.contains("NUL"), "\(csv2Err)")
            #expect(Date().timeIntervalSince(start) < 10)
        }

        @Test func inputsAreReadThroughTheDataLayersCappedReader() throws {
            // The caps themselves are tested in DCLDataTests (FileBytes); here: predict's inputs
            // reach them, and an oversized or non-text stream names the file.
            let (dir, bundle, _) = try fixture()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (status, err) = capturingStandardError { runCommand(["predict", bundle, "--model", "net", "--input", "/dev/urandom"]) }
            #expect(status == 2 && err.contains("/dev/urandom"), "\(err)")
            #expect(throws: DataError.self) { try DataFiles.readText("/dev/zero") }
        }
    }
}

/// Runs `body` with standard error redirected to a file; returns its result and what it wrote.
func capturingStandardError<T>(_ body: () throws -> T) rethrows -> (T, String) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(getpid())-\(UInt64.random(in: 0...UInt64.max))").path
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let saved = dup(2)
    dup2(fd, 2)
    defer {
        dup2(saved, 2)
        close(saved)
        close(fd)
        unlink(path)
    }
    let result = try body()
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return (result, text)
}
