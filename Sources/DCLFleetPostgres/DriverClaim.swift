// A replica's claim to drive one run: a session advisory lock held on a connection of its own.
// PostgreSQL releases the lock the moment that connection ends — the replica killed, the
// server restarted, the link cut — so another replica can take the run over at once. The
// driver's round transitions run on this same connection (`PostgresFleetStore.driverTransaction`):
// while it lives the lock is held, so a transition can never come from a replica that lost it.
//
// A watchdog looks at the connection every second; when it broke, it claims again at once (the
// driver should win back its own run after a server restart, before a standby replica asks)
// and, if another replica holds the lock by then, records that this one was superseded.

import DCLFleet
import PostgresNIO

actor DriverClaim {
    private var connection: PostgresConnection?
    private(set) var run: Int64?
    /// Another replica holds the run's lock: every transition from here on is refused.
    private(set) var superseded = false
    private var watchdog: Task<Void, Never>?

    /// The lock's key: the two-integer form (its own key space, apart from the single-bigint
    /// locks of migrations and run opening), a namespace ("dcl") and the run.
    static func key(_ run: Int64) throws -> (Int32, Int32) {
        guard let low = Int32(exactly: run) else { throw FleetError.store("run id \(run) does not fit a driver lock") }
        return (0x64_636c, low)
    }

    var claimed: Bool { run != nil }

    /// Takes the lock for `run` on a new connection from `connect`; false if another session
    /// holds it.
    func claim(run: Int64, connect: @escaping @Sendable () async throws -> PostgresConnection) async throws -> Bool {
        if let held = self.run {
            guard held == run else { throw FleetError.store("this store already drives run \(held), not \(run)") }
            if superseded { return false }
            if connection.map({ !$0.isClosed }) == true { return true }
        }
        guard try await lock(run: run, connect: connect) else { return false }
        self.run = run
        superseded = false
        startWatchdog(connect: connect)
        return true
    }

    /// The claimed connection for a transition of `run`: nil if this store never claimed one
    /// (a store used by one service alone), the live connection, or — its connection lost — a
    /// new one that took the lock back. Throws `superseded` if another replica holds it now.
    func connectionForTransition(run: Int64, connect: @escaping @Sendable () async throws -> PostgresConnection) async throws -> PostgresConnection? {
        guard let held = self.run, held == run else { return nil }
        guard try await reclaim(connect: connect), let connection else { throw FleetError.superseded(run: run) }
        return connection
    }

    /// The connection broke during a transition: the next one claims again first.
    func lost(_ conn: PostgresConnection) async {
        guard connection === conn else { return }
        connection = nil
        try? await conn.close()
    }

    /// Closes the claim's connection as a cut link would (tests): the lock is gone, the claim
    /// is not released, and the watchdog does not take it back.
    func dropConnectionForTesting() async {
        watchdog?.cancel()
        if let connection { try? await connection.close() }
    }

    /// Whether the claim stands as far as this store knows.
    func holds(run: Int64) -> Bool { self.run == run && !superseded }

    /// Ends the claim (the store closes): the lock goes with its connection.
    func release() async {
        watchdog?.cancel()
        watchdog = nil
        if let connection { try? await connection.close() }
        connection = nil
        run = nil
    }

    /// A lock attempt in flight: a second one (the watchdog's, a transition's) waits for it
    /// rather than asking from another session, which would find the lock taken — by itself.
    private var locking: Task<Bool, any Error>?

    /// A new connection with the lock, kept as `connection`; false (and the connection closed)
    /// if another session holds the lock or the run is finished.
    private func lock(run: Int64, connect: @escaping @Sendable () async throws -> PostgresConnection) async throws -> Bool {
        if let locking { return try await locking.value }
        let attempt = Task { try await self.lockNow(run: run, connect: connect) }
        locking = attempt
        defer { locking = nil }
        return try await attempt.value
    }

    private func lockNow(run: Int64, connect: @Sendable () async throws -> PostgresConnection) async throws -> Bool {
        if let old = connection { try? await old.close() }
        connection = nil
        let (space, id) = try Self.key(run)
        let conn = try await connect()
        let got: Bool
        do {
            got = try await PostgresFleetStore.one(conn.rows("SELECT pg_try_advisory_lock(\(space), \(id))").decode(Bool.self))
            if got {
                // A run another replica finished (after this one lost the lock) is not driven again.
                let finished = try await PostgresFleetStore.one(conn.rows("SELECT finished FROM runs WHERE id = \(run)").decode(Bool.self))
                if finished {
                    // (to a claim: nothing to drive; to a transition: superseded)
                    try? await conn.close()
                    return false
                }
            }
        } catch {
            try? await conn.close()
            throw error
        }
        guard got else {
            try? await conn.close()
            return false
        }
        connection = conn
        return true
    }

    private func startWatchdog(connect: @escaping @Sendable () async throws -> PostgresConnection) {
        guard watchdog == nil else { return }
        watchdog = Task { [weak self] in
            var delay = Duration.milliseconds(250)
            while !Task.isCancelled {
                guard let self else { return }
                let healthy = await self.check()
                if healthy == nil { return }
                if healthy == true {
                    delay = .milliseconds(250)
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                do {
                    _ = try await self.reclaim(connect: connect)
                    delay = .milliseconds(250)
                } catch {
                    // The server is away: try again soon, a little later each time.
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(2))
                }
            }
        }
    }

    /// nil: nothing to watch any more (released or superseded); true: the connection answers.
    private func check() async -> Bool? {
        guard run != nil, !superseded else { return nil }
        guard let conn = connection, !conn.isClosed else { return false }
        do {
            _ = try await conn.rows("SELECT 1").collect()
            return true
        } catch {
            await lost(conn)
            return false
        }
    }

    /// Whether the claim stands with a live connection: the one it has, or a new one that took
    /// the lock back; false (and superseded from then on) if another replica holds it now.
    private func reclaim(connect: @escaping @Sendable () async throws -> PostgresConnection) async throws -> Bool {
        guard let run, !superseded else { return false }
        if let connection, !connection.isClosed { return true }
        if try await lock(run: run, connect: connect) { return true }
        superseded = true
        return false
    }
}
