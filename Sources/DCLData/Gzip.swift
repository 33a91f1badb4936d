// gzip inflation through zlib, on demand: a caller asks for the first N bytes of the content and
// gets at most N, so a loader can read a format's header from the first inflated bytes, learn
// how big the whole content must be, and stop there. A small hostile file (a gigabyte of zeros
// compresses to a megabyte) then costs what its header declares, not what it inflates to.
//
// Errors distinguish corruption from truncation. Concatenated gzip members (allowed by RFC 1952)
// are inflated one after another; trailing zero padding is ignored, anything else after the last
// member is an error.

import SystemZlib

enum Gzip {
    static func isGzip(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates all gzip members of `input`, failing once the content would exceed `limit`
    /// bytes (at most `limit + 1` are ever inflated). `path` names the file in errors.
    static func inflate(_ input: ByteBuffer, path: String, limit: Int = DataLimits.maxBytes) throws -> ByteBuffer {
        let reader = try GzipReader(input, path: path)
        let (wanted, overflow) = limit.addingReportingOverflow(1)
        try reader.inflate(upTo: overflow ? Int.max : wanted)
        if reader.output.count > limit {
            throw DataError(.tooLarge, path: path, "decompressed data exceeds the limit of \(limit) bytes")
        }
        return reader.output
    }

    /// Inflates an in-memory gzip buffer (for tests and callers holding bytes).
    static func inflate(_ input: [UInt8], path: String, limit: Int = DataLimits.maxBytes) throws -> [UInt8] {
        try inflate(ByteBuffer(input), path: path, limit: limit).array
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
}

/// One gzip file being inflated, as far as its reader has asked.
final class GzipReader {
    let path: String
    /// The content inflated so far.
    let output = ByteBuffer(capacity: 1 << 12)
    /// Whether the last member ended (and nothing but zero padding follows it).
    private(set) var isFinished = false
    /// The largest output buffer this reader allocated: what inflating cost in memory.
    var peakCapacity: Int { output.capacity }

    private let input: ByteBuffer
    /// Input bytes zlib has used.
    private var consumed = 0
    /// zlib keeps a pointer back to its stream, so the stream must not move: heap-allocated.
    private let stream: UnsafeMutablePointer<z_stream>

    init(_ input: ByteBuffer, path: String) throws {
        guard input.count > 0 else { throw DataError(.compression, path: path, "empty gzip input") }
        self.input = input
        self.path = path
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 16 + MAX_WBITS: expect a gzip header and trailer (and check the CRC).
        let rc = inflateInit2_(stream, 16 + 15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            stream.deallocate()
            throw DataError(.io, path: path, "cannot initialise zlib (code \(rc))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Inflates until the output holds `count` bytes or the content ends, whichever is first;
    /// never more than `count` bytes in all. The buffer grows by doubling, never past `count`,
    /// so what a caller asks for bounds the memory, whatever the compressed data claims.
    func inflate(upTo count: Int) throws {
        let chunk = 1 << 30  // zlib counts in 32-bit uInt; at most 1 GiB per call
        while !isFinished && output.count < count {
            if output.count == output.capacity {
                let doubled = output.capacity.multipliedReportingOverflow(by: 2)
                output.reserve(min(count, doubled.overflow ? Int.max : doubled.partialValue))
            }
            let inAvail = min(input.count - consumed, chunk)
            let outAvail = min(output.capacity - output.count, count - output.count, chunk)
            stream.pointee.next_in = input.pointer + consumed
            stream.pointee.avail_in = uInt(inAvail)
            stream.pointee.next_out = output.pointer + output.count
            stream.pointee.avail_out = uInt(outAvail)
            let rc = SystemZlib.inflate(stream, Z_NO_FLUSH)
            let usedIn = inAvail - Int(stream.pointee.avail_in)
            let madeOut = outAvail - Int(stream.pointee.avail_out)
            consumed += usedIn
            output.count += madeOut

            switch rc {
            case Z_STREAM_END:
                try endOfMember()
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: output space was offered, so the input ran out before
                // the stream ended.
                guard usedIn == 0 && madeOut == 0 else { continue }
                if consumed >= input.count {
                    throw DataError(.truncated, path: path, "gzip stream ends early after \(input.count) bytes (file truncated?)")
                }
                throw DataError(.compression, path: path, "corrupt gzip data near byte \(consumed): inflation makes no progress")
            case Z_NEED_DICT, Z_DATA_ERROR:
                throw DataError(.compression, path: path, "corrupt gzip data near byte \(consumed): \(message)")
            case Z_MEM_ERROR:
                throw DataError(.io, path: path, "zlib ran out of memory")
            default:
                throw DataError(.compression, path: path, "gzip error (code \(rc)): \(message)")
            }
        }
    }

    /// After a member: another member, zero padding (the end), or garbage (an error).
    private func endOfMember() throws {
        let rest = UnsafeBufferPointer(rebasing: input.bytes[consumed...])
        if rest.isEmpty || rest.allSatisfy({ $0 == 0 }) {
            isFinished = true
        } else if rest.count >= 2 && rest[0] == 0x1F && rest[1] == 0x8B {
            inflateReset(stream)
        } else {
            throw DataError(.compression, path: path, "unexpected data after the gzip stream at byte \(consumed), expected end of file")
        }
    }

    private var message: String {
        if let m = stream.pointee.msg { return String(cString: m) }
        return "no detail"
    }
}
