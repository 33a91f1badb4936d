// The PNG side: a scene drawn into an RGB canvas. Edges are anti-aliased by coverage (how far a
// pixel's centre lies inside the shape's edge, clamped to 0…1), blended in integer steps of
// 1/255 so the same scene gives the same pixels on every machine.

struct Canvas {
    let width: Int
    let height: Int
    /// Row-major RGB, 3 bytes a pixel.
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int, background: RGB = .white) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = background.r
            pixels[3 * i + 1] = background.g
            pixels[3 * i + 2] = background.b
        }
    }

    /// Blends `color` over pixel (x, y) with `alpha` in 0…1 (outside the canvas: nothing).
    mutating func blend(_ x: Int, _ y: Int, _ color: RGB, _ alpha: Double) {
        guard x >= 0, y >= 0, x < width, y < height, alpha > 0 else { return }
        let a = Int((min(1, alpha) * 255).rounded())
        let i = 3 * (y * width + x)
        func mix(_ old: UInt8, _ new: UInt8) -> UInt8 { UInt8((Int(old) * (255 - a) + Int(new) * a + 127) / 255) }
        pixels[i] = mix(pixels[i], color.r)
        pixels[i + 1] = mix(pixels[i + 1], color.g)
        pixels[i + 2] = mix(pixels[i + 2], color.b)
    }

    mutating func draw(_ scene: Scene) {
        for g in scene.groups {
            for s in g.shapes { draw(s) }
        }
    }

    mutating func draw(_ s: Shape) {
        switch s {
        case let .rect(x, y, w, h, fill, opacity, stroke):
            let x0 = Int((x).rounded()), x1 = Int((x + w).rounded()), y0 = Int((y).rounded()), y1 = Int((y + h).rounded())
            for py in max(0, y0)..<max(max(0, y0), min(height, y1)) {
                for px in max(0, x0)..<max(max(0, x0), min(width, x1)) { blend(px, py, fill, opacity) }
            }
            if let st = stroke {
                let corners = [Point(x: x, y: y), Point(x: x + w, y: y), Point(x: x + w, y: y + h), Point(x: x, y: y + h), Point(x: x, y: y)]
                draw(.polyline(corners, stroke: st, width: 1))
            }
        case let .polyline(points, stroke, width):
            strokePolyline(points, color: stroke, width: width)
        case let .circle(c, r, fill):
            let x0 = Int((c.x - r - 1).rounded(.down)), x1 = Int((c.x + r + 1).rounded(.up))
            let y0 = Int((c.y - r - 1).rounded(.down)), y1 = Int((c.y + r + 1).rounded(.up))
            guard x1 >= 0, y1 >= 0, x0 < width, y0 < height else { return }
            for py in max(0, y0)...min(height - 1, y1) {
                for px in max(0, x0)...min(width - 1, x1) {
                    let dx = Double(px) + 0.5 - c.x, dy = Double(py) + 0.5 - c.y
                    blend(px, py, fill, r + 0.5 - (dx * dx + dy * dy).squareRoot())
                }
            }
        case let .text(text, at, size, anchor, vertical, color):
            drawText(text, at: at, scale: size >= 15 ? 2 : 1, anchor: anchor, vertical: vertical, color: color)
        }
    }

    /// A polyline's coverage is the maximum over its segments, blended once, so joints are not
    /// darkened by drawing twice.
    mutating func strokePolyline(_ points: [Point], color: RGB, width: Double) {
        guard let first = points.first else { return }
        let half = width / 2
        var minX = first.x, maxX = first.x, minY = first.y, maxY = first.y
        for p in points { minX = min(minX, p.x); maxX = max(maxX, p.x); minY = min(minY, p.y); maxY = max(maxY, p.y) }
        let x0 = max(0, Int((minX - half - 1).rounded(.down))), x1 = min(self.width - 1, Int((maxX + half + 1).rounded(.up)))
        let y0 = max(0, Int((minY - half - 1).rounded(.down))), y1 = min(height - 1, Int((maxY + half + 1).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let bw = x1 - x0 + 1
        var coverage = [Double](repeating: 0, count: bw * (y1 - y0 + 1))
        let segments = points.count == 1 ? [(first, first)] : Array(zip(points, points.dropFirst()))
        for (a, b) in segments {
            let sx0 = max(x0, Int((min(a.x, b.x) - half - 1).rounded(.down))), sx1 = min(x1, Int((max(a.x, b.x) + half + 1).rounded(.up)))
            let sy0 = max(y0, Int((min(a.y, b.y) - half - 1).rounded(.down))), sy1 = min(y1, Int((max(a.y, b.y) + half + 1).rounded(.up)))
            guard sx0 <= sx1, sy0 <= sy1 else { continue }
            let dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy
            for py in sy0...sy1 {
                for px in sx0...sx1 {
                    let cx = Double(px) + 0.5, cy = Double(py) + 0.5
                    let t = len2 == 0 ? 0 : max(0, min(1, ((cx - a.x) * dx + (cy - a.y) * dy) / len2))
                    let ex = cx - (a.x + t * dx), ey = cy - (a.y + t * dy)
                    let c = max(0, min(1, half + 0.5 - (ex * ex + ey * ey).squareRoot()))
                    let k = (py - y0) * bw + (px - x0)
                    if c > coverage[k] { coverage[k] = c }
                }
            }
        }
        for py in y0...y1 {
            for px in x0...x1 {
                let c = coverage[(py - y0) * bw + (px - x0)]
                if c > 0 { blend(px, py, color, c) }
            }
        }
    }

    /// Bitmap-font text with its baseline at `at.y`; vertical text is turned a quarter turn
    /// counter-clockwise about `at` (reads bottom to top, as SVG's `rotate(-90)`).
    mutating func drawText(_ text: String, at: Point, scale s: Int, anchor: TextAnchor, vertical: Bool, color: RGB) {
        let scalars = Array(text.unicodeScalars)
        let length = scalars.count * BitmapFont.advance * s - s
        var u0: Int
        switch anchor {
        case .start: u0 = 0
        case .middle: u0 = -length / 2
        case .end: u0 = -length
        }
        let ax = Int(at.x.rounded()), ay = Int(at.y.rounded())
        for c in scalars {
            let glyph = BitmapFont.glyph(c)
            for (col, bits) in glyph.enumerated() {
                for row in 0..<BitmapFont.glyphHeight where bits & (1 << row) != 0 {
                    for dy in 0..<s {
                        for dx in 0..<s {
                            let u = u0 + col * s + dx, v = (row - BitmapFont.glyphHeight) * s + dy
                            if vertical { blend(ax + v, ay - u, color, 1) } else { blend(ax + u, ay + v, color, 1) }
                        }
                    }
                }
            }
            u0 += BitmapFont.advance * s
        }
    }
}
