// What the service holds for peers that connect and do not use the connection. A peer that opens
// connections and never finishes a request (slow-loris: a TLS handshake or an HTTP/2 preface a
// byte at a time, or nothing at all), or simply opens thousands, would otherwise hold a socket, an
// HTTP/2 state machine and buffers per connection for as long as it likes. So:
// * a connection that has not started an RPC `firstRPCDeadline` after it was accepted is closed
//   (the transport's idle timer does not cover a connection whose preface never completed);
// * past `limit` connections held, a new one is closed as it is accepted.
// Connections idle after RPCs, or whose peer vanished, are closed by the transport's own timers
// (FleetLimits.maxIdleConnection, keepalive), which free their slots here too.

import NIOCore
import Synchronization

final class ConnectionGate: Sendable {
    let limit: Int
    let firstRPCDeadline: Duration
    private let open = Atomic<Int>(0)
    private let refusedCount = Atomic<Int>(0)
    private let cutCount = Atomic<Int>(0)
    private let startedCount = Atomic<Int>(0)

    init(limit: Int, firstRPCDeadline: Duration) {
        self.limit = limit
        self.firstRPCDeadline = firstRPCDeadline
    }

    /// Connections held now.
    var openConnections: Int { open.load(ordering: .relaxed) }
    /// Connections closed on arrival because `limit` were held.
    var refused: Int { refusedCount.load(ordering: .relaxed) }
    /// Connections closed because they started no RPC by `firstRPCDeadline`.
    var cut: Int { cutCount.load(ordering: .relaxed) }
    /// Connections whose first RPC stopped their deadline.
    var started: Int { startedCount.load(ordering: .relaxed) }

    /// Runs as the transport accepts `channel` (its accept callback): counts it until it closes,
    /// or closes it at once when `limit` connections are already held.
    func admit(_ channel: any Channel) -> EventLoopFuture<Void> {
        if open.wrappingAdd(1, ordering: .relaxed).newValue > limit {
            open.wrappingSubtract(1, ordering: .relaxed)
            refusedCount.wrappingAdd(1, ordering: .relaxed)
            return channel.close()
        }
        channel.closeFuture.whenComplete { _ in self.open.wrappingSubtract(1, ordering: .relaxed) }
        let deadline = firstRPCDeadline
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(FirstRPCDeadline(deadline, onCut: { self.cutCount.wrappingAdd(1, ordering: .relaxed) }),
                                                           position: .first)
        }
    }

    /// Runs as the transport accepts an RPC's stream: its connection is in use.
    func rpcStarted(_ stream: any Channel) -> EventLoopFuture<Void> {
        if let connection = stream.parent, connection.eventLoop.inEventLoop,
           let deadline = try? connection.pipeline.syncOperations.handler(type: FirstRPCDeadline.self),
           deadline.rpcStarted() {
            startedCount.wrappingAdd(1, ordering: .relaxed)
        }
        return stream.eventLoop.makeSucceededVoidFuture()
    }
}

/// Closes its connection unless an RPC starts on it within the deadline. First in the pipeline,
/// it passes every byte and event on untouched.
private final class FirstRPCDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private let deadline: Duration
    private let onCut: @Sendable () -> Void
    private var timer: Scheduled<Void>?
    private var started = false

    init(_ deadline: Duration, onCut: @escaping @Sendable () -> Void) {
        self.deadline = deadline
        self.onCut = onCut
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loop = context.eventLoop.assumeIsolated()
        let ms = deadline.components.seconds * 1000 + deadline.components.attoseconds / 1_000_000_000_000_000
        timer = loop.scheduleTask(in: .milliseconds(max(1, ms))) { [self] in
            guard !started else { return }
            onCut()
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    /// Marks the connection in use; true the first time.
    func rpcStarted() -> Bool {
        guard !started else { return false }
        started = true
        timer?.cancel()
        timer = nil
        return true
    }
}
