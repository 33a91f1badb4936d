// The session: definitions persist between inputs, redefinitions replace and say so, a failed
// input leaves the session as it was, and Ctrl-C (the interrupt hook) stops a running input.

import Foundation
import Testing
@testable import DCLRepl

@Suite struct ReplSessionTests {
    @Test func laterModelUsesEarlierLet() {
        let (s, c) = makeSession()
        #expect(submitAll(s, ["let width = 8", "model m {\n  input x: [4]\n  linear(width)\n}", "let net = m", "net.output_shape"]))
        #expect(c.out == ["[8]"])
        #expect(s.definedNames == ["width", "m", "net"])
        #expect(c.err.isEmpty)
    }

    @Test func expressionValuesArePrintedButNoneIsNot() {
        let (s, c) = makeSession()
        #expect(submitAll(s, ["1 + 2", "print \"hi\"", "none", "let xs = [1, 2]", "xs ++ [3]"]))
        #expect(c.out == ["3", "hi", "[1, 2, 3]"])
    }

    @Test func redefinitionReplacesAndSaysSo() {
        let (s, c) = makeSession()
        #expect(submitAll(s, ["let a = 1", "let b = a + 1", "let a = \"now a string\"", "a", "b"]))
        #expect(c.out == ["redefined `a`", "now a string", "2"])
        #expect(s.definedNames == ["b", "a"])
    }

    @Test func aDeclarationCanReplaceABindingAndBack() {
        let (s, c) = makeSession()
        #expect(submitAll(s, ["let x = 1", tinyModel.replacingOccurrences(of: "tiny", with: "x"), "x.params", "let x = 2", "x"]))
        #expect(c.out == ["redefined `x`", "15", "redefined `x`", "2"])
    }

    @Test func redefinedDeclarationIsEvaluatedAfresh() {
        let (s, c) = makeSession()
        #expect(submitAll(s, [tinyModel, "tiny.output_shape", tinyModel.replacingOccurrences(of: "linear(3)", with: "linear(5)"),
                              "tiny.output_shape"]))
        #expect(c.out == ["[3]", "redefined `tiny`", "[5]"])
    }

    /// A name used as a built-in in one input and declared or bound by a later one means the
    /// later definition from then on.
    @Test func aBuiltinUsedEarlierCanBeShadowedLater() {
        let (s, c) = makeSession()
        #expect(submitAll(s, ["len([1, 2])", "fn len(xs: list[int]) -> int {\n  return 7\n}", "len([1, 2])",
                              "max(1, 2)", "let max = 9", "max", "relu", "let relu = 3", "relu"]))
        #expect(c.out == ["2", "7", "2", "9", "layer relu", "3"])
        #expect(c.err.isEmpty)
    }

    @Test func staticErrorIsReportedUnderTheInputAndChangesNothing() {
        let (s, c) = makeSession()
        #expect(s.submit("let a = 1"))
        #expect(!s.submit("let b = a + undefined_name"))
        #expect(c.errText.contains("<repl 2>:1:13: error[E0100]: unknown name `undefined_name`"))
        #expect(c.errText.contains("1 | let b = a + undefined_name"))
        #expect(c.errText.contains("^~~~~~~~~~~~~~"))
        #expect(s.definedNames == ["a"])
        c.clear()
        #expect(!s.submit("b"))
        #expect(c.errText.contains("unknown name `b`"))
        #expect(s.submit("a"))
        #expect(c.out == ["1"])
    }

    @Test func diagnosticsOfEarlierInputsAreNotRepeated() {
        let (s, c) = makeSession()
        // Redefining `a` as a string breaks the old `let b = a + 1`, which ran already.
        #expect(submitAll(s, ["let a = 1", "let b = a + 1", "let a = \"text\""]))
        c.clear()
        #expect(s.submit("let d = 4"))
        #expect(c.err.isEmpty)
    }

    @Test func runtimeErrorUndoesTheWholeInput() {
        let (s, c) = makeSession()
        #expect(s.submit("let a = 1"))
        #expect(!s.submit("let a = 10; let e = 1 / 0"))
        #expect(c.errText.contains("error[E0503]: division by zero"))
        #expect(!c.outText.contains("redefined"))
        #expect(s.definedNames == ["a"])
        c.clear()
        #expect(s.submit("a"))
        #expect(c.out == ["1"])
        #expect(!s.submit("e"))
    }

    @Test func shapeErrorInANewModelRejectsIt() {
        let (s, c) = makeSession()
        #expect(s.submit(tinyModel))
        #expect(!s.submit("model tiny {\n  input x: [3]\n  conv2d(4, kernel: 3)\n}"))
        #expect(c.errText.contains("`conv2d` needs an image batch"))
        #expect(c.errText.contains("3 |   conv2d(4, kernel: 3)"))
        c.clear()
        #expect(s.submit("tiny.output_shape"))
        #expect(c.out == ["[3]"])
    }

    @Test func statementsRunOnceAndAreNotKept() {
        let (s, c) = makeSession()
        #expect(submitAll(s, ["var n = 0", "n += 5", "print n", "let m = n * 2", "m"]))
        #expect(c.out == ["5", "10"])
        #expect(s.definedNames == ["n", "m"])
    }

    @Test func importsBringTheStandardLibrary() {
        let (s, c) = makeSession()
        #expect(submitAll(s, ["import std.nn", "let net = mlp(shape: [4], hidden: [8], classes: 2)", "net.params"]))
        #expect(c.out == ["58"])
        #expect(!s.submit("import std.nothing"))
        #expect(c.errText.contains("no standard library module `std.nothing`"))
    }

    @Test func interruptStopsALoopAndKeepsItsAssignments() {
        let (s, c) = makeSession()
        var polls = 0
        s.interruptRequested = {
            polls += 1
            return polls > 100
        }
        #expect(s.submit("var n = 0"))
        #expect(!s.submit("for i in 0..1_000_000_000 { n += 1 }"))
        #expect(c.err == ["interrupted"])
        s.interruptRequested = { false }
        #expect(s.submit("n > 10 and n < 1000"))
        #expect(c.out == ["true"])
    }

    @Test func interruptStopsTrainingAndKeepsTheWeights() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        tinyDataset(in: dir)
        let (s, c) = makeSession(directory: dir)
        #expect(submitAll(s, ["let d = csv(\"tiny.csv\", label: \"label\")", "model lin {\n  input x: [4]\n  linear(2)\n}",
                              "let net = lin", "let before = evaluate(net, on: d).loss"]))
        var polls = 0
        s.interruptRequested = {
            polls += 1
            return polls > 20
        }
        #expect(!s.submit("train net on d { epochs: 100000, batch: 4, log: \"none\" }"))
        #expect(c.err == ["interrupted"])
        s.interruptRequested = { false }
        #expect(s.submit("evaluate(net, on: d).loss < before"))
        #expect(c.out == ["true"])
    }

    @Test func aLoadedFileKeepsWhatRanBeforeItFailed() {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = write("let a = 1\nlet b = 1 / 0\nlet c = 3\nfn f() { return 4 }\n", to: "partial.dcl", in: dir)
        let (s, c) = makeSession()
        #expect(!s.load(path))
        #expect(c.errText.contains("partial.dcl:2:13: error[E0503]: division by zero"))
        #expect(s.definedNames == ["a", "f"])
        #expect(s.submit("a + f()"))
        #expect(c.out == ["5"])
    }

    @Test func aLoadedFileDoesNotEchoItsExpressions() {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = write("let a = 1\na + 1\nprint a\n", to: "quiet.dcl", in: dir)
        let (s, c) = makeSession()
        #expect(s.load(path))
        #expect(c.out == ["1"])
    }
}
