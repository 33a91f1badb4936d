// A scripted LSP client for the tests: frames requests onto a pipe, reads framed messages back
// on a thread of its own, and waits for a matching message with a deadline, so a test that
// gets no answer fails in bounded time instead of hanging.

import DCLLanguageServer
import Foundation
import Testing

final class LSPClient: @unchecked Sendable {
    let toServer: FileHandle
    private let condition = NSCondition()
    private var received: [JSON] = []
    private var closed = false
    private var nextID = 1
    let timeout: TimeInterval

    /// Reads from `fromServer` until it closes. The timeout is generous: an answer takes
    /// milliseconds on an idle machine, but under the whole suite on 2 cores (CI) one took over
    /// 30 s while the test process's few cooperative threads were held by other tests.
    init(toServer: FileHandle, fromServer: Int32, timeout: TimeInterval = 90) {
        self.toServer = toServer
        self.timeout = timeout
        let reader = MessageReader(fd: fromServer)
        let t = Thread { [self] in
            while let item = reader.next() {
                if case .body(let b) = item, let j = try? JSONDecoder().decode(JSON.self, from: Data(b)) {
                    condition.lock(); received.append(j); condition.broadcast(); condition.unlock()
                }
            }
            condition.lock(); closed = true; condition.broadcast(); condition.unlock()
        }
        t.start()
    }

    func sendRaw(_ bytes: [UInt8]) { toServer.write(Data(bytes)) }

    func send(_ message: JSON) {
        let body = try! JSONEncoder().encode(message)
        sendRaw(Array("Content-Length: \(body.count)\r\n\r\n".utf8) + Array(body))
    }

    /// Sends a request; returns its id.
    @discardableResult
    func request(_ method: String, _ params: JSON = .null) -> Int {
        let id = nextID
        nextID += 1
        send(.object(["jsonrpc": .string("2.0"), "id": .number(Double(id)), "method": .string(method), "params": params]))
        return id
    }

    func notify(_ method: String, _ params: JSON = .null) {
        send(.object(["jsonrpc": .string("2.0"), "method": .string(method), "params": params]))
    }

    /// The first received message satisfying `match` (removed from the inbox), waiting up to the timeout.
    func wait(_ what: String, _ match: (JSON) -> Bool) throws -> JSON {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let i = received.firstIndex(where: match) { return received.remove(at: i) }
            if closed || !condition.wait(until: deadline) {
                Issue.record("no \(what) within \(timeout) s (closed: \(closed)); received: \(received)")
                throw TimedOut()
            }
        }
    }

    struct TimedOut: Error {}

    /// The response to request `id`.
    func response(_ id: Int) throws -> JSON {
        try wait("response to \(id)") { $0["id"]?.intValue == id && $0["method"] == nil }
    }

    /// Sends a request and returns its `result` (recording an issue if it failed).
    func call(_ method: String, _ params: JSON = .null) throws -> JSON {
        let r = try response(request(method, params))
        if let e = r["error"] { Issue.record("\(method) failed: \(e)") }
        return r["result"] ?? .null
    }

    /// The next diagnostics published for `uri` (at `version`, if given).
    func diagnostics(_ uri: String, version: Int? = nil) throws -> [JSON] {
        let m = try wait("diagnostics for \(uri) v\(version.map(String.init) ?? "any")") {
            $0["method"]?.stringValue == "textDocument/publishDiagnostics" && $0["params"]?["uri"]?.stringValue == uri
                && (version == nil || $0["params"]?["version"]?.intValue == version)
        }
        guard case .array(let a)? = m["params"]?["diagnostics"] else { return [] }
        return a
    }

    func initialize(_ options: JSON = .null) throws {
        _ = try call("initialize", .object(["processId": .null, "rootUri": .null, "capabilities": .object([:]),
                                            "initializationOptions": options]))
        notify("initialized", .object([:]))
    }

    func open(_ uri: String, _ text: String, version: Int = 1) {
        notify("textDocument/didOpen", .object(["textDocument": .object([
            "uri": .string(uri), "languageId": .string("dcl"), "version": .number(Double(version)), "text": .string(text)])]))
    }

    func change(_ uri: String, version: Int, range: (Int, Int, Int, Int)?, text: String) {
        var change: [String: JSON] = ["text": .string(text)]
        if let r = range { change["range"] = LSPClient.range(r.0, r.1, r.2, r.3) }
        notify("textDocument/didChange", .object(["textDocument": .object(["uri": .string(uri), "version": .number(Double(version))]),
                                                  "contentChanges": .array([.object(change)])]))
    }

    static func position(_ line: Int, _ character: Int) -> JSON {
        .object(["line": .number(Double(line)), "character": .number(Double(character))])
    }

    static func range(_ l0: Int, _ c0: Int, _ l1: Int, _ c1: Int) -> JSON {
        .object(["start": position(l0, c0), "end": position(l1, c1)])
    }

    static func at(_ uri: String, _ line: Int, _ character: Int) -> JSON {
        .object(["textDocument": .object(["uri": .string(uri)]), "position": position(line, character)])
    }
}

/// A server running in this process on a pair of pipes, with a client on the other ends.
final class InProcessServer: @unchecked Sendable {
    let client: LSPClient
    let server: LanguageServer
    private let done = DispatchSemaphore(value: 0)
    private var status: Int32?
    // Kept: a pipe closes its descriptors when released.
    private let input: Pipe
    private let output: Pipe

    init(maxMessageBytes: Int = 64 * 1024 * 1024) {
        let input = Pipe(), output = Pipe()
        self.input = input
        self.output = output
        server = LanguageServer(checker: PipelineCheckerForTests.make(), input: input.fileHandleForReading.fileDescriptor,
                                output: output.fileHandleForWriting.fileDescriptor, maxMessageBytes: maxMessageBytes,
                                log: { _ in })  // the tests read errors from responses
        client = LSPClient(toServer: input.fileHandleForWriting, fromServer: output.fileHandleForReading.fileDescriptor)
        let t = Thread { [self] in
            status = server.run()
            done.signal()
        }
        t.stackSize = 16 * 1024 * 1024
        t.start()
    }

    /// The server's exit status once its loop ends (nil if it does not within `timeout`).
    func exitStatus(timeout: TimeInterval = 10) -> Int32? {
        done.wait(timeout: .now() + timeout) == .success ? status : nil
    }

    /// Closes the client's end (end of input for the server).
    func closeInput() { try? input.fileHandleForWriting.close() }
}
