// PNG files (ISO/IEC 15948): the signature, then IHDR (8-bit truecolour, no interlace), one
// IDAT holding the zlib stream of the scanlines (each led by filter byte 0), and IEND; every
// chunk closed by the CRC-32 of its type and data. zlib's output for a fixed level and input
// is fixed, so the same pixels give the same file.

import SystemZlib

enum PNGEncoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// `pixels` is row-major RGB, `width * height * 3` bytes.
    static func encode(width: Int, height: Int, rgb pixels: [UInt8]) throws -> [UInt8] {
        precondition(pixels.count == width * height * 3, "canvas size")
        var raw = [UInt8]()
        raw.reserveCapacity(height * (1 + width * 3))
        for y in 0..<height {
            raw.append(0)
            raw += pixels[(y * width * 3)..<((y + 1) * width * 3)]
        }
        var out = signature
        var ihdr = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        ihdr += [8, 2, 0, 0, 0]  // bit depth, colour type RGB, deflate, adaptive filtering, no interlace
        out += chunk("IHDR", ihdr)
        out += chunk("IDAT", try deflate(raw))
        out += chunk("IEND", [])
        return out
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(crc32(typeBytes + data))
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    /// A zlib stream (RFC 1950) at the best compression level.
    static func deflate(_ input: [UInt8]) throws -> [UInt8] {
        var size = compressBound(uLong(input.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = input.withUnsafeBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in compress2(o.baseAddress, &size, inp.baseAddress, uLong(input.count), 9) }
        }
        guard status == Z_OK else { throw PlotError("zlib could not compress the image (status \(status))", argument: "to") }
        return Array(out[0..<Int(size)])
    }

    /// CRC-32 as PNG and zlib define it (reflected polynomial 0xEDB88320).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}
