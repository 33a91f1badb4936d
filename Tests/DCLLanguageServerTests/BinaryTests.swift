// The real `dcl lsp` process over pipes: its diagnostics for a broken script equal
// `dcl check --diagnostics json`'s, hover reads a layer line's shape, and `shutdown` + `exit`
// end it with status 0.

import DCLLanguageServer
import Foundation
import DCLTestScratch
import Testing

/// The `dcl` binary built next to the tests (`DCL_TEST_BINARY` if set).
func dclBinary() -> String? {
    if let p = ProcessInfo.processInfo.environment["DCL_TEST_BINARY"], !p.isEmpty { return FileManager.default.isExecutableFile(atPath: p) ? p : nil }
    var dirs: [String] = []
    for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") { dirs.append((b.bundlePath as NSString).deletingLastPathComponent) }
    dirs.append((CommandLine.arguments[0] as NSString).deletingLastPathComponent)
    dirs.append(repositoryRoot.appendingPathComponent(".build/debug").path)
    return dirs.map { ($0 as NSString).appendingPathComponent("dcl") }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

@Suite(.serialized, .timeLimit(.minutes(2)), .ownThreads) struct BinaryTests {
    @Test func dclLspOverPipes() throws {
        let binary = try #require(dclBinary(), "the dcl binary was not built next to the tests")
        let dir = try temporaryDirectory("binary")
        let text = "import std.vision\n" + tinyModel + "\nlet bad = lenet(size: 4)\nlet q = undefined_name\n"
        let path = try writeFile(text, "b.dcl", in: dir)

        // `dcl check --diagnostics json`.
        let check = Process()
        check.executableURL = URL(fileURLWithPath: binary)
        check.arguments = ["check", "--diagnostics", "json", path]
        let err = Pipe()
        check.standardError = err
        check.standardOutput = FileHandle.nullDevice
        try check.run()
        let checkOutput = err.fileHandleForReading.readDataToEndOfFile()
        check.waitUntilExit()
        let expected = String(decoding: checkOutput, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONDecoder().decode(JSON.self, from: Data($0.utf8))
        }
        #expect(!expected.isEmpty)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["lsp"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = FileHandle.nullDevice
        try p.run()
        let c = LSPClient(toServer: input.fileHandleForWriting, fromServer: output.fileHandleForReading.fileDescriptor)
        try c.initialize()
        let uri = DocumentURI.uri(forPath: path)
        c.open(uri, text)
        let got = try c.diagnostics(uri, version: 1)
        #expect(got.count == expected.count)
        for (g, e) in zip(got, expected) {
            #expect(g["code"] == e["code"])
            #expect(g["message"]?.stringValue?.hasPrefix(e["message"]?.stringValue ?? "?") == true)
            if e["file"]?.stringValue == path {
                #expect(g["range"]?["start"]?["line"]?.intValue == (e["line"]?.intValue ?? 0) - 1)
                #expect(g["range"]?["start"]?["character"]?.intValue == (e["column"]?.intValue ?? 0) - 1)
            }
        }
        // Shapes are not checked while the script has static errors: fix it, then hover the pooling line.
        c.change(uri, version: 2, range: (15, 0, 16, 22), text: "")
        _ = try c.diagnostics(uri, version: 2)
        let hover = try c.call("textDocument/hover", LSPClient.at(uri, 5, 6))
        #expect(hover["contents"]?["value"]?.stringValue?.contains("`[N, 6, 12, 12]`") == true)
        _ = try c.call("shutdown")
        c.notify("exit")
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }
}
