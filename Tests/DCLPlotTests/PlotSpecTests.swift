// What cannot be drawn honestly is refused with a message naming the series and the index, and
// the axes choose readable ticks.

@testable import DCLPlot
import Testing

@Suite struct PlotSpecTests {
    func error(_ spec: PlotSpec) -> PlotError? {
        do { try spec.validate(); return nil } catch let e as PlotError { return e } catch { return nil }
    }

    @Test func badSeriesAreRefused() {
        let ok = PlotSeries(name: "acc", y: [0.5, 0.6])
        #expect(error(PlotSpec(kind: .line, series: [ok])) == nil)
        #expect(error(PlotSpec(kind: .line, series: []))?.message == "`plot` needs at least one series")
        #expect(error(PlotSpec(kind: .line, series: [PlotSeries(name: "acc", y: [])]))?.message == "series `acc` is empty")
        #expect(error(PlotSpec(kind: .line, series: [PlotSeries(name: "", y: [])]))?.message == "the series is empty")
        let short = error(PlotSpec(kind: .line, series: [PlotSeries(name: "acc", x: [1, 2, 3], y: [1, 2])]))
        #expect(short == PlotError("series `acc` has 2 y values but 3 x values", argument: "x"))
        #expect(error(PlotSpec(kind: .scatter, series: [PlotSeries(name: "acc", y: [1, .nan])]))?.message
                == "series `acc` has nan at index 1 (y); plotted values must be finite")
        #expect(error(PlotSpec(kind: .line, series: [PlotSeries(name: "acc", x: [1, -.infinity], y: [1, 2])]))?.message
                == "series `acc` has -inf at index 1 (x); plotted values must be finite")
        var log = PlotSpec(kind: .line, series: [PlotSeries(name: "loss", y: [2, 0.5, 0])])
        log.logY = true
        #expect(error(log) == PlotError("`log_y` needs positive values, series `loss` has 0 at index 2", argument: "log_y"))
        var logX = PlotSpec(kind: .bar, series: [ok])
        logX.logX = true
        #expect(error(logX)?.argument == "log_x")
        var bars = PlotSpec(kind: .bar, series: [ok, PlotSeries(name: "b", y: [1])])
        #expect(error(bars)?.message == "bar series must have one value per category: series `acc` has 2, series `b` has 1")
        bars.series = [ok]
        bars.categories = ["a", "b", "c"]
        #expect(error(bars) == PlotError("`x` names 3 categories but the series have 2 values", argument: "x"))
        var hist = PlotSpec(kind: .histogram, series: [ok])
        hist.bins = 0
        #expect(error(hist)?.argument == "bins")
        var tiny = PlotSpec(kind: .line, series: [ok])
        tiny.width = 10
        #expect(error(tiny)?.argument == "width")
    }

    /// Scatter axes reach 4 % beyond the data, but not across zero.
    @Test func scatterPaddingStopsAtZero() {
        #expect(Marks.padded([0, 100], log: false) == [0, 100, 0, 104])
        #expect(Marks.padded([10, 20], log: false) == [10, 20, 9.6, 20.4])
        #expect(Marks.padded([-100, 0], log: false) == [-100, 0, -104, 0])
        #expect(Marks.padded([1, 100], log: true) == [1, 100])
        #expect(Marks.padded([5], log: false) == [5])
    }

    @Test func ticksAreNiceNumbers() {
        let a = Axis(covering: [3, 97], log: false)
        #expect(a.ticks == [0, 20, 40, 60, 80, 100])
        #expect(a.ticks.map(a.label) == ["0", "20", "40", "60", "80", "100"])
        let b = Axis(covering: [0.8213, 0.8971], log: false)
        #expect(b.ticks == [0.82, 0.84, 0.86, 0.88, 0.9])
        #expect(b.ticks.map(b.label) == ["0.82", "0.84", "0.86", "0.88", "0.90"])
        let c = Axis(covering: [0.5, 300], log: true)
        #expect(c.ticks == [0.1, 1, 10, 100, 1000])
        #expect(c.ticks.map(c.label) == ["0.1", "1", "10", "100", "1000"])
        let d = Axis(covering: [2e-7, 3e-6], log: true)
        #expect(d.ticks.map(d.label) == ["1e-7", "2e-7", "5e-7", "1e-6", "2e-6", "5e-6", "1e-5"])
        let flat = Axis(covering: [5, 5], log: false)
        #expect(flat.lo < 5 && flat.hi > 5)
        let zero = Axis(covering: [0.2, 0.4], log: false, includeZero: true)
        #expect(zero.lo == 0)
    }
}

extension PlotSpecTests {
    /// Extreme values are refused or drawn, never a trap or a hang.
    @Test func extremeValuesAreRefusedOrDrawn() throws {
        #expect(error(PlotSpec(kind: .line, series: [PlotSeries(name: "", y: [-1e308, 1e308])]))?.message
                == "the series has -1e+308 at index 0 (y); plotted values must lie within ±1e150")
        var tiny = PlotSpec(kind: .line, series: [PlotSeries(name: "", y: [1, 5e-324])])
        tiny.logY = true
        #expect(error(tiny)?.argument == "log_y")
        for ys in [[1e16, 1e16 + 2], [1e150, -1e150], [1e-300, 2e-300], [0.1, 0.1 + 1e-17]] {
            for kind in PlotKind.allCases {
                let bytes = try PlotRenderer.render(PlotSpec(kind: kind, series: [PlotSeries(name: "v", y: ys)]), as: .png)
                #expect(bytes.count > 100)
            }
        }
    }

    @Test func countAxesStepByWholeNumbers() {
        let counts = Axis(covering: [0, 3], log: false, includeZero: true, integral: true)
        #expect(counts.ticks == [0, 1, 2, 3])
        #expect(counts.ticks.map(counts.label) == ["0", "1", "2", "3"])
    }
}
