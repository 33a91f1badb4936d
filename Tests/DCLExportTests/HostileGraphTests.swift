// Bundles whose checksums are all correct but whose content is hostile: graph text, ONNX
// bytes, signatures and names made by an attacker who recomputed every SHA-256. The reader
// (and so `dcl inspect` and `dcl predict`) must refuse each with an error naming the entry —
// never accept it, and never trap.

import Foundation
import Testing
import DCLTensor
@testable import DCLExport

/// One mutation of the sample bundle's `control.graph`.
struct GraphMutation: CustomTestStringConvertible, Sendable {
    var label: String
    var change: @Sendable (String) -> String
    var testDescription: String { label }

    /// Replaces the first occurrence of `old` (which must occur) by `new`.
    static func replace(_ label: String, _ old: String, _ new: String, all: Bool = false) -> GraphMutation {
        GraphMutation(label: label) { text in
            precondition(text.contains(old), "the sample graph has no '\(old)'")
            if all { return text.replacingOccurrences(of: old, with: new) }
            return text.replacingCharacters(in: text.range(of: old)!, with: new)
        }
    }

    /// Inserts `line` before the `output` line.
    static func insert(_ label: String, _ line: String) -> GraphMutation {
        replace(label, "  output \"logits\"", "  \(line)\n  output \"logits\"")
    }

    /// The cases: the four reported crashes (huge padding, an overflowing dimension, a huge
    /// value id, and — in the driver tests — a huge manifest shape) and many more.
    static let all: [GraphMutation] = [
        replace("value id Int.max", "%6", "%9223372036854775807", all: true),
        replace("value id 2^31", "%5", "%2147483648", all: true),
        replace("value id with 30 digits", "%6", "%123456789012345678901234567890", all: true),
        replace("value id without digits", "%6 = matmul", "% = matmul"),
        replace("overflowing dimension product", "f32[N,4]", "f32[4611686018427387904*4,4]"),
        replace("overflowing dimension sum", "f32[N,4]", "f32[N+9223372036854775807,4]"),
        replace("dimension over 2^40", "f32[8,4]", "f32[1099511627777,4]"),
        replace("dimension beyond Int", "f32[8,4]", "f32[99999999999999999999999,4]"),
        replace("negative dimension", "f32[8] init", "f32[-8] init"),
        replace("dimension of degree 5", "f32[N,4]", "f32[N*N*N*N*N,4]"),
        replace("malformed dimension", "f32[N,4]", "f32[N,4x]"),
        replace("rank 40", "f32[8] init", "f32[" + Array(repeating: "1", count: 40).joined(separator: ",") + "] init"),
        replace("unknown dtype", "f32[N,4]", "f64[N,4]"),
        replace("unknown op", "= matmul(%0", "= nosuchop(%0"),
        replace("attribute of the wrong type", "transpose_a=false", "transpose_a=3"),
        replace("missing attribute", "transpose_b=true, activation", "activation"),
        replace("conv padding 2^62", "%5 = matmul(%0, %1, %2) {transpose_a=false, transpose_b=true, activation=\"relu\"} : f32[N,8]",
                "%5 = conv2d(%0, %1) {stride=[1,1], padding=[4611686018427387904,1], dilation=[1,1], groups=1} : f32[N,8]"),
        replace("conv stride 2^30", "%5 = matmul(%0, %1, %2) {transpose_a=false, transpose_b=true, activation=\"relu\"} : f32[N,8]",
                "%5 = conv2d(%0, %1) {stride=[1073741824,1], padding=[0,0], dilation=[1,1], groups=1} : f32[N,8]"),
        insert("softmax axis 10^12", "%7 = softmax(%6) {axis=1000000000000} : f32[N,3] @\"s\" #0"),
        insert("reshape to 2^41", "%7 = reshape(%6) {shape=[2199023255552]} : f32[2199023255552] @\"r\" #0"),
        insert("huge constant", "const %7 : f32[1099511627776,1099511627776] = [1.0]"),
        insert("constant with too few values", "const %7 : f32[3] = [1.0]"),
        insert("constant with a bad float", "const %7 : f32[1] = [one]"),
        insert("state update", "assign \"fc1.bias\" = %2"),
        replace("truncated node line", "%6 = matmul(%5, %3, %4) {transpose_a=false, transpose_b=true} : f32[N,3] @\"fc2\" #0", "%6 = matmul(%5, %3"),
        replace("truncated file", "  output \"logits\" = %6\n}\n", "  output \"logits\" = %6\n"),
        replace("text after the end", "}\n", "}\ngraph {\n"),
        replace("undefined operand", "matmul(%5, %3, %4)", "matmul(%7, %3, %4)"),
        replace("value defined twice", "%6 = matmul", "%5 = matmul"),
        replace("declared type disagrees with the op", ": f32[N,3] @\"fc2\"", ": f32[N,4] @\"fc2\""),
        replace("output renamed", "output \"logits\"", "output \"/../../ESC\""),
        replace("input of another shape", "f32[N,4]", "f32[M,4]"),
        replace("parameter the manifest lacks", "\"fc1.bias\" : f32[8] init", "\"fc1.biasX\" : f32[8] init"),
        replace("parameter of another dtype", "\"fc2.bias\" : f32[3] init=zeros", "\"fc2.bias\" : i32[3] init=zeros"),
        replace("bad string escape", "@\"fc1\"", "@\"fc1\\u{zz}\""),
        replace("unterminated string", "@\"fc2\" #0", "@\"fc2 #0"),
        replace("origin not a number", "@\"fc2\" #0", "@\"fc2\" #x"),
        GraphMutation(label: "empty text") { _ in "" },
        GraphMutation(label: "only the header") { _ in "graph {\n" },
    ]
}

private func bundle(withGraph text: [UInt8]) throws -> [UInt8] {
    try rebuiltSample { try replaceEntryConsistently(&$0, "control.graph", text) }
}

@Suite("hostile graphs and members")
struct HostileGraphTests {
    @Test(arguments: GraphMutation.all)
    func mutatedGraphTextIsRefusedNamingTheEntry(_ m: GraphMutation) throws {
        let good = try entries(of: try sampleBundleBytes()).first { $0.0 == "control.graph" }!.1
        let text = m.change(String(decoding: good, as: UTF8.self))
        #expect(text.utf8.count != good.count || Array(text.utf8) != good, "the mutation changed nothing")
        let bad = try bundle(withGraph: Array(text.utf8))
        expectExportError(.graph, "entry 'control.graph'") { _ = try BundleReader().read(bytes: bad) }
        // `inspect` (checksum failures reported, not thrown) refuses it as well.
        let dir = try makeTemporaryDirectory("hostile-graph")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("t.dclb")
        try Data(bad).write(to: url)
        expectExportError(.graph, "entry 'control.graph'") { _ = try BundleReader().inspect(path: url.path) }
    }

    @Test func parseErrorsNameTheLine() throws {
        let good = String(decoding: try entries(of: try sampleBundleBytes()).first { $0.0 == "control.graph" }!.1, as: UTF8.self)
        let bad = try bundle(withGraph: Array(good.replacingOccurrences(of: "%6", with: "%9223372036854775807").utf8))
        expectExportError(.graph, "entry 'control.graph'", "line 8:", "out of range") { _ = try BundleReader().read(bytes: bad) }
        let padding = try bundle(withGraph: Array(good.replacingOccurrences(
            of: "{transpose_a=false, transpose_b=true, activation=\"relu\"}",
            with: "{stride=[1,1], padding=[4611686018427387904,1], dilation=[1,1], groups=1}").replacingOccurrences(of: "= matmul(%0, %1, %2)", with: "= conv2d(%0, %1)").utf8))
        expectExportError(.graph, "line 7:", "padding") { _ = try BundleReader().read(bytes: padding) }
    }

    @Test func trainingOnlyOpsAreRefused() throws {
        let good = String(decoding: try entries(of: try sampleBundleBytes()).first { $0.0 == "control.graph" }!.1, as: UTF8.self)
        let dropout = good.replacingOccurrences(of: "  output \"logits\" = %6",
                                                with: "  %7, %8 = dropout(%6) {p=0.5, seed=1} : f32[N,3], f32[N,3] @\"d\" #0\n  output \"logits\" = %7")
        let bad = try bundle(withGraph: Array(dropout.utf8))
        expectExportError(.graph, "entry 'control.graph'", "node 'd' uses 'dropout'") { _ = try BundleReader().read(bytes: bad) }
    }

    @Test func invalidUTF8GraphText() throws {
        let bad = try bundle(withGraph: [0x67, 0xFF, 0xFE, 0x0A])
        expectExportError(.graph, "entry 'control.graph'", "UTF-8") { _ = try BundleReader().read(bytes: bad) }
    }

    @Test func garbageONNXMemberIsRefused() throws {
        let bad = try rebuiltSample { try replaceEntryConsistently(&$0, "control.onnx", Array("this is not protobuf at all".utf8)) }
        expectExportError(.onnx, "entry 'control.onnx'", "does not decode") { _ = try BundleReader().read(bytes: bad) }
        // An ONNX file of another signature: the manifest's model reads `x`, this one `y`.
        var other = try controlModel(storage: .float32)
        other.inputs[0].name = "y"
        var b = try other.makeONNXBuilder(weightStorage: .float32)
        try b.addNode("Gemm", inputs: ["y", "fc1.weight", "fc1.bias"], outputs: ["logits"], attributes: [ONNXAttribute("transB", .int(1))])
        let renamed = try rebuiltSample { try replaceEntryConsistently(&$0, "control.onnx", try b.build(producerVersion: "t").serializedBytes()) }
        expectExportError(.onnx, "entry 'control.onnx'", "inputs are [\"y\"]") { _ = try BundleReader().read(bytes: renamed) }
    }

    @Test func onnxWeightsMustBeTheStoredWeights() throws {
        // Same graph, other weights: the ONNX file would compute something else than dcl.
        var other = try controlModel(storage: .float32)
        other.parameters[0].tensor = try randomTensor([8, 4], seed: 99)
        let onnx = try controlModel(storage: .float32).onnx!
        var b = try other.makeONNXBuilder(weightStorage: .float32)
        let transB = [ONNXAttribute("transB", .int(1))]
        let h = try b.addNode("Gemm", inputs: ["x", "fc1.weight", "fc1.bias"], attributes: transB)[0]
        let r = try b.addNode("Relu", inputs: [h])[0]
        try b.addNode("Gemm", inputs: [r, "fc2.weight", "fc2.bias"], outputs: ["logits"], attributes: transB)
        let changed = try b.build(producerVersion: "test").serializedBytes()
        #expect(changed != onnx)
        let bad = try rebuiltSample { try replaceEntryConsistently(&$0, "control.onnx", changed) }
        expectExportError(.onnx, "entry 'control.onnx'", "initializer 'fc1.weight'") { _ = try BundleReader().read(bytes: bad) }
    }

    @Test(arguments: ["/../../ESC", "../x", ".hidden", "a/b", "-flag", "tab\there", String(repeating: "y", count: 201), ""])
    func unsafeSignatureNamesAreRefused(_ name: String) throws {
        // The output is renamed in the manifest and the graph alike; only the name is hostile.
        let bad = try rebuiltSample { list in
            try editManifest(&list) { m in
                var models = m["models"] as! [[String: Any]]
                var outputs = models[0]["outputs"] as! [[String: Any]]
                outputs[0]["name"] = name
                models[0]["outputs"] = outputs
                m["models"] = models
            }
        }
        expectExportError(.manifest, "entry 'manifest.json'", "input or output named") { _ = try BundleReader().read(bytes: bad) }
    }

    @Test func controlCharactersInPrintedFieldsAreRefused() throws {
        // `dcl inspect` prints these; an escape sequence would drive the user's terminal.
        for (key, value) in [("bundle", "phone\u{1B}]0;pwned\u{7}"), ("dcl_version", "0.1\n2"), ("bundle", String(repeating: "b", count: 201))] {
            let bad = try rebuiltSample { try editManifest(&$0) { $0[key] = value } }
            expectExportError(.manifest, "entry 'manifest.json'", key) { _ = try BundleReader().read(bytes: bad) }
        }
    }

    @Test func unsafeTensorNamesAreRefused() throws {
        for name in ["../w", "/abs", "a//b", ".x"] {
            let bad = try rebuiltSample { list in
                try editManifest(&list) { m in
                    var models = m["models"] as! [[String: Any]]
                    var tensors = models[0]["tensors"] as! [[String: Any]]
                    tensors[0]["name"] = name
                    models[0]["tensors"] = tensors
                    m["models"] = models
                }
            }
            expectExportError(.manifest, "tensor named") { _ = try BundleReader().read(bytes: bad) }
        }
    }

    @Test func signatureShapesAreBounded() throws {
        func withInputShape(_ shape: [Any]) throws -> [UInt8] {
            try rebuiltSample { list in
                try editManifest(&list) { m in
                    var models = m["models"] as! [[String: Any]]
                    var inputs = models[0]["inputs"] as! [[String: Any]]
                    inputs[0]["shape"] = shape
                    models[0]["inputs"] = inputs
                    m["models"] = models
                }
            }
        }
        expectExportError(.manifest, "'x' of model 'control'") { _ = try BundleReader().read(bytes: try withInputShape(["N", 1_099_511_627_776, 1_099_511_627_776])) }
        expectExportError(.manifest, "outside 0…") { _ = try BundleReader().read(bytes: try withInputShape(["N", -4])) }
        expectExportError(.manifest, "outside 0…") { _ = try BundleReader().read(bytes: try withInputShape(["N", Int.max])) }
        expectExportError(.manifest, "batch symbol") { _ = try BundleReader().read(bytes: try withInputShape([4])) }
        expectExportError(.manifest, "only the first") { _ = try BundleReader().read(bytes: try withInputShape(["N", "M"])) }
    }

    @Test func localHeaderMustAgreeWithTheCentralDirectory() throws {
        let good = try sampleBundleBytes()
        let dir = try ZipDirectory.read(MemorySource(bytes: good), limits: .standard)
        let w = dir.entries.first { $0.name == "weights.safetensors" }!
        // Flip the local header's uncompressed size, then its CRC-32.
        for offset in [22, 18, 14] {
            var bad = good
            bad[w.localHeaderOffset + offset] ^= 0x01
            expectExportError(.archive, "entry 'weights.safetensors'", "the local header's") { _ = try BundleReader().read(bytes: bad) }
        }
    }
}
