// A test-side PNG writer for every header variant the decoder accepts: pixels given as sample
// values, packed at the bit depth, placed in Adam7 passes when interlaced, and each row filtered
// with a chosen filter type. Written from the PNG specification independently of the decoder
// (its filters run forward, the decoder's backward), and chunks come from DCLPlot's encoder.

@testable import DCLData
@testable import DCLPlot

struct PNGFixture {
    var width: Int
    var height: Int
    var bitDepth: Int
    var colorType: Int
    var interlaced = false
    /// Sample values, row-major, `samples` per pixel, each below 2^bitDepth.
    var values: [Int]
    var palette: [UInt8] = []
    /// Filter type of row r of the data (rows counted across passes): `filters[r % count]`.
    var filters: [UInt8] = [0, 1, 2, 3, 4]

    var samples: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }

    /// What the decoder must produce: 8-bit samples (palette → RGB, 16 → high byte, low gray
    /// depths scaled to 0…255).
    var expected: PNGImage {
        var out: [UInt8] = []
        for p in 0..<(width * height) {
            if colorType == 3 {
                let i = values[p]
                out += palette[(i * 3)..<(i * 3 + 3)]
            } else {
                for c in 0..<samples {
                    let v = values[p * samples + c]
                    out.append(UInt8(bitDepth == 16 ? v >> 8 : v * 255 / ((1 << bitDepth) - 1)))
                }
            }
        }
        return PNGImage(width: width, height: height, channels: colorType == 3 ? 3 : samples, pixels: out)
    }

    /// The filtered, uncompressed image data (what IDAT inflates to).
    func filteredData() -> [UInt8] {
        let passes: [(Int, Int, Int, Int)] = interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        let bpp = max(1, samples * bitDepth / 8)
        var out: [UInt8] = []
        var rowIndex = 0
        for (x0, y0, dx, dy) in passes {
            let xs = Array(stride(from: x0, to: width, by: dx)), ys = Array(stride(from: y0, to: height, by: dy))
            guard !xs.isEmpty, !ys.isEmpty else { continue }
            var previous = [UInt8](repeating: 0, count: (xs.count * samples * bitDepth + 7) / 8)
            for y in ys {
                let row = pack(xs.map { y * width + $0 })
                let f = filters[rowIndex % filters.count]
                out.append(f)
                out += filter(row, previous: previous, type: f, bpp: bpp)
                previous = row
                rowIndex += 1
            }
        }
        return out
    }

    /// The pixels' samples packed at the bit depth, high bits first, rows padded to a byte.
    func pack(_ pixels: [Int]) -> [UInt8] {
        var bytes: [UInt8] = [], acc = 0, bits = 0
        for p in pixels {
            for c in 0..<samples {
                let v = values[p * samples + c]
                if bitDepth == 16 { bytes += [UInt8(v >> 8), UInt8(v & 0xFF)]; continue }
                acc = (acc << bitDepth) | v
                bits += bitDepth
                if bits == 8 { bytes.append(UInt8(acc)); acc = 0; bits = 0 }
            }
        }
        if bits > 0 { bytes.append(UInt8(acc << (8 - bits))) }
        return bytes
    }

    func filter(_ row: [UInt8], previous: [UInt8], type: UInt8, bpp: Int) -> [UInt8] {
        row.indices.map { i in
            let a = i >= bpp ? Int(row[i - bpp]) : 0, b = Int(previous[i]), c = i >= bpp ? Int(previous[i - bpp]) : 0
            let predictor: Int
            switch type {
            case 1: predictor = a
            case 2: predictor = b
            case 3: predictor = (a + b) / 2
            case 4:
                let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
            default: predictor = 0
            }
            return UInt8(truncatingIfNeeded: Int(row[i]) - predictor)
        }
    }

    var ihdr: [UInt8] {
        PNGEncoder.bigEndian(UInt32(width)) + PNGEncoder.bigEndian(UInt32(height))
            + [UInt8(bitDepth), UInt8(colorType), 0, 0, interlaced ? 1 : 0]
    }

    /// The whole file.
    func encoded() throws -> [UInt8] {
        var out = PNG.signature + PNGEncoder.chunk("IHDR", ihdr)
        if colorType == 3 { out += PNGEncoder.chunk("PLTE", palette) }
        out += PNGEncoder.chunk("IDAT", try PNGEncoder.deflate(filteredData()))
        return out + PNGEncoder.chunk("IEND", [])
    }

    /// A fixture with seeded sample values.
    static func random(width: Int, height: Int, bitDepth: Int, colorType: Int, interlaced: Bool, seed: UInt64) -> PNGFixture {
        var rng = seed &+ 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
            return Int(rng >> 33)
        }
        var f = PNGFixture(width: width, height: height, bitDepth: bitDepth, colorType: colorType, interlaced: interlaced, values: [])
        let entries = colorType == 3 ? min(1 << bitDepth, 5) : 0
        f.palette = (0..<(entries * 3)).map { _ in UInt8(next() & 0xFF) }
        let bound = colorType == 3 ? entries : 1 << bitDepth
        f.values = (0..<(width * height * f.samples)).map { _ in next() % bound }
        return f
    }
}

/// PNG chunk helpers for hand-made malformed files.
func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] { PNGEncoder.chunk(type, data) }
func pngDeflate(_ data: [UInt8]) throws -> [UInt8] { try PNGEncoder.deflate(data) }
