// Scripted sessions with the server in this process: diagnostics equal to `dcl check`'s, hover,
// inlay hints, completion, definition into the StdLib, symbols, formatting and rename.

import DCLDiagnostics
import DCLDriver
import DCLLanguageServer
import DCLSyntax
import DCLTestScratch
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)), .ownThreads) struct SessionTests {
    @Test(arguments: [
        // Static errors: an unknown layer (with a hint) and a use before definition.
        "let y = convv2d(3)\nprint z\nlet z = 1\n",
        // Shape errors: one in this file, one inside the StdLib's `lenet` (shown at its call site).
        """
        import std.vision
        model bad {
          input x: [1, 28, 28]
          features {
            conv2d(6, kernel: 50)
          }
        }
        let net = lenet(classes: 10, channels: 3, size: 4)
        """,
    ])
    func diagnosticsEqualDclCheck(_ text: String) throws {
        let dir = try temporaryDirectory("diag")
        let path = try writeFile(text, "broken.dcl", in: dir)
        let s = InProcessServer()
        try s.client.initialize()
        let uri = DocumentURI.uri(forPath: path)
        s.client.open(uri, text)
        let got = try s.client.diagnostics(uri, version: 1)

        // What `dcl check` reports for the same file (its pipeline, as `Check.run` calls it).
        let c = Pipeline.load(path: path)
        if let p = c.program, !c.diagnostics.hasErrors { Pipeline.checkShapes(p, diagnostics: c.diagnostics) }
        let expected = c.diagnostics.sorted
        #expect(expected.count >= 2)
        #expect(got.count == expected.count)
        for (g, e) in zip(got, expected) {
            #expect(g["code"]?.stringValue == e.code)
            #expect(g["message"]?.stringValue?.hasPrefix(e.message) == true)
            if let h = e.hint { #expect(g["message"]?.stringValue?.contains("help: " + h) == true) }
            if e.span.file == c.program?.main.file.id, let loc = c.sources.location(of: e.span) {
                #expect(g["range"]?["start"]?["line"]?.intValue == loc.position.line - 1)
                #expect(g["range"]?["start"]?["character"]?.intValue == loc.position.column - 1)
            } else {
                // A StdLib error: at its call site here (line 8), the StdLib place related.
                #expect(g["range"]?["start"]?["line"]?.intValue == 7)
                #expect(g["relatedInformation"]?.arrayValue.first?["location"]?["uri"]?.stringValue?.hasSuffix("/std/vision.dcl") == true)
            }
        }
        if text.contains("lenet") { #expect(expected.contains { $0.span.file != c.program?.main.file.id }) }
        try shutdown(s)
    }

    @Test func hoverInlayHintsAndModelSummary() throws {
        let s = InProcessServer()
        try s.client.initialize()
        let uri = "file:///tmp/dcl-lsp-hover/tiny.dcl"
        s.client.open(uri, tinyModel)
        #expect(try s.client.diagnostics(uri).isEmpty)
        // The conv line: output shape with the batch symbolic, and its parameters (6·25 + 6).
        let h = try s.client.call("textDocument/hover", LSPClient.at(uri, 3, 6))
        let text = h["contents"]?["value"]?.stringValue ?? ""
        #expect(text.contains("`[N, 6, 24, 24]`"), "\(text)")
        #expect(text.contains("parameters: 156"), "\(text)")
        #expect(text.contains("conv2d(filters"), "\(text)")  // the built-in's signature too
        // The model's name: its summary (864·10 + 10 + 156 parameters).
        let m = try s.client.call("textDocument/hover", LSPClient.at(uri, 0, 8))["contents"]?["value"]?.stringValue ?? ""
        #expect(m.contains("parameters: 8,806"), "\(m)")
        #expect(m.contains("peak activation memory"), "\(m)")
        let hints = try s.client.call("textDocument/inlayHint", .object(["textDocument": .object(["uri": .string(uri)]),
                                                                         "range": LSPClient.range(0, 0, 20, 0)]))
        let labels = hints.arrayValue.compactMap { $0["label"]?.stringValue }
        #expect(labels == ["→ [N, 6, 24, 24]", "→ [N, 6, 12, 12]", "→ [N, 864]", "→ [N, 10]"])
        #expect(hints.arrayValue.first?["position"]?["line"]?.intValue == 3)
        // Toggled off by configuration.
        s.client.notify("workspace/didChangeConfiguration", .object(["settings": .object(["dcl": .object(["inlayHints": .object(["shapes": .bool(false)])])])]))
        let none = try s.client.call("textDocument/inlayHint", .object(["textDocument": .object(["uri": .string(uri)]),
                                                                        "range": LSPClient.range(0, 0, 20, 0)]))
        #expect(none.arrayValue.isEmpty)
        try shutdown(s)
    }

    @Test func budgetsOfRolesAndBundles() throws {
        let s = InProcessServer()
        try s.client.initialize()
        let path = repositoryRoot.appendingPathComponent("Examples/dcccl_mnist.dcl").path
        let text = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
        let uri = DocumentURI.uri(forPath: path)
        s.client.open(uri, text)
        #expect(try s.client.diagnostics(uri).isEmpty)
        let lines = text.components(separatedBy: "\n")
        let role = try #require(lines.firstIndex { $0.hasPrefix("role device") })
        let r = try s.client.call("textDocument/hover", LSPClient.at(uri, role, 6))["contents"]?["value"]?.stringValue ?? ""
        #expect(r.contains("budget { params: 100k"), "\(r)")
        #expect(r.contains("**bundle `phone`**: uses"), "\(r)")
        #expect(r.contains("params: 44.4k of 100.0k — within budget"), "\(r)")
        let bundle = try #require(lines.firstIndex { $0.hasPrefix("bundle phone") })
        let b = try s.client.call("textDocument/hover", LSPClient.at(uri, bundle, 8))["contents"]?["value"]?.stringValue ?? ""
        #expect(b.contains("for role `device`") && b.contains("memory: "), "\(b)")
        try shutdown(s)
    }

    @Test func importsResolveAgainstTheDocumentsDirectory() throws {
        // A directory whose name needs percent-encoding in a URI.
        let dir = try temporaryDirectory("imports").appendingPathComponent("my models é")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        _ = try writeFile("block twice_relu()(x) {\n  x |> relu |> relu\n}\n", "lib.dcl", in: dir)
        let text = "import \"lib.dcl\"\nmodel m {\n  input x: [4]\n  features {\n    twice_relu()\n  }\n}\nimport \"li"
        let path = dir.appendingPathComponent("main.dcl").path
        let uri = DocumentURI.uri(forPath: path)
        #expect(uri.contains("my%20models%20%C3%A9"))
        let s = InProcessServer()
        try s.client.initialize()
        s.client.open(uri, text)
        // Only the half-typed last import is wrong: `lib.dcl` itself was found beside the document.
        let diagnostics = try s.client.diagnostics(uri)
        #expect(diagnostics.count >= 1)
        #expect(diagnostics.allSatisfy { $0["range"]?["start"]?["line"]?.intValue == 7 }, "\(diagnostics)")
        let files = try s.client.call("textDocument/completion", LSPClient.at(uri, 7, 10))["items"]?.arrayValue ?? []
        #expect(files.compactMap { $0["label"]?.stringValue } == ["lib.dcl"])
        // Fixed: the block's line inside `m` gets its shape, and definition opens lib.dcl.
        s.client.change(uri, version: 2, range: (7, 0, 7, 11), text: "")
        #expect(try s.client.diagnostics(uri, version: 2).isEmpty)
        let h = try s.client.call("textDocument/hover", LSPClient.at(uri, 4, 6))["contents"]?["value"]?.stringValue ?? ""
        #expect(h.contains("`[N, 4]`"), "\(h)")
        let def = try s.client.call("textDocument/definition", LSPClient.at(uri, 4, 6))
        #expect(def["uri"]?.stringValue == DocumentURI.uri(forPath: dir.appendingPathComponent("lib.dcl").path))
        #expect(def["range"]?["start"]?["line"]?.intValue == 0)
        try shutdown(s)
    }

    @Test func completion() throws {
        let s = InProcessServer()
        try s.client.initialize()
        let uri = "file:///tmp/dcl-lsp-completion/c.dcl"
        let text = """
        import std.vision
        let mnist_size = 28
        let a = conv
        let b = conv2d(6, ke
        train net on data { epo
        import std.vi
        """
        s.client.open(uri, text)
        _ = try s.client.diagnostics(uri)
        func labels(_ line: Int, _ ch: Int) throws -> [JSON] {
            try s.client.call("textDocument/completion", LSPClient.at(uri, line, ch))["items"]?.arrayValue ?? []
        }
        let conv = try labels(2, 12)
        let conv2d = conv.first { $0["label"]?.stringValue == "conv2d" }
        #expect(conv2d?["detail"]?.stringValue?.hasPrefix("conv2d(filters: int") == true)
        let named = try labels(3, 20).compactMap { $0["label"]?.stringValue }
        #expect(named.contains("kernel:"))
        let options = try labels(4, 23).compactMap { $0["label"]?.stringValue }
        #expect(options == ["epochs"])
        let modules = try labels(5, 13).compactMap { $0["label"]?.stringValue }
        #expect(modules.contains("std.vision"))
        let names = try labels(2, 8).compactMap { $0["label"]?.stringValue }
        #expect(names.contains("mnist_size") && names.contains("lenet"))
        try shutdown(s)
    }

    @Test func definitionIntoStdLibAndSymbols() throws {
        let s = InProcessServer()
        try s.client.initialize()
        let uri = "file:///tmp/dcl-lsp-def/d.dcl"
        s.client.open(uri, "import std.vision\nlet net = lenet(classes: 10)\n" + tinyModel + "\nlet z = net\n")
        _ = try s.client.diagnostics(uri)
        let loc = try s.client.call("textDocument/definition", LSPClient.at(uri, 1, 12))
        let target = try #require(loc["uri"]?.stringValue)
        #expect(target.hasPrefix("file://") && target.hasSuffix("/std/vision.dcl"))
        let path = try #require(DocumentURI.path(of: target))
        let lines = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self).components(separatedBy: "\n")
        let line = try #require(loc["range"]?["start"]?["line"]?.intValue), ch = try #require(loc["range"]?["start"]?["character"]?.intValue)
        #expect(lines[line].dropFirst(ch).hasPrefix("lenet"))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o444)
        // A top-level name of this file: its binding (the later `net`, on line 15).
        let local = try s.client.call("textDocument/definition", LSPClient.at(uri, 15, 9))
        #expect(local["range"]?["start"]?["line"]?.intValue == 14)

        let symbols = try s.client.call("textDocument/documentSymbol", .object(["textDocument": .object(["uri": .string(uri)])]))
        let names = symbols.arrayValue.compactMap { $0["name"]?.stringValue }
        #expect(names == ["std.vision", "net", "tiny", "net", "z"])
        let tiny = symbols.arrayValue.first { $0["name"]?.stringValue == "tiny" }
        #expect(tiny?["children"]?.arrayValue.compactMap { $0["name"]?.stringValue } == ["x", "features", "head"])
        try shutdown(s)
    }

    @Test func formattingAndRename() throws {
        let s = InProcessServer()
        try s.client.initialize()
        let uri = "file:///tmp/dcl-lsp-fmt/f.dcl"
        let text = "fn  twice( v : int )->int {\n  let h = v*2\n  return h+h\n}\nprint twice(3)\n"
        s.client.open(uri, text)
        _ = try s.client.diagnostics(uri)
        let edits = try s.client.call("textDocument/formatting", .object(["textDocument": .object(["uri": .string(uri)]),
                                                                          "options": .object(["tabSize": .number(2), "insertSpaces": .bool(true)])]))
        let sources = SourceManager()
        let expected = SourceFormatter.format(sources.add(path: "f.dcl", text: text), diagnostics: DiagnosticEngine())
        #expect(edits.arrayValue.count == 1)
        #expect(edits.arrayValue.first?["newText"]?.stringValue == expected)

        // Rename the local `h` (defined on line 1, used twice on line 2).
        let prepared = try s.client.call("textDocument/prepareRename", LSPClient.at(uri, 2, 9))
        #expect(prepared["placeholder"]?.stringValue == "h")
        var params = LSPClient.at(uri, 2, 9)
        if case .object(var o) = params { o["newName"] = .string("half"); params = .object(o) }
        let edit = try s.client.call("textDocument/rename", params)
        let renames = edit["changes"]?[uri]?.arrayValue ?? []
        #expect(renames.count == 3)
        #expect(renames.allSatisfy { $0["newText"]?.stringValue == "half" })
        // Built-ins and keywords are refused.
        s.client.change(uri, version: 2, range: nil, text: "let a = relu\nprint a\n")
        let builtin = try s.client.response(s.client.request("textDocument/prepareRename", LSPClient.at(uri, 0, 9)))
        #expect(builtin["error"]?["message"]?.stringValue?.contains("built-in") == true)
        let keyword = try s.client.response(s.client.request("textDocument/prepareRename", LSPClient.at(uri, 1, 2)))
        #expect(keyword["error"]?["message"]?.stringValue?.contains("keyword") == true)

        // A document that does not parse is not formatted.
        s.client.change(uri, version: 3, range: nil, text: "let x = (1 +\n")
        let refused = try s.client.response(s.client.request("textDocument/formatting", .object(["textDocument": .object(["uri": .string(uri)])])))
        #expect(refused["error"]?["message"]?.stringValue?.contains("syntax errors") == true)
        try shutdown(s)
    }
}

func writeFile(_ text: String, _ name: String, in dir: URL) throws -> String {
    let url = dir.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// `shutdown` then `exit`: the server's loop ends with status 0.
func shutdown(_ s: InProcessServer) throws {
    _ = try s.client.call("shutdown")
    s.client.notify("exit")
    #expect(s.exitStatus() == 0)
}

extension JSON {
    var arrayValue: [JSON] { if case .array(let a) = self { return a }; return [] }
    var arrayCount: Int? { if case .array(let a) = self { return a.count }; return nil }
}
