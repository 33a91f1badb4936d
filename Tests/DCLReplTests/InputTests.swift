// Multi-line input: when a typed input is complete, and how lines accumulate into inputs.

import Testing
@testable import DCLRepl

@Suite struct InputTests {
    @Test(arguments: [
        "model m {", "let xs = [1,", "f(1,", "fn f() {\n  if true {", "let a = 1 +", "let d = x |>", "/* a block comment",
        "let r = {a: 1,",
    ])
    func unfinishedInputWantsMore(_ text: String) {
        #expect(ReplSession.needsMoreInput(text))
    }

    @Test(arguments: [
        "let a = 1", "model m {\n  input x: [4]\n  linear(3)\n}", "print \"acc {a:.2f}\"", "print \"a ( [ b\"",
        "let a = 1 // (", "/* ( */ let a = 1", "let a = 1;", "f(1))", ":type (", "", "   ",
    ])
    func finishedInputRunsNow(_ text: String) {
        #expect(!ReplSession.needsMoreInput(text))
    }

    @Test func linesAccumulateUntilTheBracketCloses() {
        var pending = ""
        #expect(Repl.accumulate(&pending, "model m {") == nil)
        #expect(Repl.accumulate(&pending, "  input x: [4]") == nil)
        #expect(Repl.accumulate(&pending, "}") == "model m {\n  input x: [4]\n}")
        #expect(pending.isEmpty)
    }

    @Test func aBlankLineEndsAnUnfinishedInput() {
        var pending = ""
        #expect(Repl.accumulate(&pending, "") == nil)
        #expect(Repl.accumulate(&pending, "let xs = [1,") == nil)
        #expect(Repl.accumulate(&pending, "   ") == "let xs = [1,")
        #expect(pending.isEmpty)
    }

    @Test func aCommandIsOneLine() {
        var pending = ""
        #expect(Repl.accumulate(&pending, ":summary m(") == ":summary m(")
    }

    @Test func historyFileFollowsDCLHistory() {
        #expect(Repl.historyPath(["HOME": "/home/u"]) == "/home/u/.dcl_history")
        #expect(Repl.historyPath(["HOME": "/home/u", "DCL_HISTORY": "/tmp/h"]) == "/tmp/h")
        #expect(Repl.historyPath(["HOME": "/home/u", "DCL_HISTORY": ""]) == nil)
        #expect(Repl.historyPath([:]) == nil)
    }
}
