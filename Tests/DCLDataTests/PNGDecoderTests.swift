import DCLPythonChecks
import DCLTestScratch
import Foundation
import Testing
@testable import DCLData
@testable import DCLPlot

private func decode(_ bytes: [UInt8], path: String = "t.png", maxPixels: Int = PNG.maxPixels) throws -> PNGImage {
    try bytes.withUnsafeBufferPointer { try PNG.decode($0, path: path, maxPixels: maxPixels) }
}

/// A valid 8-bit RGB file with the given IHDR replaced, for header errors.
private func withHeader(_ ihdr: [UInt8], idat: [UInt8] = [0, 0, 0, 0]) throws -> [UInt8] {
    PNG.signature + pngChunk("IHDR", ihdr) + pngChunk("IDAT", try pngDeflate(idat)) + pngChunk("IEND", [])
}

private func be(_ v: UInt32) -> [UInt8] { PNGEncoder.bigEndian(v) }

@Suite(.ownThreads) struct PNGDecoderTests {
    @Test func decodesWhatDCLPlotsEncoderWrites() throws {
        let (w, h) = (7, 5)
        let rgb = (0..<(w * h * 3)).map { UInt8(($0 * 37 + 11) % 256) }
        let image = try decode(try PNGEncoder.encode(width: w, height: h, rgb: rgb))
        #expect(image == PNGImage(width: w, height: h, channels: 3, pixels: rgb))
    }

    /// Every colour type at every allowed depth, plain and Adam7, all five filters, sizes that
    /// leave partial bytes and empty interlace passes.
    @Test(arguments: [(0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16), (3, 1), (3, 2), (3, 4), (3, 8),
                      (4, 8), (4, 16), (6, 8), (6, 16)])
    func everyFormatRoundTrips(colorType: Int, bitDepth: Int) throws {
        for (w, h) in [(1, 1), (3, 2), (7, 5), (9, 10), (17, 3)] {
            for interlaced in [false, true] {
                for filters: [UInt8] in [[0], [1], [2], [3], [4], [4, 3, 2, 1, 0]] {
                    var f = PNGFixture.random(width: w, height: h, bitDepth: bitDepth, colorType: colorType,
                                              interlaced: interlaced, seed: UInt64(w * 100 + h + colorType * 7 + bitDepth))
                    f.filters = filters
                    let got = try decode(try f.encoded())
                    #expect(got == f.expected, "colour \(colorType) depth \(bitDepth) \(w)x\(h) interlaced \(interlaced) filters \(filters)")
                }
            }
        }
    }

    @Test func sixteenBitKeepsTheHighByte() throws {
        let f = PNGFixture(width: 2, height: 1, bitDepth: 16, colorType: 0, values: [0x12FF, 0xAB01])
        #expect(try decode(try f.encoded()).pixels == [0x12, 0xAB])
    }

    @Test func lowDepthGrayScalesExactly() throws {
        let f = PNGFixture(width: 4, height: 1, bitDepth: 2, colorType: 0, values: [0, 1, 2, 3])
        #expect(try decode(try f.encoded()).pixels == [0, 85, 170, 255])
    }

    /// PNGs written by Python's zlib and struct (not by dcl's code), with per-row filters chosen
    /// by the script, decode to the pixels the script states.
    @Test func decodesPythonWrittenFiles() throws {
        let dir = TempDir()
        let script = """
        import json, struct, sys, zlib
        def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
        def paeth(a, b, c):
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            return a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        def filt(row, prev, t, bpp):
            out = []
            for i, x in enumerate(row):
                a = row[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
                p = [0, a, b, (a + b) // 2, paeth(a, b, c)][t]
                out.append((x - p) & 255)
            return bytes([t]) + bytes(out)
        def png(path, w, h, depth, ctype, rows, bpp, plte=None):
            data = b""; prev = [0] * len(rows[0])
            for y, r in enumerate(rows):
                data += filt(r, prev, y % 5, bpp); prev = r
            body = chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
            if plte: body += chunk(b"PLTE", bytes(plte))
            body += chunk(b"tEXt", b"Comment\\x00written by python")
            body += chunk(b"IDAT", zlib.compress(data, 9)) + chunk(b"IEND", b"")
            open(path, "wb").write(b"\\x89PNG\\r\\n\\x1a\\n" + body)
        d = sys.argv[1]; expected = {}
        w, h = 6, 5
        rgba = [[(x * 40 + y * 3) % 256, (y * 50) % 256, (x * y * 9) % 256, 255 - x] for y in range(h) for x in range(w)]
        png(d + "/rgba.png", w, h, 8, 6, [sum(rgba[y * w:(y + 1) * w], []) for y in range(h)], 4)
        expected["rgba.png"] = [4, sum(rgba, [])]
        ga = [[(x * 31 + y * 17) % 256, 200] for y in range(h) for x in range(w)]
        png(d + "/ga.png", w, h, 8, 4, [sum(ga[y * w:(y + 1) * w], []) for y in range(h)], 2)
        expected["ga.png"] = [2, sum(ga, [])]
        plte = [10, 20, 30, 40, 50, 60, 70, 80, 90, 200, 210, 220]
        idx = [[(x + 2 * y) % 4 for x in range(w)] for y in range(h)]
        packed = [[(r[i] << 6) | (r[i + 1] << 4) | (r[i + 2] << 2) | r[i + 3] if i + 3 < w else (r[i] << 6) | (r[i + 1] << 4)
                   for i in range(0, w, 4)] for r in idx]
        png(d + "/pal2.png", w, h, 2, 3, packed, 1, plte)
        expected["pal2.png"] = [3, sum([plte[3 * i:3 * i + 3] for r in idx for i in r], [])]
        g16 = [[(x * 9000 + y * 777) % 65536 for x in range(w)] for y in range(h)]
        png(d + "/g16.png", w, h, 16, 0, [sum([[v >> 8, v & 255] for v in r], []) for r in g16], 2)
        expected["g16.png"] = [1, [v >> 8 for r in g16 for v in r]]
        print(json.dumps(expected))
        """
        let scriptPath = dir.write("make.py", text: script)
        let (status, output) = try runPython([scriptPath, dir.url.path])
        try #require(status == 0, "python3 failed: \(output)")
        let expected = try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [String: [Any]]
        #expect(expected.count == 4)
        for (name, value) in expected {
            let image = try DataLoader.readImage(dir.path(name))
            #expect(image.width == 6 && image.height == 5, "\(name)")
            #expect(image.channels == value[0] as! Int, "\(name)")
            #expect(image.pixels == (value[1] as! [Int]).map(UInt8.init), "\(name)")
        }
    }

    // MARK: Malformed input: each a DataError naming the file, never a crash.

    @Test func badCRCIsRefused() throws {
        var bytes = try PNGEncoder.encode(width: 2, height: 2, rgb: [UInt8](repeating: 9, count: 12))
        bytes[bytes.count - 20] ^= 0x40  // inside the IDAT data
        expectDataError(.malformed, path: "t.png", contains: "CRC mismatch") { _ = try decode(bytes) }
    }

    @Test func truncatedIDATAndTruncatedFileAreRefused() throws {
        let f = PNGFixture.random(width: 8, height: 8, bitDepth: 8, colorType: 2, interlaced: false, seed: 3)
        let z = try pngDeflate(f.filteredData())
        let cut = PNG.signature + pngChunk("IHDR", f.ihdr) + pngChunk("IDAT", Array(z.prefix(z.count / 2))) + pngChunk("IEND", [])
        expectDataError(.truncated, path: "t.png", contains: "ends before its zlib stream") { _ = try decode(cut) }
        // A stream that is complete but holds fewer rows than the header says.
        let short = PNG.signature + pngChunk("IHDR", f.ihdr) + pngChunk("IDAT", try pngDeflate(Array(f.filteredData().dropLast(25))))
            + pngChunk("IEND", [])
        expectDataError(.truncated, contains: "inflates to 175 bytes, expected 200") { _ = try decode(short) }
        let whole = try f.encoded()
        for n in [7, 8, 20, 33, whole.count - 12, whole.count - 1] {
            expectDataError(n < 8 ? .badMagic : .truncated, path: "t.png") { _ = try decode(Array(whole.prefix(n))) }
        }
    }

    /// A small file whose header claims a 512 MB image fails on its data, quickly.
    @Test func aSmallFileClaimingALargeImageIsTruncated() throws {
        let bytes = try withHeader(be(8000) + be(8000) + [16, 6, 0, 0, 0], idat: [UInt8](repeating: 0, count: 1000))
        expectDataError(.truncated, path: "t.png", contains: "inflates to 1000 bytes, expected 512008000") { _ = try decode(bytes) }
    }

    @Test func moreDataThanTheHeaderSaysIsRefused() throws {
        let f = PNGFixture.random(width: 3, height: 3, bitDepth: 8, colorType: 0, interlaced: false, seed: 4)
        let long = PNG.signature + pngChunk("IHDR", f.ihdr) + pngChunk("IDAT", try pngDeflate(f.filteredData() + [0, 1, 2, 3]))
            + pngChunk("IEND", [])
        expectDataError(.malformed, contains: "more than the 12 bytes") { _ = try decode(long) }
    }

    @Test func wrongFilterByteNamesTheRow() throws {
        var raw = PNGFixture.random(width: 4, height: 3, bitDepth: 8, colorType: 0, interlaced: false, seed: 5).filteredData()
        raw[2 * 5] = 5  // row 2's filter byte
        expectDataError(.malformed, path: "t.png", contains: "row 2: unknown filter type 5, expected 0 to 4") {
            _ = try decode(try withHeader(be(4) + be(3) + [8, 0, 0, 0, 0], idat: raw))
        }
    }

    @Test func hugeAndZeroDimensionsAreRefusedBeforeAllocating() throws {
        // 100000 × 100000 RGB would be 30 GB; the header alone is refused.
        expectDataError(.tooLarge, path: "t.png", contains: "100000 × 100000 pixels, more than the limit") {
            _ = try decode(try withHeader(be(100_000) + be(100_000) + [8, 2, 0, 0, 0]))
        }
        expectDataError(.tooLarge, contains: "more than the limit of 100 pixels") {
            _ = try decode(try withHeader(be(11) + be(10) + [8, 2, 0, 0, 0]), maxPixels: 100)
        }
        expectDataError(.badShape, contains: "0 × 5 pixels") { _ = try decode(try withHeader(be(0) + be(5) + [8, 2, 0, 0, 0])) }
        expectDataError(.badShape, contains: "4294967295 × 1") { _ = try decode(try withHeader(be(.max) + be(1) + [8, 2, 0, 0, 0])) }
    }

    @Test func badPaletteIndexAndMissingPaletteAreRefused() throws {
        var f = PNGFixture(width: 3, height: 1, bitDepth: 8, colorType: 3, values: [0, 1, 2])
        f.palette = [1, 2, 3, 4, 5, 6]  // two entries; index 2 is past them
        expectDataError(.malformed, path: "t.png", contains: "row 0, pixel 2: palette index 2, but the palette has 2 entries") {
            _ = try decode(try f.encoded())
        }
        let noPLTE = PNG.signature + pngChunk("IHDR", f.ihdr) + pngChunk("IDAT", try pngDeflate(f.filteredData())) + pngChunk("IEND", [])
        expectDataError(.malformed, contains: "without a PLTE chunk") { _ = try decode(noPLTE) }
        f.palette = [1, 2, 3, 4]
        expectDataError(.malformed, contains: "PLTE chunk of 4 bytes") { _ = try decode(try f.encoded()) }
    }

    @Test func headerAndChunkOrderErrors() throws {
        expectDataError(.malformed, contains: "bit depth 4 for colour type 2") { _ = try decode(try withHeader(be(1) + be(1) + [4, 2, 0, 0, 0])) }
        expectDataError(.malformed, contains: "colour type 5") { _ = try decode(try withHeader(be(1) + be(1) + [8, 5, 0, 0, 0])) }
        expectDataError(.unsupported, contains: "interlace method 2") { _ = try decode(try withHeader(be(1) + be(1) + [8, 2, 0, 0, 2])) }
        expectDataError(.malformed, contains: "IHDR chunk holds 12 bytes") { _ = try decode(try withHeader(be(1) + be(1) + [8, 2, 0, 0])) }
        let f = PNGFixture.random(width: 2, height: 2, bitDepth: 8, colorType: 0, interlaced: false, seed: 6)
        let idat = pngChunk("IDAT", try pngDeflate(f.filteredData()))
        expectDataError(.malformed, contains: "expected the IHDR chunk first, found 'IDAT'") {
            _ = try decode(PNG.signature + idat + pngChunk("IHDR", f.ihdr) + pngChunk("IEND", []))
        }
        expectDataError(.unsupported, contains: "unknown critical chunk 'ZZZZ'") {
            _ = try decode(PNG.signature + pngChunk("IHDR", f.ihdr) + pngChunk("ZZZZ", [1]) + idat + pngChunk("IEND", []))
        }
        // An ancillary chunk (lowercase first letter) is skipped.
        #expect(try decode(PNG.signature + pngChunk("IHDR", f.ihdr) + pngChunk("zzZz", [1]) + idat + pngChunk("IEND", [])) == f.expected)
        expectDataError(.malformed, contains: "no IDAT chunk") { _ = try decode(PNG.signature + pngChunk("IHDR", f.ihdr) + pngChunk("IEND", [])) }
        expectDataError(.malformed, contains: "must be consecutive") {
            _ = try decode(PNG.signature + pngChunk("IHDR", f.ihdr) + idat + pngChunk("tEXt", [65]) + idat + pngChunk("IEND", []))
        }
        expectDataError(.compression, contains: "corrupt image data") {
            _ = try decode(PNG.signature + pngChunk("IHDR", f.ihdr) + pngChunk("IDAT", [0x78, 0x9C, 0xFF, 0xFF, 0xFF]) + pngChunk("IEND", []))
        }
        expectDataError(.badMagic, contains: "not a PNG file") { _ = try decode(Array("GIF89a....".utf8)) }
    }

    /// Seeded corruption of valid files: every outcome is an image or a DataError.
    @Test func corruptedFilesNeverCrash() throws {
        var rng = SplitMix(seed: 11)
        var errors = 0
        for round in 0..<400 {
            let f = PNGFixture.random(width: 1 + round % 9, height: 1 + round % 7, bitDepth: [1, 2, 4, 8][round % 4],
                                      colorType: round % 2 == 0 ? 0 : 3, interlaced: round % 3 == 0, seed: UInt64(round))
            var bytes = try f.encoded()
            for _ in 0..<(1 + round % 4) {
                bytes[8 + Int(rng.next() % UInt64(bytes.count - 8))] = UInt8(rng.next() & 0xFF)
            }
            if round % 5 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count)))) }
            do { _ = try decode(bytes) } catch is DataError { errors += 1 }
        }
        #expect(errors > 300)
    }
}

private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
