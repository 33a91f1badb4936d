// Bundles compiled from scripts using every StdLib backbone (lenet, resnet, mobilenet, vit,
// mlp), an ICIIA plug-in head and the CoDA models, checked by the reference tools:
// Tests/python/check_compiled.py loads weights.safetensors with the safetensors package, runs
// onnx.checker on every ONNX file, and compares ONNX Runtime with `dcl predict` (≤ 1e-4).

import DCLData
import DCLExport
import DCLGraph
import DCLTestScratch
import Foundation
import Testing
@testable import DCLDriver

extension DriverTests {
    @Suite("compiled bundles in onnx, onnxruntime and safetensors", .ownThreads) struct CompiledCrossCheck {
        /// Compiles `script`, then writes for each model probe inputs and its `dcl predict` outputs.
        private func prepare(_ script: String, _ name: String, in root: URL) throws -> (URL, [String]) {
            let dir = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let r = compile(try writeScript(script, named: "\(name).dcl", in: root), into: dir)
            #expect(r.status == 0, "\(name): \(r.text)")
            var expected: [String] = []
            for file in listing(dir) where file.hasSuffix(".dclb") {
                let bundle = String(file.dropLast(5))
                let contents = try BundleReader().read(path: dir.appendingPathComponent(file).path)
                for m in contents.manifest.models where m.onnx != nil {
                    let model = try contents.model(named: m.name)
                    let feeds = try QuantizationProbe.probeInputs(model.graph, batch: 3, seed: 21)
                    for (i, s) in model.inputs.enumerated() {
                        try NPY.write(feeds[s.name]!, to: dir.appendingPathComponent("\(bundle).\(m.name).input\(i).npy").path)
                    }
                    for (j, out) in try model.run(feeds).enumerated() {
                        try NPY.write(out.tensor, to: dir.appendingPathComponent("\(bundle).\(m.name).output\(j).npy").path)
                    }
                    expected.append("ok \(bundle) \(m.name) ")
                }
                expected.append("weights \(bundle) ok")
            }
            return (dir, expected)
        }

        @Test func referenceToolsAgree() throws {
            guard pythonChecksAvailable(["onnx", "onnxruntime", "safetensors", "numpy"], for: "the compiled-bundle cross-check") else { return }
            let root = try makeTemporaryDirectory("crosscheck")
            defer { try? FileManager.default.removeItem(at: root) }
            let data = repositoryRoot.appendingPathComponent("Examples/data/ml-latest-small").path
            let scripts = [("vision", TestScripts.vision), ("iciia", TestScripts.iciia), ("coda", TestScripts.coda(data: data))]
            var models = 0
            for (name, script) in scripts {
                let (dir, expected) = try prepare(script, name, in: root)
                let (status, output) = try runPython([pythonScriptsDirectory.appendingPathComponent("check_compiled.py").path, dir.path])
                #expect(status == 0, "check_compiled.py failed on \(name):\n\(output)")
                for line in expected { #expect(output.contains(line), "\(name): no '\(line)' in:\n\(output)") }
                models += expected.filter { $0.hasPrefix("ok ") }.count
            }
            // vision: 3 + 7, iciia: 3 + 3, coda: 3 + 2 models with ONNX files.
            #expect(models == 21)
        }
    }
}
