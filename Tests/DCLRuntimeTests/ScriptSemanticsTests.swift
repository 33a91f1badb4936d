import DCLCompiler
import Foundation
import Testing

@Suite struct ScriptSemanticsTests {
    // Bindings, loops, formatting, tables, run-time error spans, `assert` and the recursion
    // limit are golden scripts now (Golden/basics.dcl, index_error.dcl, assert.dcl,
    // recursion_limit.dcl), as are order-free declarations and shape errors in a model body.

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
}
