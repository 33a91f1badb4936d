// The service's metrics (`dcl serve --metrics-listen`), through swift-metrics into a Prometheus
// registry of the service's own — never the process-wide MetricsSystem, so that several services
// in one process (the tests) keep apart. Rounds and RPC latencies are recorded as they happen;
// task counts, devices and bytes are read from the store and the traffic counters at each
// scrape, so that they are the very numbers `dcl status` shows.

import CoreMetrics
import GRPCCore
import Prometheus
import Synchronization

public final class FleetMetrics: @unchecked Sendable {
    // @unchecked: swift-metrics' handles are thread-safe classes not marked Sendable.
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    let rounds: CoreMetrics.Counter
    private let bytesUp: CoreMetrics.Counter
    private let bytesDown: CoreMetrics.Counter
    private let tasks: [TaskState: CoreMetrics.Gauge]
    private let devicesRegistered: CoreMetrics.Gauge
    private let devicesConnected: CoreMetrics.Gauge
    private let connectionsOpen: CoreMetrics.Gauge
    private let connectionsRefused: CoreMetrics.Gauge
    private let connectionsCut: CoreMetrics.Gauge
    private let rpcTimers: [String: CoreMetrics.Timer]
    /// The traffic already added to the byte counters.
    private let reported = Mutex<(up: UInt64, down: UInt64)>((0, 0))

    /// The protocol's methods, as `method` labels of the latency histogram.
    static let methods = ["Join", "Poll", "FetchBlob", "PushResults", "Status"]

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // RPCs here take from well under a millisecond (a lease) to the long-poll's 10 s.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        self.factory = factory
        rounds = CoreMetrics.Counter(label: "dcl_rounds_total", factory: factory)
        bytesUp = CoreMetrics.Counter(label: "dcl_bytes_up_total", factory: factory)
        bytesDown = CoreMetrics.Counter(label: "dcl_bytes_down_total", factory: factory)
        var tasks: [TaskState: CoreMetrics.Gauge] = [:]
        for state in TaskState.allCases { tasks[state] = CoreMetrics.Gauge(label: "dcl_tasks", dimensions: [("state", state.rawValue)], factory: factory) }
        self.tasks = tasks
        devicesRegistered = CoreMetrics.Gauge(label: "dcl_devices_registered", factory: factory)
        devicesConnected = CoreMetrics.Gauge(label: "dcl_devices_connected", factory: factory)
        connectionsOpen = CoreMetrics.Gauge(label: "dcl_connections_open", factory: factory)
        // A gauge holding a running total: the gate counts, this reports its count at each scrape.
        connectionsRefused = CoreMetrics.Gauge(label: "dcl_connections_refused", factory: factory)
        connectionsCut = CoreMetrics.Gauge(label: "dcl_connections_cut", factory: factory)
        var timers: [String: CoreMetrics.Timer] = [:]
        for method in Self.methods + ["other"] {
            timers[method] = CoreMetrics.Timer(label: "dcl_rpc_duration_seconds", dimensions: [("method", method)], factory: factory)
        }
        rpcTimers = timers
    }

    func recordRPC(method: String, nanoseconds: Int64) {
        (rpcTimers[method] ?? rpcTimers["other"]!).recordNanoseconds(nanoseconds)
    }

    /// Brings the read-at-scrape figures up to date, then renders the registry in Prometheus'
    /// text format (version 0.0.4).
    func scrape(counts: StoreCounts?, bytesUp up: UInt64, bytesDown down: UInt64, connections: (open: Int, refused: Int, cut: Int)) -> [UInt8] {
        connectionsOpen.record(connections.open)
        connectionsRefused.record(connections.refused)
        connectionsCut.record(connections.cut)
        if let counts {
            for state in TaskState.allCases { tasks[state]?.record(counts.tasks[state] ?? 0) }
            devicesRegistered.record(counts.devicesRegistered)
            devicesConnected.record(counts.devicesSeenSince)
        }
        reported.withLock { last in
            if up > last.up { bytesUp.increment(by: Int64(clamping: up - last.up)) }
            if down > last.down { bytesDown.increment(by: Int64(clamping: down - last.down)) }
            last = (max(up, last.up), max(down, last.down))
        }
        return registry.emitToBuffer()
    }
}

/// Times every RPC the service answers, by method: from the request's arrival to the response
/// (for FetchBlob, a server stream, to the start of the response).
struct RPCTimingInterceptor: ServerInterceptor {
    let metrics: FleetMetrics

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let start = ContinuousClock.now
        defer {
            let elapsed = start.duration(to: .now)
            metrics.recordRPC(method: context.descriptor.method,
                              nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
        return try await next(request, context)
    }
}
