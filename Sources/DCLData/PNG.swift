// A PNG decoder for image-folder data sets: our own reading of the chunk structure, with zlib
// (already linked for gzip) doing only the inflate. Files in a data folder are untrusted input,
// so every length is checked against what remains before it is used, every size is computed with
// checked arithmetic and capped (`PNG.maxPixels`) before anything of that size is allocated, every
// chunk's CRC is verified, and a malformed file is a `DataError` naming the file and the place.
//
// What it accepts: every colour type (gray, gray+alpha, RGB, RGBA, palette) at every bit depth the
// standard allows (1/2/4/8 for gray and palette, 8 for the others, and 16, converted to 8 bits by
// keeping the high byte, as libpng's strip_16 does); all five filter types; Adam7 interlacing.
// Decoded samples are 8-bit, row-major, interleaved. Gray below 8 bits is scaled to 0…255
// (value × 255 / (2^depth − 1), exact); a palette image becomes RGB (a `tRNS` transparency chunk,
// like every ancillary chunk, is ignored: data sets use the colour, not the alpha).

import SystemZlib

/// A decoded image: `channels` 8-bit samples per pixel (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA),
/// rows top to bottom, `pixels.count == width * height * channels`.
struct PNGImage: Equatable {
    let width: Int
    let height: Int
    let channels: Int
    let pixels: [UInt8]
}

enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The most pixels one image may have: 2^26 (an 8192 × 8192 photo), far beyond what an
    /// image-folder data set holds, and at most 512 MiB of filtered 16-bit RGBA data.
    static let maxPixels = 1 << 26

    /// The IHDR fields.
    struct Header: Equatable {
        let width: Int, height: Int, bitDepth: Int, colorType: Int, interlaced: Bool

        /// Samples per pixel as stored.
        var samples: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }
        var bitsPerPixel: Int { samples * bitDepth }
        /// The distance, in bytes, to "the pixel to the left" for filtering (at least 1).
        var filterStride: Int { max(1, bitsPerPixel / 8) }
        /// Channels of the decoded image (a palette image decodes to RGB).
        var outputChannels: Int { colorType == 3 ? 3 : samples }
        /// Bytes of one filtered row of `width` pixels, without its filter-type byte. The caller
        /// has capped `width` (≤ 2^26), so the product cannot overflow.
        func rowBytes(_ width: Int) -> Int { (width * bitsPerPixel + 7) / 8 }
    }

    /// Adam7's seven passes: first column, first row, column step, row step.
    static let adam7: [(x0: Int, y0: Int, dx: Int, dy: Int)] = [
        (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
    ]

    /// The sub-images the filtered data consists of: one for a plain image, up to seven
    /// (empty passes have no rows and no filter bytes) for an interlaced one.
    static func passes(_ h: Header) -> [(x0: Int, y0: Int, dx: Int, dy: Int, width: Int, height: Int)] {
        guard h.interlaced else { return [(0, 0, 1, 1, h.width, h.height)] }
        return adam7.compactMap { p in
            let w = h.width > p.x0 ? (h.width - p.x0 + p.dx - 1) / p.dx : 0
            let r = h.height > p.y0 ? (h.height - p.y0 + p.dy - 1) / p.dy : 0
            return w > 0 && r > 0 ? (p.x0, p.y0, p.dx, p.dy, w, r) : nil
        }
    }

    static func isPNG(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 8 && zip(bytes.prefix(8), signature).allSatisfy { $0 == $1 }
    }

    /// Decodes a whole PNG file held in `bytes`. `path` names it in errors.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, path: String, maxPixels: Int = maxPixels) throws -> PNGImage {
        guard isPNG(bytes) else {
            throw DataError(.badMagic, path: path, "not a PNG file: expected the 8-byte PNG signature, found \(quoted(bytes: bytes.prefix(8)))")
        }
        var header: Header?
        var palette: [UInt8] = []
        var compressed: [UInt8] = []
        var idatState = 0  // 0: none seen, 1: in the IDAT run, 2: the run ended
        var pos = 8
        var ended = false
        while !ended {
            guard bytes.count - pos >= 12 else {
                throw DataError(.truncated, path: path, "file ends at byte \(bytes.count) inside a chunk header, before the IEND chunk (truncated?)")
            }
            let length = Int(be32(bytes, pos))
            let type = String(decoding: bytes[(pos + 4)..<(pos + 8)], as: UTF8.self)
            guard bytes[(pos + 4)..<(pos + 8)].allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }) else {
                throw DataError(.malformed, path: path, "byte \(pos + 4): chunk type \(quoted(bytes: bytes[(pos + 4)..<(pos + 8)])) is not four letters")
            }
            guard length <= 0x7FFF_FFFF, length <= bytes.count - pos - 12 else {
                throw DataError(.truncated, path: path, "chunk '\(type)' at byte \(pos) declares \(length) bytes of data, but only \(max(bytes.count - pos - 12, 0)) bytes (and its CRC) remain (truncated?)")
            }
            let data = UnsafeBufferPointer(rebasing: bytes[(pos + 8)..<(pos + 8 + length)])
            let stored = be32(bytes, pos + 8 + length)
            let computed = crc(UnsafeBufferPointer(rebasing: bytes[(pos + 4)..<(pos + 8 + length)]))
            guard stored == computed else {
                throw DataError(.malformed, path: path, "chunk '\(type)' at byte \(pos): CRC mismatch (stored 0x\(hex(stored)), computed 0x\(hex(computed))), the file is corrupt")
            }
            if header == nil && type != "IHDR" {
                throw DataError(.malformed, path: path, "byte \(pos): expected the IHDR chunk first, found '\(type)'")
            }
            if idatState == 1 && type != "IDAT" { idatState = 2 }
            switch type {
            case "IHDR":
                guard header == nil else { throw DataError(.malformed, path: path, "byte \(pos): a second IHDR chunk") }
                header = try parseHeader(data, path: path, maxPixels: maxPixels)
            case "PLTE":
                guard length % 3 == 0, length >= 3, length <= 768 else {
                    throw DataError(.malformed, path: path, "byte \(pos): PLTE chunk of \(length) bytes, expected 1 to 256 RGB entries (a multiple of 3 up to 768)")
                }
                palette = Array(data)
            case "IDAT":
                guard idatState != 2 else {
                    throw DataError(.malformed, path: path, "byte \(pos): IDAT chunks must be consecutive, found one after another chunk")
                }
                idatState = 1
                compressed.append(contentsOf: data)
            case "IEND":
                ended = true
            default:
                // Bit 5 of the first letter clear (uppercase) marks a chunk a decoder must understand.
                if bytes[pos + 4] & 0x20 == 0 {
                    throw DataError(.unsupported, path: path, "byte \(pos): unknown critical chunk '\(type)'")
                }
            }
            pos += 12 + length
        }
        let h = header!
        if h.colorType == 3 && palette.isEmpty {
            throw DataError(.malformed, path: path, "palette image without a PLTE chunk")
        }
        guard !compressed.isEmpty else { throw DataError(.malformed, path: path, "no IDAT chunk: the file holds no image data") }
        let passList = passes(h)
        // Each pass: rows × (filter byte + row bytes). Sizes are capped by maxPixels (≤ 2^26
        // pixels × 64 bits), so the sum stays far from overflow; checked anyway.
        var expected = 0
        for p in passList {
            let (rowSize, o1) = h.rowBytes(p.width).addingReportingOverflow(1)
            let (passSize, o2) = rowSize.multipliedReportingOverflow(by: p.height)
            let (sum, o3) = expected.addingReportingOverflow(passSize)
            guard !o1, !o2, !o3 else { throw DataError(.tooLarge, path: path, "image data size overflows") }
            expected = sum
        }
        let filtered = try inflate(compressed, expected: expected, path: path)
        return try reconstruct(filtered, header: h, passes: passList, palette: palette, path: path)
    }

    static func parseHeader(_ d: UnsafeBufferPointer<UInt8>, path: String, maxPixels: Int) throws -> Header {
        guard d.count == 13 else {
            throw DataError(.malformed, path: path, "IHDR chunk holds \(d.count) bytes, expected 13")
        }
        let width = Int(be32(d, 0)), height = Int(be32(d, 4))
        let depth = Int(d[8]), color = Int(d[9])
        guard width > 0, height > 0, width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF else {
            throw DataError(.badShape, path: path, "image is \(width) × \(height) pixels, expected both dimensions in 1...2147483647")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxPixels else {
            throw DataError(.tooLarge, path: path, "image is \(width) × \(height) pixels, more than the limit of \(maxPixels) pixels")
        }
        let allowed: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let depths = allowed[color] else {
            throw DataError(.malformed, path: path, "IHDR colour type \(color), expected 0, 2, 3, 4 or 6")
        }
        guard depths.contains(depth) else {
            throw DataError(.malformed, path: path, "IHDR bit depth \(depth) for colour type \(color), expected one of \(depths.map(String.init).joined(separator: ", "))")
        }
        guard d[10] == 0 else { throw DataError(.unsupported, path: path, "IHDR compression method \(d[10]), expected 0 (deflate)") }
        guard d[11] == 0 else { throw DataError(.unsupported, path: path, "IHDR filter method \(d[11]), expected 0") }
        guard d[12] <= 1 else { throw DataError(.unsupported, path: path, "IHDR interlace method \(d[12]), expected 0 (none) or 1 (Adam7)") }
        return Header(width: width, height: height, bitDepth: depth, colorType: color, interlaced: d[12] == 1)
    }

    /// Inflates the concatenated IDAT data (a zlib stream, Adler-32 checked by zlib) into exactly
    /// `expected` bytes: one more is asked for, so a stream holding more than the header
    /// promises is told apart from one holding exactly that. The output grows by doubling as
    /// data arrives, so a small file whose header claims a large image costs what it inflates
    /// to (deflate expands at most about 1000-fold), not what the header claims.
    static func inflate(_ input: [UInt8], expected: Int, path: String) throws -> [UInt8] {
        guard input.count <= Int(UInt32.max) else {
            throw DataError(.tooLarge, path: path, "\(input.count) bytes of compressed image data, more than zlib takes in one call")
        }
        var strm = z_stream()
        guard inflateInit_(&strm, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(.io, path: path, "cannot initialise zlib")
        }
        defer { inflateEnd(&strm) }
        let limit = expected + 1  // expected ≤ 2^26 × 8 + rows: no overflow
        let out = ByteBuffer(capacity: min(limit, max(1 << 16, input.count.multipliedReportingOverflow(by: 4).partialValue)))
        return try input.withUnsafeBufferPointer { src in
            strm.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
            strm.avail_in = uInt(src.count)
            while true {
                if out.count == out.capacity {
                    guard out.capacity < limit else {
                        throw DataError(.malformed, path: path, "image data inflates to more than the \(expected) bytes its header implies")
                    }
                    out.reserve(min(limit, out.capacity * 2))
                }
                strm.next_out = out.pointer + out.count
                strm.avail_out = uInt(out.capacity - out.count)
                let before = Int(strm.avail_out)
                let rc = SystemZlib.inflate(&strm, Z_NO_FLUSH)
                out.count += before - Int(strm.avail_out)
                switch rc {
                case Z_STREAM_END:
                    guard out.count <= expected else {
                        throw DataError(.malformed, path: path, "image data inflates to more than the \(expected) bytes its header implies")
                    }
                    guard out.count == expected else {
                        throw DataError(.truncated, path: path, "image data inflates to \(out.count) bytes, expected \(expected) for the header's size (truncated IDAT?)")
                    }
                    return out.array
                case Z_OK, Z_BUF_ERROR:
                    // Full output: grow and go on. Otherwise zlib stopped for want of input.
                    if out.count == out.capacity { continue }
                    if strm.avail_in == 0 {
                        throw DataError(.truncated, path: path, "image data (IDAT) ends before its zlib stream does, after \(out.count) of \(expected) bytes (truncated?)")
                    }
                    if rc == Z_BUF_ERROR {
                        throw DataError(.compression, path: path, "corrupt image data (IDAT): inflation makes no progress")
                    }
                default:
                    let detail = strm.msg.map { String(cString: $0) } ?? "code \(rc)"
                    throw DataError(.compression, path: path, "corrupt image data (IDAT): \(detail)")
                }
            }
        }
    }

    static func be32<C: Collection>(_ b: C, _ at: Int) -> UInt32 where C.Element == UInt8, C.Index == Int {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    /// CRC-32 (the PNG and gzip one) through zlib.
    static func crc(_ b: UnsafeBufferPointer<UInt8>) -> UInt32 {
        UInt32(crc32(0, b.baseAddress, uInt(b.count)))
    }

    private static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}
