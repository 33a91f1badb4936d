// From a PNG's inflated data to pixels: undo each row's filter (none, sub, up, average, Paeth),
// unpack samples of 1/2/4/16 bits to 8, look palette indices up, and place an interlaced image's
// seven passes on their grid. Sizes were validated by `PNG.decode`; what is checked here is what
// only the data can get wrong: a filter-type byte above 4 and a palette index past the palette.

extension PNG {
    typealias Pass = (x0: Int, y0: Int, dx: Int, dy: Int, width: Int, height: Int)

    /// The decoded image from `filtered` (exactly the bytes the passes need).
    static func reconstruct(_ filtered: [UInt8], header h: Header, passes: [Pass], palette: [UInt8],
                            path: String) throws -> PNGImage {
        let channels = h.outputChannels
        var pixels = [UInt8](repeating: 0, count: h.width * h.height * channels)
        var offset = 0
        for (passIndex, p) in passes.enumerated() {
            let rowBytes = h.rowBytes(p.width)
            var previous = [UInt8](repeating: 0, count: rowBytes)
            var current = [UInt8](repeating: 0, count: rowBytes)
            for r in 0..<p.height {
                let filter = filtered[offset]
                let where_ = h.interlaced ? "row \(r) of interlace pass \(passIndex + 1)" : "row \(r)"
                guard filter <= 4 else {
                    throw DataError(.malformed, path: path, "\(where_): unknown filter type \(filter), expected 0 to 4")
                }
                for i in 0..<rowBytes { current[i] = filtered[offset + 1 + i] }
                unfilter(&current, previous: previous, type: filter, stride: h.filterStride)
                let y = p.y0 + r * p.dy
                try unpack(current, width: p.width, header: h, palette: palette, path: path) { x, samples in
                    let base = (y * h.width + p.x0 + x * p.dx) * channels
                    for c in 0..<channels { pixels[base + c] = samples[c] }
                } rowName: { where_ }
                swap(&previous, &current)
                offset += 1 + rowBytes
            }
        }
        return PNGImage(width: h.width, height: h.height, channels: channels, pixels: pixels)
    }

    /// Undoes one row's filter in place (PNG spec §9.2); `previous` is the unfiltered row above
    /// (zeros for a pass's first row), `stride` the bytes per complete pixel (at least 1).
    static func unfilter(_ row: inout [UInt8], previous: [UInt8], type: UInt8, stride: Int) {
        let n = row.count
        switch type {
        case 1:
            for i in stride..<max(n, stride) { row[i] = row[i] &+ row[i - stride] }
        case 2:
            for i in 0..<n { row[i] = row[i] &+ previous[i] }
        case 3:
            for i in 0..<n {
                let left = i >= stride ? Int(row[i - stride]) : 0
                row[i] = row[i] &+ UInt8((left + Int(previous[i])) / 2)
            }
        case 4:
            for i in 0..<n {
                let a = i >= stride ? Int(row[i - stride]) : 0
                let b = Int(previous[i])
                let c = i >= stride ? Int(previous[i - stride]) : 0
                row[i] = row[i] &+ UInt8(paeth(a, b, c))
            }
        default:
            break
        }
    }

    static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let p = a + b - c
        let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    /// Calls `emit(x, samples)` for each pixel of an unfiltered row with its 8-bit output samples.
    static func unpack(_ row: [UInt8], width: Int, header h: Header, palette: [UInt8], path: String,
                       emit: (Int, [UInt8]) -> Void, rowName: () -> String) throws {
        var samples = [UInt8](repeating: 0, count: h.outputChannels)
        switch h.bitDepth {
        case 8:
            let k = h.samples
            for x in 0..<width {
                if h.colorType == 3 {
                    try lookUp(Int(row[x]), palette: palette, into: &samples, x: x, path: path, rowName: rowName)
                } else {
                    for c in 0..<k { samples[c] = row[x * k + c] }
                }
                emit(x, samples)
            }
        case 16:
            // Big-endian 16-bit samples: the high byte is the 8-bit value (libpng's strip_16).
            let k = h.samples
            for x in 0..<width {
                for c in 0..<k { samples[c] = row[(x * k + c) * 2] }
                emit(x, samples)
            }
        default:
            // 1, 2 or 4 bits, gray or palette (one sample per pixel), packed from the high bit.
            let bits = h.bitDepth, mask = (1 << bits) - 1, perByte = 8 / bits
            for x in 0..<width {
                let shift = 8 - bits * (x % perByte + 1)
                let v = (Int(row[x / perByte]) >> shift) & mask
                if h.colorType == 3 {
                    try lookUp(v, palette: palette, into: &samples, x: x, path: path, rowName: rowName)
                } else {
                    samples[0] = UInt8(v * 255 / mask)
                }
                emit(x, samples)
            }
        }
    }

    private static func lookUp(_ index: Int, palette: [UInt8], into samples: inout [UInt8], x: Int, path: String,
                               rowName: () -> String) throws {
        guard index * 3 + 2 < palette.count else {
            throw DataError(.malformed, path: path, "\(rowName()), pixel \(x): palette index \(index), but the palette has \(palette.count / 3) entries")
        }
        samples[0] = palette[index * 3]
        samples[1] = palette[index * 3 + 1]
        samples[2] = palette[index * 3 + 2]
    }
}
