// Row gathering copies rows with vector moves for narrow rows, a word loop for 4-byte rows and
// memcpy for wide ones: every width, on every path, must give exactly the rows asked for, in
// order, bit for bit (NaN payloads and integers included).

import Testing
@testable import DCLData
import DCLTensor

@Suite struct GatherRowsTests {
    @Test(arguments: [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 36, 63, 64, 65, 100])
    func everyWidthGathersTheRowsAskedFor(_ width: Int) throws {
        let n = 23
        // Bit patterns that a float copy could alter: signalling NaNs with payloads, -0.
        func pattern(_ i: Int) -> UInt32 {
            if i % 7 == 0 { return 0x7FA0_0000 | UInt32(i) }
            if i % 11 == 0 { return 0x8000_0000 }
            return UInt32(i) &* 2_654_435_761
        }
        let bits = (0..<(n * width)).map(pattern)
        let t = try Tensor(shape: [n, width], floats: bits.map { Float(bitPattern: $0) })
        let rows = [22, 0, 5, 5, 13, 1, 22, 7]
        let g = gatherRows(t, rows)
        #expect(g.shape == [rows.count, width])
        let got = g.floats.map(\.bitPattern)
        let expected = rows.flatMap { r in bits[(r * width)..<((r + 1) * width)] }
        #expect(got == expected)
    }

    @Test func integerColumnsAndEmptySelections() throws {
        let t = try Tensor(shape: [4, 3], ints: [Int32](0..<12))
        #expect(gatherRows(t, [3, 0]).ints == [9, 10, 11, 0, 1, 2])
        #expect(gatherRows(t, []).shape == [0, 3])
    }
}
