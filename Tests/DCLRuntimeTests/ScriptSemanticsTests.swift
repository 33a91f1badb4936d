import DCLCompiler
import Foundation
import Testing

@Suite struct ScriptSemanticsTests {
    @Test func bindingsLoopsFunctionsAndFormatting() throws {
        let r = try runScript("""
        fn fib(n: int) -> int {
          if n < 2 { return n }
          return fib(n - 1) + fib(n - 2)
        }
        var total = 0
        for i in 0..5 { total += i }
        var xs = []
        for i, x in [10, 20, 30] { xs += [i * x] }
        let squares = [k * k for k in 1..=4 if k != 3]
        let r = {name: "lenet", acc: 0.98765}
        print fib(10), total, xs, squares
        print "acc {r.acc:.2f} {r.acc:.1%} [{r.name:>7}] {div(-7, 2)} {7 / 2} {2 ** 10} {1MiB} {100k}"
        var n = 0
        while n < 3 { n += 1 }
        print n, len("héllo"), round(2.675, 2), max(3, 9, 4), mean([1, 2, 3])
        """)
        #expect(r.output == [
            "55 10 [0, 20, 60] [1, 4, 16]",
            "acc 0.99 98.8% [  lenet] -4 3.5 1024 1.00 MiB 100000",
            "3 5 2.68 9 2.0",
        ])
    }

    @Test func tableHasAStableFormat() throws {
        let r = try runScript("""
        print table([{method: "a", acc: 0.5}, {method: "bbb", acc: 0.25}], title: "T", digits: 3)
        """)
        #expect(r.output == ["T\nmethod  acc\n------  -----\na       0.500\nbbb     0.250"])
    }

    @Test func runtimeErrorsCarryTheirSpan() throws {
        let failure = #expect(throws: ScriptFailure.self) {
            try runScript("let xs = [1, 2]\nprint xs[5]\n")
        }
        #expect(failure?.codes == ["E0503"])
        #expect(failure?.rendered.contains("main.dcl:2:7") == true)
        #expect(failure?.rendered.contains("index 5 is out of range for 2 elements") == true)
    }

    @Test func assertStopsWithItsMessage() throws {
        let failure = #expect(throws: ScriptFailure.self) { try runScript("assert(1 > 2, \"one is not above two\")\n") }
        #expect(failure?.codes == ["E0506"])
        #expect(failure?.rendered.contains("one is not above two") == true)
    }

    @Test func unboundedRecursionIsALimitNotACrash() throws {
        let failure = #expect(throws: ScriptFailure.self) { try runScript("fn f(n: int) -> int { return f(n + 1) }\nprint f(0)\n") }
        #expect(failure?.codes == ["E0507"])
    }

    @Test func recursionOnASmallStackIsALimitNotAnOverflow() throws {
        // A 1 MiB thread cannot hold 256 interpreter levels in a debug or sanitizer build; the
        // interpreter must notice the stack running out and stop with E0507 (it overflowed
        // under AddressSanitizer before).
        final class Outcome: @unchecked Sendable { var result: Result<ScriptRun, Error>? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            outcome.result = Result { try runScript("fn f(n: int) -> int { return f(n + 1) }\nprint f(0)\n") }
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        done.wait()
        let result = outcome.result
        guard case .failure(let error as ScriptFailure)? = result else {
            Issue.record("expected a script failure, got \(String(describing: result))")
            return
        }
        #expect(error.codes == ["E0507"])
    }

    @Test func declarationsAreOrderFreeAndEvaluatedOnce() throws {
        let r = try runScript("""
        print tiny.params
        model tiny {
          input x: [3]
          linear(2)
        }
        print tiny.params
        """)
        #expect(r.output == ["8", "8"])
    }
}

@Suite struct ModelCostTests {
    /// LeNet-5 and the MLP: parameters and FLOPs computed by hand (a multiply-add counts 2;
    /// bias adds, ReLUs and pooling comparisons count one per output element).
    @Test func lenetAndMLPMatchHandCounts() throws {
        let r = try runScript("""
        import std.vision
        import std.nn
        let l = lenet(10)
        let m = mlp(shape: [784], hidden: [256, 128], classes: 10)
        print l.params, l.flops, m.params, m.flops
        """)
        // LeNet: conv1 6·25+6, conv2 16·150+16, fc 256·120+120, 120·84+84, 84·10+10.
        let lenetParams = (6 * 25 + 6) + (16 * 150 + 16) + (256 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
        let conv1 = 24 * 24 * 6 * 25 * 2 + 24 * 24 * 6, conv2 = 8 * 8 * 16 * 150 * 2 + 8 * 8 * 16
        let lenetFlops = conv1 + 3456 + 3456 + conv2 + 1024 + 1024
            + (2 * 256 * 120 + 120) + 120 + (2 * 120 * 84 + 84) + 84 + (2 * 84 * 10 + 10)
        let mlpParams = (784 * 256 + 256) + (256 * 128 + 128) + (128 * 10 + 10)
        let mlpFlops = 2 * (784 * 256 + 256 * 128 + 128 * 10) + (256 + 128 + 10) + (256 + 128)
        #expect(r.output == ["\(lenetParams) \(lenetFlops) \(mlpParams) \(mlpFlops)"])
        #expect(lenetParams == 44_426)
    }

    @Test func shapeErrorsPointAtTheLayer() throws {
        let failure = #expect(throws: ScriptFailure.self) {
            try runScript("""
            model bad {
              input x: [1, 8, 8]
              conv2d(4, kernel: 3) |> maxpool(2)
              conv2d(4, kernel: 5)
            }
            print bad
            """)
        }
        #expect(failure?.codes == ["E0301"])
        #expect(failure?.rendered.contains("main.dcl:4:3") == true, "\(failure?.rendered ?? "")")
    }
}
