// One helper checks any op's gradient against finite differences, through the real autodiff
// graph transformation and executor (tinygrad's `helper_test_op` idea).
//
// For an op application y = f(x₁, …, xₖ) the check uses the scalar L = Σ r ⊙ y with a fixed
// random r, so every output element matters. The analytic gradient comes from
// `Autodiff.gradients` run by the executor; the numeric one from central differences
//   (L(x + h·eᵢ) - L(x - h·eᵢ)) / 2h,  h = 1e-2 (1e-3 for kink-dense cases),
// where L is accumulated in Float64 from the float32 outputs.
//
// Tolerance: kernels are float32, so each evaluation of y carries relative rounding of ~1e-7
// per element; through Σ r·y (|r| ≤ 1) and the division by 2h = 0.02 that is ≲ 1e-4 absolute
// for these sizes, and the O(h²) truncation term is ≲ 1e-4·|f'''|. A bound of
// 2e-3 + 2e-2·|numeric| is therefore loose for correct gradients yet orders of magnitude below
// the error of a wrong one (missing factor, wrong transpose, wrong broadcast reduction).
// Points within h of a kink (relu at 0, max ties) are detected — the two one-sided slopes
// disagree — and skipped; at least half of the probed elements must be checked.

import Testing
import DCLTensor
@testable import DCLGraph

/// One gradient-check case.
struct GradCase: CustomStringConvertible {
    var name: String
    /// Float inputs (checked) by shape, with a value range.
    var inputs: [[Int]]
    var range: ClosedRange<Float> = -1...1
    /// Per-input override of the value range.
    var ranges: [Int: ClosedRange<Float>] = [:]
    /// Inputs whose gradient is not checked (e.g. non-differentiable positions).
    var unchecked: Set<Int> = []
    /// Finite-difference step. Piecewise-linear ops with a large fan-out (a fused relu after a
    /// wide matmul) use 1e-3 so that a probe rarely straddles one of the many kinks.
    var h: Float = 1e-2
    /// Builds the op from the inputs (graph inputs x0, x1, …); returns the output to check.
    var build: (GraphBuilder, [GraphValue]) throws -> GraphValue
    var description: String { name }
}

/// The primitives a case's forward graph uses (the ops its check covers).
func opsUsed(_ c: GradCase) throws -> Set<String> {
    let b = GraphBuilder()
    let xs = try c.inputs.enumerated().map { try b.input("x\($0.offset)", .f32($0.element)) }
    _ = try c.build(b, xs)
    return Set(b.graph.nodes.map(\.opName))
}

func randomTensor(_ shape: [Int], _ range: ClosedRange<Float>, _ rng: inout SeededGenerator) throws -> Tensor {
    let n = shape.reduce(1, *)
    return try Tensor(shape: shape, floats: (0..<n).map { _ in range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUnitFloat() })
}

/// Runs the check; returns the op names covered.
@discardableResult
func checkGradient(_ c: GradCase, seed: UInt64 = 1) throws -> Set<String> {
    var rng = SeededGenerator(seed: seed).fork(c.name)
    let b = GraphBuilder()
    var xs: [GraphValue] = []
    var feeds: [String: Tensor] = [:]
    for (i, s) in c.inputs.enumerated() {
        xs.append(try b.input("x\(i)", .f32(s)))
        feeds["x\(i)"] = try randomTensor(s, c.ranges[i] ?? c.range, &rng)
    }
    let y = try c.build(b, xs)
    guard let yShape = y.type.constantShape else { throw GraphError(op: "gradcheck", "output must have a constant shape") }
    let r = try randomTensor(yShape, -1...1, &rng)
    let loss = try b.reduce(.sum, try b.mul(y, b.constant(r)), axes: Array(0..<yShape.count))
    let forward = b.graph
    let ops = Set(forward.nodes.map(\.opName))
    try b.output("y", y)
    let checked = xs.indices.filter { !c.unchecked.contains($0) }
    let grads = try Autodiff.gradients(of: loss, wrt: checked.map { xs[$0] }, in: b)
    for i in checked {
        guard let g = grads[xs[i].id] else { throw GraphError(op: "gradcheck", "\(c.name): no gradient for input \(i)") }
        try b.output("g\(i)", g)
    }
    let full = try b.finish()
    let store = ParameterStore()
    try store.initialize(full, seed: 3)
    let analytic = try Executor(graph: full, options: ExecutionOptions(poisonArena: true)).run(inputs: feeds, store: store)

    var fwd = forward
    fwd.outputs = [GraphOutput(name: "y", value: y.id)]
    let fexec = try Executor(graph: fwd)
    let rv = r.floats.map(Double.init)
    func lossAt(_ f: [String: Tensor]) throws -> Double {
        let out = try fexec.run(inputs: f, store: store)["y"]!.floats
        var s = 0.0
        for k in out.indices { s += Double(out[k]) * rv[k] }
        return s
    }
    let base = try lossAt(feeds)
    let h = c.h
    for i in checked {
        let x = feeds["x\(i)"]!
        let ga = analytic["g\(i)"]!.floats
        var probes = Array(0..<x.count)
        if probes.count > 24 { rng.shuffle(&probes); probes = Array(probes.prefix(24)) }
        var checkedCount = 0
        for e in probes {
            func perturbed(_ d: Float) throws -> Double {
                var t = x
                t.withMutableFloats { $0[e] += d }
                var f = feeds
                f["x\(i)"] = t
                return try lossAt(f)
            }
            let up = try perturbed(h), down = try perturbed(-h)
            let numeric = (up - down) / (2 * Double(h))
            let tol = 2e-3 + 2e-2 * abs(numeric)
            let right = (up - base) / Double(h), left = (base - down) / Double(h)
            if abs(right - left) > 4 * tol + 0.05 * abs(numeric) { continue }   // a kink within h
            checkedCount += 1
            #expect(abs(Double(ga[e]) - numeric) <= tol,
                    "\(c.name): d/dx\(i)[\(e)] analytic \(ga[e]) vs numeric \(numeric)")
        }
        #expect(checkedCount * 2 >= probes.count, "\(c.name): too many kinks for input \(i)")
    }
    return ops
}
