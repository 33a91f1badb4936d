// gzip inflation through zlib, with a cap on the output so a small corrupt or hostile file
// cannot make us allocate gigabytes, and errors that distinguish corruption from truncation.
//
// The gzip trailer's ISIZE (uncompressed size mod 2^32) is only a hint for the first allocation,
// clamped to what deflate could possibly produce (at most ~1032 bytes per input byte) and to
// 256 MiB; the buffer then grows by doubling up to the cap. Concatenated gzip members (allowed by
// RFC 1952) are inflated one after another; trailing zero padding is ignored, anything else after
// the last member is an error.

import SystemZlib

enum Gzip {
    static func isGzip(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates all gzip members of `input`. `path` names the file in errors.
    static func inflate(_ input: UnsafeBufferPointer<UInt8>, path: String, limit: Int = DataLimits.maxBytes) throws -> ByteBuffer {
        guard let inBase = input.baseAddress, input.count > 0 else {
            throw DataError(.compression, path: path, "empty gzip input")
        }
        let out = ByteBuffer(capacity: initialCapacity(input, limit: limit))

        var strm = z_stream()
        // 16 + MAX_WBITS: expect a gzip header and trailer (and check the CRC).
        var rc = inflateInit2_(&strm, 16 + 15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw DataError(.io, path: path, "cannot initialise zlib (code \(rc))") }
        defer { inflateEnd(&strm) }

        var consumed = 0  // input bytes handed to zlib and used
        let chunk = 1 << 30  // zlib counts in 32-bit uInt; feed at most 1 GiB at a time
        while true {
            if out.count == out.capacity {
                if out.capacity > limit {
                    throw DataError(.tooLarge, path: path, "decompressed data exceeds the limit of \(limit) bytes")
                }
                out.reserve(min(out.capacity * 2, limit + 1))
            }
            let inAvail = min(input.count - consumed, chunk)
            let outAvail = min(out.capacity - out.count, chunk)
            strm.next_in = UnsafeMutablePointer(mutating: inBase + consumed)
            strm.avail_in = uInt(inAvail)
            strm.next_out = out.pointer + out.count
            strm.avail_out = uInt(outAvail)
            rc = SystemZlib.inflate(&strm, Z_NO_FLUSH)
            let usedIn = inAvail - Int(strm.avail_in)
            let madeOut = outAvail - Int(strm.avail_out)
            consumed += usedIn
            out.count += madeOut
            if out.count > limit {
                throw DataError(.tooLarge, path: path, "decompressed data exceeds the limit of \(limit) bytes")
            }

            switch rc {
            case Z_STREAM_END:
                // Another member follows, or padding, or garbage.
                let rest = UnsafeBufferPointer(rebasing: input[consumed...])
                if rest.isEmpty || rest.allSatisfy({ $0 == 0 }) { return out }
                if rest.count >= 2 && rest[0] == 0x1F && rest[1] == 0x8B {
                    inflateReset(&strm)
                    continue
                }
                throw DataError(.compression, path: path,
                                "unexpected data after the gzip stream at byte \(consumed), expected end of file")
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: either the output is full (grow and retry) or the input
                // ran out before the stream ended.
                if out.count == out.capacity { continue }
                if consumed >= input.count {
                    throw DataError(.truncated, path: path,
                                    "gzip stream ends early after \(input.count) bytes (file truncated?)")
                }
                continue
            case Z_NEED_DICT, Z_DATA_ERROR:
                throw DataError(.compression, path: path,
                                "corrupt gzip data near byte \(consumed): \(zlibMessage(strm))")
            case Z_MEM_ERROR:
                throw DataError(.io, path: path, "zlib ran out of memory")
            default:
                throw DataError(.compression, path: path, "gzip error (code \(rc)): \(zlibMessage(strm))")
            }
        }
    }

    /// Inflates an in-memory gzip buffer (for tests and callers holding bytes).
    static func inflate(_ input: [UInt8], path: String, limit: Int = DataLimits.maxBytes) throws -> [UInt8] {
        try input.withUnsafeBufferPointer { try inflate($0, path: path, limit: limit).array }
    }

    /// Compresses `input` as one gzip member (used by tests to build fixtures, and by writers).
    static func deflate(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
        var strm = z_stream()
        // Only fails for invalid parameters, which are constants here.
        guard deflateInit2_(&strm, level, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&strm) }
        let bound = Int(deflateBound(&strm, uLong(input.count))) + 32
        var out = [UInt8](repeating: 0, count: bound)
        var input = input
        let produced: Int = input.withUnsafeMutableBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                strm.next_in = src.baseAddress
                strm.avail_in = uInt(src.count)
                strm.next_out = dst.baseAddress
                strm.avail_out = uInt(dst.count)
                _ = SystemZlib.deflate(&strm, Z_FINISH)
                return dst.count - Int(strm.avail_out)
            }
        }
        return Array(out.prefix(produced))
    }

    private static func initialCapacity(_ input: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
        var hint = input.count * 4
        if input.count >= 18 {
            let n = input.count
            let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            if isize > 0 && isize <= input.count * 1032 { hint = isize + 1 }
        }
        return max(64, min(hint, limit + 1, 256 << 20))
    }

    private static func zlibMessage(_ strm: z_stream) -> String {
        if let m = strm.msg { return String(cString: m) }
        return "no detail"
    }
}
