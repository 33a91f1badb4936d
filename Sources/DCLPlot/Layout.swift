// From a validated `PlotSpec` to a `Scene`: margins, axes, grid, legend and titles here; the
// marks of each kind (lines, bars, boxes …) in Layout+Marks.swift.

import Foundation

struct Layout {
    let spec: PlotSpec
    /// Text sizes in pixels (SVG font sizes; the PNG font scales 1 and 2).
    static let small = 12.0
    static let titleSize = 16.0

    /// Width of `s` at `size`, as both writers lay text out (an average glyph is 0.6 em).
    static func textWidth(_ s: String, size: Double) -> Double { Double(s.count) * size * 0.6 }

    /// Width of `s` in the wider of the two renderings: the PNG's bitmap font takes
    /// `BitmapFont.advance` pixels a glyph, doubled from 15 px up (Raster.swift); SVG's
    /// proportional font is narrower.
    static func renderedWidth(_ s: String, size: Double) -> Double {
        Double(s.unicodeScalars.count * BitmapFont.advance * (size >= 15 ? 2 : 1))
    }

    /// Text that fits `width` in both renderings: at `size`, else at the small size, else cut
    /// short with `…` (a long title must not run off the image).
    static func fitted(_ s: String, size: Double, width: Double) -> (text: String, size: Double) {
        if renderedWidth(s, size: size) <= width { return (s, size) }
        if size > small, renderedWidth(s, size: small) <= width { return (s, small) }
        var scalars = Array(s.unicodeScalars)
        while !scalars.isEmpty, renderedWidth(String(String.UnicodeScalarView(scalars)) + "…", size: small) > width {
            scalars.removeLast()
        }
        return (String(String.UnicodeScalarView(scalars)) + "…", small)
    }

    /// Series names shown in a legend (box plots name their boxes on the x axis instead).
    var hasLegend: Bool {
        spec.kind != .box && spec.series.contains { !$0.name.isEmpty }
    }

    static let legendChars = 24

    /// The plot area in pixels.
    struct Frame {
        let left: Double, top: Double, width: Double, height: Double
        var right: Double { left + width }
        var bottom: Double { top + height }
    }

    func frame() -> Frame {
        let w = Double(spec.width), h = Double(spec.height)
        let left = 64 + (spec.yLabel.isEmpty ? 0 : 20.0)
        let bottom = 36 + (spec.xLabel.isEmpty ? 0 : 20.0)
        let top = spec.title.isEmpty ? 16 : 40.0
        var right = 20.0
        if hasLegend {
            let longest = spec.series.map { min($0.name.count, Self.legendChars) }.max() ?? 0
            right += min(w * 0.3, 34 + Self.textWidth(String(repeating: "m", count: longest), size: Self.small))
        }
        return Frame(left: left, top: top, width: max(20, w - left - right), height: max(20, h - top - bottom))
    }

    func scene() -> Scene {
        var scene = Scene(width: spec.width, height: spec.height)
        let f = frame()
        scene.groups.append(ShapeGroup(cssClass: "background", shapes: [
            .rect(x: 0, y: 0, width: Double(spec.width), height: Double(spec.height), fill: .white, opacity: 1, stroke: nil),
        ]))
        let marks = Marks(spec: spec, frame: f)
        let (xAxis, yAxis, xLabels) = marks.axes()
        scene.groups.append(grid(f, xAxis: xLabels == nil ? xAxis : nil, yAxis: yAxis))
        scene.groups += marks.groups(xAxis: xAxis, yAxis: yAxis)
        scene.groups.append(axes(f, xAxis: xAxis, yAxis: yAxis, xLabels: xLabels))
        if hasLegend { scene.groups.append(legend(f)) }
        scene.groups.append(titles(f))
        return scene
    }

    func px(_ f: Frame, _ a: Axis, _ v: Double) -> Double { f.left + a.fraction(v) * f.width }
    func py(_ f: Frame, _ a: Axis, _ v: Double) -> Double { f.bottom - a.fraction(v) * f.height }

    func grid(_ f: Frame, xAxis: Axis?, yAxis: Axis) -> ShapeGroup {
        var g = ShapeGroup(cssClass: "grid")
        for t in yAxis.ticks {
            let y = py(f, yAxis, t)
            g.shapes.append(.polyline([Point(x: f.left, y: y), Point(x: f.right, y: y)], stroke: .grid, width: 1))
        }
        if let xa = xAxis {
            for t in xa.ticks {
                let x = px(f, xa, t)
                g.shapes.append(.polyline([Point(x: x, y: f.top), Point(x: x, y: f.bottom)], stroke: .grid, width: 1))
            }
        }
        return g
    }

    /// The frame, ticks and tick labels. The group's `data-*` attributes give the plot area
    /// and the axes' data ranges, so a reader can map any mark back to data.
    func axes(_ f: Frame, xAxis: Axis, yAxis: Axis, xLabels: [(Double, String)]?) -> ShapeGroup {
        var g = ShapeGroup(cssClass: "axes")
        g.attributes = [
            ("data-left", "\(f.left)"), ("data-top", "\(f.top)"), ("data-width", "\(f.width)"), ("data-height", "\(f.height)"),
            ("data-x-lo", "\(xAxis.lo)"), ("data-x-hi", "\(xAxis.hi)"), ("data-x-log", "\(xAxis.log)"),
            ("data-y-lo", "\(yAxis.lo)"), ("data-y-hi", "\(yAxis.hi)"), ("data-y-log", "\(yAxis.log)"),
        ]
        g.shapes.append(.polyline([Point(x: f.left, y: f.top), Point(x: f.left, y: f.bottom), Point(x: f.right, y: f.bottom)],
                                  stroke: .axis, width: 1))
        for t in yAxis.ticks {
            let y = py(f, yAxis, t)
            g.shapes.append(.polyline([Point(x: f.left - 5, y: y), Point(x: f.left, y: y)], stroke: .axis, width: 1))
            g.shapes.append(.text(yAxis.label(t), at: Point(x: f.left - 8, y: y + 4), size: Self.small, anchor: .end, vertical: false, color: .axis))
        }
        let labels = xLabels ?? xAxis.ticks.map { ($0, xAxis.label($0)) }
        // Category labels that would overlap are thinned to every k-th.
        let widest = labels.map { Self.textWidth($0.1, size: Self.small) }.max() ?? 0
        let room = f.width / Double(max(1, labels.count))
        let every = max(1, Int(((widest + 6) / max(1, room)).rounded(.up)))
        for (i, (v, text)) in labels.enumerated() {
            let x = px(f, xAxis, v)
            g.shapes.append(.polyline([Point(x: x, y: f.bottom), Point(x: x, y: f.bottom + 5)], stroke: .axis, width: 1))
            if i % every == 0 {
                g.shapes.append(.text(text, at: Point(x: x, y: f.bottom + 18), size: Self.small, anchor: .middle, vertical: false, color: .axis))
            }
        }
        return g
    }

    func legend(_ f: Frame) -> ShapeGroup {
        var g = ShapeGroup(cssClass: "legend")
        let x = f.right + 12
        for (i, s) in spec.series.enumerated() {
            let y = f.top + 8 + Double(i) * 18
            guard y + 6 < Double(spec.height) else { break }
            g.shapes.append(.rect(x: x, y: y - 5, width: 12, height: 10, fill: RGB.series(i), opacity: 1, stroke: nil))
            let name = s.name.count > Self.legendChars ? String(s.name.prefix(Self.legendChars - 1)) + "…" : s.name
            g.shapes.append(.text(name, at: Point(x: x + 18, y: y + 4), size: Self.small, anchor: .start, vertical: false, color: .black))
        }
        return g
    }

    func titles(_ f: Frame) -> ShapeGroup {
        var g = ShapeGroup(cssClass: "titles")
        let w = Double(spec.width)
        if !spec.title.isEmpty {
            // Centred over the plot area when it fits there, else over the whole image.
            let (text, size) = Self.fitted(spec.title, size: Self.titleSize, width: w - 16)
            let half = Self.renderedWidth(text, size: size) / 2
            let x = min(max(f.left + f.width / 2, 8 + half), w - 8 - half)
            g.shapes.append(.text(text, at: Point(x: x, y: 26), size: size, anchor: .middle, vertical: false, color: .black))
        }
        if !spec.xLabel.isEmpty {
            let (text, size) = Self.fitted(spec.xLabel, size: Self.small, width: w - 16)
            let half = Self.renderedWidth(text, size: size) / 2
            let x = min(max(f.left + f.width / 2, 8 + half), w - 8 - half)
            g.shapes.append(.text(text, at: Point(x: x, y: f.bottom + 38), size: size, anchor: .middle, vertical: false, color: .black))
        }
        if !spec.yLabel.isEmpty {
            let (text, size) = Self.fitted(spec.yLabel, size: Self.small, width: Double(spec.height) - 16)
            let half = Self.renderedWidth(text, size: size) / 2
            let y = min(max(f.top + f.height / 2, 8 + half), Double(spec.height) - 8 - half)
            g.shapes.append(.text(text, at: Point(x: 18, y: y), size: size, anchor: .middle, vertical: true, color: .black))
        }
        return g
    }
}

/// Space-separated numbers that read back exactly (`Double.description` is the shortest
/// round-tripping form).
func numberList(_ xs: [Double]) -> String { xs.map { "\($0)" }.joined(separator: " ") }
