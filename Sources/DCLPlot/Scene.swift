// A figure as drawing primitives in pixel coordinates (origin top left, y down). The layout
// builds one scene; the SVG writer and the PNG rasteriser draw the same scene, so the two
// formats cannot disagree about what is where.

public struct RGB: Equatable, Sendable {
    public let r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }

    /// `#1f77b4`.
    var hex: String {
        "#" + [r, g, b].map { v in
            let s = String(v, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    static let black = RGB(0, 0, 0)
    static let white = RGB(255, 255, 255)
    static let grid = RGB(225, 225, 225)
    static let axis = RGB(60, 60, 60)

    /// The ten colours of matplotlib's default cycle ("tab10"), distinguishable in print;
    /// series beyond ten reuse them in order.
    static let palette: [RGB] = [
        RGB(0x1f, 0x77, 0xb4), RGB(0xff, 0x7f, 0x0e), RGB(0x2c, 0xa0, 0x2c), RGB(0xd6, 0x27, 0x28), RGB(0x94, 0x67, 0xbd),
        RGB(0x8c, 0x56, 0x4b), RGB(0xe3, 0x77, 0xc2), RGB(0x7f, 0x7f, 0x7f), RGB(0xbc, 0xbd, 0x22), RGB(0x17, 0xbe, 0xcf),
    ]

    static func series(_ i: Int) -> RGB { palette[i % palette.count] }
}

struct Point: Equatable {
    var x: Double
    var y: Double
}

enum TextAnchor: String {
    case start, middle, end
}

enum Shape {
    /// A filled rectangle, optionally outlined.
    case rect(x: Double, y: Double, width: Double, height: Double, fill: RGB, opacity: Double, stroke: RGB?)
    case polyline([Point], stroke: RGB, width: Double)
    case circle(center: Point, radius: Double, fill: RGB)
    /// Text with its baseline at `at.y`; `vertical` text reads bottom to top (the y label).
    case text(String, at: Point, size: Double, anchor: TextAnchor, vertical: Bool, color: RGB)
}

/// Shapes drawn together, with attributes the SVG keeps (`class`, `data-*`) so a reader can
/// find the plotted values without inverting pixels.
struct ShapeGroup {
    var cssClass: String
    var attributes: [(String, String)] = []
    var shapes: [Shape] = []
}

struct Scene {
    let width: Int
    let height: Int
    var groups: [ShapeGroup] = []
}
