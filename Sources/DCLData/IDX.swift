// The IDX format of the MNIST files, raw or gzip-compressed.
//
// Layout (all integers big-endian): two zero bytes, a type code (0x08 u8, 0x09 i8, 0x0B i16,
// 0x0C i32, 0x0D f32, 0x0E f64), the number of dimensions, one u32 per dimension, then the
// elements row-major. The header's dimensions are checked against the bytes actually present
// before anything is allocated, so a lying header gives an error, never a huge allocation; bytes
// beyond the declared data are an error too (no silent truncation either way). A gzip file is
// inflated only as far as its header declares, plus one byte (`declaredSize`, FileBytes.swift).

import DCLTensor

enum IDX {
    struct Header {
        var type: UInt8
        var dims: [Int]
        var headerBytes: Int
        var elementSize: Int
        var isFloat: Bool
    }

    /// Parses the header from the first bytes of a file; nil if fewer than `needed` bytes are
    /// there yet. Checks magic, element type and rank; `dataBytes` saturates at Int.max.
    private static func parse(_ b: UnsafeBufferPointer<UInt8>, path: String) throws -> (header: Header?, needed: Int, dataBytes: Int) {
        guard b.count >= 4 else { return (nil, 4, 0) }
        let magic = b.prefix(4).map { String($0, radix: 16).leftPadded(2) }.joined()
        guard b[0] == 0, b[1] == 0 else {
            throw DataError(.badMagic, path: path, "expected an IDX magic number 0x000008XX or 0x00000CXX, found 0x\(magic)")
        }
        let (size, isFloat): (Int, Bool)
        switch b[2] {
        case 0x08, 0x09: (size, isFloat) = (1, false)
        case 0x0B: (size, isFloat) = (2, false)
        case 0x0C: (size, isFloat) = (4, false)
        case 0x0D: (size, isFloat) = (4, true)
        case 0x0E: (size, isFloat) = (8, true)
        default:
            throw DataError(.badMagic, path: path, "unknown IDX element type 0x\(String(b[2], radix: 16).leftPadded(2)) in magic 0x\(magic), expected 08, 09, 0b, 0c, 0d or 0e")
        }
        let rank = Int(b[3])
        guard rank >= 1 && rank <= 8 else {
            throw DataError(.badShape, path: path, "IDX header declares \(rank) dimensions, expected 1 to 8")
        }
        let headerBytes = 4 + 4 * rank
        guard b.count >= headerBytes else { return (nil, headerBytes, 0) }
        var dims: [Int] = []
        for d in 0..<rank {
            let o = 4 + 4 * d
            dims.append(Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3]))
        }
        // The claimed size in overflow-safe arithmetic: u32 dimensions multiply past Int.max.
        var claimed = size
        for d in dims {
            let (p, o) = claimed.multipliedReportingOverflow(by: d)
            claimed = o ? Int.max : p
        }
        return (Header(type: b[2], dims: dims, headerBytes: headerBytes, elementSize: size, isFloat: isFloat), headerBytes, claimed)
    }

    /// How long a whole IDX file must be, from its first bytes — for inflating a gzip file only
    /// that far. The shape must also fit one tensor (`DCL_MAX_TENSOR_BYTES`), checked here so a
    /// hostile header fails before anything is inflated.
    static func declaredSize(_ b: UnsafeBufferPointer<UInt8>, path: String) throws -> DeclaredSize {
        let (parsed, needed, dataBytes) = try parse(b, path: path)
        guard let h = parsed else { return .needs(needed) }
        _ = try checkedElementCount(h.dims, path: path)
        let (total, o) = dataBytes.addingReportingOverflow(h.headerBytes)
        return .total(o ? Int.max : total)
    }

    static func header(_ b: UnsafeBufferPointer<UInt8>, path: String) throws -> Header {
        let (parsed, needed, claimed) = try parse(b, path: path)
        guard let h = parsed else {
            throw DataError(.truncated, path: path, needed == 4 ? "file holds \(b.count) bytes, expected at least a 4-byte IDX magic number"
                                                                 : "file holds \(b.count) bytes, expected a \(needed)-byte header for \(Int(b[3])) dimensions")
        }
        let dims = h.dims
        let present = b.count - h.headerBytes
        if claimed > present {
            throw DataError(.truncated, path: path, "header declares shape \(formatShape(dims)) (\(claimed == Int.max ? "too many" : String(claimed)) bytes of data), but only \(present) bytes follow the header")
        }
        if claimed < present {
            throw DataError(.malformed, path: path, "header declares shape \(formatShape(dims)) (\(claimed) bytes of data), but \(present) bytes follow the header: \(present - claimed) unexpected trailing bytes")
        }
        return h
    }

    /// Decodes an IDX buffer into a tensor: integer types become Int32 (or Float32 when
    /// `as: .float32`), float types Float32 (f64 is rounded; Int32 is refused for them).
    static func decode(_ b: UnsafeBufferPointer<UInt8>, path: String, as target: DType? = nil) throws -> Tensor {
        let h = try header(b, path: path)
        let dtype = target ?? (h.isFloat ? .float32 : .int32)
        if h.isFloat && dtype == .int32 {
            throw DataError(.unsupported, path: path, "holds floating-point values, expected integers")
        }
        var t = try allocateTensor(h.dims, dtype, path: path)
        let src = b.baseAddress! + h.headerBytes
        let n = t.count
        switch (h.type, dtype) {
        case (0x08, .float32):
            t.withMutableFloats { d in for i in 0..<n { d[i] = Float(src[i]) } }
        case (0x08, .int32):
            t.withMutableInts { d in for i in 0..<n { d[i] = Int32(src[i]) } }
        case (0x09, _):
            fill(&t) { Int32(Int8(bitPattern: src[$0])) }
        case (0x0B, _):
            fill(&t) { Int32(Int16(bitPattern: UInt16(src[2 * $0]) << 8 | UInt16(src[2 * $0 + 1]))) }
        case (0x0C, _):
            fill(&t) { Int32(bitPattern: readU32(src + 4 * $0)) }
        case (0x0D, _):
            t.withMutableFloats { d in for i in 0..<n { d[i] = Float(bitPattern: readU32(src + 4 * i)) } }
        default:  // 0x0E
            t.withMutableFloats { d in
                for i in 0..<n {
                    let hi = UInt64(readU32(src + 8 * i)), lo = UInt64(readU32(src + 8 * i + 4))
                    d[i] = Float(Double(bitPattern: hi << 32 | lo))
                }
            }
        }
        return t
    }

    /// Decodes an IDX buffer as a stored column: unsigned bytes (type 0x08) stay bytes, decoded to
    /// Float32 when rows are gathered; every other type becomes a Float32 tensor like
    /// `decode(as: .float32)`.
    static func decodeStored(_ b: UnsafeBufferPointer<UInt8>, path: String) throws -> StoredColumn {
        let h = try header(b, path: path)
        guard h.type == 0x08 else { return StoredColumn(try decode(b, path: path, as: .float32)) }
        // The whole column gathered as Float32 must fit a tensor, exactly as the decoded file had to.
        let n = try checkedElementCount(h.dims, path: path)
        let storage = TensorStorage(overwrittenByteCount: max(n, 1))
        if n > 0 { storage.bytes.copyMemory(from: b.baseAddress! + h.headerBytes, byteCount: n) }
        return StoredColumn(bytes: storage, shape: h.dims)
    }

    private static func fill(_ t: inout Tensor, _ value: (Int) -> Int32) {
        let n = t.count
        if t.dtype == .int32 {
            t.withMutableInts { d in for i in 0..<n { d[i] = value(i) } }
        } else {
            t.withMutableFloats { d in for i in 0..<n { d[i] = Float(value(i)) } }
        }
    }

    @inline(__always)
    private static func readU32(_ p: UnsafePointer<UInt8>) -> UInt32 {
        UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
    }

    /// Encodes a tensor as IDX (Int32 → type 0x0C, or 0x08 when `asBytes` and every value is
    /// 0...255; Float32 → 0x0D). Used for fixtures and by tools that write MNIST-like files.
    static func encode(_ t: Tensor, asBytes: Bool = false) throws -> [UInt8] {
        guard t.rank >= 1 && t.rank <= 8 else {
            throw DataError.argument("idx", "expected 1 to 8 dimensions, found \(t.rank)")
        }
        let type: UInt8
        if t.dtype == .float32 { type = 0x0D } else { type = asBytes ? 0x08 : 0x0C }
        var out: [UInt8] = [0, 0, type, UInt8(t.rank)]
        for d in t.shape { out += bigEndian(UInt32(truncatingIfNeeded: d)) }
        switch type {
        case 0x08:
            for v in t.ints {
                guard v >= 0 && v <= 255 else { throw DataError.argument("idx", "value \(v) does not fit an unsigned byte") }
                out.append(UInt8(v))
            }
        case 0x0C: for v in t.ints { out += bigEndian(UInt32(bitPattern: v)) }
        default: for v in t.floats { out += bigEndian(v.bitPattern) }
        }
        return out
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
