// DCLGraph — the graph IR, its one op table, autodiff, passes and executor.
//
// How the compiler (and anything else) uses it:
//
//   let b = GraphBuilder()
//   b.origin = span.id                                  // stamped on every node added next
//   let x = try b.input("x", TensorType(.float32, [.symbol("N"), 784]))
//   let y = try b.input("y", TensorType(.int32, [.symbol("N")]))
//   let h = try b.scope("features") {                   // node names: features.matmul_1, …
//       let w = try b.parameter("fc1.weight", shape: [784, 256],
//                               initializer: .kaimingUniform(fanIn: 784, negativeSlope: 5.squareRoot()))
//       let bias = try b.parameter("fc1.bias", shape: [256], initializer: .zeros)
//       return try b.relu(try b.add(try b.matmul(x, w), bias))
//   }
//   let loss = try b.crossEntropy(try b.matmul(h, …), y)
//   try b.output("loss", loss)
//   let forward = try b.finish()                         // verified
//
//   // Training: forward + backward + optimiser for the trainable parameters only.
//   var train = try TrainingGraph.build(forward, loss: loss.id,
//       config: TrainingConfig(optimizer: .adam(), schedule: .constant(1e-3), clipNorm: 5))
//   train = try Passes.fuse(train)                       // bias + activation into GEMM epilogues
//   // (a table read only by `gather` gets a row-sparse gradient and a lazy update:
//   //  Ops/SparseGradient.swift; `sparseEmbeddings: false` in the config keeps it dense)
//
//   let store = ParameterStore()
//   try store.initialize(train, seed: 42)                // per-name forks: order-independent
//   let exec = try Executor(graph: train)                // plans are compiled per binding of N
//   let out = try exec.run(inputs: ["x": xs, "y": ys], store: store)   // store updated in place
//   out["loss"]
//
// Other entry points: `Autodiff.gradients(of:wrt:in:)` (gradients of any scalar with respect to
// any values, appended to a builder), `Autodiff.parameterGradients` (and `splitParameterGradients`,
// with row-sparse pieces for gather-only tables), `Passes.eliminateDeadNodes`,
// `Passes.foldConstants`, `MemoryPlan.make` / `ExecutionPlan.memory` (peak activation bytes for a
// batch size), `CostReport.make(graph, bindings:).table` (per-node parameters, FLOPs,
// activations), `GraphPrinter.print` / `GraphParser.parse` (the text form bundles store),
// `DotWriter.render`, `OpRegistry` (every primitive by name).
//
// Errors: shape and type errors are thrown by the builder as `GraphError` carrying the op name,
// the input types, the node's scope path and its origin tag; run-time errors (a label out of
// range, a non-finite value with `ExecutionOptions.checkFinite`) carry the same location.
//
// Conventions: tensors are row-major; images are NCHW; conv weights are (Cout, Cin/groups, kh, kw);
// matmul multiplies the last two axes and broadcasts leading ones; a symbolic dimension (`N`,
// `N+16`, `4*N`) never broadcasts like a literal 1.
