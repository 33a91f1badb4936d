// A small HTTP/1.1 responder on SwiftNIO for Prometheus to scrape: `GET /metrics` answers the
// service's metrics in the text format; any other path is 404, any other method 405. Requests are
// bounded: NIO's parser refuses a head over 80 KiB, and a request body (a GET has none) over
// 1 KiB gets 413. One request per connection (`Connection: close`): a scrape every few seconds
// needs no more, and no idle connection outlives the service. A connection lives at most
// `connectionDeadline` (a client sending its request a byte at a time is cut off), and at most
// `maxConnections` are held at once (more are closed as they are accepted).

import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

public final class MetricsHTTPServer: Sendable {
    private let channel: any Channel
    /// The bound port (the one the system chose when 0 was asked for).
    public let port: Int

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    /// Listens on `address`; `render` produces the body of each `GET /metrics`.
    public static func start(_ address: FleetAddress, connectionDeadline: Duration = .seconds(10), maxConnections: Int = 64,
                             render: @escaping @Sendable () async -> [UInt8]) async throws -> MetricsHTTPServer {
        let held = Atomic<Int>(0)
        let deadlineMs = connectionDeadline.components.seconds * 1000 + connectionDeadline.components.attoseconds / 1_000_000_000_000_000
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                if held.wrappingAdd(1, ordering: .relaxed).newValue > maxConnections {
                    held.wrappingSubtract(1, ordering: .relaxed)
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in held.wrappingSubtract(1, ordering: .relaxed) }
                let cut = channel.eventLoop.scheduleTask(in: .milliseconds(max(1, deadlineMs))) { channel.close(promise: nil) }
                channel.closeFuture.whenComplete { _ in cut.cancel() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    // The deadline is for the client to send its request (a slow-loris client
                    // holds a slot); once it is in, the answer takes what the store takes.
                    try channel.pipeline.syncOperations.addHandler(MetricsRequestHandler(render: render, requestComplete: { cut.cancel() }))
                }
            }
        let host = address.host == "localhost" ? "127.0.0.1" : address.host
        let channel: any Channel
        do { channel = try await bootstrap.bind(host: host, port: address.port).get() } catch {
            throw FleetError.host("cannot listen for metrics on \(address): \(error)")
        }
        return MetricsHTTPServer(channel: channel, port: channel.localAddress?.port ?? address.port)
    }

    /// Closes the listener.
    public func stop() async {
        try? await channel.close()
    }
}

final class MetricsRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let maxBodyBytes = 1024
    private let render: @Sendable () async -> [UInt8]
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var refused = false

    private let requestComplete: () -> Void

    init(render: @escaping @Sendable () async -> [UInt8], requestComplete: @escaping () -> Void = {}) {
        self.render = render
        self.requestComplete = requestComplete
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            bodyBytes = 0
            refused = false
        case .body(let chunk):
            bodyBytes += chunk.readableBytes
            if bodyBytes > Self.maxBodyBytes && !refused {
                refused = true
                respond(context, .payloadTooLarge, text: "request body over \(Self.maxBodyBytes) bytes\n")
            }
        case .end:
            guard let head, !refused else { return }
            self.head = nil
            requestComplete()
            let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
            if path != "/metrics" {
                respond(context, .notFound, text: "not found: metrics are at /metrics\n")
            } else if head.method != .GET {
                respond(context, .methodNotAllowed, text: "only GET\n", extra: [("Allow", "GET")])
            } else {
                // The figures come from the store, which may answer over the network: the
                // response is written back on this channel's event loop once they are in.
                let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
                let body = context.eventLoop.makePromise(of: [UInt8].self)
                let render = self.render
                body.completeWithTask { await render() }
                body.futureResult.whenSuccess { bytes in
                    bound.value.handler.respond(bound.value.context, .ok, body: bytes, contentType: "text/plain; version=0.0.4; charset=utf-8")
                }
            }
        }
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, text: String, extra: [(String, String)] = []) {
        respond(context, status, body: Array(text.utf8), contentType: "text/plain; charset=utf-8", extra: extra)
    }

    /// Answers and closes the connection.
    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, body: [UInt8], contentType: String,
                         extra: [(String, String)] = []) {
        let headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(body.count)), ("Connection", "close")] + extra)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let done = context.writeAndFlushPromise()
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        let channel = context.channel
        done.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }
}

private extension ChannelHandlerContext {
    func writeAndFlushPromise() -> EventLoopPromise<Void> { eventLoop.makePromise() }
}
