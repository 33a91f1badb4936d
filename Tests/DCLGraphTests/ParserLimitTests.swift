// The graph-text parser on numbers that are out of range: each is a parse error naming the
// line, never an overflow trap (the text comes from bundles anyone can make).

import Testing
import DCLTensor
@testable import DCLGraph

@Suite struct ParserLimitTests {
    private func graph(_ body: String) -> String { "graph {\n  input %0 \"x\" : f32[N,4]\n\(body)\n}\n" }

    private func expectParseError(_ text: String, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try GraphParser.parse(text)
            Issue.record("parsed: \(text)", sourceLocation: sourceLocation)
        } catch let e as GraphError {
            for f in fragments { #expect(e.description.contains(f), "'\(e)' does not mention '\(f)'", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("expected a GraphError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func boundedDimensionsParseLikeTheOriginal() throws {
        for text in ["N", "4*N+16", "N*T-1", "784", "-N+3", "2*N*T", "0", "1099511627776"] {
            let bounded = try Dim.parseBounded(text).get()
            #expect(bounded == Dim(parsing: text), "\(text)")
        }
        #expect(try Dim.parseBounded("N+N").get() == Dim(parsing: "2*N"))
    }

    @Test func outOfRangeDimensionsAreRefused() {
        for text in ["4611686018427387904*4", "1099511627777", "99999999999999999999999", "N+9223372036854775807",
                     "1048576*1048577", "N*N*N*N*N", "4x", "", "N+", "*N", String(repeating: "a", count: 65)] {
            if case .success(let d) = Dim.parseBounded(text) { Issue.record("accepted '\(text)' as \(d)") }
        }
    }

    @Test func checkedEvaluationReportsOverflow() throws {
        let d = try Dim.parseBounded("1099511627776*N").get()
        #expect(try d.evaluate(["N": 3]) == 3 << 40)
        #expect(throws: GraphError.self) { try d.evaluate(["N": 1 << 30]) }
        #expect(throws: GraphError.self) { try d.evaluate([:]) }
    }

    @Test func valueIDsAreBounded() {
        expectParseError(graph("  output \"y\" = %9223372036854775807"), "line 3", "out of range")
        expectParseError(graph("  output \"y\" = %2147483648"), "out of range")
        expectParseError("graph {\n  input %99999999999999999999999999 \"x\" : f32[4]\n}\n", "line 2", "out of range")
    }

    @Test func attributesAreRangeChecked() {
        let conv = "  param %1 \"w\" : f32[2,4,1,1] init=zeros trainable\n  %2 = conv2d(%0, %1) {stride=[1,1], padding=[PAD], dilation=[1,1], groups=1} : f32[N,2] @\"c\" #0"
        expectParseError(graph(conv.replacingOccurrences(of: "PAD", with: "4611686018427387904,1")), "line 4", "padding")
        expectParseError(graph(conv.replacingOccurrences(of: "PAD", with: "-1,0")), "padding")
        expectParseError(graph(conv.replacingOccurrences(of: "PAD", with: "1048577,0")), "padding")
        expectParseError(graph("  %1 = softmax(%0) {axis=99} : f32[N,4] @\"s\" #0"), "axis")
        // A long string (schedules parse recursively, so length bounds the depth).
        let nested = String(repeating: "warmup(1,", count: 1000) + "constant(0.1)" + String(repeating: ")", count: 1000)
        expectParseError(graph("  %1 = relu(%0) {lr=\"\(nested)\"} : f32[N,4] @\"s\" #0"), "string of")
        expectParseError(graph("  %1 = reshape(%0) {shape=[N,-4]} : f32[N,4] @\"r\" #0"), "shape")
        expectParseError(graph("  %1 = reshape(%0) {shape=[N,4611686018427387904*4]} : f32[N,4] @\"r\" #0"), "out of range")
    }

    @Test func typesAreBounded() {
        expectParseError(graph("  param %1 \"w\" : f32[-3] init=zeros trainable"), "negative dimension")
        expectParseError(graph("  param %1 \"w\" : f32[1099511627776,1099511627776] init=zeros trainable"), "line 3")
        expectParseError(graph("  const %1 : f32[1099511627776,1099511627776] = [1.0]"), "line 3")
        expectParseError(graph("  param %1 \"w\" : f32[" + Array(repeating: "1", count: 33).joined(separator: ",") + "] init=zeros trainable"), "rank")
    }
}
