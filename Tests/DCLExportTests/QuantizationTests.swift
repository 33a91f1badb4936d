// float16 conversion (exhaustively against the exact widening, and against Swift's Float16
// rounding where the platform has it) and int8 quantisation error bounds.

import Testing
import DCLTensor
@testable import DCLExport

@Suite("weight quantisation")
struct QuantizationTests {
    @Test func float16WideningIsExactForEveryBitPattern() {
        for bits in 0...UInt16.max {
            let f = float32(fromFloat16Bits: bits)
            #if arch(x86_64) || arch(arm64)
            let reference = Float(Float16(bitPattern: bits))
            if reference.isNaN {
                #expect(f.isNaN)
            } else {
                #expect(f.bitPattern == reference.bitPattern, "bits \(bits)")
            }
            #endif
            // Narrowing an exactly representable value gives the same bits back (NaNs stay NaN).
            if !f.isNaN {
                #expect(float16Bits(f) == bits, "bits \(bits)")
            } else {
                #expect(float32(fromFloat16Bits: float16Bits(f)).isNaN)
            }
        }
    }

    @Test func float16RoundsToNearestEven() {
        let ulp: Float = 0x1p-11
        // 1 + 2^-11 lies halfway between 1 and the next half (1 + 2^-10): ties go to even (1).
        #expect(float16Bits(1 + ulp) == 0x3C00)
        // 1 + 3·2^-11 lies halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even): rounds up.
        #expect(float16Bits(1 + 3 * ulp) == 0x3C02)
        // Just above halfway rounds up.
        #expect(float16Bits((1 + ulp).nextUp) == 0x3C01)
        // Subnormals: the smallest half subnormal is 2^-24; 2^-25 is a tie and rounds to 0.
        let tiny: Float = 0x1p-24, halfTiny: Float = 0x1p-25, quarterTiny: Float = 0x1p-26
        #expect(float16Bits(tiny) == 0x0001)
        #expect(float16Bits(halfTiny) == 0x0000)
        #expect(float16Bits(halfTiny.nextUp) == 0x0001)
        #expect(float16Bits(-quarterTiny) == 0x8000)
        // The largest subnormal rounds up into the smallest normal.
        let minNormal: Float = 0x1p-14
        #expect(float16Bits(minNormal - quarterTiny) == 0x0400)
        #expect(float16Bits(-0.0) == 0x8000)
    }

    @Test func float16OverflowAndNaN() {
        #expect(float16Bits(65504) == 0x7BFF)
        #expect(float16Bits(65519.99) == 0x7BFF)   // below the midpoint to 65536: stays finite
        #expect(float16Bits(65520) == 0x7C00)      // the midpoint ties to even: infinity
        #expect(float16Bits(1e10) == 0x7C00)
        #expect(float16Bits(-1e10) == 0xFC00)
        #expect(float16Bits(.infinity) == 0x7C00)
        let nan = float16Bits(.nan)
        #expect(nan & 0x7C00 == 0x7C00 && nan & 0x03FF != 0)
        // A signalling NaN whose payload lies only in the low bits must not become infinity.
        let snan = float16Bits(Float(bitPattern: 0x7F80_0001))
        #expect(snan & 0x03FF != 0)
    }

    @Test func float16MatchesSwiftRoundingOnRandomFloats() {
        #if arch(x86_64) || arch(arm64)
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<200_000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            guard !f.isNaN else { continue }
            #expect(float16Bits(f) == Float16(f).bitPattern, "\(f)")
        }
        #endif
    }

    @Test func float16StorageReportsErrorAndRefusesOverflow() throws {
        let t = try randomTensor([8, 16], seed: 1, scale: 3)
        let w = try StoredWeight(name: "w", tensor: t, storage: .float16)
        #expect(w.storedDType == "F16")
        // Half precision has 11 significant bits: relative rounding error ≤ 2^-11 of the value.
        #expect(w.error.maxAbsError <= 3 * 0x1p-11)
        #expect(w.error.maxAbsError > 0)
        let restored = w.restored().floats
        for (a, b) in zip(t.floats, restored) { #expect(abs(a - b) <= abs(a) * 0x1p-11) }

        let big = try Tensor(shape: [2], floats: [1, 70000])
        expectExportError(.quantization, "'w'", "float16 range") { _ = try StoredWeight(name: "w", tensor: big, storage: .float16) }
        let nan = try Tensor(shape: [2], floats: [1, .nan])
        expectExportError(.quantization, "non-finite") { _ = try StoredWeight(name: "w", tensor: nan, storage: .float16) }
    }

    @Test func int8PerTensorErrorIsAtMostHalfAStep() throws {
        let t = try randomTensor([16, 32], seed: 5, scale: 2)
        let q = try Int8Quantized(quantizing: t, name: "w")
        #expect(q.scales.count == 1)
        let maxAbs = t.floats.map(abs).max()!
        #expect(q.scales[0] == maxAbs / 127)
        #expect(q.values.map { abs(Int($0)) }.max() == 127)
        #expect(!q.values.contains(-128))
        let restored = q.dequantized().floats
        for (a, b) in zip(t.floats, restored) {
            #expect(abs(a - b) <= q.scales[0] / 2 * 1.0001)
        }
        let report = QuantizationError(original: t.floats, restored: restored)
        #expect(report.maxAbsError <= Double(q.scales[0]) / 2 * 1.0001)
        #expect(report.maxRelativeError <= 0.5 / 127 * 1.0001)
        #expect(report.rmsError > 0 && report.rmsError <= report.maxAbsError)
    }

    @Test func int8PerChannelScalesEachOutputChannel() throws {
        // Channel 1 is 100× larger than channel 0: per-channel keeps channel 0 precise.
        var values = [Float]()
        var rng = SeededGenerator(seed: 3)
        for c in 0..<3 { for _ in 0..<(4 * 3) { values.append((rng.nextUnitFloat() * 2 - 1) * (c == 1 ? 100 : 1)) } }
        let t = try Tensor(shape: [3, 4, 3], floats: values)
        let q = try Int8Quantized(quantizing: t, name: "conv", axis: 0)
        #expect(q.scales.count == 3)
        let restored = q.dequantized().floats
        for i in 0..<values.count {
            let c = i / 12
            #expect(abs(values[i] - restored[i]) <= q.scales[c] / 2 * 1.0001)
        }
        let perTensor = try Int8Quantized(quantizing: t, name: "conv")
        let errChannel = QuantizationError(original: Array(values[0..<12]), restored: Array(restored[0..<12]))
        let errTensor = QuantizationError(original: Array(values[0..<12]), restored: Array(perTensor.dequantized().floats[0..<12]))
        #expect(errChannel.maxAbsError * 10 < errTensor.maxAbsError)

        // Axis 1 of a [2, 3] matrix: scales run along the columns.
        let m = try Tensor(shape: [2, 3], floats: [1, 10, 100, -1, -10, -100])
        let qm = try Int8Quantized(quantizing: m, name: "m", axis: 1)
        let expectedScales: [Float] = [1 / 127, 10 / 127, 100 / 127]
        #expect(qm.scales == expectedScales)
        #expect(qm.values == [127, 127, 127, -127, -127, -127])
    }

    @Test func int8EdgeCases() throws {
        let zeros = try Tensor(zeros: [4, 4])
        let q = try Int8Quantized(quantizing: zeros, name: "z")
        #expect(q.scales == [1])
        #expect(q.dequantized().floats == zeros.floats)
        expectExportError(.quantization, "non-finite") {
            _ = try Int8Quantized(quantizing: try Tensor(shape: [2, 1], floats: [1, .infinity]), name: "w")
        }
        expectExportError(.invalidArgument, "axis 2") { _ = try Int8Quantized(quantizing: zeros, name: "w", axis: 2) }
        expectExportError(.invalidArgument, "scale") {
            _ = try Int8Quantized(shape: [2, 2], values: [1, 2, 3, 4], scales: [1, 2, 3], axis: 0, name: "w")
        }
    }

    @Test func storagePolicyKeepsSmallAndIntegerTensorsExact() throws {
        let bias = try randomTensor([8], seed: 4)
        let ids = try Tensor(shape: [3], ints: [1, 2, 3])
        let matrix = try randomTensor([8, 4], seed: 6)
        let storage = WeightStorage.int8(perChannel: true)
        #expect(try StoredWeight(name: "b", tensor: bias, storage: storage).storedDType == "F32")
        #expect(try StoredWeight(name: "i", tensor: ids, storage: storage).storedDType == "I32")
        #expect(try StoredWeight(name: "i", tensor: ids, storage: .float16).storedDType == "I32")
        let w = try StoredWeight(name: "w", tensor: matrix, storage: storage, channelAxis: 0)
        guard case .int8(let q) = w.data else { Issue.record("expected int8"); return }
        #expect(q.axis == 0 && q.scales.count == 8)
        // Without a named channel axis, per-channel falls back to one scale.
        let w2 = try StoredWeight(name: "w", tensor: matrix, storage: storage)
        guard case .int8(let q2) = w2.data else { Issue.record("expected int8"); return }
        #expect(q2.axis == nil && q2.scales.count == 1)
        #expect(try StoredWeight(name: "w", tensor: matrix, storage: .float32).error == .zero)
    }
}
