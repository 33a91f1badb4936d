import Foundation
import Testing
@testable import DCLData
import DCLTensor

/// .npy bytes with a hand-written header and payload (version 1.0, padded like numpy does).
func npyBytes(_ header: String, _ payload: [UInt8], major: UInt8 = 1) -> [UInt8] {
    var h = header
    let pre = major == 1 ? 10 : 12
    h += String(repeating: " ", count: (64 - (pre + h.utf8.count + 1) % 64) % 64) + "\n"
    let n = h.utf8.count
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
    out += major == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0]
    return out + Array(h.utf8) + payload
}

private func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

@Suite struct NPYTests {
    let dir = TempDir()

    @Test func roundTripFloatAndInt() throws {
        let f = try Tensor(shape: [2, 3], floats: [1, -2.5, 3, .pi, 0, 1e-7])
        let i = try Tensor(shape: [4], ints: [0, -1, Int32.max, Int32.min])
        let s = Tensor(scalar: 4)
        for t in [f, i, s] {
            let p = dir.path("t.npy")
            try NPY.write(t, to: p)
            let back = try NPY.read(p)
            #expect(back.bitwiseEqual(t))
            // numpy pads the header so the data starts on a 64-byte boundary.
            let bytes = NPY.encode(t)
            #expect((bytes.count - t.byteCount) % 64 == 0)
        }
        let header = String(decoding: NPY.encode(i).dropFirst(10).prefix(118), as: UTF8.self)
        #expect(header.contains("{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }"))
    }

    @Test func convertsOtherDtypesOnRead() throws {
        let f8 = npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", le([(0.5).bitPattern, (-3.25).bitPattern]))
        #expect(try NPY.decode(f8, path: "f8").floats == [0.5, -3.25])
        let i8 = npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", le([Int64(-7), 0, 2_000_000_000]))
        #expect(try NPY.decode(i8, path: "i8").ints == [-7, 0, 2_000_000_000])
        let u1 = npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3), }", [0, 128, 255])
        let t = try NPY.decode(u1, path: "u1")
        #expect(t.shape == [1, 3] && t.dtype == .int32 && t.ints == [0, 128, 255])
        let be = npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", [0x3F, 0xC0, 0, 0])
        #expect(try NPY.decode(be, path: "be").floats == [1.5])
        let v2 = npyBytes("{'shape': (2,), 'fortran_order': False, 'descr': '<i4'}", le([Int32(5), 6]), major: 2)
        #expect(try NPY.decode(v2, path: "v2").ints == [5, 6])
    }

    @Test func datasetFromNPYFiles() throws {
        let x = dir.path("x.npy"), y = dir.path("y.npy")
        try NPY.write(try Tensor(shape: [3, 2], floats: [1, 2, 3, 4, 5, 6]), to: x)
        try NPY.write(try Tensor(shape: [3], ints: [2, 0, 1]), to: y)
        let d = try DataLoader.npy(x: x, y: y)
        #expect(try d.count == 3 && d.classCount == 3 && d.labels() == [2, 0, 1])
        try NPY.write(try Tensor(shape: [3], ints: [2, 0, 7]), to: y)
        expectDataError(.labelOutOfRange, path: y, contains: "item 2: label 7") { _ = try DataLoader.npy(x: x, y: y, classes: 3) }
    }

    // MARK: Errors

    @Test func fortranOrderAndObjectArraysAreRefused() {
        let f = dir.write("f.npy", npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", [0, 0, 0, 0]))
        expectDataError(.unsupported, path: f, contains: "Fortran order") { _ = try NPY.read(f) }
        let o = dir.write("o.npy", npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0, 0, 0, 0]))
        expectDataError(.unsupported, path: o, contains: "object arrays") { _ = try NPY.read(o) }
        let s = dir.write("s.npy", npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0]))
        expectDataError(.unsupported, path: s, contains: "structured dtypes") { _ = try NPY.read(s) }
        let c = dir.write("c.npy", npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", [UInt8](repeating: 0, count: 8)))
        expectDataError(.unsupported, path: c, contains: "unsupported dtype '<c8'") { _ = try NPY.read(c) }
    }

    @Test func badMagicTruncationAndLyingShapes() throws {
        let m = dir.write("m.npy", Array("not numpy at all".utf8))
        expectDataError(.badMagic, path: m, contains: "expected the .npy magic") { _ = try NPY.read(m) }
        let good = NPY.encode(try Tensor(shape: [4], floats: [1, 2, 3, 4]))
        let t = dir.write("t.npy", Array(good.prefix(good.count - 1)))
        expectDataError(.truncated, path: t, contains: "needs 16 bytes of data, but only 15") { _ = try NPY.read(t) }
        let h = dir.write("h.npy", Array(good.prefix(40)))
        expectDataError(.truncated, path: h, contains: "header claims") { _ = try NPY.read(h) }
        let lie = dir.write("lie.npy", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 100000000000), }", [1, 2, 3, 4]))
        expectDataError(.truncated, path: lie, contains: "too many") { _ = try NPY.read(lie) }
        let extra = dir.write("x.npy", good + [0])
        expectDataError(.malformed, path: extra, contains: "but 17 follow") { _ = try NPY.read(extra) }
    }

    @Test func malformedHeadersAndRangeErrors() {
        let h = dir.write("h.npy", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ", [0, 0, 0, 0]))
        expectDataError(.malformed, path: h, contains: "bad .npy header") { _ = try NPY.read(h) }
        let noShape = dir.write("n.npy", npyBytes("{'descr': '<f4', 'fortran_order': False}", [0, 0, 0, 0]))
        expectDataError(.malformed, path: noShape, contains: "no 'shape' tuple") { _ = try NPY.read(noShape) }
        let big = dir.write("b.npy", npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", le([Int64(1), 1 << 40])))
        expectDataError(.unsupported, path: big, contains: "element 1: value 1099511627776 does not fit in int32") { _ = try NPY.read(big) }
        let version = dir.write("v.npy", [0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0])
        expectDataError(.unsupported, path: version, contains: "format version 9.0") { _ = try NPY.read(version) }
    }
}
