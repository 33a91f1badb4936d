// Dim arithmetic never traps (overflow is the sticky `Dim.overflow`), and GraphBuilder refuses any
// value that is overflowed, negative or over the size caps, naming the op and its origin.

import Testing
import DCLTensor
@testable import DCLGraph

@Suite struct ShapeLimitTests {
    static let big = Dim(1 << 62)

    @Test func dimOverflowIsStickyNotATrap() throws {
        #expect((Self.big * 4).isOverflow)
        #expect((Self.big + Self.big).isOverflow)
        #expect((Self.big * 4 - Self.big * 4).isOverflow)      // not 0: overflow stays
        #expect((Self.big * 4).constant == nil)
        #expect((Dim(Int.min) - 1).isOverflow)
        #expect((Dim(Int.min) * -1).isOverflow)
        #expect(Dim(Int.min).divided(by: Dim(-1))?.isOverflow == true)
        #expect((Dim.symbol("N") * Self.big * 2).isOverflow)
        #expect(Dim.overflow.description == "<too large>")
        #expect((Dim(Int.min) * .symbol("N") + 1).description == "-9223372036854775808*N+1")
        #expect((Dim(1) - Dim(Int.max) * .symbol("N")).description == "-9223372036854775807*N+1")
        #expect(throws: GraphError.self) { try (Dim.symbol("N") * Self.big).evaluate(["N": 4]) }
        #expect(throws: GraphError.self) { try Dim.overflow.evaluate([:]) }
        #expect(try (Dim.symbol("N") * 3 + 1).evaluate(["N": 4]) == 13)
    }

    @Test func builderRejectsOversizedValuesWithTheirOrigin() throws {
        let b = GraphBuilder()
        b.origin = 7
        do {
            _ = try b.input("x", TensorType(.float32, [.symbol("N"), Self.big, 4]))
            Issue.record("an input of 2^64 elements per sample was accepted")
        } catch let e as GraphError {
            #expect(e.origin == 7)
            #expect(e.message.contains("too large"))
        }
        #expect(throws: GraphError.self) { try b.input("y", TensorType(.float32, [.symbol("N"), Dim(1 << 20), Dim(1 << 21)])) }
        do {
            _ = try b.parameter("w", shape: [1_000_000_000, 64], initializer: .zeros)
            Issue.record("a 256 GB parameter was accepted")
        } catch let e as GraphError {
            #expect(e.origin == 7)
            #expect(e.message.contains("needs 256000000000 bytes (238.4 GiB), over the limit"))
        }
        // A shape rule's own arithmetic overflowing (2 * pad) is caught the same way.
        let img = try b.input("img", TensorType(.float32, [.symbol("N"), 1, 8, 8]))
        let k = try b.parameter("k", shape: [2, 1, 3, 3], initializer: .zeros)
        let huge = Conv2DParams(stride: (1, 1), padding: (1 << 62, 1 << 62), dilation: (1, 1), groups: 1)
        do {
            _ = try b.conv2d(img, k, params: huge)
            Issue.record("a conv with padding 2^62 was accepted")
        } catch let e as GraphError {
            #expect(e.op == "conv2d")
            #expect(e.origin == 7)
            #expect(e.message.contains("too large"))
        }
        #expect(throws: GraphError.self) { try b.reshape(img, [.symbol("N"), Self.big, Self.big]) }
        #expect(throws: GraphError.self) { try b.maxPool2d(img, kernel: (2, 2), padding: (1 << 62, 1 << 62)) }
    }

    @Test func costsSaturateInsteadOfTrapping() throws {
        #expect(saturatingProduct(1 << 40, 1 << 40) == Int.max)
        #expect(saturatingProduct(-(1 << 40), 1 << 40) == Int.min)
        #expect(saturatingProduct(3, 4, 5) == 60)
        #expect(saturatingSum([Int.max, 1]) == Int.max)
        #expect(saturatingSum([Int.min, -1]) == Int.min)
        let info = ShapeInfo(inputs: [[1 << 40, 1 << 40], [1 << 40, 1 << 40]], outputs: [[1 << 40, 1 << 40]],
                             inputDTypes: [.float32, .float32], outputDTypes: [.float32])
        #expect(MatMul().cost(info).flops == Int.max)
        #expect(Add().cost(info).bytesRead == Int.max)
    }
}
