// What a figure shows, as plain numbers and names: the language side (DCLRuntime's `plot`)
// builds a `PlotSpec` from script values, `validate()` rejects what cannot be drawn honestly
// (non-finite values, log scales over non-positive values, mismatched lengths), and the
// layout turns it into a `Scene` that both writers (SVG, PNG) render.

public enum PlotKind: String, CaseIterable, Sendable {
    case line, scatter, bar, histogram, box
}

/// One named sequence of values. `x` is nil where the kind does not use it, or where the
/// positions default to 1, 2, … (line, scatter).
public struct PlotSeries: Equatable, Sendable {
    public var name: String
    public var x: [Double]?
    public var y: [Double]

    public init(name: String, x: [Double]? = nil, y: [Double]) {
        self.name = name
        self.x = x
        self.y = y
    }
}

public struct PlotSpec: Sendable {
    public var kind: PlotKind
    public var series: [PlotSeries]
    /// Bar: one label per category (default 1, 2, …).
    public var categories: [String]?
    public var title = ""
    public var xLabel = ""
    public var yLabel = ""
    public var logX = false
    public var logY = false
    public var bins = 10
    public var width = 640
    public var height = 400

    public init(kind: PlotKind, series: [PlotSeries]) {
        self.kind = kind
        self.series = series
    }

    /// Bounds that keep a figure a figure: a script error, not an out-of-memory kill.
    public static let maxSeries = 100
    public static let maxPoints = 1_000_000
    public static let maxBins = 1000
    /// Magnitudes an axis can span without its arithmetic overflowing (a tick step of
    /// 1e300 / 5 is fine, the range of ±1e308 is infinite) or losing the ticks to rounding.
    public static let largestMagnitude = 1e150
    public static let smallestLogValue = 1e-150
    public static let widths = 200...4000
    public static let heights = 150...4000
}

/// Why a figure cannot be drawn; `argument` names the `plot` argument at fault so the caller
/// can point at it.
public struct PlotError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public let argument: String

    public init(_ message: String, argument: String = "series") {
        self.message = message
        self.argument = argument
    }

    public var description: String { message }
}

extension PlotSpec {
    /// How messages name a series: `series "acc"`, or `the series` when there is one unnamed.
    func label(_ s: PlotSeries) -> String {
        s.name.isEmpty ? "the series" : "series \(quotedName(s.name))"
    }

    /// Throws the first reason this spec cannot be drawn.
    public func validate() throws {
        guard !series.isEmpty else { throw PlotError("`plot` needs at least one series") }
        guard series.count <= Self.maxSeries else {
            throw PlotError("`plot` draws at most \(Self.maxSeries) series, found \(series.count)")
        }
        guard Self.widths.contains(width) else {
            throw PlotError("`width` must be between \(Self.widths.lowerBound) and \(Self.widths.upperBound) pixels, found \(width)", argument: "width")
        }
        guard Self.heights.contains(height) else {
            throw PlotError("`height` must be between \(Self.heights.lowerBound) and \(Self.heights.upperBound) pixels, found \(height)", argument: "height")
        }
        if kind == .histogram, !(1...Self.maxBins).contains(bins) {
            throw PlotError("`bins` must be between 1 and \(Self.maxBins), found \(bins)", argument: "bins")
        }
        if logX, kind != .line, kind != .scatter {
            throw PlotError("`log_x` applies to line and scatter plots, not to a \(kind.rawValue) plot", argument: "log_x")
        }
        if logY, kind == .histogram {
            throw PlotError("`log_y` does not apply to a histogram (empty bins have no logarithm)", argument: "log_y")
        }
        var total = 0
        for s in series {
            guard !s.y.isEmpty else { throw PlotError("\(label(s)) is empty") }
            let (sum, overflow) = total.addingReportingOverflow(s.y.count + (s.x?.count ?? 0))
            guard !overflow, sum <= Self.maxPoints else {
                throw PlotError("`plot` draws at most \(Self.maxPoints) values in all, found more")
            }
            total = sum
            try checkFinite(s.y, s, axis: "y")
            if let xs = s.x {
                guard xs.count == s.y.count else {
                    throw PlotError("\(label(s)) has \(s.y.count) y values but \(xs.count) x values", argument: "x")
                }
                try checkFinite(xs, s, axis: "x")
                if logX, let i = xs.firstIndex(where: { $0 <= 0 }) {
                    throw PlotError("`log_x` needs positive x values, \(label(s)) has \(formatValue(xs[i])) at index \(i)", argument: "log_x")
                }
            }
            if logY, let i = s.y.firstIndex(where: { $0 <= 0 }) {
                throw PlotError("`log_y` needs positive values, \(label(s)) has \(formatValue(s.y[i])) at index \(i)", argument: "log_y")
            }
        }
        if kind == .bar {
            let n = series[0].y.count
            if let other = series.first(where: { $0.y.count != n }) {
                throw PlotError("bar series must have one value per category: \(label(series[0])) has \(n), \(label(other)) has \(other.y.count)")
            }
            if let c = categories, c.count != n {
                throw PlotError("`x` names \(c.count) categories but the series have \(n) values", argument: "x")
            }
        }
    }

    private func checkFinite(_ xs: [Double], _ s: PlotSeries, axis: String) throws {
        let argument = axis == "x" ? "x" : "series"
        if let i = xs.firstIndex(where: { !$0.isFinite }) {
            throw PlotError("\(label(s)) has \(formatValue(xs[i])) at index \(i) (\(axis)); plotted values must be finite", argument: argument)
        }
        if let i = xs.firstIndex(where: { Swift.abs($0) > Self.largestMagnitude }) {
            throw PlotError("\(label(s)) has \(formatValue(xs[i])) at index \(i) (\(axis)); plotted values must lie within ±1e150", argument: argument)
        }
        let log = axis == "x" ? logX : logY
        if log, let i = xs.firstIndex(where: { $0 > 0 && $0 < Self.smallestLogValue }) {
            throw PlotError("\(label(s)) has \(formatValue(xs[i])) at index \(i) (\(axis)); a log axis reaches down to 1e-150",
                            argument: axis == "x" ? "log_x" : "log_y")
        }
    }
}
