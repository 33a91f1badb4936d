// The PNG encoder and rasteriser, checked by decoding the file independently: the signature,
// each chunk's CRC (zlib's crc32, not ours), IHDR's size and format, and the IDAT stream
// inflated (zlib's uncompress) to height × (1 + width × 3) bytes whose pixels show the figure.

@testable import DCLPlot
import SystemZlib
import Testing

struct DecodedPNG {
    var width = 0, height = 0
    var chunkTypes: [String] = []
    /// RGB rows without their filter bytes.
    var pixels: [UInt8] = []

    func pixel(_ x: Int, _ y: Int) -> RGB {
        let i = 3 * (y * width + x)
        return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    init(_ bytes: [UInt8]) throws {
        try #require(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func u32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        var at = 8, idat: [UInt8] = []
        while at < bytes.count {
            let length = u32(at)
            let type = String(decoding: bytes[at + 4..<at + 8], as: UTF8.self)
            let body = Array(bytes[at + 8..<at + 8 + length])
            let typeAndBody = Array(bytes[at + 4..<at + 8 + length])
            let crc = typeAndBody.withUnsafeBufferPointer { SystemZlib.crc32(0, $0.baseAddress, uInt($0.count)) }
            #expect(UInt32(u32(at + 8 + length)) == UInt32(crc), "CRC of \(type)")
            chunkTypes.append(type)
            if type == "IHDR" {
                width = Int(body[0..<4].reduce(0) { $0 << 8 | UInt32($1) })
                height = Int(body[4..<8].reduce(0) { $0 << 8 | UInt32($1) })
                #expect(Array(body[8...]) == [8, 2, 0, 0, 0])
            }
            if type == "IDAT" { idat += body }
            at += 12 + length
        }
        #expect(at == bytes.count)
        let expected = height * (1 + width * 3)
        var size = uLongf(expected + 1)
        var raw = [UInt8](repeating: 0, count: expected + 1)
        let status = raw.withUnsafeMutableBufferPointer { r in
            idat.withUnsafeBufferPointer { uncompress(r.baseAddress, &size, $0.baseAddress, uLong($0.count)) }
        }
        try #require(status == Z_OK)
        #expect(Int(size) == expected)
        for y in 0..<height {
            let row = y * (1 + width * 3)
            #expect(raw[row] == 0, "filter byte of row \(y)")
            pixels += raw[row + 1..<row + 1 + width * 3]
        }
    }
}

@Suite struct PNGTests {
    @Test func pngDecodesToTheFigure() throws {
        var spec = SVGTests.lineSpec()
        spec.width = 320
        spec.height = 200
        let png = try DecodedPNG(try PlotRenderer.render(spec, as: .png))
        #expect(png.chunkTypes == ["IHDR", "IDAT", "IEND"])
        #expect(png.width == 320 && png.height == 200)
        #expect(png.pixel(0, 0) == .white)
        // Both series' colours are drawn, and text is drawn in black (title, labels, legend).
        var colours = Set<String>()
        for y in 0..<png.height { for x in 0..<png.width { colours.insert(png.pixel(x, y).hex) } }
        #expect(colours.contains(RGB.series(0).hex) && colours.contains(RGB.series(1).hex))
        #expect(colours.contains(RGB.black.hex))
    }

    @Test func everyKindRendersDeterministically() throws {
        let values: [Double] = [0.81, 0.84, 0.79, 0.9, 0.88, 0.86, 0.83]
        for kind in PlotKind.allCases {
            var spec = PlotSpec(kind: kind, series: [PlotSeries(name: "a", y: values), PlotSeries(name: "b", y: values.map { $0 - 0.05 })])
            spec.title = "kind \(kind.rawValue)"
            let a = try PlotRenderer.render(spec, as: .png), b = try PlotRenderer.render(spec, as: .png)
            #expect(a == b)
            let png = try DecodedPNG(a)
            #expect(png.width == 640 && png.height == 400)
        }
    }

    @Test func crcMatchesTheKnownValue() {
        // CRC-32 of "123456789" is 0xCBF43926 (the standard check value).
        #expect(PNGEncoder.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    /// A title wider than the image is set smaller, then cut short with `…`, and never runs off
    /// the image: the PNG's first and last columns stay background.
    @Test func longTitlesFitTheImage() throws {
        #expect(Layout.fitted("short", size: Layout.titleSize, width: 600) == ("short", Layout.titleSize))
        let medium = String(repeating: "m", count: 60)  // 720 px at the title size, 360 at the small one
        #expect(Layout.fitted(medium, size: Layout.titleSize, width: 600) == (medium, Layout.small))
        let long = String(repeating: "x", count: 150)
        let cut = Layout.fitted(long, size: Layout.titleSize, width: 600)
        #expect(cut.text.hasSuffix("…") && cut.size == Layout.small)
        #expect(Layout.renderedWidth(cut.text, size: cut.size) <= 600)
        var spec = SVGTests.lineSpec()
        spec.width = 320
        spec.height = 200
        spec.title = "A title that is far too long for a figure three hundred and twenty pixels wide"
        spec.xLabel = String(repeating: "label ", count: 20)
        let png = try DecodedPNG(try PlotRenderer.render(spec, as: .png))
        for y in 0..<png.height {
            #expect(png.pixel(0, y) == .white && png.pixel(png.width - 1, y) == .white, "row \(y)")
        }
        let svg = String(decoding: try PlotRenderer.render(spec, as: .svg), as: UTF8.self)
        #expect(svg.contains("…"))
    }

    @Test func textOutsideTheFontDrawsABox() {
        var c = Canvas(width: 20, height: 12)
        c.drawText("é", at: Point(x: 2, y: 9), scale: 1, anchor: .start, vertical: false, color: .black)
        // The box's top-left corner and its hollow middle.
        #expect(c.pixels[3 * (2 * 20 + 2)] == 0)
        #expect(c.pixels[3 * (5 * 20 + 4)] == 255)
    }
}
