// The fleet's unit of work, as the interpreter sees it. The transport never looks inside `spec`
// or a blob: the lead's runtime decides what they mean (a graph, weights, options).

/// One piece of device-side work. `spec` is small (options, indices); `blobs` are large objects
/// (graph text, weights) that many devices share: the service stores each distinct blob once,
/// content-addressed by SHA-256, and a device host fetches it at most once (its per-host cache),
/// in chunks below gRPC's 4 MiB message limit.
public struct WorkItem: Sendable, Equatable {
    public var device: Int
    public var kind: String
    public var spec: [UInt8]
    public var blobs: [[UInt8]]

    public init(device: Int, kind: String, spec: [UInt8] = [], blobs: [[UInt8]] = []) {
        self.device = device
        self.kind = kind
        self.spec = spec
        self.blobs = blobs
    }
}

/// What a device's handler returned for one work item.
public struct WorkOutcome: Sendable, Equatable {
    public var spec: [UInt8]
    public var blobs: [[UInt8]]

    public init(spec: [UInt8] = [], blobs: [[UInt8]] = []) {
        self.spec = spec
        self.blobs = blobs
    }
}

/// Why a work item has no outcome.
public enum DeviceFailure: Error, Sendable, Equatable {
    /// No answer: the host went away, or the round's timeout passed first.
    case dropped(reason: String)
    /// The device's handler threw; the message is the one shown to the user.
    case failed(message: String)
}

/// How long a round waits and how many answers it needs.
///
/// A round waits for every item until `timeout`; items still unanswered then are `.dropped`.
/// It never closes early on a quorum: which devices answered must not depend on timing when
/// all of them do. Afterwards, if fewer than `minResponses` (a fraction of the items) answered —
/// an outcome or a handler error both count as an answer — `runRound` throws
/// `FleetError.tooFewResponses`, carrying the per-item results.
public struct RoundPolicy: Sendable {
    public var minResponses: Double
    public var timeout: Duration

    public init(minResponses: Double = 1.0, timeout: Duration = .seconds(30)) {
        self.minResponses = minResponses
        self.timeout = timeout
    }
}

/// One round's results and the traffic it caused.
public struct RoundReport: Sendable {
    /// The round's number in this run (1, 2, …).
    public var round: Int64
    /// In the order of the items.
    public var results: [Result<WorkOutcome, DeviceFailure>]
    /// Protobuf message bytes the service received (up) and sent (down) during the round, over
    /// every RPC of every host: the serialized messages as they crossed the wire, without gRPC's
    /// 5-byte frame prefix or HTTP/2 headers.
    public var bytesUp: UInt64
    public var bytesDown: UInt64
    /// Items a resumed run had answered before the service restarted: their results came from
    /// the store and the items were not sent again.
    public var fromStore: Int = 0
}
