// Bounds on everything a peer can make the other side hold or do. Every size, count and index
// from the wire is checked against these before it is used to allocate, loop or index.

/// Limits the service and the hosts enforce on each other's messages.
public struct FleetLimits: Sendable, Equatable {
    /// Bytes of one blob (an item's or an outcome's).
    public var maxBlobBytes: Int = 1 << 30
    /// Blobs of one item or outcome.
    public var maxBlobsPerMessage: Int = 64
    /// Bytes of an item's or outcome's `spec`.
    public var maxSpecBytes: Int = 1 << 20
    /// Bytes of a handler's error message (longer ones are cut, not refused).
    public var maxErrorMessageBytes: Int = 16 << 10
    /// Bytes of one chunk of a streamed blob: well below gRPC's default 4 MiB message limit,
    /// which stays as it is.
    public var chunkBytes: Int = 1 << 20
    /// Bytes of one outcome, all blobs together.
    public var maxOutcomeBytes: Int = 2 << 30
    /// Devices one host may claim, and the highest device index plus one.
    public var maxDevicesPerHost: Int = 1 << 16
    public var maxDeviceIndex: Int = 1 << 24
    /// Characters of an item's kind.
    public var maxKindBytes: Int = 256
    /// Tasks one Poll may lease (a host asks for at most its free slots).
    public var maxTasksPerPoll: Int = 1024
    /// Bytes of task specs one Poll answer carries (its first task always goes, and a spec is at
    /// most `maxSpecBytes`): the answer stays below gRPC's 4 MiB message limit.
    public var pollSpecBudget: Int = 2 << 20
    /// Results one PushResults stream may carry.
    public var maxResultsPerPush: Int = 4096
    /// Bytes of results (their blobs) the service holds from one push stream before it writes
    /// them to the store: the rest of the stream waits, so memory stays bounded however long the
    /// stream is.
    public var pushFlushBytes: Int = 64 << 20
    /// The longest a Poll waits before answering "nothing yet".
    public var maxPollWait: Duration = .seconds(10)
    /// A host not heard from for this long (hosts poll at least every `maxPollWait`) is
    /// reported silent (`FleetEvent.hostSilent`), once, until it is heard from again.
    public var hostSilentAfter: Duration = .seconds(30)
    /// How long the service's rounds keep retrying a store that is out of reach (a database
    /// server restarting) before the run fails with the store's error.
    public var storeOutage: Duration = .seconds(60)

    // Connections (the service's transport). Device hosts long-poll, so a live host always has
    // an RPC in flight or starts one within moments; none of these bounds touches it.

    /// A connection that has started no RPC this long after it was accepted is closed: a peer
    /// that never finishes its TLS handshake or HTTP/2 preface (slow-loris) frees its slot.
    /// Generous, because a TLS handshake on a starved machine (a debug build under a full test
    /// run) has taken seconds.
    public var firstRPCDeadline: Duration = .seconds(30)
    /// A connection with no RPC in flight for this long is closed (an HTTP/2 GOAWAY): an idle
    /// client, or one that never completes a request (slow-loris), frees its slot. A client that
    /// was idle simply connects again on its next call.
    public var maxIdleConnection: Duration = .seconds(60)
    /// How long a connection the service has told to go away (idle, or at shutdown) may take to
    /// close by itself before it is cut: a peer that never answers — one that never sent a whole
    /// preface does not — would otherwise hold it forever.
    public var connectionCloseGrace: Duration = .seconds(10)
    /// Connections held at once; a connection past it is closed as it is accepted.
    public var maxConnections: Int = 4096
    /// Bytes a peer may send on one connection (and on one stream) before this side has read
    /// them: HTTP/2's flow-control window, which the side receiving sets. HTTP/2's default of
    /// 64 KiB makes a sender wait a round trip for every 64 KiB of a large object, which held a
    /// 64 MiB upload to a few dozen MiB/s on loopback.
    public var receiveWindowBytes: Int = 4 << 20
    /// The largest HTTP/2 frame this side accepts (SETTINGS_MAX_FRAME_SIZE; the default is
    /// 16 KiB): fewer, larger frames for object chunks.
    public var maxFrameBytes: Int = 1 << 20
    /// RPCs in flight on one connection (HTTP/2's SETTINGS_MAX_CONCURRENT_STREAMS).
    public var maxStreamsPerConnection: Int = 256
    /// After this long without reading from a connection the service pings the peer, and closes
    /// the connection if the ping is not answered within `keepaliveTimeout`: a peer that vanished
    /// without closing (killed with its network, or its cable pulled) frees its connection. (That
    /// such a host is gone is reported sooner, by `hostSilentAfter`.)
    public var keepaliveTime: Duration = .seconds(120)
    public var keepaliveTimeout: Duration = .seconds(20)

    public init() {}
}

/// Errors of the fleet API itself (a device's own failures are `DeviceFailure`s).
public enum FleetError: Error, Sendable, CustomStringConvertible {
    /// The address is not `HOST:PORT`, or plaintext was asked for on a non-loopback address.
    case badAddress(String)
    case insecureRefused(host: String)
    /// A work item the service cannot send (bad device index, oversized blob, …).
    case invalidItem(index: Int, reason: String)
    /// Fewer items were answered than the round's policy needs; `results` has every item's.
    case tooFewResponses(round: Int64, answered: Int, required: Int, results: [Result<WorkOutcome, DeviceFailure>])
    /// Not every device of the fleet registered in time.
    case devicesMissing(missing: [Int], timeout: Duration)
    /// The service is not running (never started, or shut down).
    case notRunning
    /// The store failed (I/O, a corrupt file, a schema from a newer version).
    case store(String)
    /// The store cannot be reached for now (a database server restarting, a connection cut):
    /// the same call may succeed later.
    case storeUnavailable(String)
    /// The join token file or variable is missing or empty.
    case joinToken(String)
    /// A host gave up reaching the service, or the service refused it.
    case host(String)
    /// A client (`dcl status`) found no service at the address, or was refused by it.
    case unreachable(String)
    /// A TLS file is missing, unreadable or not PEM, a key does not match its certificate, or a
    /// client does not trust the service's certificate.
    case tls(String)
    /// The service is shutting down (a signal): it hands out no more work.
    case shuttingDown
    /// This replica lost its claim to drive the run (`SharedFleetStore`) and another replica
    /// holds it: it must not change the run's rounds any more.
    case superseded(run: Int64)

    public var description: String {
        switch self {
        case .badAddress(let text): return "bad address `\(text)`: expected HOST:PORT with a port in 0...65535"
        case .insecureRefused(let host):
            return "refusing plaintext gRPC on non-loopback address \(host): use TLS (the service's --tls-cert/--tls-key, the clients' --tls-ca), or pass --insecure to accept an unencrypted link"
        case .invalidItem(let index, let reason): return "work item \(index): \(reason)"
        case .tooFewResponses(let round, let answered, let required, let results):
            return "round \(round): \(answered) of \(results.count) items answered, the round's min_responses needs \(required)"
        case .devicesMissing(let missing, let timeout):
            let shown = missing.prefix(10).map(String.init).joined(separator: ", ")
            return "\(missing.count) device(s) did not register within \(timeout): \(shown)\(missing.count > 10 ? ", …" : "")"
        case .notRunning: return "the fleet service is not running"
        case .store(let message): return "fleet store: \(message)"
        case .storeUnavailable(let message): return "fleet store unavailable: \(message)"
        case .joinToken(let message): return "join token: \(message)"
        case .host(let message): return "device host: \(message)"
        case .unreachable(let message): return message
        case .tls(let message): return "TLS: \(message)"
        case .shuttingDown: return "the fleet service is shutting down and hands out no more work"
        case .superseded(let run): return "another replica took over driving run \(run): this one stops"
        }
    }
}
