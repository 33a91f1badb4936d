// Each `:command`, through `submit` as typed.

import Foundation
import Testing
@testable import DCLRepl

@Suite struct CommandTests {
    @Test func helpListsCommandsAndDocumentsNames() {
        let (s, c) = makeSession()
        #expect(s.submit(":help"))
        for command in ReplSession.commands { #expect(c.outText.contains(":\(command.name)")) }
        c.clear()
        #expect(s.submit(":help linear"))
        #expect(c.out == ["linear(units: int, bias: bool = true, keep_width: bool = false)\n  affine map over the last axis: y = x Wᵀ + b\n  units: output features\n  keep_width: keep this width in a vertical width split (a width read from the input's shape)"])
        c.clear()
        #expect(submitAll(s, ["import std.nn", ":h mlp"]))
        #expect(c.outText.hasPrefix("// A multi-layer perceptron"))
        #expect(c.outText.hasSuffix("model mlp(shape: list[int] = [784], hidden: list[int] = [256, 128], classes: int = 10)"))
        #expect(!s.submit(":help linearr"))
        #expect(c.errText == "no documentation for `linearr`; did you mean `linear`?")
    }

    @Test func unknownAndAmbiguousCommands() {
        let (s, c) = makeSession()
        #expect(!s.submit(":frobnicate"))
        #expect(!s.submit(":s net"))
        #expect(c.err == ["unknown command `:frobnicate`; `:help` lists the commands", "`:s` could be `:shape`, `:summary`, `:save`"])
    }

    @Test func typeIsStaticAndChangesNothing() {
        let (s, c) = makeSession()
        #expect(submitAll(s, [tinyModel, ":type 1 + 2.5", ":type tiny.features", ":type [1, 2]", ":type tiny"]))
        #expect(c.out == ["1 + 2.5: float", "tiny.features: model", "[1, 2]: list[int]", "tiny: model"])
        #expect(!s.submit(":type let a = 1"))
        #expect(!s.submit(":type nope"))
        #expect(c.errText.contains("unknown name `nope`"))
        #expect(s.definedNames == ["tiny"])
    }

    @Test func shapeSummaryAndParams() {
        let (s, c) = makeSession()
        #expect(submitAll(s, [tinyModel, "let net = tiny", ":shape net"]))
        #expect(c.outText == "model tiny\n  input  x  f32[4]\n  output    [3]\n(per sample; the batch dimension is implicit)")
        c.clear()
        #expect(s.submit(":summary net"))
        #expect(c.outText.contains("linear_1  matmul  [1, 3]      15"))
        #expect(c.outText.contains("parameters: 15 (15 trainable)"))
        c.clear()
        #expect(s.submit(":params net"))
        #expect(c.outText == "name             shape   count\nlinear_1.weight  [3, 4]     12\nlinear_1.bias    [3]         3\n15 trainable of 15 stored in 2 tensors")
        c.clear()
        #expect(!s.submit(":shape 3"))
        #expect(c.errText == "`:shape` expected a model, found int")
    }

    @Test func inspectingAConstructorCallDrawsNoWeightsAndChangesNothing() {
        let (s, c) = makeSession()
        #expect(submitAll(s, ["import std.vision", ":shape lenet(classes: 7)", ":params lenet"]))
        #expect(c.out[0].contains("output    [7]"))
        #expect(c.out[1].contains("features.linear_3.weight") || c.out[1].contains("weight"))
        #expect(s.definedNames.isEmpty)
    }

    @Test func graphAsTextAndDot() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (s, c) = makeSession()
        #expect(submitAll(s, [tinyModel, ":graph tiny"]))
        #expect(c.outText.hasPrefix("graph {"))
        #expect(c.outText.contains("matmul("))
        let dot = (dir as NSString).appendingPathComponent("tiny.dot")
        #expect(s.submit(":graph tiny --dot \(dot)"))
        #expect(try String(contentsOfFile: dot, encoding: .utf8).hasPrefix("digraph \"tiny\""))
        #expect(!s.submit(":graph tiny --dot"))
    }

    @Test func envListsDefinitionsWithKinds() {
        let (s, c) = makeSession()
        #expect(s.submit(":env"))
        #expect(c.out == ["nothing defined yet"])
        c.clear()
        #expect(submitAll(s, ["import std.nn", "fn double(x: int) -> int { return 2 * x }", tinyModel, "var steps = 3", "let net = tiny", ":env"]))
        #expect(c.outText == """
            import std.nn
            fn     double  (x: int)
            model  tiny
            var    steps   = 3
            let    net     = model tiny ([4] → [3], 15 params)
            """)
    }

    @Test func timeRunsTheStatement() {
        let (s, c) = makeSession()
        #expect(s.submit(":time print 6 * 7"))
        #expect(c.out.count == 2)
        #expect(c.out[0] == "42")
        #expect(c.out[1].hasPrefix("time: ") && c.out[1].hasSuffix(" s"))
        #expect(!s.submit(":time 1 / 0"))
    }

    @Test func saveWritesAFormattedScriptThatLoadsBack() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = (dir as NSString).appendingPathComponent("session.dcl")
        let (s, c) = makeSession()
        #expect(submitAll(s, ["import std.nn", "let   a=1", "print a", "import std.nn", "model tiny {\n input x: [4]\n    linear(a + 2)\n}",
                              "let a = 2", ":save \(path)"]))
        #expect(c.out.last == "saved 2 definitions to `\(path)`")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // `tiny` reads `a`, so the redefined `a` (accepted last) is written above it.
        #expect(text == """
            // Saved from a dcl repl session.
            import std.nn

            let a = 2

            model tiny {
              input x: [4]
              linear(a + 2)
            }

            """)
        let (t, d) = makeSession()
        #expect(t.load(path))
        #expect(t.submit("tiny.output_shape"))
        #expect(d.out == ["[4]"])
    }

    @Test func loadAndReload() {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = write("let base = 10\nfn f() { return base + 1 }\n", to: "lib.dcl", in: dir)
        let (s, c) = makeSession()
        #expect(!s.submit(":reload"))
        #expect(c.errText == "nothing to reload: no file was loaded (`:load FILE`)")
        #expect(submitAll(s, [":load \"\(path)\"", "let extra = f()", "extra"]))
        #expect(c.out == ["11"])
        write("let base = 20\nfn f() { return base + 2 }\n", to: "lib.dcl", in: dir)
        #expect(s.submit(":reload"))
        #expect(s.definedNames == ["base", "f"])
        c.clear()
        #expect(s.submit("f()"))
        #expect(c.out == ["22"])
        #expect(!s.submit(":load \(dir)/missing.dcl"))
    }

    @Test func quit() {
        let (s, _) = makeSession()
        #expect(!s.quitRequested)
        #expect(s.submit(":quit"))
        #expect(s.quitRequested)
    }
}
