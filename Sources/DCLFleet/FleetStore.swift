// What the service keeps: runs, rounds, tasks with their leases, results, devices and objects.
// The service is the only writer; every method is one transaction, so a crash between two calls
// leaves the store consistent (a task is done exactly when its result row exists).

/// A task's life: `pending` until a host leases it for its device, `leased` until the result
/// arrives (`done`) or the round closes without one (`dropped`). A lease lasts until the round's
/// deadline; a device that joins again (its host restarted) puts its leased tasks back to
/// `pending` so the new host runs them.
public enum TaskState: String, Sendable, CaseIterable {
    case pending, leased, done, dropped
}

/// A new task as the service hands it to the store.
public struct NewTask: Sendable {
    public var device: Int
    public var kind: String
    public var spec: [UInt8]
    public var blobs: [BlobRef]

    public init(device: Int, kind: String, spec: [UInt8], blobs: [BlobRef]) {
        self.device = device
        self.kind = kind
        self.spec = spec
        self.blobs = blobs
    }
}

public struct StoredTask: Sendable, Equatable {
    public var id: Int64
    public var run: Int64
    public var round: Int64
    /// The task's position in its round (the item's index).
    public var seq: Int
    public var device: Int
    public var kind: String
    public var spec: [UInt8]
    public var blobs: [BlobRef]
    public var state: TaskState
    /// Set when dropped: why.
    public var dropReason: String?

    public init(id: Int64, run: Int64, round: Int64, seq: Int, device: Int, kind: String, spec: [UInt8], blobs: [BlobRef],
                state: TaskState, dropReason: String?) {
        self.id = id
        self.run = run
        self.round = round
        self.seq = seq
        self.device = device
        self.kind = kind
        self.spec = spec
        self.blobs = blobs
        self.state = state
        self.dropReason = dropReason
    }
}

/// A device's answer to a task: an outcome, or the message its handler threw.
public struct StoredResult: Sendable, Equatable {
    public var spec: [UInt8]
    public var blobs: [BlobRef]
    public var failure: String?

    public init(spec: [UInt8], blobs: [BlobRef], failure: String?) {
        self.spec = spec
        self.blobs = blobs
        self.failure = failure
    }
}

/// A result as a push delivers it: the task, the device that answered, and the outcome's blobs'
/// bytes (in `result.blobs` order, each already checked against its reference).
public struct ResultEntry: Sendable {
    public var task: Int64
    public var device: Int
    public var result: StoredResult
    public var blobBytes: [[UInt8]]

    public init(task: Int64, device: Int, result: StoredResult, blobBytes: [[UInt8]] = []) {
        self.task = task
        self.device = device
        self.result = result
        self.blobBytes = blobBytes
    }
}

public enum RecordOutcome: Sendable, Equatable {
    case recorded
    /// The task already has a result (a replayed push): nothing changed.
    case duplicate
    case unknownTask
    /// The task belongs to another device.
    case wrongDevice(owner: Int)
    /// The round closed before the result came.
    case dropped
}

public struct StoreCounts: Sendable, Equatable {
    public var tasks: [TaskState: Int]
    public var devicesRegistered: Int
    public var devicesSeenSince: Int

    public init(tasks: [TaskState: Int], devicesRegistered: Int, devicesSeenSince: Int) {
        self.tasks = tasks
        self.devicesRegistered = devicesRegistered
        self.devicesSeenSince = devicesSeenSince
    }
}

/// The service's persistent state. Implementations must be safe to call from any thread.
/// Asynchronous because a store may be a server (PostgreSQL) answering over the network; an
/// embedded one (SQLite) may implement the methods synchronously.
public protocol FleetStore: Sendable {
    /// Starts a new run and returns its id. `key` names what the run computes (the script, its
    /// seed and values: `RunKey`); a run begun without one is never resumed.
    func beginRun(key: [UInt8]?, now: Double) async throws -> Int64
    /// The newest unfinished run begun under `key`: a service restarted on this store for the
    /// same script, seed and values resumes it instead of starting afresh.
    func unfinishedRun(key: [UInt8]) async throws -> Int64?
    func finishRun(_ run: Int64) async throws

    /// Stores a blob under its hash (once: an existing object is kept).
    func putObject(_ ref: BlobRef, bytes: [UInt8]) async throws
    func object(_ sha256: [UInt8]) async throws -> [UInt8]?
    func objectSize(_ sha256: [UInt8]) async throws -> Int?

    /// Opens round `number` of `run` with its tasks (every blob already stored), in item order.
    /// A resumed run replays its rounds: if the run already has round `number`, its tasks must be
    /// these very tasks (else `FleetError.store` says which differs); a task with a result keeps
    /// it — it is not sent again — and every other one is pending again until the new deadline.
    func openRound(run: Int64, number: Int64, tasks: [NewTask], deadline: Double, now: Double) async throws -> (round: Int64, taskIDs: [Int64])
    /// Drops every unfinished task of the round with `reason` and closes it.
    func closeRound(_ round: Int64, reason: String) async throws
    /// The round's tasks in item order, with the result of those that have one.
    func roundTasks(_ round: Int64) async throws -> [(task: StoredTask, result: StoredResult?)]
    /// Called once a closed round's results have been read: a store that cannot resume a run
    /// (the in-memory one) frees the objects only that round used, so that a long run's memory
    /// stays flat; a persistent store keeps them for a restarted service to answer from.
    func releaseObjects(ofReadRound round: Int64) async throws

    /// Devices belong to a run: a new run starts with none, so hosts of an earlier run hold no
    /// claim on it; a service restarted on the same run finds them (and their token hashes) again.
    func deviceTokenHash(run: Int64, device: Int) async throws -> [UInt8]?
    /// Registers (or re-registers) a device with its token's hash.
    func registerDevice(run: Int64, device: Int, tokenHash: [UInt8], now: Double) async throws
    /// Marks devices [first, end) as seen now.
    func touchDevices(run: Int64, first: Int, end: Int, now: Double) async throws
    /// Puts the device's leased tasks of `run` back to pending (its host was replaced).
    func releaseLeases(run: Int64, device: Int) async throws -> Int

    /// Devices in [first, end) with a pending task of `run` and none leased, ascending.
    func readyDevices(run: Int64, first: Int, end: Int) async throws -> [Int]
    /// Leases, for each of `devices` in the order given, its next pending task of `run` (round
    /// order, then item order) unless one of its tasks is already leased — one transaction. Stops
    /// before a task that would take the specs past `specBudget` bytes (the first task always
    /// goes): the tasks travel in one message.
    func leaseNext(run: Int64, devices: [Int], leaseUntil: Double, specBudget: Int) async throws -> [StoredTask]
    /// Whether a task of `device` leased now refers to the object.
    func deviceHoldsLease(run: Int64, device: Int, on sha256: [UInt8]) async throws -> Bool
    func task(_ id: Int64) async throws -> StoredTask?
    /// The run and device of a task, without the rest (checked for every result pushed).
    func taskOwner(_ id: Int64) async throws -> (run: Int64, device: Int)?
    /// Records results, each with its blobs' bytes, idempotently and in one transaction; one
    /// outcome per entry, in order.
    func recordResults(_ entries: [ResultEntry], now: Double) async throws -> [RecordOutcome]

    /// Tasks of the round still pending or leased.
    func openTaskCount(round: Int64) async throws -> Int
    func counts(run: Int64, seenSince: Double) async throws -> StoreCounts
}

extension FleetStore {
    /// Persistent stores keep every object (a resumed run reads its results' objects again).
    public func releaseObjects(ofReadRound round: Int64) async throws {}
}
