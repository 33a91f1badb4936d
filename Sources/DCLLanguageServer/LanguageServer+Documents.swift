// Document life cycle and checking. Every open or change schedules a check after `debounce`
// of quiet; when the timer fires, the check runs on the worker only if no newer version has
// arrived since. A check that is already running when a newer version arrives finishes (the
// checker has no cancellation points), but its result is superseded: it is published only if
// its version is still the document's, and the newer version's check follows at once.

import Foundation

/// A document with the analysis of exactly its current text.
struct DocumentState {
    let document: TextDocument
    let analysis: Analysis
}

extension LanguageServer {
    func didOpen(_ p: DidOpenParams) {
        let d = TextDocument(uri: p.textDocument.uri, version: p.textDocument.version, text: p.textDocument.text)
        lock.lock()
        documents[d.uri] = d
        lock.unlock()
        scheduleCheck(d.uri, version: d.version, after: 0)
    }

    func didChange(_ p: DidChangeParams) {
        lock.lock()
        guard var d = documents[p.textDocument.uri] else {
            lock.unlock()
            log("`didChange` for `\(p.textDocument.uri)`, which is not open: ignored")
            return
        }
        d.apply(p.contentChanges, version: p.textDocument.version)
        documents[d.uri] = d
        lock.unlock()
        scheduleCheck(d.uri, version: d.version, after: debounce)
    }

    func didClose(_ p: DidCloseParams) {
        let uri = p.textDocument.uri
        lock.lock()
        documents[uri] = nil
        lock.unlock()
        // After any check still queued for it, so its diagnostics cannot reappear.
        worker.async { [self] in
            lock.lock()
            analyses[uri] = nil
            let reopened = documents[uri] != nil
            lock.unlock()
            if !reopened { publish(PublishDiagnosticsParams(uri: uri, version: nil, diagnostics: [])) }
        }
    }

    func scheduleCheck(_ uri: String, version: Int, after delay: TimeInterval) {
        let enqueue: @Sendable () -> Void = { [self] in
            guard isCurrent(uri, version) else { return }
            worker.async { [self] in
                guard isCurrent(uri, version) else { return }
                _ = currentState(uri, cancellable: true)
            }
        }
        if delay <= 0 { enqueue() } else { DispatchQueue.global().asyncAfter(deadline: .now() + delay, execute: enqueue) }
    }

    func isCurrent(_ uri: String, _ version: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return documents[uri]?.version == version
    }

    /// On the worker: the document with an analysis of its current text, checking (and
    /// publishing) first if needed; nil if the document is not open. A `cancellable` check (one
    /// only scheduled by an edit) stops early once a newer version arrives.
    func currentState(_ uri: String, cancellable: Bool = false) -> DocumentState? {
        lock.lock()
        guard let d = documents[uri] else {
            lock.unlock()
            return nil
        }
        if let a = analyses[uri], a.version == d.version {
            lock.unlock()
            return DocumentState(document: d, analysis: a.analysis)
        }
        lock.unlock()
        let version = d.version
        let analysis = checker.analyze(path: DocumentURI.checkPath(of: uri), bytes: d.bytes,
                                       isCancelled: cancellable ? { [self] in !isCurrent(uri, version) } : { false })
        lock.lock()
        let stillCurrent = documents[uri]?.version == d.version
        // The analysis replaced is freed after publishing, off the latency path.
        var replaced: Analysis?
        if stillCurrent {
            replaced = analyses[uri]?.analysis
            analyses[uri] = (d.version, analysis)
        }
        lock.unlock()
        defer { withExtendedLifetime(replaced) {} }
        if stillCurrent {
            publish(PublishDiagnosticsParams(uri: uri, version: d.version,
                                             diagnostics: DiagnosticConversion.convert(analysis, uri: uri, stdlib: stdlib)))
            onPublish?(uri, d.version)
        }
        return DocumentState(document: d, analysis: analysis)
    }

    func publish(_ p: PublishDiagnosticsParams) {
        guard let params = try? JSON.from(p) else { return }
        writer.send(OutgoingMessage.notification("textDocument/publishDiagnostics", params))
    }
}
