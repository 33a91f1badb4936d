import Testing
import Foundation
@testable import DCLTensor
import DCLTestScratch

/// Builds a raw safetensors file from a header string and a byte buffer.
func rawFile(header: String, buffer: [UInt8], claimedLength: UInt64? = nil) -> Data {
    var d = Data()
    var n = (claimedLength ?? UInt64(header.utf8.count)).littleEndian
    withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
    d.append(contentsOf: Array(header.utf8))
    d.append(contentsOf: buffer)
    return d
}

@Suite struct SafeTensorsTests {
    func tempPath(_ name: String) -> String {
        TestScratch.file("st-\(name)") + ".safetensors"
    }

    @Test func roundTripAllDTypes() throws {
        let f = try Tensor(shape: [2, 3], floats: [1, -2.5, 3, .infinity, 0, 1e-3])
        let i = try Tensor(shape: [3], ints: [7, -1, 2_000_000_000])
        let file = SafeTensorsFile(entries: [
            SafeTensorsEntry(name: "w", tensor: f), SafeTensorsEntry(name: "idx", tensor: i),
            try SafeTensorsEntry(name: "half", float16From: f), try SafeTensorsEntry(name: "q", int8: [-128, 0, 127, 5], shape: [2, 2]),
            SafeTensorsEntry(name: "empty", tensor: try Tensor(zeros: [0, 4])),
        ], metadata: ["format": "pt", "note": "quote \" and \\ backslash"])
        let path = tempPath("rt")
        defer { unlink(path) }
        try file.write(path: path)
        let back = try SafeTensorsFile.read(path: path)
        #expect(back.metadata == file.metadata)
        #expect(try back["w"]!.tensor().bitwiseEqual(f))
        #expect(try back["idx"]!.tensor().bitwiseEqual(i))
        #expect(try back["half"]!.tensor().floats == [1, -2.5, 3, .infinity, 0, Float(Float16(1e-3))])
        #expect(back["q"]!.int8Values == [-128, 0, 127, 5])
        #expect(back["empty"]!.shape == [0, 4])
        // Header is padded to 8 bytes and entries keep their order.
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(Int(data[0]) % 8 == 0 || (Int(data[0]) + Int(data[1]) << 8) % 8 == 0)
        #expect(back.entries.map(\.name) == ["w", "idx", "half", "q", "empty"])
    }

    @Test func writeIsAtomicAndLeavesNoTemporaries() throws {
        let path = tempPath("atomic")
        defer { unlink(path) }
        let dir = (path as NSString).deletingLastPathComponent
        for v in [1, 2] as [Float] {
            try SafeTensorsFile(entries: [SafeTensorsEntry(name: "a", tensor: try Tensor(shape: [1], floats: [v]))]).write(path: path)
        }
        #expect(try SafeTensorsFile.read(path: path)["a"]!.tensor().floats == [2])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("dcl-st-\(getpid())-atomic") && $0.contains("tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func hostileFilesAreClearErrors() throws {
        let ok = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        #expect(throws: Never.self) { try SafeTensorsFile.decode(rawFile(header: ok, buffer: [UInt8](repeating: 0, count: 8))) }
        let cases: [(String, Data)] = [
            ("too short", Data([1, 2, 3])),
            ("header length beyond file", rawFile(header: ok, buffer: [], claimedLength: 1 << 20)),
            ("huge header length", rawFile(header: ok, buffer: [], claimedLength: UInt64.max)),
            ("not json", rawFile(header: "{nope", buffer: [])),
            ("not an object", rawFile(header: "[1,2]", buffer: [])),
            ("unknown dtype", rawFile(header: #"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, buffer: .init(repeating: 0, count: 8))),
            ("size mismatch", rawFile(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, buffer: .init(repeating: 0, count: 8))),
            ("out of range", rawFile(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, buffer: .init(repeating: 0, count: 4))),
            ("reversed offsets", rawFile(header: #"{"a":{"dtype":"I8","shape":[0],"data_offsets":[4,0]}}"#, buffer: .init(repeating: 0, count: 4))),
            ("overlap", rawFile(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, buffer: .init(repeating: 0, count: 8))),
            ("hole", rawFile(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, buffer: .init(repeating: 0, count: 8))),
            ("trailing bytes", rawFile(header: ok, buffer: .init(repeating: 0, count: 12))),
            ("negative dim", rawFile(header: #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, buffer: .init(repeating: 0, count: 8))),
            ("huge shape", rawFile(header: #"{"a":{"dtype":"F32","shape":[1000000000,1000000000,1000],"data_offsets":[0,8]}}"#, buffer: .init(repeating: 0, count: 8))),
            ("bad metadata", rawFile(header: #"{"__metadata__":{"k":1}}"#, buffer: [])),
        ]
        for (what, data) in cases {
            #expect(throws: SafeTensorsError.self, "\(what)") { try SafeTensorsFile.decode(data) }
        }
        // A truncated copy of a valid file.
        let good = try SafeTensorsFile(entries: [SafeTensorsEntry(name: "w", tensor: try Tensor(zeros: [4, 4]))]).encode()
        for cut in [7, 12, good.count - 1] {
            #expect(throws: SafeTensorsError.self) { try SafeTensorsFile.decode(good.prefix(cut)) }
        }
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile.read(path: "/nonexistent/x.safetensors") }
    }
}

@Suite struct InitAndOptimizerTests {
    @Test func initialisersAreSeededByName() throws {
        let k = Initializer.kaimingUniform(fanIn: 100, negativeSlope: Float(5).squareRoot())
        let a = try k.tensor(shape: [100, 10], seed: 1, name: "fc.weight")
        let b = try k.tensor(shape: [100, 10], seed: 1, name: "fc.weight")
        let c = try k.tensor(shape: [100, 10], seed: 1, name: "fc2.weight")
        #expect(a.bitwiseEqual(b))
        #expect(!a.bitwiseEqual(c))
        #expect(a.floats.allSatisfy { abs($0) <= 0.1 })          // bound = 1/√fan_in
        let n = try Initializer.normal(mean: 2, std: 0.5).tensor(shape: [20_000], seed: 3, name: "n").floats
        let mean = n.reduce(0, +) / Float(n.count)
        #expect(abs(mean - 2) < 0.02)
        for i in [Initializer.zeros, .ones, .constant(3), .uniform(low: -1, high: 2), .kaimingNormal(fanIn: 3, negativeSlope: 0),
                  .xavierUniform(fanIn: 3, fanOut: 4, gain: 1), .xavierNormal(fanIn: 3, fanOut: 4, gain: 2), k] {
            #expect(Initializer(parsing: i.description) == i)
        }
    }

    @Test func adamMatchesTheReferenceFormula() {
        var p: [Float] = [1, -2, 3], m: [Float] = [0, 0, 0], v: [Float] = [0, 0, 0]
        let g: [Float] = [0.5, -1, 2]
        var rp = p.map(Double.init), rm = [0.0, 0, 0], rv = [0.0, 0, 0]
        for step in 1...3 {
            OptimizerKernels.adam(param: &p, grad: g, m: &m, v: &v, count: 3, lr: 0.1, step: step, beta1: 0.9, beta2: 0.999,
                                  eps: 1e-8, weightDecay: 0.01, decoupled: true, gradScale: 1)
            for i in 0..<3 {
                rp[i] *= 1 - 0.1 * 0.01
                rm[i] = 0.9 * rm[i] + 0.1 * Double(g[i]); rv[i] = 0.999 * rv[i] + 0.001 * Double(g[i] * g[i])
                let mh = rm[i] / (1 - Foundation.pow(0.9, Double(step))), vh = rv[i] / (1 - Foundation.pow(0.999, Double(step)))
                rp[i] -= 0.1 * mh / (vh.squareRoot() + 1e-8)
            }
        }
        for i in 0..<3 { #expect(abs(Double(p[i]) - rp[i]) < 1e-5) }
    }

    @Test func sgdNesterovAndClipping() {
        var p: [Float] = [1, 1], buf: [Float] = [0, 0]
        for step in 0..<2 {
            OptimizerKernels.sgd(param: &p, grad: [1, -1], buffer: &buf, count: 2, lr: 0.1, momentum: 0.9, nesterov: true,
                                 weightDecay: 0, gradScale: 1, first: step == 0)
        }
        // step 1: b=1, d=1+0.9=1.9, p=0.81; step 2: b=1.9, d=1+1.71=2.71, p=0.539
        #expect(abs(p[0] - 0.539) < 1e-6)
        #expect(abs(p[1] - 1.461) < 1e-6)
        let g1: [Float] = [3, 4], g2: [Float] = [12]
        let f = g1.withUnsafeBufferPointer { a in g2.withUnsafeBufferPointer { b in
            OptimizerKernels.clipFactor([(a.baseAddress!, 2), (b.baseAddress!, 1)], maxNorm: 6.5)
        } }
        #expect(abs(f - 0.5) < 1e-6)   // ‖(3,4,12)‖ = 13
    }

    @Test func schedules() {
        #expect(LRSchedule.step(base: 1, every: 10, gamma: 0.5).rate(at: 25) == 0.25)
        #expect(abs(LRSchedule.cosine(base: 1, total: 100, minimum: 0).rate(at: 50) - 0.5) < 1e-6)
        let w = LRSchedule.warmup(steps: 4, then: .linear(base: 1, end: 0, total: 10))
        #expect(w.rate(at: 0) == 0.25)
        #expect(w.rate(at: 4) == 1)
        #expect(w.rate(at: 9) == 0.5)
        for s in [w, .constant(0.01), .step(base: 0.1, every: 3, gamma: 0.1), .cosine(base: 1e-3, total: 7, minimum: 1e-5)] {
            #expect(LRSchedule(parsing: s.description) == s)
        }
    }
}
