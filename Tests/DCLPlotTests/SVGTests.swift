// The SVG writer: the file parses as XML, every plotted value reads back exactly from the
// series' `data-*` attributes, and the marks sit where the axes say those values go.

@testable import DCLPlot
import DCLText
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Every element of an XML document in order, with its attributes and text.
final class XMLElements: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
    }

    var elements: [Element] = []
    private var open: [Int] = []

    static func parse(_ bytes: [UInt8]) throws -> [Element] {
        let collector = XMLElements()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = collector
        guard parser.parse() else {
            throw parser.parserError ?? NSError(domain: "xml", code: 1)
        }
        return collector.elements
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        open.append(elements.count)
        elements.append(Element(name: name, attributes: attributes))
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let i = open.last { elements[i].text += string }
    }
}

func numbers(_ s: String?) -> [Double] { (s ?? "").split(separator: " ").compactMap { Double($0) } }

@Suite struct SVGTests {
    static func lineSpec() -> PlotSpec {
        var spec = PlotSpec(kind: .line, series: [
            PlotSeries(name: "dc-ccl", x: [1, 2, 3, 4], y: [0.8123, 0.85, 0.871, 0.1 + 0.2]),
            PlotSeries(name: "uncontrolled", x: [1, 2, 3, 4], y: [0.7, 0.74, 0.76, 0.765]),
        ])
        spec.title = "accuracy <per> round & \"seed\""
        spec.xLabel = "round"
        spec.yLabel = "accuracy"
        return spec
    }

    @Test func svgParsesAndTheSeriesValuesRoundTrip() throws {
        let spec = Self.lineSpec()
        let elements = try XMLElements.parse(try PlotRenderer.render(spec, as: .svg))
        #expect(elements.first?.name == "svg")
        #expect(elements.first?.attributes["width"] == "640")
        let series = elements.filter { $0.name == "g" && $0.attributes["class"] == "series" }
        #expect(series.count == 2)
        for (g, s) in zip(series, spec.series) {
            #expect(g.attributes["data-name"] == s.name)
            #expect(numbers(g.attributes["data-x"]) == s.x)
            #expect(numbers(g.attributes["data-y"]) == s.y)
        }
        // The title's markup characters survive as text.
        #expect(elements.contains { $0.name == "text" && $0.text == spec.title })
    }

    /// The polyline's pixel coordinates map back through the axes' attributes to the data (to
    /// the hundredth of a pixel the file keeps).
    @Test func polylineCoordinatesInvertToTheData() throws {
        for logY in [false, true] {
            var spec = Self.lineSpec()
            spec.logY = logY
            let elements = try XMLElements.parse(try PlotRenderer.render(spec, as: .svg))
            let axes = try #require(elements.first { $0.attributes["class"] == "axes" })
            let a = { (k: String) in Double(axes.attributes[k]!)! }
            let (left, top, width, height) = (a("data-left"), a("data-top"), a("data-width"), a("data-height"))
            let (xlo, xhi, ylo, yhi) = (a("data-x-lo"), a("data-x-hi"), a("data-y-lo"), a("data-y-hi"))
            #expect(axes.attributes["data-y-log"] == "\(logY)")
            let lines = elements.filter { $0.name == "polyline" && $0.attributes["stroke-width"] == "2.00" }
            #expect(lines.count == 2)
            for (line, s) in zip(lines, spec.series) {
                let points = line.attributes["points"]!.split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
                #expect(points.count == s.y.count)
                for (p, (x, y)) in zip(points, zip(s.x!, s.y)) {
                    let dataX = xlo + (p[0] - left) / width * (xhi - xlo)
                    let f = (top + height - p[1]) / height
                    let dataY = logY ? pow(10, log10(ylo) + f * (log10(yhi) - log10(ylo))) : ylo + f * (yhi - ylo)
                    // Half a hundredth of a pixel, in data units.
                    #expect(abs(dataX - x) <= 0.0051 * (xhi - xlo) / width)
                    if logY {
                        #expect(abs(log10(dataY) - log10(y)) <= 0.0051 * (log10(yhi) - log10(ylo)) / height)
                    } else {
                        #expect(abs(dataY - y) <= 0.0051 * (yhi - ylo) / height)
                    }
                }
            }
        }
    }

    @Test func histogramAndBoxCarryTheirStatistics() throws {
        var hist = PlotSpec(kind: .histogram, series: [PlotSeries(name: "", y: [1, 2, 2, 3, 3, 3, 4, 10])])
        hist.bins = 3
        let h = try XMLElements.parse(try PlotRenderer.render(hist, as: .svg)).first { $0.attributes["class"] == "series" }!
        #expect(numbers(h.attributes["data-edges"]) == [1, 4, 7, 10])
        #expect(numbers(h.attributes["data-counts"]) == [6, 1, 1])
        #expect(numbers(h.attributes["data-values"]) == hist.series[0].y)

        let box = PlotSpec(kind: .box, series: [PlotSeries(name: "a", y: [9, 1, 2, 3, 4, 5, 6, 7, 8]),
                                                PlotSeries(name: "b", y: [1, 2, 3, 4, 100])])
        let groups = try XMLElements.parse(try PlotRenderer.render(box, as: .svg)).filter { $0.attributes["class"] == "series" }
        // numpy: percentile([1..9], [25, 50, 75]) = 3, 5, 7; whiskers at the extremes.
        #expect(numbers(groups[0].attributes["data-stats"]) == [1, 3, 5, 7, 9])
        // [1, 2, 3, 4, 100]: q1 2, median 3, q3 4, fence 4 + 3 = 7, so 100 is an outlier.
        #expect(numbers(groups[1].attributes["data-stats"]) == [1, 2, 3, 4, 4])
        let ticks = try XMLElements.parse(try PlotRenderer.render(box, as: .svg)).filter { $0.name == "text" }.map(\.text)
        #expect(ticks.contains("a") && ticks.contains("b"))
    }

    @Test func barsScatterAndTheirCategories() throws {
        var bar = PlotSpec(kind: .bar, series: [PlotSeries(name: "cloud", y: [0.83, 0.9]), PlotSeries(name: "dc-ccl", y: [0.88, 0.91])])
        bar.categories = ["MNIST", "Fashion"]
        let e = try XMLElements.parse(try PlotRenderer.render(bar, as: .svg))
        #expect(e.filter { $0.name == "rect" && $0.attributes["fill"] == "#1f77b4" }.count == 3)  // two bars and the legend key
        #expect(e.contains { $0.name == "text" && $0.text == "Fashion" })
        #expect(e.contains { $0.name == "text" && $0.text == "dc-ccl" })
        let scatter = PlotSpec(kind: .scatter, series: [PlotSeries(name: "", x: [1, 10, 100], y: [3, 2, 1])])
        let s = try XMLElements.parse(try PlotRenderer.render(scatter, as: .svg))
        #expect(s.filter { $0.name == "circle" }.count == 3)
        #expect(!s.contains { $0.attributes["class"] == "legend" })
    }

    @Test func sameInputsSameBytes() throws {
        for format in PlotFormat.allCases {
            let a = try PlotRenderer.render(Self.lineSpec(), as: format)
            _ = try PlotRenderer.render(PlotSpec(kind: .box, series: [PlotSeries(name: "x", y: [3, 1, 2])]), as: format)
            let b = try PlotRenderer.render(Self.lineSpec(), as: format)
            #expect(a == b)
        }
    }

    @Test func formatComesFromTheExtension() {
        #expect(PlotFormat(path: "out/fig.SVG") == .svg)
        #expect(PlotFormat(path: "fig.png") == .png)
        #expect(PlotFormat(path: "fig.pdf") == nil)
        #expect(PlotFormat(path: "fig") == nil)
        #expect(PlotFormat(path: "dir.svg/fig") == nil)
        #expect(PlotFormat(path: ".png") == nil)
    }
}

extension SVGTests {
    /// Plain attribute values skip the quoter; anything else goes through it, so both agree.
    @Test func attributesAreQuotedLikeTheXMLStyle() {
        for v in ["0.5 1e-05 -2.0 3", "true", "dcccl", "a<b", "x & y", "say \"hi\"", "tab\there", "é"] {
            #expect(SVGWriter.attribute(v) == quoted(v, .xml))
        }
    }
}
