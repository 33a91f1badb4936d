import Testing
@testable import DCLTensor

@Suite struct TensorValueTests {
    @Test func zerosHasShapeAndCount() throws {
        let t = try Tensor(zeros: [2, 3])
        #expect(t.shape == [2, 3])
        #expect(t.count == 6)
        #expect(t.floats == [0, 0, 0, 0, 0, 0])
    }

    @Test func negativeDimensionThrows() {
        #expect(throws: TensorError.self) { try Tensor(zeros: [2, -1]) }
    }

    @Test func valueCountMismatchThrows() {
        #expect(throws: TensorError.self) { try Tensor(shape: [2, 2], floats: [1, 2, 3]) }
    }

    @Test func copyOnWriteKeepsOriginal() throws {
        let a = try Tensor(shape: [2], floats: [1, 2])
        var b = a
        b.withMutableFloats { $0[0] = 9 }
        #expect(a.floats == [1, 2])
        #expect(b.floats == [9, 2])
    }

    @Test func reshapeChecksCount() throws {
        let a = try Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])
        #expect(try a.reshaped([3, 2]).shape == [3, 2])
        #expect(throws: TensorError.self) { try a.reshaped([4, 2]) }
    }
}
