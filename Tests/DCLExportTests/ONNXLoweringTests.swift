// The graph → ONNX lowering: the table covers the engine's op set exactly, every exportable op
// has a case in the cross-check, training-only ops and state updates fail with the node named,
// and lowering is deterministic. LoweringCrossCheckTests runs the cases in ONNX Runtime.

import DCLData
import DCLGraph
import DCLTensor
import Foundation
import Testing
@testable import DCLExport

@Suite("graph → ONNX lowering")
struct ONNXLoweringTests {
    @Test func everyRegisteredOpHasARule() {
        let registered = Set(OpRegistry.names)
        let covered = ONNXLowering.coveredOps
        #expect(registered.subtracting(covered).isEmpty, "ops without an ONNX rule: \(registered.subtracting(covered).sorted())")
        #expect(covered.subtracting(registered).isEmpty, "rules for ops the engine does not register: \(covered.subtracting(registered).sorted())")
    }

    @Test func everyExportableOpIsExercised() throws {
        let used = try allLoweringCases().reduce(into: Set<String>()) { $0.formUnion($1.ops) }
        let missing = Set(ONNXLowering.exportableOps).subtracting(used)
        #expect(missing.isEmpty, "exportable ops no lowering case uses: \(missing.sorted())")
    }

    @Test func notExportableOpsSayWhy() {
        for (op, why) in ONNXLowering.notExportableOps {
            #expect(why.contains("training"), "\(op): \(why)")
        }
        #expect(ONNXLowering.notExportableOps["sgd_update"] != nil)
        #expect(ONNXLowering.notExportableOps["dropout"] != nil)
        #expect(ONNXLowering.notExportableOps["relu"] == nil)
    }

    /// Lowers `graph` with random weights, expecting an error mentioning every fragment.
    private func expectLoweringError(_ graph: Graph, _ fragments: String...) throws {
        let store = ParameterStore()
        try store.initialize(graph, seed: 1)
        let d = try ModelDescription(name: "m", graph: graph, weights: store.tensors, metrics: ModelMetrics(params: 0, flopsPerSample: 0, peakMemoryBytes: 0))
        do {
            _ = try ONNXLowering.export(graph, model: d, weightStorage: .float32, producerVersion: "test")
            Issue.record("lowering succeeded, expected an error mentioning \(fragments)")
        } catch let e as ExportError {
            #expect(e.kind == .unsupported, "\(e)")
            for f in fragments { #expect(e.description.contains(f), "'\(e)' does not mention '\(f)'") }
        }
    }

    @Test func trainingOnlyOpsFailNamingTheNode() throws {
        let b = GraphBuilder()
        let x = try b.input("x", TensorType(.float32, [.symbol("N"), 4]))
        let y = try b.scope("features") { try b.dropout(x, p: 0.5, seed: 3) }
        try b.output("output", try b.relu(y))
        try expectLoweringError(try b.finish(), "model 'm'", "'features.dropout_1'", "dropout", "training")
    }

    @Test func trainingBatchNormIsRefused() throws {
        let b = GraphBuilder()
        let x = try b.input("x", TensorType(.float32, [.symbol("N"), 2, 3, 3]))
        let ps = try ["w", "b", "m", "v"].map { try b.parameter($0, shape: [2], initializer: .ones) }
        let outs = try b.apply(BatchNorm(training: true), [x] + ps, name: "bn")
        try b.output("output", outs[0])
        try expectLoweringError(try b.finish(), "'bn'", "training-mode batch norm")
    }

    @Test func stateUpdatesAreRefused() throws {
        let b = GraphBuilder()
        let x = try b.input("x", TensorType(.float32, [.symbol("N"), 2, 3, 3]))
        try b.output("output", try b.batchNorm(x, prefix: "bn", training: true))
        try expectLoweringError(try b.finish(), "updates state", "bn.running_mean")
    }

    @Test func loweringIsDeterministic() throws {
        let a = try allLoweringCases().map(\.onnx)
        let b = try allLoweringCases().map(\.onnx)
        #expect(a == b)
    }

    @Test func batchStaysSymbolicAndShapesUseCopyOrInfer() throws {
        let c = try allLoweringCases().first { $0.name == "reshape_symbolic" }!
        let model = try ONNXModel(serializedBytes: c.onnx)
        #expect(model.graph.inputs.first?.shape?.first == .param("N"))
        #expect(model.graph.outputs.first?.shape?.first == .param("N"))
        // Both reshapes use constant targets: [-1, 2] folds the batch, [-1, 4]/[0, 4] restores it.
        #expect(!model.graph.nodes.contains { $0.opType == "Shape" }, "a reshape took the computed-shape path")
        let targets = model.graph.initializers.filter { $0.dataType == .int64 }.map { $0.int64Values() }
        #expect(targets.contains([-1, 2]))
    }

    @Test func symbolsReadOffTheInputWhenNeeded() throws {
        let c = try allLoweringCases().first { $0.name == "dim_value" }!
        let model = try ONNXModel(serializedBytes: c.onnx)
        let shape = model.graph.nodes.first { $0.opType == "Shape" }
        #expect(shape?.inputs == ["x"])
    }

    @Test func linearLayersBecomeGemm() throws {
        let c = try allLoweringCases().first { $0.name == "matmul_gemm_bias_relu" }!
        let ops = try ONNXModel(serializedBytes: c.onnx).graph.nodes.map(\.opType)
        #expect(ops == ["Gemm", "Relu"])
    }
}
