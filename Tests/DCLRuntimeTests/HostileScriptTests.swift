// Hostile one-line scripts (issue #14): integer overflow, absurd sizes and formatting bombs must
// each end in a diagnostic at the offending code — in `dcl run` and in `dcl check` — never in a
// trap, an abort or gigabytes of memory. Each case names the code and a fragment of the message.

import DCLCompiler
import DCLSyntax
import DCLTensor
import Testing

@Suite struct HostileScriptTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var script: String
        var code: String
        var message: String
        var testDescription: String { script }
        init(_ script: String, _ code: String, _ message: String) {
            self.script = script
            self.code = code
            self.message = message
        }
    }

    static let intMin = "(-9223372036854775807 - 1)"
    /// 1700 references to one 40 KB string: 40 KB of memory, 70 MB of text.
    static let wide = "var s = \"0123456789\"\nfor i in 0..12 { s = s ++ s }\nlet xs = [s for i in 0..1700]\n"

    /// A model whose input is `shape` and whose body is `body`, printed so it is elaborated.
    static func model(_ shape: String, _ body: String) -> String {
        "model m {\n  input x: \(shape)\n  \(body)\n}\nprint m.params\n"
    }

    static let cases: [Case] = [
        // Integer arithmetic on script values.
        Case("print -int(\"-9223372036854775808\")", "E0503", "integer overflow in `-`"),
        Case("print -\(intMin)", "E0503", "integer overflow in `-`"),
        Case("print div(\(intMin), -1)", "E0503", "integer overflow in `div`"),
        Case("print 9223372036854775807 + 1", "E0503", "integer overflow"),
        Case("print \(intMin) - 1", "E0503", "integer overflow"),
        Case("print 9223372036854775807 * 2", "E0503", "integer overflow"),
        Case("print 2 ** 63", "E0503", "integer overflow in `**`"),
        Case("print 3 ** 9223372036854775807", "E0503", "integer overflow in `**`"),
        Case("print sum([9223372036854775807, 1])", "E0503", "integer overflow in `sum`"),
        Case("print floor(1e300)", "E0503", "`floor` of 1e+300 is not a 64-bit integer"),
        Case("print ceil(-1e300)", "E0503", "`ceil` of -1e+300 is not a 64-bit integer"),
        Case("print floor(9223372036854775807.0)", "E0503", "is not a 64-bit integer"),
        Case("print int(1e300)", "E0503", "`int` of 1e+300 is not a 64-bit integer"),
        Case("print int(float(\"nan\"))", "E0503", "`int` of nan is not a 64-bit integer"),
        Case("print int(float(\"inf\"))", "E0503", "`int` of inf is not a 64-bit integer"),
        Case("print \"{1e300:d}\"", "E0503", "the format `d` of 1e+300 is not a 64-bit integer"),
        Case("print 1MiB * 9223372036854775807", "E0503", "integer overflow in `*`"),
        Case("print -(1B * \(intMin))", "E0503", "integer overflow in `-`"),
        Case("print (1B * \(intMin)) / -1", "E0503", "integer overflow in `/`"),
        Case("print 1B * 9223372036854775807 + 1B", "E0503", "integer overflow in `+`"),
        Case("print int(\"99999999999999999999\")", "E0503", "is not an integer"),
        Case("print 99999999999999999999", "E0008", "too large"),
        // Ranges and lists.
        Case("print len(0..=9223372036854775807)", "E0503", "a range cannot end at 9223372036854775807"),
        Case("for i in 9223372036854775806..=9223372036854775807 {}", "E0503", "a range cannot end at 9223372036854775807"),
        Case("print len(\(intMin)..9223372036854775807)", "E0503", "integer overflow in `len` of a range"),
        Case("print [1, 2][9223372036854775807]", "E0503", "out of range"),
        Case("print [1, 2][\(intMin)]", "E0503", "out of range"),
        Case("print \"ab\"[\(intMin)]", "E0503", "out of range"),
        Case("let xs = [i for i in 0..1000000000000]", "E0507", "over the limit"),
        Case("let xs = [i for i in \(intMin)..9223372036854775807]", "E0507", "over the limit"),
        Case("var s = \"abcd\"\nfor i in 0..64 { s = s ++ s }", "E0507", "a string of"),
        Case("var s = \"abcd\"\nfor i in 0..64 { s = s + s }", "E0507", "a string of"),
        Case("var xs = [0]\nfor i in 0..64 { xs = xs ++ xs }", "E0507", "a list of"),
        // Elements that share one string print far larger than they are in memory.
        Case("\(wide)print xs", "E0507", "the text of this list is over the limit of 67108864 bytes"),
        // Formatting.
        // A literal spec is refused by the lexer; the evaluator checks again against the
        // configured `ResourceLimits.maxFormatWidth`.
        Case("print \"{1.5:.1000000000f}\"", "E0012", "format precision 1000000000 is over the limit of 1000"),
        Case("print \"{1:1000000000}\"", "E0012", "format width 1000000000 is over the limit of 1000"),
        Case("print \"{1:>1_000_000_000s}\"", "E0012", "format width 1000000000 is over the limit of 1000"),
        Case("print \"{1:99999999999999999999999}\"", "E0012", "is over the limit of 1000"),
        Case("print \"{1:.99999999999999999999999e}\"", "E0012", "is over the limit of 1000"),
        Case("fn f(x: float) -> string { return \"{x:.1001f}\" }", "E0012", "format precision 1001 is over the limit of 1000"),
        Case("print table([[1.5]], digits: 1000000)", "E0507", "`digits` is over the limit of 1000"),
        Case("print round(2.5, digits: 400)", "E0503", "`digits` must be between -308 and 308"),
        Case("print round(2.5, digits: \(intMin))", "E0503", "`digits` must be between -308 and 308"),
        // Shapes and sizes in models (checked while elaborating: `dcl check` reports them).
        Case(model("[4611686018427387904, 4]", "linear(2)"), "E0301", "too large"),
        Case(model("[1000000000, 4]", "relu"), "E0301", "over the limit"),
        Case(model("[4, 8, 8]", "conv2d(4, kernel: 3, pad: 4611686018427387904)"), "E0301", "too large"),
        Case(model("[4, 8, 8]", "conv2d(4, kernel: 4611686018427387904)"), "E0301", "too large"),
        Case(model("[4, 8, 8]", "conv2d(4, kernel: 3, dilation: 4611686018427387904)"), "E0301", "too large"),
        Case(model("[4, 8, 8]", "conv2d(4611686018427387904, kernel: 3)"), "E0301", "too large"),
        Case(model("[4, 8, 8]", "depthwise(kernel: 3, multiplier: 4611686018427387904)"), "E0301", "too large"),
        Case(model("[4, 8, 8]", "maxpool(4611686018427387904)"), "E0301", "does not fit"),
        Case(model("[4, 8, 8]", "maxpool(2, pad: 4611686018427387904)"), "E0301", "too large"),
        Case(model("[4, 8, 8]", "reshape([4611686018427387904, 4611686018427387904])"), "E0301", "too many elements"),
        Case(model("[4, 8, 8]", "reshape([-1, 4611686018427387904, 4])"), "E0301", "too many elements"),
        Case(model("[1, 28, 28]", "conv2d(256, kernel: 3) |> flatten |> linear(1000000000)"), "E0301", "too large"),
        Case(model("[1, 8, 8]", "conv2d(4, kernel: 5) |> flatten |> linear(1000000000)"), "E0301", "over the limit"),
        Case(model("[8]", "linear(4611686018427387904)"), "E0301", "too large"),
        Case(model("i32[]", "embedding(vocab: 4611686018427387904, dim: 4)"), "E0301", "too large"),
        Case(model("[4, 8]", "slice(axis: 1, start: 2, end: 9223372036854775807)"), "E0301", "outside"),
    ]

    @Test(arguments: cases) func runGivesADiagnostic(_ c: Case) throws {
        let failure = #expect(throws: ScriptFailure.self) { try runScript(c.script + "\n") }
        #expect(failure?.codes == [c.code], "\(failure?.rendered ?? "no error")")
        #expect(failure?.rendered.contains(c.message) == true, "\(failure?.rendered ?? "no error")")
        #expect(failure?.rendered.contains("main.dcl:") == true, "no location: \(failure?.rendered ?? "")")
    }

    @Test(arguments: cases) func checkGivesADiagnostic(_ c: Case) throws {
        let failure = #expect(throws: ScriptFailure.self) { try runScript(c.script + "\n", checkMode: true) }
        #expect(failure?.codes == [c.code], "\(failure?.rendered ?? "no error")")
        #expect(failure?.rendered.contains(c.message) == true, "\(failure?.rendered ?? "no error")")
    }

    @Test func lexerFormatLimitIsTheResourceDefault() {
        #expect(Lexer.maxFormatWidth == ResourceLimits().maxFormatWidth)
    }

    /// Edge values that are fine: exact results, computed quickly, no error.
    @Test func edgeValuesThatFitAreExact() throws {
        let r = try runScript("""
        print \(Self.intMin) % -1, div(\(Self.intMin), 1), 1 ** 9223372036854775807, (-1) ** 9223372036854775807
        print (-2) ** 63, 2 ** 62, sum([9223372036854775806, 1]), len(\(Self.intMin)..-1), int("-9223372036854775808")
        print round(2.5, digits: 400 - 100), round(1e300, 2), round(-2.5), round(1234.5, digits: -2)
        print abs(\(Self.intMin)), floor(-0.5), ceil(9.0e18), "{7:d}|{9223372036854775807:d}|{2.5:>6.1f}|{2.5:d}"
        var n = 0
        for i in 9223372036854775805..9223372036854775807 { n += 1 }
        print n, len(0..9223372036854775807)
        """)
        #expect(r.output == [
            "0 -9223372036854775808 1 -1",
            "-9223372036854775808 4611686018427387904 9223372036854775807 9223372036854775807 -9223372036854775808",
            "2.5 1e+300 -3.0 1200.0",
            "9.223372036854776e+18 -1 9000000000000000000 7|9223372036854775807|   2.5|2",
            "2 9223372036854775807",
        ])
    }

    /// Cost reports at an absurd batch are an error, not an overflow in the memory plan.
    @Test func costAtAHugeBatchIsAnError() throws {
        for call in ["summary(m, batch: 9223372036854775807)", "cost(m, batch: 4611686018427387904)"] {
            let failure = #expect(throws: ScriptFailure.self) {
                try runScript("model m {\n  input x: [8]\n  linear(2)\n}\nprint \(call)\n")
            }
            #expect(failure?.codes == ["E0301"], "\(call): \(failure?.rendered ?? "no error")")
            #expect(failure?.rendered.contains("too large") == true, "\(call): \(failure?.rendered ?? "no error")")
        }
    }

    /// A parameter over the tensor cap is reported at the layer's line, before anything allocates.
    @Test func oversizedParameterPointsAtItsLayer() throws {
        let script = """
        model big {
          input x: [1, 8, 8]
          conv2d(4, kernel: 5) |> relu
          flatten |> linear(1000000000)
        }
        print big.params
        """
        for checkMode in [false, true] {
            let failure = #expect(throws: ScriptFailure.self) { try runScript(script, checkMode: checkMode) }
            #expect(failure?.codes == ["E0301"])
            #expect(failure?.rendered.contains("main.dcl:4:") == true, "\(failure?.rendered ?? "")")
            #expect(failure?.rendered.contains("needs 256000000000 bytes (238.4 GiB), over the limit of 4294967296 bytes (4.0 GiB) (DCL_MAX_TENSOR_BYTES)") == true,
                    "\(failure?.rendered ?? "")")
        }
    }
}

/// Values a script can build cheaply but a naive walk cannot survive: deep chains (stack) and
/// shared DAGs (2^n paths).
@Suite struct HostileValueTests {
    @Test func deepChainsAreRefusedAtTheNestingLimit() throws {
        for script in ["var x = []\nfor i in 0..100000 { x = [x] }\n",
                       "var r: any = {a: 0}\nfor i in 0..100000 { r = {a: r} }\n",
                       "var x: any = [1]\nfor i in 0..100000 { x = [y for y in [x]] }\n",
                       "var x: any = [1]\nfor i in 0..100000 { x = zip(x, x) }\n"] {
            let failure = #expect(throws: ScriptFailure.self, "\(script)") { try runScript(script) }
            #expect(failure?.codes == ["E0507"], "\(script)")
            #expect(failure?.rendered.contains("nest at most 256 deep") == true, "\(failure?.rendered ?? "")")
        }
        // Exactly at the limit is fine.
        let r = try runScript("var x = []\nfor i in 0..255 { x = [x] }\nprint len(x)\n")
        #expect(r.output == ["1"])
    }

    @Test func sharedDAGsAreWalkedOncePerStorage() throws {
        // 2^60 paths through 60 lists (or records): equality, unknown-tracking in built-in calls
        // and nesting checks must each visit a storage once, or this never ends.
        let r = try runScript("""
        fn t(n: int) -> any {
          if n == 0 { return 0 }
          let x = t(n - 1)
          return [x, x]
        }
        fn u(n: int) -> any {
          if n == 0 { return {leaf: 1} }
          let x = u(n - 1)
          return {a: x, b: x}
        }
        let y = t(60)
        print len(y), y == t(60), y == t(59), len(keys(u(60))), u(60) == u(60)
        """)
        #expect(r.output == ["2 true false 2 true"])
    }
}

/// `dcl check` evaluates top-level code without data; it must end on every input.
@Suite struct CheckModeTerminationTests {
    @Test func endlessLoopsStopWithALimitInCheckMode() throws {
        for script in ["while true {}\n",
                       "var i = 0\nwhile i >= 0 { i += 1 }\n",
                       "for i in 0..1000000000000 {}\n",
                       "let xs = [i for i in 0..4000000 if i < 0]\n",
                       "fn f(n: int) -> int {\n  if n == 0 { return 0 }\n  return f(n - 1) + f(n - 1)\n}\nprint f(200)\n"] {
            let failure = #expect(throws: ScriptFailure.self, "\(script)") { try runScript(script, checkMode: true, checkStepLimit: 20_000) }
            #expect(failure?.codes == ["E0507"], "\(script): \(failure?.rendered ?? "")")
            #expect(failure?.rendered.contains("`dcl check` stopped after evaluating") == true, "\(failure?.rendered ?? "")")
        }
    }

    @Test func ordinaryLoopsAreCheckedInFull() throws {
        let r = try runScript("var t = 0\nfor i in 0..10000 { t += i }\nprint t\n", checkMode: true, checkStepLimit: 20_000)
        #expect(r.output.isEmpty || r.output == ["49995000"])
    }
}
