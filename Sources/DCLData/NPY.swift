// NumPy's .npy format, read and write — the exchange format of `dcl predict` and a way to feed
// arrays prepared in Python.
//
// Layout: "\x93NUMPY", major and minor version bytes, the header length (u16 little-endian in
// version 1, u32 in versions 2 and 3), then a Python dict literal such as
// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded to a 64-byte boundary,
// then the elements. Read: C-order arrays of bool, (u)int8/16/32/64 and float32/64 in either byte
// order; integers become Int32 (values outside its range are an error naming the element),
// floats Float32 (float64 rounded). Fortran order, object arrays and structured dtypes are clear
// errors. Write: `<f4` or `<i4`, version 1.0.

import DCLTensor

/// Reading and writing .npy files.
public enum NPY {
    /// Reads an .npy file (gzip-compressed files are accepted too).
    public static func read(_ path: String) throws -> Tensor {
        let buffer = try FileBytes.readMaybeGzip(path, sniff: startsLikeNPY) { try declaredSize($0, path: path) }
        return try withExtendedLifetime(buffer) { try decode(buffer.bytes, path: path) }
    }

    /// For a stream (pipe, device): its first bytes must begin the .npy magic or gzip's.
    static func startsLikeNPY(_ chunk: UnsafeBufferPointer<UInt8>, isFirst: Bool) -> String? {
        guard isFirst else { return nil }
        let npyMagic: [UInt8] = [0x93] + Array("NUMPY".utf8), gzipMagic: [UInt8] = [0x1F, 0x8B]
        let head = Array(chunk.prefix(npyMagic.count))
        let looksRight = npyMagic.starts(with: head) || gzipMagic.starts(with: head.prefix(2))
        return looksRight ? nil : "not an .npy file (it does not start with the .npy magic)"
    }

    /// Writes `tensor` as a version 1.0 .npy file (`<f4` or `<i4`, C order).
    public static func write(_ tensor: Tensor, to path: String) throws {
        try FileBytes.write(encode(tensor), to: path)
    }

    /// Decodes .npy bytes; `path` names the source in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Tensor {
        try bytes.withUnsafeBufferPointer { try decode($0, path: path) }
    }

    /// Encodes a tensor as .npy bytes.
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        let descr = tensor.dtype == .float32 ? "<f4" : "<i4"
        let dims = tensor.shape.map(String.init)
        let shape = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        // Pad with spaces so magic (6) + version (2) + length (2) + header + "\n" is a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let h = Array(header.utf8)
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.count & 0xFF), UInt8(h.count >> 8)]
        out += h
        // Both dtypes are 4 bytes; write little-endian explicitly so the file is the same on any host.
        out.reserveCapacity(out.count + tensor.byteCount)
        let raw = UnsafeRawBufferPointer(start: tensor.storage.bytes, count: tensor.byteCount)
        for i in stride(from: 0, to: raw.count, by: 4) {
            let v = raw.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian
            out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
        }
        return out
    }

    /// The parsed header.
    struct Header {
        var littleEndian: Bool
        var kind: Character  // f, i, u, b
        var size: Int
        var fortranOrder: Bool
        var shape: [Int]
        var dataOffset: Int
        /// The dtype as written in the header (`<f4`), for messages.
        var descr: String
    }

    static func decode(_ b: UnsafeBufferPointer<UInt8>, path: String) throws -> Tensor {
        let h = try header(b, path: path)
        let src = UnsafeRawPointer(b.baseAddress!) + h.dataOffset
        let isFloat = h.kind == "f"
        // The element count comes from the validated tensor: multiplying the raw dimensions
        // could overflow for shapes like (10^18, 10^18, 0), which hold no data.
        var t = try allocateTensor(h.shape, isFloat ? .float32 : .int32, path: path)
        let n = t.count

        func word(_ i: Int, _ size: Int) -> UInt64 {
            var v: UInt64 = 0
            let p = src + i * size
            for k in 0..<size {
                let byte = UInt64(p.load(fromByteOffset: h.littleEndian ? k : size - 1 - k, as: UInt8.self))
                v |= byte << (8 * UInt64(k))
            }
            return v
        }
        if isFloat {
            let size = h.size
            t.withMutableFloats { d in
                if size == 4 && h.littleEndian {
                    for i in 0..<n { d[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                } else if size == 4 {
                    for i in 0..<n { d[i] = Float(bitPattern: UInt32(word(i, 4))) }
                } else {
                    for i in 0..<n { d[i] = Float(Double(bitPattern: word(i, 8))) }
                }
            }
            return t
        }
        let signed = h.kind == "i"
        let size = h.size
        try t.withMutableInts { d in
            for i in 0..<n {
                let w = word(i, size)
                let v: Int64
                if signed {
                    let shift = UInt64(64 - 8 * size)
                    v = Int64(bitPattern: w << shift) >> Int64(shift)  // sign-extend
                } else {
                    guard w <= UInt64(Int64.max) else { throw outOfRange(path, i, String(w)) }
                    v = Int64(w)
                }
                guard v >= Int64(Int32.min) && v <= Int64(Int32.max) else { throw outOfRange(path, i, String(v)) }
                d[i] = Int32(v)
            }
        }
        return t
    }

    private static func outOfRange(_ path: String, _ i: Int, _ v: String) -> DataError {
        DataError(.unsupported, path: path, "element \(i): value \(v) does not fit in int32")
    }

    /// How long a whole .npy file must be, from its first bytes — for inflating a gzip file
    /// only that far. The shape must also fit one tensor (`DCL_MAX_TENSOR_BYTES`), checked here
    /// so a hostile header fails before anything is inflated.
    static func declaredSize(_ b: UnsafeBufferPointer<UInt8>, path: String) throws -> DeclaredSize {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard b.count >= 10 else { return .needs(10) }
        guard b.prefix(6).elementsEqual(magic), (1...3).contains(b[6]) else {
            _ = try parse(b, path: path)  // throws: a bad magic or an unknown version
            return .total(b.count)
        }
        let start = b[6] == 1 ? 10 : 12
        guard b.count >= start else { return .needs(start) }
        let length = b[6] == 1 ? Int(b[8]) | Int(b[9]) << 8 : Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
        // A header longer than the format allows is reported by `header`, from the bytes there.
        guard b.count >= start + length || length > 1 << 20 else { return .needs(start + length) }
        let (h, claimed) = try parse(b, path: path)
        _ = try checkedElementCount(h.shape, path: path)
        let (total, o) = claimed.addingReportingOverflow(h.dataOffset)
        return .total(o ? Int.max : total)
    }

    static func header(_ b: UnsafeBufferPointer<UInt8>, path: String) throws -> Header {
        let (h, claimed) = try parse(b, path: path)
        let present = b.count - h.dataOffset
        let descr = h.descr
        if claimed > present {
            throw DataError(.truncated, path: path, "shape \(formatShape(h.shape)) of \(descr) needs \(claimed == Int.max ? "too many" : String(claimed)) bytes of data, but only \(present) follow the header")
        }
        if claimed < present {
            throw DataError(.malformed, path: path, "shape \(formatShape(h.shape)) of \(descr) needs \(claimed) bytes of data, but \(present) follow the header")
        }
        return h
    }

    /// Parses the preamble and header dictionary; `claimed` is the data size the header
    /// declares (saturating at Int.max).
    private static func parse(_ b: UnsafeBufferPointer<UInt8>, path: String) throws -> (header: Header, claimed: Int) {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard b.count >= 10 else {
            if b.count < 6 || !b.prefix(6).elementsEqual(magic) {
                throw DataError(.badMagic, path: path, "expected the .npy magic \"\\x93NUMPY\", found \(quoted(bytes: b.prefix(6)))")
            }
            throw DataError(.truncated, path: path, "file holds \(b.count) bytes, expected at least a 10-byte .npy preamble")
        }
        guard b.prefix(6).elementsEqual(magic) else {
            throw DataError(.badMagic, path: path, "expected the .npy magic \"\\x93NUMPY\", found \(quoted(bytes: b.prefix(6)))")
        }
        let major = b[6]
        var headerLength: Int, start: Int
        switch major {
        case 1:
            headerLength = Int(b[8]) | Int(b[9]) << 8
            start = 10
        case 2, 3:
            guard b.count >= 12 else {
                throw DataError(.truncated, path: path, "file holds \(b.count) bytes, expected at least a 12-byte .npy preamble")
            }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            start = 12
        default:
            throw DataError(.unsupported, path: path, "unknown .npy format version \(major).\(b[7]), expected 1, 2 or 3")
        }
        guard headerLength <= 1 << 20 else {
            throw DataError(.tooLarge, path: path, "header claims \(headerLength) bytes, expected at most 1 MiB")
        }
        guard b.count >= start + headerLength else {
            throw DataError(.truncated, path: path, "header claims \(headerLength) bytes, but only \(b.count - start) follow the preamble")
        }
        let text = String(decoding: b[start..<(start + headerLength)], as: UTF8.self)
        var parser = NPYHeaderParser(text: text, path: path)
        let dict = try parser.parseDict()

        guard case .string(let descr)? = dict["descr"] else {
            if case .other? = dict["descr"] {
                throw DataError(.unsupported, path: path, "structured dtypes are not supported, expected a plain numeric 'descr'")
            }
            throw DataError(.malformed, path: path, "header has no 'descr' string")
        }
        guard case .bool(let fortran)? = dict["fortran_order"] else {
            throw DataError(.malformed, path: path, "header has no 'fortran_order' True/False")
        }
        guard case .tuple(let shape)? = dict["shape"] else {
            throw DataError(.malformed, path: path, "header has no 'shape' tuple")
        }
        if fortran {
            throw DataError(.unsupported, path: path, "array is in Fortran order, expected C order (save with np.ascontiguousarray)")
        }
        let (little, kind, size) = try parseDescr(descr, path: path)
        var elements = 1
        for d in shape {
            let (p, o) = elements.multipliedReportingOverflow(by: d)
            elements = o ? Int.max : p
        }
        let (claimed, o) = elements.multipliedReportingOverflow(by: size)
        let header = Header(littleEndian: little, kind: kind, size: size, fortranOrder: fortran, shape: shape,
                            dataOffset: start + headerLength, descr: descr)
        return (header, o ? Int.max : claimed)
    }

    private static func parseDescr(_ descr: String, path: String) throws -> (Bool, Character, Int) {
        let chars = Array(descr)
        guard chars.count >= 3, let size = Int(String(chars[2...])), "<>|=".contains(chars[0]) else {
            if descr.contains("O") {
                throw DataError(.unsupported, path: path, "object arrays ('\(descr)') are not supported, expected a numeric dtype")
            }
            throw DataError(.unsupported, path: path, "unsupported dtype '\(descr)', expected one of <f4 <f8 <i4 <i8 |u1 (any byte order)")
        }
        let kind = chars[1]
        let ok: Bool
        switch kind {
        case "f": ok = size == 4 || size == 8
        case "i", "u": ok = [1, 2, 4, 8].contains(size)
        case "b": ok = size == 1
        default: ok = false
        }
        guard ok else {
            throw DataError(.unsupported, path: path, "unsupported dtype '\(descr)', expected one of <f4 <f8 <i4 <i8 |u1 (any byte order)")
        }
        // "|" means byte order does not apply (1-byte types); "=" is native, little-endian on
        // every platform dcl builds for.
        return (chars[0] != ">", kind == "b" ? "u" : kind, size)
    }
}

extension DataLoader {
    /// Loads features (and optionally integer labels) from .npy files: `x` keeps the array's
    /// shape (integer arrays are converted to Float32), `y` must be rank 1 with one label per row.
    public static func npy(x xPath: String, y yPath: String? = nil, classes: Int? = nil) throws -> Dataset {
        try checkClassCount(classes, op: "npy")
        var x = try NPY.read(xPath)
        guard x.rank >= 1 else {
            throw DataError(.badShape, path: xPath, "holds a scalar, expected an array with a sample dimension")
        }
        if x.dtype == .int32 {
            var f = try Tensor(zeros: x.shape, dtype: .float32)
            x.withInts { s in f.withMutableFloats { d in for i in 0..<s.count { d[i] = Float(s[i]) } } }
            x = f
        }
        var columns: [(name: String, tensor: Tensor)] = [("x", x)]
        var classCount: Int? = nil
        var source = "npy(x: \(quotedPath(xPath))"
        if let yPath {
            let y = try NPY.read(yPath)
            guard y.dtype == .int32 else {
                throw DataError(.unsupported, path: yPath, "labels are floating-point, expected an integer dtype")
            }
            guard y.rank == 1, y.shape[0] == x.shape[0] else {
                throw DataError(.badShape, path: yPath, "expected labels of shape [\(x.shape[0])] to match \(quotedPath(xPath)), found \(formatShape(y.shape))")
            }
            classCount = try checkLabels(y, path: yPath, classes: classes)
            columns.append(("y", y))
            source += ", y: \(quotedPath(yPath))"
        }
        return try Dataset(columns: columns, classCount: classCount, source: source + ")")
    }
}
