// The marks of each kind: the axes they need and their shapes, one group per series carrying
// the series' values as `data-*` attributes (the SVG's data round-trips through them).

import Foundation

struct Marks {
    let spec: PlotSpec
    let frame: Layout.Frame
    var layout: Layout { Layout(spec: spec) }

    /// The x positions of a line or scatter series (1, 2, … unless given).
    func xs(_ s: PlotSeries) -> [Double] { s.x ?? (0..<s.y.count).map { Double($0 + 1) } }

    /// Histogram bin edges over every series' range.
    func edges() -> [Double] {
        let all = spec.series.flatMap(\.y)
        var lo = all.min()!, hi = all.max()!
        if lo == hi { lo -= 0.5; hi += 0.5 }
        return (0...spec.bins).map { i in i == spec.bins ? hi : lo + (hi - lo) * Double(i) / Double(spec.bins) }
    }

    func counts(_ ys: [Double], edges: [Double]) -> [Int] {
        var c = [Int](repeating: 0, count: spec.bins)
        let lo = edges.first!, hi = edges.last!
        for v in ys {
            let i = Int(((v - lo) / (hi - lo) * Double(spec.bins)).rounded(.down))
            c[min(spec.bins - 1, max(0, i))] += 1
        }
        return c
    }

    /// x axis, y axis, and category labels (bars, boxes) in place of numeric x ticks.
    func axes() -> (Axis, Axis, [(Double, String)]?) {
        switch spec.kind {
        case .line:
            return (Axis(covering: spec.series.flatMap(xs), log: spec.logX),
                    Axis(covering: spec.series.flatMap(\.y), log: spec.logY), nil)
        case .scatter:
            // Points are marks, not a path to the frame's edge: keep them off the frame.
            return (Axis(covering: Self.padded(spec.series.flatMap(xs), log: spec.logX), log: spec.logX),
                    Axis(covering: Self.padded(spec.series.flatMap(\.y), log: spec.logY), log: spec.logY), nil)
        case .bar:
            let n = spec.series[0].y.count
            let names = spec.categories ?? (1...n).map(String.init)
            return (Axis(categories: n), Axis(covering: spec.series.flatMap(\.y), log: spec.logY, includeZero: !spec.logY),
                    names.enumerated().map { (Double($0.offset + 1), $0.element) })
        case .histogram:
            let e = edges()
            let top = spec.series.map { counts($0.y, edges: e).max()! }.max()!
            return (Axis(covering: [e.first!, e.last!], log: false), Axis(covering: [0, Double(top)], log: false, includeZero: true, integral: true), nil)
        case .box:
            let n = spec.series.count
            return (Axis(categories: n), Axis(covering: spec.series.flatMap(\.y), log: spec.logY),
                    spec.series.enumerated().map { (Double($0.offset + 1), $0.element.name.isEmpty ? String($0.offset + 1) : $0.element.name) })
        }
    }

    /// `values` and two more, 4 % of their span beyond each end (on a linear axis; a log axis
    /// and a single value are left alone). The padding does not cross zero: counts and rates
    /// that start at 0 keep an axis that starts at 0, not at a negative tick.
    static func padded(_ values: [Double], log: Bool) -> [Double] {
        guard !log, let lo = values.min(), let hi = values.max(), hi > lo else { return values }
        let pad = (hi - lo) * 0.04
        let below = lo >= 0 ? max(0, lo - pad) : lo - pad
        let above = hi <= 0 ? min(0, hi + pad) : hi + pad
        return values + [below, above]
    }

    func groups(xAxis: Axis, yAxis: Axis) -> [ShapeGroup] {
        let e = spec.kind == .histogram ? edges() : []
        return spec.series.enumerated().map { i, s in
            var g = ShapeGroup(cssClass: "series")
            g.attributes = [("data-name", s.name), ("data-kind", spec.kind.rawValue)]
            let color = RGB.series(i)
            let X = { (v: Double) in layout.px(frame, xAxis, v) }, Y = { (v: Double) in layout.py(frame, yAxis, v) }
            switch spec.kind {
            case .line, .scatter:
                let x = xs(s)
                g.attributes += [("data-x", numberList(x)), ("data-y", numberList(s.y))]
                let points = zip(x, s.y).map { Point(x: X($0), y: Y($1)) }
                if spec.kind == .line { g.shapes.append(.polyline(points, stroke: color, width: 2)) }
                if spec.kind == .scatter || s.y.count <= 50 {
                    g.shapes += points.map { .circle(center: $0, radius: spec.kind == .scatter ? 3 : 2.5, fill: color) }
                }
            case .bar:
                g.attributes.append(("data-y", numberList(s.y)))
                let band = 0.8 / Double(spec.series.count)
                let base = spec.logY ? yAxis.lo : 0
                for (j, v) in s.y.enumerated() {
                    let left = X(Double(j + 1) - 0.4 + band * Double(i)), right = X(Double(j + 1) - 0.4 + band * Double(i + 1))
                    let top = Y(max(v, base)), bottom = Y(min(v, base))
                    g.shapes.append(.rect(x: left, y: top, width: right - left, height: bottom - top, fill: color, opacity: 1, stroke: nil))
                }
            case .histogram:
                let c = counts(s.y, edges: e)
                g.attributes += [("data-values", numberList(s.y)), ("data-edges", numberList(e)),
                                 ("data-counts", c.map(String.init).joined(separator: " "))]
                let opacity = spec.series.count > 1 ? 0.5 : 0.85
                for (j, n) in c.enumerated() where n > 0 {
                    let left = X(e[j]), right = X(e[j + 1]), top = Y(Double(n))
                    g.shapes.append(.rect(x: left, y: top, width: right - left, height: Y(0) - top, fill: color, opacity: opacity, stroke: .white))
                }
            case .box:
                let st = BoxStats(s.y)
                g.attributes += [("data-values", numberList(s.y)),
                                 ("data-stats", numberList([st.lowWhisker, st.q1, st.median, st.q3, st.highWhisker]))]
                let c = Double(i + 1)
                let l = X(c - 0.25), r = X(c + 0.25), mid = X(c)
                g.shapes.append(.rect(x: l, y: Y(st.q3), width: r - l, height: Y(st.q1) - Y(st.q3), fill: color, opacity: 0.35, stroke: color))
                g.shapes.append(.polyline([Point(x: l, y: Y(st.median)), Point(x: r, y: Y(st.median))], stroke: color, width: 2))
                for (from, to) in [(st.q3, st.highWhisker), (st.q1, st.lowWhisker)] {
                    g.shapes.append(.polyline([Point(x: mid, y: Y(from)), Point(x: mid, y: Y(to))], stroke: color, width: 1))
                    g.shapes.append(.polyline([Point(x: X(c - 0.12), y: Y(to)), Point(x: X(c + 0.12), y: Y(to))], stroke: color, width: 1))
                }
                g.shapes += st.outliers.map { .circle(center: Point(x: mid, y: Y($0)), radius: 2.5, fill: color) }
            }
            return g
        }
    }
}

/// Tukey's box: quartiles by linear interpolation between order statistics (numpy's default),
/// whiskers at the furthest values within 1.5 IQR of the box, the rest outliers.
struct BoxStats {
    let q1: Double, median: Double, q3: Double, lowWhisker: Double, highWhisker: Double
    let outliers: [Double]

    init(_ values: [Double]) {
        let v = values.sorted()
        func quantile(_ p: Double) -> Double {
            let pos = p * Double(v.count - 1)
            let i = Int(pos.rounded(.down)), frac = pos - Double(i)
            return i + 1 < v.count ? v[i] + (v[i + 1] - v[i]) * frac : v[i]
        }
        q1 = quantile(0.25)
        median = quantile(0.5)
        q3 = quantile(0.75)
        let iqr = q3 - q1
        let (lowFence, highFence) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr)
        let inside = v.filter { $0 >= lowFence && $0 <= highFence }
        let (low, high) = (inside.first ?? q1, inside.last ?? q3)
        lowWhisker = low
        highWhisker = high
        outliers = v.filter { $0 < low || $0 > high }
    }
}
