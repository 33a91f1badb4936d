// `dcl lsp`: a Language Server Protocol server over a pair of file descriptors (stdin/stdout).
//
// The message loop (the calling thread) reads, decodes and dispatches; it never checks a
// document. Checks and the requests that read their results run in order on one worker thread
// (`WorkQueue`), so a slow check never delays reading — a newer edit, a `$/cancelRequest` or
// `exit` is seen at once. Life cycle, as the specification sets it: requests before
// `initialize` get -32002, requests after `shutdown` get -32600, unknown requests -32601,
// unknown notifications are ignored; `exit` ends the loop with status 0 after `shutdown`,
// 1 otherwise (also when input ends without `exit`).

import DCLDiagnostics
import Foundation

public final class LanguageServer: @unchecked Sendable {
    let checker: DocumentChecker
    let reader: MessageReader
    let writer: MessageWriter
    let log: (String) -> Void
    let stdlib: StdLibFiles
    /// Quiet time after an edit before the document is checked.
    public var debounce: TimeInterval = 0.05
    let worker = WorkQueue(name: "dcl-lsp-check")

    // Shared between the loop and the worker, under `lock`.
    let lock = NSLock()
    var documents: [String: TextDocument] = [:]
    var analyses: [String: (version: Int, analysis: Analysis)] = [:]
    /// Requests queued on the worker, and those of them a `$/cancelRequest` named.
    var pending: Set<RequestID> = []
    var cancelled: Set<RequestID> = []
    var configuration = ServerConfiguration()
    /// Called (on the worker) after diagnostics are published: uri, version (tests, benchmark).
    public var onPublish: ((String, Int) -> Void)?

    // Loop-only state.
    private var initialized = false
    private var shutdownRequested = false

    public init(checker: DocumentChecker, input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO,
                maxMessageBytes: Int = 64 * 1024 * 1024, stdlib: StdLibFiles = StdLibFiles(),
                log: @escaping (String) -> Void = { FileHandle.standardError.write(Data(("dcl lsp: " + $0 + "\n").utf8)) }) {
        self.checker = checker
        self.reader = MessageReader(fd: input, maxBody: maxMessageBytes)
        self.writer = MessageWriter(fd: output)
        self.log = log
        self.stdlib = stdlib
    }

    /// Serves until `exit` or end of input; returns the process's exit status.
    public func run() -> Int32 {
        // A client that goes away mid-write must not kill the server with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        while let item = reader.next() {
            switch item {
            case .framingError(let message):
                log(message)
                writer.send(OutgoingMessage.error(id: nil, ResponseError(ErrorCode.parseError, message)))
            case .body(let bytes):
                if let status = handle(bytes) { return status }
            }
        }
        return shutdownRequested ? 0 : 1
    }

    /// Handles one message body; returns an exit status when the server must stop.
    func handle(_ bytes: [UInt8]) -> Int32? {
        let body: JSON
        do {
            body = try JSONDecoder().decode(JSON.self, from: Data(bytes))
        } catch {
            let message = String(validatingUTF8: bytes.map { CChar(bitPattern: $0) } + [0]) == nil
                ? "the message is not valid UTF-8" : "the message is not valid JSON"
            log(message)
            writer.send(OutgoingMessage.error(id: nil, ResponseError(ErrorCode.parseError, message)))
            return nil
        }
        let message: IncomingMessage
        do {
            message = try IncomingMessage.parse(body)
        } catch let e as InvalidMessage {
            log(e.error.message)
            writer.send(OutgoingMessage.error(id: e.id, e.error))
            return nil
        } catch {
            return nil
        }
        switch message {
        case .response:
            return nil
        case .notification(let method, let params):
            if method == "exit" { return shutdownRequested ? 0 : 1 }
            guard initialized else { return nil }
            notification(method, params)
            return nil
        case .request(let id, let method, let params):
            if method == "initialize" {
                guard !initialized else {
                    reply(id, error: ResponseError(ErrorCode.invalidRequest, "`initialize` was already received"))
                    return nil
                }
                initialized = true
                lock.lock()
                configuration.update(from: params["initializationOptions"])
                lock.unlock()
                reply(id, result: Capabilities.initializeResult)
                return nil
            }
            guard initialized else {
                reply(id, error: ResponseError(ErrorCode.serverNotInitialized, "the server is not initialized: send `initialize` first"))
                return nil
            }
            guard !shutdownRequested else {
                reply(id, error: ResponseError(ErrorCode.invalidRequest, "the server is shutting down: only `exit` is accepted"))
                return nil
            }
            request(id, method, params)
            return nil
        }
    }

    func notification(_ method: String, _ params: JSON) {
        do {
            switch method {
            case "textDocument/didOpen": didOpen(try params.decode(DidOpenParams.self))
            case "textDocument/didChange": didChange(try params.decode(DidChangeParams.self))
            case "textDocument/didClose": didClose(try params.decode(DidCloseParams.self))
            case "workspace/didChangeConfiguration":
                lock.lock()
                configuration.update(from: params["settings"])
                lock.unlock()
            case "$/cancelRequest":
                let p = try params.decode(CancelParams.self)
                lock.lock()
                if pending.contains(p.id) { cancelled.insert(p.id) }
                lock.unlock()
            default:
                break  // `initialized`, `$/setTrace`, anything unknown: nothing to do
            }
        } catch {
            log("ignored `\(method)`: its params do not match the specification (\(error))")
        }
    }

    func request(_ id: RequestID, _ method: String, _ params: JSON) {
        switch method {
        case "shutdown":
            shutdownRequested = true
            reply(id, result: .null)
        case "textDocument/hover":
            onWorker(id, params, PositionParams.self) { s, p, a in try JSON.from(s.hover(p, a)) }
        case "textDocument/inlayHint":
            onWorker(id, params, RangeParams.self) { s, p, a in try JSON.from(s.inlayHints(p, a)) }
        case "textDocument/completion":
            onWorker(id, params, PositionParams.self) { s, p, a in try JSON.from(s.completion(p, a)) }
        case "textDocument/definition":
            onWorker(id, params, PositionParams.self) { s, p, a in try JSON.from(s.definition(p, a)) }
        case "textDocument/documentSymbol":
            onWorker(id, params, DocumentParams.self) { s, p, a in try JSON.from(s.documentSymbols(p, a)) }
        case "textDocument/formatting":
            onWorker(id, params, DocumentParams.self) { s, p, a in try JSON.from(s.formatting(p, a)) }
        case "textDocument/prepareRename":
            onWorker(id, params, PositionParams.self) { s, p, a in try JSON.from(s.prepareRename(p, a)) }
        case "textDocument/rename":
            onWorker(id, params, RenameParams.self) { s, p, a in try JSON.from(s.rename(p, a)) }
        default:
            reply(id, error: ResponseError(ErrorCode.methodNotFound, "unknown method `\(method)`"))
        }
    }

    func reply(_ id: RequestID, result: JSON) { writer.send(OutgoingMessage.response(id: id, result: result)) }
    func reply(_ id: RequestID, error: ResponseError) { writer.send(OutgoingMessage.error(id: id, error)) }

    /// Runs a document request on the worker with the document's current analysis (checking it
    /// first if an edit is still waiting for its check).
    func onWorker<P: Decodable & DocumentRequest>(_ id: RequestID, _ params: JSON, _ type: P.Type,
                                                  _ body: @escaping (LanguageServer, P, DocumentState) throws -> JSON) {
        let p: P
        do { p = try params.decode(P.self) } catch {
            reply(id, error: ResponseError(ErrorCode.invalidParams, "invalid params: \(error)"))
            return
        }
        lock.lock()
        pending.insert(id)
        lock.unlock()
        worker.async { [self] in
            lock.lock()
            let wasCancelled = cancelled.remove(id) != nil
            pending.remove(id)
            lock.unlock()
            if wasCancelled {
                reply(id, error: ResponseError(ErrorCode.requestCancelled, "cancelled"))
                return
            }
            guard let state = currentState(p.documentURI) else {
                reply(id, error: ResponseError(ErrorCode.invalidParams, "document `\(p.documentURI)` is not open"))
                return
            }
            do {
                reply(id, result: try body(self, p, state))
            } catch let e as ResponseError {
                reply(id, error: e)
            } catch {
                reply(id, error: ResponseError(ErrorCode.internalError, "\(error)"))
            }
        }
    }
}

/// Requests about one document.
protocol DocumentRequest { var documentURI: String { get } }
extension PositionParams: DocumentRequest { var documentURI: String { textDocument.uri } }
extension RangeParams: DocumentRequest { var documentURI: String { textDocument.uri } }
extension DocumentParams: DocumentRequest { var documentURI: String { textDocument.uri } }
extension RenameParams: DocumentRequest { var documentURI: String { textDocument.uri } }
