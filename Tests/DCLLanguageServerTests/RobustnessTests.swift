// The server stays up through malformed and out-of-order traffic, and follows the life cycle
// (status 0 after `shutdown` + `exit`, 1 otherwise).

import DCLLanguageServer
import DCLTestScratch
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)), .ownThreads) struct RobustnessTests {
    /// Whether the server still answers: a `shutdown`-free probe (an unknown request).
    func alive(_ c: LSPClient) throws {
        let r = try c.response(c.request("dcl/probe"))
        #expect(r["error"]?["code"]?.intValue == -32601)
    }

    @Test func requestsBeforeInitializeAndUnknownMethods() throws {
        let s = InProcessServer()
        let early = try s.client.response(s.client.request("textDocument/hover", LSPClient.at("file:///x.dcl", 0, 0)))
        #expect(early["error"]?["code"]?.intValue == -32002)
        s.client.notify("textDocument/didOpen", .object([:]))  // ignored before initialize
        try s.client.initialize()
        let twice = try s.client.response(s.client.request("initialize", .object([:])))
        #expect(twice["error"]?["code"]?.intValue == -32600)
        s.client.notify("dcl/unknownNotification", .object([:]))  // ignored
        try alive(s.client)
        // A request about a document that is not open, and params of the wrong shape.
        let notOpen = try s.client.response(s.client.request("textDocument/hover", LSPClient.at("file:///nope.dcl", 0, 0)))
        #expect(notOpen["error"]?["code"]?.intValue == -32602)
        let badParams = try s.client.response(s.client.request("textDocument/hover", .string("x")))
        #expect(badParams["error"]?["code"]?.intValue == -32602)
        try shutdown(s)
    }

    @Test func malformedMessages() throws {
        let s = InProcessServer(maxMessageBytes: 1024)
        try s.client.initialize()
        func parseError() throws -> JSON {
            try s.client.wait("parse error") { $0["error"]?["code"]?.intValue == -32700 }
        }
        // Not JSON.
        try alive(s.client)
        s.client.sendRaw(Array("Content-Length: 5\r\n\r\nhello".utf8))
        #expect(try parseError()["id"] == .null)
        // Invalid UTF-8 inside a string.
        let bad: [UInt8] = Array("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"x\",\"params\":\"".utf8) + [0xFF, 0xFE] + Array("\"}".utf8)
        s.client.sendRaw(Array("Content-Length: \(bad.count)\r\n\r\n".utf8) + bad)
        #expect(try parseError()["error"]?["message"]?.stringValue?.contains("UTF-8") == true)
        // A header line without a colon, then a negative and a non-numeric length.
        s.client.sendRaw(Array("Garbage\r\n\r\n".utf8))
        _ = try parseError()
        s.client.sendRaw(Array("Content-Length: -5\r\n\r\n".utf8))
        _ = try parseError()
        s.client.sendRaw(Array("Content-Length: 1e9\r\n\r\n".utf8))
        _ = try parseError()
        // Over the limit: skipped without being held, and the stream stays in step.
        let big = "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":\"" + String(repeating: "a", count: 5000) + "\"}"
        s.client.sendRaw(Array("Content-Length: \(big.utf8.count)\r\n\r\n\(big)".utf8))
        #expect(try parseError()["error"]?["message"]?.stringValue?.contains("over the limit") == true)
        // A header line longer than any header.
        s.client.sendRaw(Array(("X-Long: " + String(repeating: "b", count: 20_000) + "\r\n\r\n").utf8))
        _ = try parseError()
        // Valid JSON that is not a request: no method, an id of the wrong type.
        s.client.send(.object(["jsonrpc": .string("2.0"), "id": .number(3)]))
        #expect(try s.client.wait("invalid request") { $0["error"]?["code"]?.intValue == -32600 }["id"]?.intValue == 3)
        s.client.send(.object(["jsonrpc": .string("2.0"), "id": .bool(true), "method": .string("x")]))
        _ = try s.client.wait("invalid request") { $0["error"]?["code"]?.intValue == -32600 }
        try alive(s.client)
        try shutdown(s)
    }

    @Test func exitWithoutShutdownIsStatusOne() throws {
        let s = InProcessServer()
        try s.client.initialize()
        s.client.notify("exit")
        #expect(s.exitStatus() == 1)
        let t = InProcessServer()
        try t.client.initialize()
        t.closeInput()
        #expect(t.exitStatus() == 1)
    }

    @Test func requestsAfterShutdownAreRefused() throws {
        let s = InProcessServer()
        try s.client.initialize()
        _ = try s.client.call("shutdown")
        let r = try s.client.response(s.client.request("textDocument/hover", LSPClient.at("file:///x.dcl", 0, 0)))
        #expect(r["error"]?["code"]?.intValue == -32600)
        s.client.notify("exit")
        #expect(s.exitStatus() == 0)
    }

    @Test func rapidEditsPublishTheLastVersion() throws {
        let s = InProcessServer()
        try s.client.initialize()
        let uri = "file:///tmp/dcl-lsp-rapid/r.dcl"
        s.client.open(uri, "let a = 1\n")
        #expect(try s.client.diagnostics(uri, version: 1).isEmpty)
        // Type `print b` one character at a time, then define nothing: the final text has one error.
        var text = "let a = 1\n"
        for (i, ch) in "print b".enumerated() {
            s.client.change(uri, version: i + 2, range: (1, i, 1, i), text: String(ch))
            text += String(ch)
        }
        let last = try s.client.diagnostics(uri, version: 8)
        #expect(last.count == 1)
        #expect(last.first?["message"]?.stringValue?.contains("`b`") == true)
        // A cancelled request is answered with RequestCancelled or its result, never dropped.
        let id = s.client.request("textDocument/hover", LSPClient.at(uri, 1, 6))
        s.client.notify("$/cancelRequest", .object(["id": .number(Double(id))]))
        let r = try s.client.response(id)
        #expect(r["error"]?["code"]?.intValue == -32800 || r["result"] != nil)
        try shutdown(s)
    }
}
