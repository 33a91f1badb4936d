// Fuzz-style robustness: random bytes, every truncation, bit flips, insertions and splices of
// valid files go through the CSV, MovieLens, IDX (raw and gzip) and NPY readers. Each input must
// give a `DataError` or a well-formed result — never a crash, a hang or another error type.
// Fixed seeds keep the inputs the same on every run.

import Foundation
import Testing
@testable import DCLData
import DCLTensor

/// Multiplies the mutation counts: `DCL_FUZZ_SCALE=100 swift test --filter FuzzTests` for a long run.
private let fuzzScale = Int(ProcessInfo.processInfo.environment["DCL_FUZZ_SCALE"] ?? "") ?? 1

/// Variants of `valid`: all prefixes, then `count` random mutations and pure-noise inputs.
private func mutations(of valid: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
    let count = count * max(fuzzScale, 1)
    var rng = SeededGenerator(seed: seed &+ UInt64(max(fuzzScale, 1) - 1))
    var out: [[UInt8]] = (0...valid.count).map { Array(valid.prefix($0)) }
    let interesting: [UInt8] = [0, 0x22, 0x2C, 0x0A, 0x0D, 0xFF, 0x7F, 0x80, 0x2E, 0x2D, 0x65, 0x30, 0x39, 0x1F, 0x8B, 0x08]
    for _ in 0..<count {
        var b = valid
        switch rng.nextInt(below: 5) {
        case 0:  // random bytes of random length
            b = (0..<rng.nextInt(below: 160)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 1:  // flip a few bits
            for _ in 0..<(1 + rng.nextInt(below: 4)) where !b.isEmpty {
                b[rng.nextInt(below: b.count)] ^= UInt8(1) << UInt8(rng.nextInt(below: 8))
            }
        case 2:  // overwrite bytes with format-relevant values
            for _ in 0..<(1 + rng.nextInt(below: 3)) where !b.isEmpty {
                b[rng.nextInt(below: b.count)] = interesting[rng.nextInt(below: interesting.count)]
            }
        case 3:  // insert or delete a run
            let at = rng.nextInt(below: b.count + 1)
            if rng.nextInt(below: 2) == 0 {
                b.insert(contentsOf: (0..<(1 + rng.nextInt(below: 8))).map { _ in interesting[rng.nextInt(below: interesting.count)] }, at: at)
            } else {
                b.removeSubrange(at..<min(b.count, at + 1 + rng.nextInt(below: 8)))
            }
        default:  // splice: a prefix followed by a random suffix of itself
            let cut = rng.nextInt(below: b.count + 1)
            b = Array(b.prefix(cut)) + Array(b.suffix(rng.nextInt(below: b.count + 1)))
        }
        out.append(b)
    }
    return out
}

/// Tallies how inputs ended, so each test can check it exercised both outcomes.
private final class Outcomes {
    var accepted = 0, rejected = 0
    /// Expects both valid and invalid inputs among the mutations (else the fuzzing is vacuous).
    func expectBoth(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(accepted > 0 && rejected > 0, "\(what): \(accepted) accepted, \(rejected) rejected", sourceLocation: sourceLocation)
    }
}

/// Runs `body`, which must return normally or throw a `DataError`.
private func survives(_ input: [UInt8], _ what: String, _ tally: Outcomes? = nil, _ body: () throws -> Void) {
    do {
        try body()
        tally?.accepted += 1
    } catch is DataError {
        tally?.rejected += 1
    } catch {
        Issue.record("\(what): non-DataError \(error) for input \(input.prefix(32))")
    }
}

private func checkWellFormed(_ d: Dataset) throws {
    for name in d.columnNames {
        let t = try d.column(name)
        #expect(t.shape.first == d.count)
    }
    if let k = d.classCount, d.hasColumn(d.labelColumn), try d.dtype(of: d.labelColumn) == .int32 {
        #expect(try d.labels().allSatisfy { $0 >= 0 && Int($0) < k })
    }
}

@Suite struct FuzzTests {
    @Test func csvTableReader() throws {
        let valid = Array("a,b,\"c\"\"q\",label\n1,2.5,-3,0\n4,5e1,6,2\r\n\"7\",8,9,1\n".utf8)
        let tally = Outcomes()
        for input in mutations(of: valid, count: 1500, seed: 11) {
            survives(input, "csv", tally) {
                let d = try DataLoader.csv(bytes: input, path: "fuzz.csv", label: "label")
                try checkWellFormed(d)
                #expect(d.columnNames == ["x", "y"])
            }
            survives(input, "csv without label") { try checkWellFormed(try DataLoader.csv(bytes: input, path: "fuzz.csv", label: nil)) }
        }
        tally.expectBoth("csv")
    }

    @Test func movieLensReader() throws {
        let valid = Array(ratingsFixture.prefix(120).utf8)
        let tally = Outcomes()
        for input in mutations(of: valid, count: 1000, seed: 12) {
            survives(input, "movielens", tally) {
                let d = try input.withUnsafeBufferPointer {
                    try DataLoader.parseRatings($0, path: "fuzz.csv", threshold: 4, labelDType: .int32)
                }
                try checkWellFormed(d)
                #expect(d.groups?.count == d.count)
            }
        }
        tally.expectBoth("movielens")
    }

    @Test func idxReaderRawAndGzip() throws {
        let (images, labels) = try idxFixture(3)
        for (k, valid) in [images, labels, try IDX.encode(try Tensor(shape: [2, 2], floats: [1, 2, 3, 4]))].enumerated() {
            let raw = Outcomes(), gz = Outcomes()
            for input in mutations(of: valid, count: 600, seed: 20 + UInt64(k)) {
                survives(input, "idx", raw) {
                    let t = try input.withUnsafeBufferPointer { try IDX.decode($0, path: "fuzz.idx") }
                    #expect(t.count * 1 <= input.count)  // never more elements than bytes
                }
            }
            for input in mutations(of: Gzip.deflate(valid), count: 600, seed: 30 + UInt64(k)) {
                survives(input, "idx.gz", gz) {
                    let bytes = try Gzip.inflate(input, path: "fuzz.gz", limit: 1 << 20)
                    _ = try bytes.withUnsafeBufferPointer { try IDX.decode($0, path: "fuzz.gz") }
                }
            }
            raw.expectBoth("idx \(k)")
            gz.expectBoth("idx.gz \(k)")
        }
    }

    @Test func npyReader() throws {
        let valids = [
            NPY.encode(try Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])),
            NPY.encode(try Tensor(shape: [3], ints: [7, -8, 9])),
            npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]),
        ]
        for (k, valid) in valids.enumerated() {
            let tally = Outcomes()
            for input in mutations(of: valid, count: 800, seed: 40 + UInt64(k)) {
                survives(input, "npy", tally) {
                    let t = try NPY.decode(input, path: "fuzz.npy")
                    #expect(t.count * 1 <= input.count)
                }
            }
            tally.expectBoth("npy \(k)")
        }
    }

    @Test func hostileHeadersAreCheap() throws {
        // Every dimension maximal, for every element type and rank: errors, never allocations.
        for type: UInt8 in [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E] {
            for rank: UInt8 in 1...8 {
                let bytes: [UInt8] = [0, 0, type, rank] + [UInt8](repeating: 0xFF, count: Int(rank) * 4) + [1, 2, 3]
                survives(bytes, "idx header") { _ = try bytes.withUnsafeBufferPointer { try IDX.decode($0, path: "h") } }
            }
        }
        // Shapes with no data whose element count still overflows.
        let empty: [UInt8] = [0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]
        expectDataError(.badShape, path: "e.idx", contains: "cannot hold shape") {
            _ = try empty.withUnsafeBufferPointer { try IDX.decode($0, path: "e.idx") }
        }
        let npy = npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000000000, 0), }", [])
        expectDataError(.badShape, path: "e.npy", contains: "cannot hold shape") { _ = try NPY.decode(npy, path: "e.npy") }
        // Dimensions whose raw product overflows even though a zero makes the array empty.
        let zero = npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000000000, 1000000000000000000, 0), }", [])
        expectDataError(.badShape, path: "z.npy") { _ = try NPY.decode(zero, path: "z.npy") }
        // An honest empty array is fine.
        #expect(try NPY.decode(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", []), path: "ok").shape == [0, 5])
    }
}
