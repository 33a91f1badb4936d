// The device side: one process serving a range of devices. It joins with the run's join token,
// gets one token per device and a session token, then loops: a long-poll leases the next task of
// as many of its devices as it has free slots (`concurrency`); for each it fetches the objects it
// lacks and runs the caller's handler on a thread of its own; finished outcomes go up in batched
// pushes (HostSession.swift). It stops when the service says the run is finished. If the service goes away it
// reconnects with exponential backoff and joins again, presenting the device tokens it holds.

import DCLFleetProto
import Dispatch
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization

public final class FleetDeviceHost: Sendable {
    /// Runs one work item of one device. It may block (training runs here): it runs on a
    /// thread of its own, not on Swift's cooperative pool.
    public typealias Handler = @Sendable (WorkItem) throws -> WorkOutcome

    public struct Configuration: Sendable {
        public var service: FleetAddress
        /// Other replicas of the service (sharing its store): when the one in use cannot be
        /// reached, the host tries the next, in turn, and joins there with its device tokens.
        public var replicas: [FleetAddress] = []
        public var devices: Range<Int>
        public var joinToken: String
        /// Handlers running at once (K); devices beyond that wait their turn.
        public var concurrency: Int
        public var insecure: Bool
        /// The trust roots to check the service's certificate with; nil: plaintext.
        public var tls: FleetClientTLS?
        /// How long one long-poll may wait for work.
        public var pollWait: Duration
        public var backoff: BackoffPolicy
        public var limits: FleetLimits
        /// Bytes of objects kept in the host's cache (oldest out first; an object larger than
        /// the cache is still held while it is the newest). Shared objects — a fleet's graph and
        /// weights — are fetched once while they stay; one-off objects pass through.
        public var cacheBytes: Int
        public static let defaultCacheBytes = 256 << 20

        public init(service: FleetAddress, devices: Range<Int>, joinToken: String, concurrency: Int = 1, insecure: Bool = false, tls: FleetClientTLS? = nil,
                    pollWait: Duration = .seconds(5), backoff: BackoffPolicy = BackoffPolicy(), limits: FleetLimits = FleetLimits(),
                    cacheBytes: Int = Configuration.defaultCacheBytes) {
            self.service = service
            self.devices = devices
            self.joinToken = joinToken
            self.concurrency = concurrency
            self.insecure = insecure
            self.tls = tls
            self.pollWait = pollWait
            self.backoff = backoff
            self.limits = limits
            self.cacheBytes = cacheBytes
        }
    }

    let configuration: Configuration
    let handler: Handler
    /// Told, after each task's result is pushed, its kind and how long it took from the moment
    /// the service found it for this host (a poll's start plus the poll's idle wait, which the
    /// service reports) to the push's answer (`dcl bench serve` measures round trips with it).
    let taskFinished: (@Sendable (String, Duration) -> Void)?
    /// Message bytes this host sent (up) and received (down).
    public let traffic = TrafficCounter()
    let cache: BlobCache
    private let tokens = Mutex<[Int: String]>([:])
    private let leavingFlag = Mutex(false)
    let leaving = ChangeSignal()
    private let handlerQueue = DispatchQueue(label: "dcl.fleet.handlers", attributes: .concurrent)

    public init(_ configuration: Configuration, taskFinished: (@Sendable (String, Duration) -> Void)? = nil, handler: @escaping Handler) throws {
        if configuration.tls == nil {
            for address in [configuration.service] + configuration.replicas { try address.checkPlaintextAllowed(insecure: configuration.insecure) }
        }
        guard configuration.concurrency >= 1 else { throw FleetError.host("concurrency must be at least 1, not \(configuration.concurrency)") }
        guard !configuration.devices.isEmpty, configuration.devices.lowerBound >= 0,
              configuration.devices.upperBound <= configuration.limits.maxDeviceIndex else {
            throw FleetError.host("bad device range \(configuration.devices)")
        }
        guard !configuration.joinToken.isEmpty else { throw FleetError.joinToken("the join token is empty") }
        self.configuration = configuration
        self.handler = handler
        // Each device's token is proposed by the host from the start, so that joining is
        // idempotent: a join whose answer is lost is repeated with the same tokens.
        tokens.withLock { t in for device in configuration.devices { t[device] = Digest.newToken() } }
        self.taskFinished = taskFinished
        self.cache = BlobCache(capacity: configuration.cacheBytes)
    }

    /// Asks the host to leave (`dcl device` on SIGTERM or SIGINT): it starts no new task, lets
    /// the ones running finish and pushes their results, tells the service it leaves, and then
    /// `run` returns. Returns at once.
    public func leave() {
        leavingFlag.withLock { $0 = true }
        leaving.bump()
    }

    /// Whether `leave` was called.
    public var isLeaving: Bool { leavingFlag.withLock { $0 } }

    /// Returns once `leave` is called (or the task is cancelled).
    func untilLeaving() async {
        while !isLeaving && !Task.isCancelled {
            let seen = leaving.generation
            if isLeaving { return }
            await leaving.wait(seen: seen, timeout: .seconds(1))
        }
    }

    /// The tokens the service gave this host's devices (a restarted host presents them again).
    public var deviceTokens: [Int: String] { tokens.withLock { $0 } }
    /// Objects this host fetched from the service (each distinct one once while cached).
    public var objectsFetched: Int { cache.fetches }

    /// Serves the devices until the service says the run is finished. Throws when the service
    /// refuses the host (a wrong join token, a device claimed by another host) or stays
    /// unreachable for the whole backoff schedule; `CancellationError` when cancelled.
    public func run() async throws {
        var delays = configuration.backoff.delays().makeIterator()
        let addresses = [configuration.service] + configuration.replicas
        var attempt = 0
        while true {
            let joined = Slot<Bool>()
            let address = addresses[attempt % addresses.count]
            attempt &+= 1
            do {
                let tls = configuration.tls
                let limits = configuration.limits
                let transport = try HTTP2ClientTransport.Posix(target: address.resolvableTarget(tls: tls != nil),
                                                               transportSecurity: tls?.transportSecurity ?? .plaintext,
                                                               config: .defaults { config in
                                                                   config.http2.targetWindowSize = limits.receiveWindowBytes
                                                                   config.http2.maxFrameSize = limits.maxFrameBytes
                                                               })
                try await withClientEndingOnCancel(transport: transport) { client in
                    try await HostSession(host: self, client: Dcl_Fleet_V1_Fleet.Client(wrapping: client)).run {
                        joined.set(true)
                    }
                }
                return
            } catch {
                if Task.isCancelled || error is CancellationError { throw CancellationError() }
                if let refusal = Self.refusal(error) { throw refusal }
                // A certificate this host does not trust stays untrusted: no point retrying.
                if let distrust = configuration.tls?.distrust(error, address: address) { throw distrust }
                // A session that got as far as joining starts the backoff schedule afresh.
                if joined.get() == true { delays = configuration.backoff.delays().makeIterator() }
                // A host asked to leave while the service is out of reach has nobody to tell.
                if isLeaving { return }
                guard let delay = delays.next() else {
                    throw FleetError.host("gave up reaching \(addresses.map { "\($0)" }.joined(separator: " or ")) after \(configuration.backoff.maxAttempts) attempts: \(error)")
                }
                let seen = leaving.generation
                if isLeaving { return }
                await leaving.wait(seen: seen, timeout: delay)
                try Task.checkCancellation()
                if isLeaving { return }
            }
        }
    }

    /// `run`, for a synchronous caller (the `dcl device` process's main thread).
    public func runBlocking() throws {
        try blocking { try await self.run() }
    }

    /// Errors that reconnecting cannot fix: the service refused this host.
    static func refusal(_ error: any Error) -> FleetError? {
        if let error = error as? FleetError { return error }
        guard let rpc = error as? RPCError else { return nil }
        switch rpc.code {
        case .permissionDenied, .invalidArgument, .failedPrecondition, .dataLoss, .resourceExhausted, .unimplemented:
            return FleetError.host("the service refused: \(rpc.code): \(rpc.message)")
        case .unauthenticated where rpc.message.contains("join token"):
            return FleetError.host("the service refused: \(rpc.code): \(rpc.message)")
        default:
            return nil
        }
    }

    func remember(_ newTokens: [Int: String]) { tokens.withLock { $0.merge(newTokens) { _, new in new } } }

    /// Runs the handler on the host's own threads.
    func runHandler(_ item: WorkItem) async -> Result<WorkOutcome, any Error> {
        await withCheckedContinuation { continuation in
            handlerQueue.async { [handler] in
                continuation.resume(returning: Result { try handler(item) })
            }
        }
    }
}

/// `withGRPCClient`, except for what cancelling the caller does (every client of the fleet's
/// protocol — device hosts, `dcl status`, the tests' raw clients — goes through this one). `withGRPCClient` runs the
/// client's connections in a child task, so cancelling the host cancels them together with the
/// session's RPCs. An RPC that reaches the channel's queue just after its task was cancelled
/// (its cancellation handler already ran and found nothing to dequeue) while the channel is
/// idle is queued without a second look at cancellation (grpc-swift-nio-transport 2.9.2,
/// `GRPCChannel.enqueue`, the `poke` case); only the channel's loop resumes it — and that loop
/// has just ended, cancelled. The RPC then waits forever, its own timeout included, and so do
/// `run` and whoever waits for the host (seen as a test stalled in `host.stop()` with no thread
/// busy). Here the connections run in a task of their own that the caller's cancellation does
/// not reach; the cancellation instead shuts the client down gracefully, and the live loop
/// fails every queued RPC (UNAVAILABLE) and refuses later ones. Once the session has ended,
/// a cancelled or failed one does not wait for streams to drain, as before.
func withClientEndingOnCancel<Transport: ClientTransport, T: Sendable>(
    transport: Transport, _ body: (GRPCClient<Transport>) async throws -> T
) async throws -> T {
    let client = GRPCClient(transport: transport)
    let connections = Task { try await client.runConnections() }
    let outcome: Result<T, any Error>
    do {
        outcome = .success(try await withTaskCancellationHandler {
            try await body(client)
        } onCancel: {
            client.beginGracefulShutdown()
        })
    } catch {
        outcome = .failure(error)
    }
    client.beginGracefulShutdown()
    if case .failure = outcome { connections.cancel() } else if Task.isCancelled { connections.cancel() }
    _ = await connections.result
    return try outcome.get()
}
