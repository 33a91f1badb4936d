// Kernel timing for the direct small-channel convolution (BENCHMARKS.md, "Direct small-channel
// convolution (stop 30)"): the device co-submodel's convs through the direct kernels and through
// im2col + GEMM, one thread, alternating, the median of 7 rounds; it also checks the two agree
// bit for bit. It needs DCLTensor's internal entry points, so it is not a target of Package.swift:
// put it in a scratch package that holds Sources/{DCLText,CSpin,DCLTensor} as an executable
// target `convbench` depending on DCLTensor (with the same `-target-cpu native` flags), then
//   swift build -c release -Xswiftc -enable-testing --product convbench && .build/release/convbench
@testable import DCLTensor
import Foundation

func now() -> Double { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9 }

struct Case { let name: String; let x: [Int]; let w: [Int]; let p: Conv2DParams }
let cases = [
    Case(name: "co conv1 1→4 28×28", x: [64, 1, 28, 28], w: [4, 1, 3, 3], p: Conv2DParams(padding: (1, 1))),
    Case(name: "co conv2 4→8 14×14", x: [64, 4, 14, 14], w: [8, 4, 3, 3], p: Conv2DParams(padding: (1, 1))),
    Case(name: "co conv1 1→4 28×28", x: [20, 1, 28, 28], w: [4, 1, 3, 3], p: Conv2DParams(padding: (1, 1))),
    Case(name: "co conv2 4→8 14×14", x: [20, 4, 14, 14], w: [8, 4, 3, 3], p: Conv2DParams(padding: (1, 1))),
]
var rng = SeededGenerator(seed: 1)
func vals(_ n: Int) -> [Float] { (0..<n).map { _ in rng.nextUnitFloat() - 0.5 } }
let pool = ThreadPool(threads: 1)
let rounds = 7
func median(_ a: [Double]) -> Double { a.sorted()[a.count / 2] }
print("shape | pass | im2col µs | direct µs | speed-up | bit-identical")
for c in cases {
    let s = try Conv2D.plan(input: c.x, weight: c.w, params: c.p)
    let x = vals(c.x.reduce(1, *)), w = vals(c.w.reduce(1, *)), b = vals(s.cout), dy = vals(s.n * s.cout * s.pix)
    var y1 = [Float](repeating: 0, count: dy.count), y2 = y1
    var dx1 = [Float](repeating: 0, count: x.count), dx2 = dx1
    var dw1 = [Float](repeating: 0, count: w.count), dw2 = dw1
    let reps = max(3, 2_000_000 / (s.n * s.cout * s.k * s.pix / 64))
    func time(_ body: () -> Void) -> Double { let t0 = now(); for _ in 0..<reps { body() }; return (now() - t0) / Double(reps) * 1e6 }
    var tf = ([Double](), [Double]()), tx = tf, tw = tf
    for _ in 0..<rounds {
        tf.0.append(time { y1.withUnsafeMutableBufferPointer { Conv2D.forwardIm2col(x, w, bias: b, $0.baseAddress!, s, activation: .relu, pool: pool) } })
        tf.1.append(time { y2.withUnsafeMutableBufferPointer { ConvDirect.forward(x, w, bias: b, $0.baseAddress!, s, activation: .relu, pool: pool) } })
        tx.0.append(time { dx1.withUnsafeMutableBufferPointer { Conv2D.backwardInputIm2col(dy, w, $0.baseAddress!, s, pool: pool) } })
        tx.1.append(time { dx2.withUnsafeMutableBufferPointer { ConvDirect.backwardInput(dy, w, $0.baseAddress!, s, pool: pool) } })
        tw.0.append(time { dw1.withUnsafeMutableBufferPointer { Conv2D.backwardWeight(x, dy, $0.baseAddress!, s, direct: false, pool: pool) } })
        tw.1.append(time { dw2.withUnsafeMutableBufferPointer { Conv2D.backwardWeight(x, dy, $0.baseAddress!, s, direct: true, pool: pool) } })
    }
    func row(_ pass: String, _ t: ([Double], [Double]), _ same: Bool) {
        let a = median(t.0), d = median(t.1)
        print("\(c.name) batch \(s.n) | \(pass) | \(String(format: "%.1f", a)) | \(String(format: "%.1f", d)) | \(String(format: "%.2f", a / d))× | \(same)")
    }
    row("forward (+bias, relu)", tf, y1.map(\.bitPattern) == y2.map(\.bitPattern))
    row("input gradient", tx, dx1.map(\.bitPattern) == dx2.map(\.bitPattern))
    row("weight gradient", tw, dw1.map(\.bitPattern) == dw2.map(\.bitPattern))
}
