// The cloud side: a gRPC server over HTTP/2 (grpc-swift-nio-transport) with a store, and the API
// the runtime drives rounds with. Each API call has an async form and a blocking form for the
// interpreter's own thread (Blocking.swift says where the blocking form must not be used).

import DCLFleetProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization

public final class FleetService: Sendable {
    public struct Configuration: Sendable {
        public var address: FleetAddress
        /// Plaintext on a non-loopback address (without `tls`).
        public var insecure: Bool
        /// The certificate and key to serve TLS with; nil: plaintext.
        public var tls: FleetServerTLS?
        /// The run's join token: hosts present it to join, `dcl status` to look.
        public var joinToken: String
        public var store: any FleetStore
        public var limits: FleetLimits
        /// Where to serve `GET /metrics` (Prometheus' text format); nil: nowhere.
        public var metricsAddress: FleetAddress?
        /// What the run computes (`RunKey`): with one, a service started on a store holding an
        /// unfinished run under the same key resumes it — the script replays its rounds and every
        /// task already answered is answered from the store, not sent again.
        public var runKey: [UInt8]?
        /// Told of hosts joining and leaving, as it happens (from the RPC handlers' threads).
        public var events: (@Sendable (FleetEvent) -> Void)?

        public init(address: FleetAddress = FleetAddress(host: "127.0.0.1", port: 0), insecure: Bool = false, tls: FleetServerTLS? = nil,
                    joinToken: String, store: any FleetStore, limits: FleetLimits = FleetLimits(), metricsAddress: FleetAddress? = nil,
                    runKey: [UInt8]? = nil, events: (@Sendable (FleetEvent) -> Void)? = nil) {
            self.events = events
            self.metricsAddress = metricsAddress
            self.runKey = runKey
            self.address = address
            self.insecure = insecure
            self.tls = tls
            self.joinToken = joinToken
            self.store = store
            self.limits = limits
        }
    }

    private let core: FleetCore
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let serving: Task<Void, any Error>
    private let metricsServer: MetricsHTTPServer?
    let metrics: FleetMetrics
    /// Connections held and refused (`FleetLimits.maxConnections`).
    let gate: ConnectionGate
    /// Reports hosts that fall silent (only when someone listens to `events`).
    private let silenceWatch: Task<Void, Never>?
    /// On a shared store: follows the run as the driver leaves it in the store (`SharedFleetStore`).
    private let sharedWatch: Task<Void, Never>?
    /// The port `GET /metrics` is served on, when it is.
    public var metricsPort: Int? { metricsServer?.port }
    /// The port the server listens on (the one chosen by the system when 0 was asked for).
    public let port: Int
    public let host: String
    /// Rounds run one at a time (the runtime's rounds are sequential); a second concurrent call
    /// is a programming error reported as such.
    private let roundRunning = Mutex(false)

    /// The run this service started (or resumed) in its store.
    public var runID: Int64 { core.run }
    /// Whether the service took up an unfinished run of its store (`Configuration.runKey`).
    public var resumedRun: Bool { core.resumed }
    /// Tasks of the run that have their answer in the store.
    public func tasksDone() async throws -> Int {
        try await core.store.counts(run: core.run, seenSince: .infinity).tasks[.done] ?? 0
    }
    /// `tasksDone`, for a synchronous caller.
    public func tasksDoneNow() throws -> Int { try blocking { try await self.tasksDone() } }
    /// Message bytes received from and sent to hosts since the service started.
    public var traffic: TrafficCounter { core.traffic }

    private init(core: FleetCore, server: GRPCServer<HTTP2ServerTransport.Posix>, serving: Task<Void, any Error>, host: String, port: Int,
                 metrics: FleetMetrics, metricsServer: MetricsHTTPServer?, gate: ConnectionGate, silenceWatch: Task<Void, Never>?) {
        self.core = core
        self.sharedWatch = core.shared.map { Self.follow(core, $0) }
        self.silenceWatch = silenceWatch
        self.gate = gate
        self.metrics = metrics
        self.metricsServer = metricsServer
        self.server = server
        self.serving = serving
        self.host = host
        self.port = port
    }

    /// Starts the server; returns once it listens.
    public static func start(_ configuration: Configuration) async throws -> FleetService {
        if configuration.tls == nil { try configuration.address.checkPlaintextAllowed(insecure: configuration.insecure) }
        guard !configuration.joinToken.isEmpty else { throw FleetError.joinToken("the join token is empty") }
        let core = try await FleetCore.open(store: configuration.store, limits: configuration.limits, joinToken: configuration.joinToken,
                                 runKey: configuration.runKey, events: configuration.events)
        let gate = ConnectionGate(limit: configuration.limits.maxConnections, firstRPCDeadline: configuration.limits.firstRPCDeadline)
        let transport = HTTP2ServerTransport.Posix(address: configuration.address.socketAddress,
                                                   transportSecurity: configuration.tls?.transportSecurity ?? .plaintext,
                                                   config: transportConfig(configuration.limits, gate: gate))
        let metrics = FleetMetrics()
        let server = GRPCServer(transport: transport, services: [FleetRPC(core: core)], interceptors: [RPCTimingInterceptor(metrics: metrics)])
        let serving = Task { try await server.serve() }
        let bound: SocketAddress
        do {
            bound = try await transport.listeningAddress
        } catch {
            server.beginGracefulShutdown()
            _ = await serving.result
            throw FleetError.host("cannot listen on \(configuration.address): \(error)")
        }
        let port = bound.ipv4?.port ?? bound.ipv6?.port ?? configuration.address.port
        var metricsServer: MetricsHTTPServer?
        if let metricsAddress = configuration.metricsAddress {
            do {
                metricsServer = try await MetricsHTTPServer.start(metricsAddress) {
                    let counts = try? await core.store.counts(run: core.run, seenSince: FleetCore.now() - FleetCore.connectedWindow)
                    return metrics.scrape(counts: counts, bytesUp: core.traffic.bytesReceived, bytesDown: core.traffic.bytesSent,
                                          connections: (gate.openConnections, gate.refused, gate.cut))
                }
            } catch {
                server.beginGracefulShutdown()
                _ = await serving.result
                throw error
            }
        }
        // Hosts that fall silent are noticed by looking: a killed host says nothing.
        let silenceWatch = configuration.events == nil ? nil : Task {
            let after = configuration.limits.hostSilentAfter
            let every = max(.milliseconds(50), min(.seconds(5), after / 4))
            let seconds = Double(after.components.seconds) + Double(after.components.attoseconds) / 1e18
            while !Task.isCancelled {
                try? await Task.sleep(for: every)
                core.reportSilentHosts(after: seconds)
            }
        }
        return FleetService(core: core, server: server, serving: serving, host: configuration.address.host, port: port,
                            metrics: metrics, metricsServer: metricsServer, gate: gate, silenceWatch: silenceWatch)
    }

    /// `start`, for a synchronous caller.
    public static func startBlocking(_ configuration: Configuration) throws -> FleetService {
        try blocking { try await start(configuration) }
    }

    // MARK: Replicas

    /// Whether the store may be shared with other replicas (PostgreSQL): then this service
    /// runs the script only once it drives the run (`claimDriving`, `waitToDrive`).
    public var replicated: Bool { core.shared != nil }
    /// Whether this service drives the run (always, on a store that is not shared).
    public var driving: Bool { core.driving }
    /// Whether this service drove the run and lost the claim to another replica.
    public func superseded() async -> Bool {
        guard let shared = core.shared, core.driving else { return false }
        return !(await shared.holdsDriver(run: core.run))
    }
    /// `superseded`, for a synchronous caller.
    public var supersededNow: Bool { (try? blocking { await self.superseded() }) ?? false }

    /// Tries to become the run's driver; true if it is now (or the store is not shared).
    public func claimDriving() async throws -> Bool {
        guard let shared = core.shared else { return true }
        if core.driving { return true }
        guard try await core.retryingStore({ try await shared.claimDriver(run: core.run) }) else { return false }
        core.setDriving()
        return true
    }

    /// `claimDriving`, for a synchronous caller.
    public func claimDrivingBlocking() throws -> Bool {
        try blocking { try await self.claimDriving() }
    }

    /// Serves hosts as a replica until this service drives the run (true) or the run finished
    /// (false), trying for the claim every `every`.
    public func waitToDrive(every: Duration = .seconds(1)) async throws -> Bool {
        while true {
            if core.closing || core.draining { throw FleetError.shuttingDown }
            if try await claimDriving() { return true }
            if let shared = core.shared, try await core.retryingStore({ try await shared.runState(run: core.run) }).finished {
                core.markFinished()
                return false
            }
            let seen = core.signal.generation
            await core.signal.wait(seen: seen, timeout: every)
        }
    }

    /// `waitToDrive`, for a synchronous caller.
    public func waitToDriveBlocking(every: Duration = .seconds(1)) throws -> Bool {
        try blocking { try await self.waitToDrive(every: every) }
    }

    /// Follows the run in the store: its open round and its end (for a replica that does not
    /// drive it), and wakes waiters on every change another replica notifies — at once when
    /// the store notifies, and once a second in any case.
    private static func follow(_ core: FleetCore, _ shared: any SharedFleetStore) -> Task<Void, Never> {
        Task {
            let refresh = ChangeSignal()
            let listener = Task {
                for await _ in shared.changes(run: core.run) {
                    refresh.bump()
                    core.signal.bump()
                }
            }
            defer { listener.cancel() }
            while !Task.isCancelled {
                let seen = refresh.generation
                if let state = try? await shared.runState(run: core.run) { core.adopt(state) }
                await refresh.wait(seen: seen, timeout: .seconds(1))
            }
        }
    }

    // MARK: Devices

    /// Returns once a host joined for every device of `range`; throws `devicesMissing` at the
    /// timeout.
    public func devicesJoined(_ range: Range<Int>, timeout: Duration) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let seen = core.signal.generation
            let joined = core.joinedDevices
            var missing = range.filter { !joined.contains($0) }
            if !missing.isEmpty, let shared = core.shared {
                // Hosts may have joined through another replica: the store has seen them.
                let elsewhere = Set(try await core.retryingStore {
                    try await shared.devicesSeen(run: core.run, first: missing[0], end: missing[missing.count - 1] + 1,
                                                 since: FleetCore.now() - FleetCore.connectedWindow)
                })
                missing.removeAll { elsewhere.contains($0) }
            }
            if missing.isEmpty { return }
            if core.draining { throw FleetError.shuttingDown }
            let now = ContinuousClock.now
            guard now < deadline else { throw FleetError.devicesMissing(missing: missing, timeout: timeout) }
            await core.signal.wait(seen: seen, timeout: core.shared == nil ? now.duration(to: deadline) : min(now.duration(to: deadline), .seconds(1)))
        }
    }

    /// `devicesJoined`, for a synchronous caller: the run starts when every device of the fleet
    /// is registered.
    public func waitForDevices(_ range: Range<Int>, timeout: Duration) throws {
        try blocking { try await self.devicesJoined(range, timeout: timeout) }
    }

    // MARK: Rounds

    /// Runs one round: every item goes to the host that joined for its device; items of one device
    /// run in item order on it, items of different devices concurrently. Waits until every item is
    /// answered or the policy's timeout; unanswered items are `.dropped`.
    public func round(_ items: [WorkItem], policy: RoundPolicy) async throws -> RoundReport {
        guard policy.minResponses >= 0, policy.minResponses <= 1, policy.minResponses.isFinite else {
            throw FleetError.invalidItem(index: -1, reason: "min_responses must be a fraction in 0...1, not \(policy.minResponses)")
        }
        guard policy.timeout > .zero else { throw FleetError.invalidItem(index: -1, reason: "a round's timeout must be positive") }
        guard !core.finished else { throw FleetError.notRunning }
        guard !core.draining else { throw FleetError.shuttingDown }
        // A service alone on a shared store drives from its first round; with replicas, the one
        // that claims first does (`dcl serve` claims before the script starts).
        guard try await claimDriving() else { throw FleetError.invalidItem(index: -1, reason: "another replica drives run \(core.run) (waitToDrive first)") }
        guard roundRunning.withLock({ running in
            defer { running = true }
            return !running
        }) else { throw FleetError.invalidItem(index: -1, reason: "another round is still running: rounds run one at a time") }
        defer { roundRunning.withLock { $0 = false } }
        let tasks = try await stage(items)

        let startUp = core.traffic.bytesReceived, startDown = core.traffic.bytesSent
        let number = core.nextRoundNumber()
        metrics.rounds.increment()
        let opened = FleetCore.now()
        let deadline = opened + Double(policy.timeout.components.seconds) + Double(policy.timeout.components.attoseconds) / 1e18
        let (roundID, _) = try await core.retryingStore { try await core.store.openRound(run: core.run, number: number, tasks: tasks, deadline: deadline, now: opened) }
        // A resumed run, or a replica that took one over, replays rounds answered before.
        let fromStore = core.resumed || core.shared != nil ? items.count - (try await core.retryingStore { try await core.store.openTaskCount(round: roundID) }) : 0
        core.setRound(OpenRound(number: number, id: roundID, deadline: deadline, open: true))
        let reason = try await waitForAnswers(round: roundID, until: ContinuousClock.now.advanced(by: policy.timeout), timeout: policy.timeout)
        try await core.retryingStore { try await core.store.closeRound(roundID, reason: reason) }
        core.setRound(OpenRound(number: number, id: roundID, deadline: deadline, open: false))

        var results: [Result<WorkOutcome, DeviceFailure>] = []
        results.reserveCapacity(items.count)
        for (task, result) in try await core.retryingStore({ try await core.store.roundTasks(roundID) }) {
            results.append(try await self.result(task, result))
        }
        try await core.retryingStore { try await core.store.releaseObjects(ofReadRound: roundID) }
        let report = RoundReport(round: number, results: results, bytesUp: core.traffic.bytesReceived &- startUp,
                                 bytesDown: core.traffic.bytesSent &- startDown, fromStore: fromStore)
        let answered = results.count(where: { if case .failure(.dropped) = $0 { return false } else { return true } })
        // The smallest whole number of items that is at least the fraction (a tolerance keeps
        // 0.9 × 10 at 9, not 10, despite binary rounding).
        let required = Int((policy.minResponses * Double(items.count) - 1e-9).rounded(.up))
        if answered < required {
            throw FleetError.tooFewResponses(round: number, answered: answered, required: required, results: results)
        }
        return report
    }

    /// Waits until every task of the round is answered, or the deadline passes, or nothing more
    /// can come: the service drains (no leased task left, or the drain timeout passed), or every
    /// open task's device has a host that left. Returns the reason the unanswered are dropped.
    private func waitForAnswers(round roundID: Int64, until deadline: ContinuousClock.Instant, timeout: Duration) async throws -> String {
        while true {
            let seen = core.signal.generation
            // A driver that lost its claim (cut off from the store, another replica took over)
            // stops here rather than at the round's end.
            if let shared = core.shared, !(await shared.holdsDriver(run: core.run)) { throw FleetError.superseded(run: core.run) }
            if try await core.retryingStore({ try await core.store.openTaskCount(round: roundID) }) == 0 { return "" }
            let now = ContinuousClock.now
            if core.closing { return "the service shut down before an answer came" }
            if let drainDeadline = core.drainDeadline {
                let open = try await core.retryingStore { try await core.store.roundTasks(roundID) }.map(\.task).filter { $0.state == .pending || $0.state == .leased }
                if !open.contains(where: { $0.state == .leased }) || now >= drainDeadline {
                    return "the service was stopped (draining) before this task was answered"
                }
                if now >= deadline { return "no answer within the round's timeout of \(timeout)" }
                await core.signal.wait(seen: seen, timeout: min(now.duration(to: deadline), now.duration(to: drainDeadline)))
                continue
            }
            let departed = core.departedDevices
            if !departed.isEmpty {
                let open = try await core.retryingStore { try await core.store.roundTasks(roundID) }.map(\.task).filter { $0.state == .pending || $0.state == .leased }
                if open.allSatisfy({ departed.contains($0.device) }) { return "its device's host left (it was stopped)" }
            }
            if now >= deadline { return "no answer within the round's timeout of \(timeout)" }
            // Results recorded through another replica wake this one by the store's notice; a
            // notice lost while its connection was re-established costs at most a second.
            await core.signal.wait(seen: seen, timeout: core.shared == nil ? now.duration(to: deadline) : min(now.duration(to: deadline), .seconds(1)))
        }
    }

    /// `round`, for a synchronous caller, with its traffic.
    public func runRoundReport(_ items: [WorkItem], policy: RoundPolicy) throws -> RoundReport {
        try blocking { try await self.round(items, policy: policy) }
    }

    /// `round`, for a synchronous caller: results in the order of `items`.
    public func runRound(_ items: [WorkItem], policy: RoundPolicy) throws -> [Result<WorkOutcome, DeviceFailure>] {
        try runRoundReport(items, policy: policy).results
    }

    /// Checks every item and stores its blobs (each distinct one once).
    private func stage(_ items: [WorkItem]) async throws -> [NewTask] {
        let limits = core.limits
        var tasks: [NewTask] = []
        tasks.reserveCapacity(items.count)
        // A round's items usually share their objects (every device's task carries the same
        // graph and weights): an array's storage address and length name it while `items` keeps
        // it alive, so each is hashed and stored once, not once per device.
        var staged: [StorageKey: BlobRef] = [:]
        for (i, item) in items.enumerated() {
            guard item.device >= 0, item.device < limits.maxDeviceIndex else {
                throw FleetError.invalidItem(index: i, reason: "device \(item.device) is out of range 0..<\(limits.maxDeviceIndex)")
            }
            guard item.kind.utf8.count <= limits.maxKindBytes else { throw FleetError.invalidItem(index: i, reason: "kind longer than \(limits.maxKindBytes) bytes") }
            guard item.spec.count <= limits.maxSpecBytes else { throw FleetError.invalidItem(index: i, reason: "spec of \(item.spec.count) bytes (limit \(limits.maxSpecBytes))") }
            guard item.blobs.count <= limits.maxBlobsPerMessage else { throw FleetError.invalidItem(index: i, reason: "\(item.blobs.count) blobs (limit \(limits.maxBlobsPerMessage))") }
            var refs: [BlobRef] = []
            for (j, blob) in item.blobs.enumerated() {
                guard blob.count <= limits.maxBlobBytes else { throw FleetError.invalidItem(index: i, reason: "blob \(j) of \(blob.count) bytes (limit \(limits.maxBlobBytes))") }
                let key = StorageKey(blob)
                if let ref = staged[key] {
                    refs.append(ref)
                    continue
                }
                let ref = BlobRef(of: blob)
                try await core.retryingStore { try await core.store.putObject(ref, bytes: blob) }
                staged[key] = ref
                refs.append(ref)
            }
            tasks.append(NewTask(device: item.device, kind: item.kind, spec: item.spec, blobs: refs))
        }
        return tasks
    }

    private func result(_ task: StoredTask, _ result: StoredResult?) async throws -> Result<WorkOutcome, DeviceFailure> {
        guard task.state == .done, let result else {
            return .failure(.dropped(reason: task.dropReason ?? "no answer"))
        }
        if let failure = result.failure { return .failure(.failed(message: failure)) }
        var blobs: [[UInt8]] = []
        for ref in result.blobs {
            guard let bytes = try await core.retryingStore({ try await core.store.object(ref.sha256) }) else { throw FleetError.store("result object \(ref.hex) is missing") }
            blobs.append(bytes)
        }
        return .success(WorkOutcome(spec: result.spec, blobs: blobs))
    }

    // MARK: The end

    /// Tells the hosts the run is over: their next poll says so and they return (exit 0).
    public func finishRun() async throws {
        // A replica that does not drive the run does not end it: its hosts go on through the
        // replica that does.
        guard core.driving else { return }
        core.markFinished()
        try await core.retryingStore { try await core.store.finishRun(core.run) }
    }

    /// `finishRun`, for a synchronous caller.
    public func finish() throws {
        try blocking { try await self.finishRun() }
    }

    /// After `finishRun`: returns once every host seen in the last 15 s has been told the run is
    /// over (a host in a long-poll is told at once), or at `timeout` — so that stopping the
    /// server next does not leave a host retrying a service that is gone.
    public func hostsLeft(timeout: Duration) async {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while core.sessionsNotToldFinished(seenWithin: 15) > 0 {
            let seen = core.signal.generation
            let now = ContinuousClock.now
            guard now < deadline else { return }
            await core.signal.wait(seen: seen, timeout: min(now.duration(to: deadline), .milliseconds(200)))
        }
    }

    /// `hostsLeft`, for a synchronous caller.
    public func waitForHostsToLeave(timeout: Duration) {
        _ = try? blocking { await self.hostsLeft(timeout: timeout) }
    }

    /// Starts a graceful stop (`dcl serve` on SIGTERM or SIGINT): no task is handed out any more,
    /// the open round waits for the tasks already leased — at most `timeout` — and then closes
    /// with the rest dropped (and recorded so in the store); later rounds are refused
    /// (`FleetError.shuttingDown`). Returns at once.
    public func drain(timeout: Duration) {
        core.beginDrain(timeout: timeout)
    }

    /// Whether `drain` was called.
    public var draining: Bool { core.draining }
    /// Times a host's poll looked at its devices (for tests).
    var pollsSeen: Int { core.polls.load(ordering: .relaxed) }

    /// The run's task counts and devices, as `dcl status` shows them.
    public func counts() async throws -> StoreCounts {
        try await core.store.counts(run: core.run, seenSince: FleetCore.now() - FleetCore.connectedWindow)
    }
    /// `counts`, for a synchronous caller.
    public func countsNow() throws -> StoreCounts { try blocking { try await self.counts() } }

    /// Stops accepting RPCs, lets those in flight end (long-polls answer at once) and waits for
    /// the server to stop.
    public func stop() async {
        core.markClosing()
        silenceWatch?.cancel()
        sharedWatch?.cancel()
        server.beginGracefulShutdown()
        // A graceful shutdown waits for every connection to close; one a peer holds open without
        // an RPC (idle, or a slow-loris client that never finishes its preface) is cut after
        // `stopGrace`: cancelling the serving task closes what is left.
        let serving = self.serving
        let cut = Task {
            try await Task.sleep(for: Self.stopGrace)
            serving.cancel()
        }
        // The wait itself is bounded too: should the transport not end after the cut, `stop`
        // still returns (the serving task is left to end on its own) rather than hang its caller
        // — a test run or `dcl serve`'s exit.
        let (ended, signal) = AsyncStream<Bool>.makeStream(bufferingPolicy: .bufferingNewest(1))
        // Not cancelled when the bound wins: it is still waiting on the transport, and ends when
        // the transport does or dies with the process.
        Task {
            _ = await serving.result
            signal.yield(true)
        }
        let bound = Task {
            try? await Task.sleep(for: Self.stopGrace + Self.abandonAfter)
            signal.yield(false)
        }
        var first = ended.makeAsyncIterator()
        let stopped = await first.next() ?? false
        bound.cancel()
        cut.cancel()
        signal.finish()
        if !stopped {
            FileHandle.standardError.write(Data("dcl serve: the gRPC transport had not stopped \(Self.stopGrace + Self.abandonAfter) after shutdown began; leaving it\n".utf8))
        }
        await metricsServer?.stop()
    }

    /// How long `stop` lets connections close by themselves.
    static let stopGrace: Duration = .seconds(5)
    /// How much longer, after cutting them, `stop` waits for the transport to end.
    static let abandonAfter: Duration = .seconds(10)

    /// `stop`, for a synchronous caller.
    public func shutdown() {
        _ = try? blocking { await self.stop() }
    }
}

/// An array's identity while it is alive: its storage's address and length.
private struct StorageKey: Hashable {
    let address: UInt
    let count: Int
    init(_ bytes: [UInt8]) {
        address = bytes.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        count = bytes.count
    }
}

/// The transport's settings from the service's limits: idle and keepalive timers, streams per
/// connection, and the connection bound (`gate`).
private func transportConfig(_ limits: FleetLimits, gate: ConnectionGate) -> HTTP2ServerTransport.Posix.Config {
    .defaults { config in
        config.connection.maxIdleTime = limits.maxIdleConnection
        config.connection.maxGraceTime = limits.connectionCloseGrace
        config.connection.keepalive.time = limits.keepaliveTime
        config.connection.keepalive.timeout = limits.keepaliveTimeout
        config.http2.maxConcurrentStreams = limits.maxStreamsPerConnection
        config.http2.targetWindowSize = limits.receiveWindowBytes
        config.http2.maxFrameSize = limits.maxFrameBytes
        config.channelDebuggingCallbacks.onAcceptTCPConnection = { gate.admit($0) }
        config.channelDebuggingCallbacks.onAcceptHTTP2Stream = { gate.rpcStarted($0) }
    }
}
