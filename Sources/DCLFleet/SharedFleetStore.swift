// What several `dcl serve` replicas sharing one store need beyond `FleetStore` (docs/deploy.md,
// "Scale-out"). Every replica serves the hosts' RPCs from the store; one at a time — the
// run's *driver* — runs the script and decides its rounds. A store that only one service uses
// (SQLite, memory) does not conform: its service drives alone.
//
// Driving is a claim on the store (PostgreSQL: a session advisory lock on a connection of its
// own). The driver's round transitions — opening, closing, finishing — run on that very
// connection, so a driver that lost its claim (killed, cut off from the database) cannot
// change a round any more: the claim is the fence.

public struct SharedRunState: Sendable, Equatable {
    /// The run's latest round that is not closed, if any.
    public var round: (number: Int64, id: Int64, deadline: Double)?
    public var finished: Bool

    public init(round: (number: Int64, id: Int64, deadline: Double)?, finished: Bool) {
        self.round = round
        self.finished = finished
    }

    public static func == (a: SharedRunState, b: SharedRunState) -> Bool {
        a.finished == b.finished && a.round?.number == b.round?.number && a.round?.id == b.round?.id && a.round?.deadline == b.round?.deadline
    }
}

public protocol SharedFleetStore: FleetStore {
    /// The unfinished run begun under `key`, or a new one — decided once however many replicas
    /// ask at the same moment.
    func openRun(key: [UInt8], now: Double) async throws -> (run: Int64, resumed: Bool)
    /// Tries to become the run's driver: true if this store now holds the claim (until it is
    /// closed, or its connection is lost); false if another replica holds it. Once claimed, the
    /// round transitions (`openRound`, `closeRound`, `finishRun`) go through the claim and throw
    /// `FleetError.superseded` if it was lost to another replica.
    func claimDriver(run: Int64) async throws -> Bool
    /// Whether this store holds the run's driver claim now (it asks the server).
    func holdsDriver(run: Int64) async -> Bool
    /// The run's open round and whether it finished, as the driver left them.
    func runState(run: Int64) async throws -> SharedRunState
    /// Devices of [first, end) registered in the run and seen at or after `since`, ascending.
    func devicesSeen(run: Int64, first: Int, end: Int, since: Double) async throws -> [Int]
    /// An element each time another replica (or this one) changes the run: a round opened or
    /// closed, a result recorded, a device registered, the run finished. Elements may be merged
    /// or, while the connection is being re-established, lost: readers re-read the store on a
    /// timer as well.
    func changes(run: Int64) -> AsyncStream<Void>
}
