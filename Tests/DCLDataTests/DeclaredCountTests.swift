// Counts that come from a file — CSV rows, header shapes — are checked against the tensor cap
// while reading, and errors name the file (and the line, for text).

import Foundation
import Testing
@testable import DCLData
import DCLTensor

@Suite struct DeclaredCountTests {
    @Test func csvStopsReadingOnceTheFeaturesCannotFitOneTensor() throws {
        var text = "a,b,c,d,label\n"
        for i in 0..<10 { text += "1,2,3,4,\(i % 2)\n" }
        var limits = ResourceLimits()
        limits.maxTensorBytes = 100  // 25 floats: the 7th row (28 floats) is one too many
        let bytes = Array(text.utf8)
        expectDataError(.tooLarge, path: "rows.csv", line: 8,
                        contains: "7 rows of 4 features need more than 100 bytes, the limit for one tensor (DCL_MAX_TENSOR_BYTES)") {
            _ = try bytes.withUnsafeBufferPointer {
                try DataLoader.parseCSVTable($0, path: "rows.csv", label: "label", shape: nil, classes: nil, limits: limits)
            }
        }
        // Under the default caps the same table loads.
        let d = try DataLoader.csv(bytes: bytes, path: "rows.csv")
        #expect(try d.shape(of: "x") == [10, 4])
    }

    @Test func tensorErrorsWhileBuildingColumnsNameTheFile() {
        expectDataError(.tooLarge, path: "ratings.csv", contains: "shape [4611686018427387904, 4] has too many elements") {
            _ = try namingFile("ratings.csv") { try Tensor(zeros: [1 << 62, 4], dtype: .float32) }
        }
    }

    @Test func headerShapesAreCheckedBeforeAnythingIsAllocated() {
        // IDX: three u32 dimensions whose product overflows, on a 16-byte file.
        let idx: [UInt8] = [0, 0, 0x08, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        expectDataError(.badShape, path: "x.idx", contains: "cannot hold shape") {
            _ = try idx.withUnsafeBufferPointer { try IDX.declaredSize($0, path: "x.idx") }
        }
        // NPY: a shape over the tensor cap, declared in a valid header.
        var npy = NPY.encode(try! Tensor(shape: [1], floats: [0]))
        let header = String(decoding: npy[10..<npy.count - 4], as: UTF8.self).replacingOccurrences(of: "(1,)", with: "(9999999999,)")
        let padded = header.padding(toLength: npy.count - 14, withPad: " ", startingAt: 0)
        npy = Array(npy[..<10]) + Array(padded.utf8) + Array(npy[(npy.count - 4)...])
        expectDataError(.badShape, path: "x.npy", contains: "cannot hold shape [9999999999]") {
            _ = try npy.withUnsafeBufferPointer { try NPY.declaredSize($0, path: "x.npy") }
        }
    }
}
