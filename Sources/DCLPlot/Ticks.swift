// Axes: the mapping from data to pixels and the "nice" tick values (1, 2, 2.5 or 5 times a
// power of ten on a linear axis, powers of ten on a log axis), as Heckbert's "Nice numbers for
// graph labels" (Graphics Gems, 1990) chooses them.

import DCLText
import Foundation

/// A data interval on one axis, linear or log10, with the ticks drawn along it.
struct Axis {
    let lo: Double
    let hi: Double
    let log: Bool
    let ticks: [Double]
    /// Digits after the point in tick labels (linear axes).
    let decimals: Int

    /// An axis covering `values` (which must be finite, and positive when `log`), extended to
    /// whole ticks; `includeZero` keeps 0 inside (bar heights, counts).
    /// `integral` keeps steps whole (counts).
    init(covering values: [Double], log: Bool, includeZero: Bool = false, integral: Bool = false, target: Int = 6) {
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        self.log = log
        if log {
            var a = Foundation.log10(lo).rounded(.down), b = Foundation.log10(hi).rounded(.up)
            if a == b { a -= 1; b += 1 }
            // Few decades: ticks at 1, 2 and 5 times each power; many: every k-th power.
            let decades = Int(b - a)
            var ticks: [Double] = []
            let every = max(1, (decades + target - 1) / target)
            var e = a
            while e <= b {
                let p = Foundation.pow(10, e)
                ticks.append(p)
                if decades <= 2, e < b { ticks += [2 * p, 5 * p] }
                e += Double(every)
            }
            self.lo = Foundation.pow(10, a)
            self.hi = Foundation.pow(10, b)
            self.ticks = ticks
            self.decimals = 0
            return
        }
        if includeZero { lo = Swift.min(lo, 0); hi = Swift.max(hi, 0) }
        // A range lost in the values' rounding (1e16 to 1e16 + 2) is drawn as a flat one: its
        // ticks could not be told apart.
        if hi - lo <= Swift.max(Swift.abs(lo), Swift.abs(hi)) * 1e-9 {
            let mid = lo / 2 + hi / 2
            let pad = mid == 0 ? 1 : Swift.abs(mid) * 0.1
            lo = mid - pad
            hi = mid + pad
        }
        var step = Self.nice((hi - lo) / Double(Swift.max(1, target - 1)), round: true)
        if integral { step = Swift.max(1, step.rounded(.up)) }
        let first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
        // At most about 2 × target ticks: the step is a fifth of the range or more.
        let count = Int(last - first)
        var ticks: [Double] = []
        for k in 0...count {
            // Snap to the step's own decimals so 0.30000000000000004 prints and compares as 0.3.
            ticks.append(Self.snap((first + Double(k)) * step, step: step))
        }
        self.lo = ticks.first!
        self.hi = ticks.last!
        self.ticks = ticks
        self.decimals = Swift.max(0, -Int(Foundation.log10(step).rounded(.down)) + (Self.isHalfStep(step) ? 1 : 0))
    }

    /// An axis from 0.5 to n + 0.5 for categories at 1 … n (bars, boxes); ticks unused.
    init(categories n: Int) {
        lo = 0.5
        hi = Double(n) + 0.5
        log = false
        ticks = (1...Swift.max(1, n)).map(Double.init)
        decimals = 0
    }

    /// The fraction 0…1 of the axis at which `v` lies.
    func fraction(_ v: Double) -> Double {
        if log { return (Foundation.log10(v) - Foundation.log10(lo)) / (Foundation.log10(hi) - Foundation.log10(lo)) }
        return (v - lo) / (hi - lo)
    }

    /// A tick's label: fixed decimals on a linear axis; on a log axis plain numbers from 0.001
    /// to 1e6 and `1e-5`, `2e7` beyond.
    func label(_ v: Double) -> String {
        if log {
            if v >= 1e-3, v < 1e6 { return Self.trimmed(String(format: "%.3f", v)) }
            let e = Int(Foundation.log10(v).rounded(.down))
            let m = v / Foundation.pow(10, Double(e))
            let mant = Self.trimmed(String(format: "%.1f", m))
            return mant + "e\(e)"
        }
        let s = String(format: "%.\(Swift.min(decimals, 12))f", v)
        return s == "-0" || s.hasPrefix("-0.") && Double(s) == 0 ? String(s.dropFirst()) : s
    }

    /// 1, 2, 2.5, 5 or 10 times a power of ten near `x` (Heckbert's nice number).
    static func nice(_ x: Double, round: Bool) -> Double {
        let e = Foundation.log10(x).rounded(.down)
        let p = Foundation.pow(10, e)
        let f = x / p
        let n: Double
        if round { n = f < 1.5 ? 1 : f < 2.25 ? 2 : f < 3.5 ? 2.5 : f < 7.5 ? 5 : 10 } else { n = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10 }
        return n * p
    }

    static func isHalfStep(_ step: Double) -> Bool {
        let p = Foundation.pow(10, Foundation.log10(step).rounded(.down))
        return Swift.abs(step / p - 2.5) < 1e-9
    }

    static func snap(_ v: Double, step: Double) -> Double {
        let digits = Swift.max(0, -Int(Foundation.log10(step).rounded(.down)) + 1)
        guard digits <= 15 else { return v }
        return Double(String(format: "%.\(digits)f", v)) ?? v
    }

    /// `1.500` → `1.5`, `2.000` → `2`.
    static func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = s
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t
    }
}

/// A value in a message: `nan`, `inf`, `-inf`, or the shortest form that reads back.
func formatValue(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v < 0 ? "-inf" : "inf" }
    if v == v.rounded(), Swift.abs(v) < 1e15 { return String(Int(v)) }
    return "\(v)"
}

/// A series name in a message: in backquotes, controls spelled out, long names cut.
func quotedName(_ name: String) -> String {
    "`" + escaped(name, QuoteStyle.message(limit: 40)) + "`"
}
