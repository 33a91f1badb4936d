// A scene as SVG 1.1 text. Coordinates are written with two decimals from integers (no locale,
// no platform float formatting), so the same scene gives the same bytes everywhere; every piece
// of user text goes through DCLText's one quoter in its `xml` style.

import DCLText

enum SVGWriter {
    static func render(_ scene: Scene) -> [UInt8] {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(scene.width)\" height=\"\(scene.height)\""
        out += " viewBox=\"0 0 \(scene.width) \(scene.height)\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        for g in scene.groups {
            out += "<g class=\"\(g.cssClass)\""
            for (k, v) in g.attributes { out += " \(k)=" + attribute(v) }
            out += ">\n"
            for s in g.shapes { out += "  " + element(s) + "\n" }
            out += "</g>\n"
        }
        out += "</svg>\n"
        return Array(out.utf8)
    }

    static func element(_ s: Shape) -> String {
        switch s {
        case let .rect(x, y, w, h, fill, opacity, stroke):
            var e = "<rect x=\"\(fixed(x))\" y=\"\(fixed(y))\" width=\"\(fixed(w))\" height=\"\(fixed(h))\" fill=\"\(fill.hex)\""
            if opacity < 1 { e += " fill-opacity=\"\(fixed(opacity))\"" }
            if let st = stroke { e += " stroke=\"\(st.hex)\" stroke-width=\"1\"" }
            return e + "/>"
        case let .polyline(points, stroke, width):
            let p = points.map { fixed($0.x) + "," + fixed($0.y) }.joined(separator: " ")
            return "<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(stroke.hex)\" stroke-width=\"\(fixed(width))\" stroke-linejoin=\"round\"/>"
        case let .circle(c, r, fill):
            return "<circle cx=\"\(fixed(c.x))\" cy=\"\(fixed(c.y))\" r=\"\(fixed(r))\" fill=\"\(fill.hex)\"/>"
        case let .text(text, at, size, anchor, vertical, color):
            var e = "<text x=\"\(fixed(at.x))\" y=\"\(fixed(at.y))\" font-size=\"\(fixed(size))\" fill=\"\(color.hex)\""
            if anchor != .start { e += " text-anchor=\"\(anchor.rawValue)\"" }
            if vertical { e += " transform=\"rotate(-90 \(fixed(at.x)) \(fixed(at.y)))\"" }
            return e + ">" + escaped(text, .xml) + "</text>"
        }
    }

    /// An attribute value in quotes. Number lists (most of a large figure's bytes) hold only
    /// characters the `xml` style leaves as they are, so they skip the per-character quoter.
    static func attribute(_ v: String) -> String {
        let plain = v.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x20 || b == 0x2E || b == 0x2D || b == 0x2B
        }
        return plain ? "\"" + v + "\"" : quoted(v, .xml)
    }

    /// `v` rounded to hundredths, written as digits (`-0.00` is written `0.00`).
    static func fixed(_ v: Double) -> String {
        let scaled = (v * 100).rounded()
        guard scaled.magnitude < 1e15 else { return "0.00" }
        let n = Int(scaled), a = n.magnitude
        let frac = a % 100
        return (n < 0 ? "-" : "") + "\(a / 100)." + (frac < 10 ? "0" : "") + "\(frac)"
    }
}
