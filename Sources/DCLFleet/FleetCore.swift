// The service's shared state: the store, the run, the open round, the hosts' sessions and the
// device tokens. The RPC handlers (FleetRPC) and the public API (FleetService) both work on it.

import Foundation
import GRPCCore
import Synchronization

/// A host's session: the devices it joined for. Kept in memory only: after a service restart
/// hosts join again (presenting their device tokens) and get new sessions.
struct JoinedSession: Sendable {
    var first: Int
    var end: Int
}

struct OpenRound: Sendable {
    var number: Int64
    var id: Int64
    /// Seconds since 1970, as the store keeps times.
    var deadline: Double
    var open: Bool
}

final class FleetCore: Sendable {
    let store: any FleetStore
    /// The store, when replicas may share it: then this service drives the run only once it
    /// holds the store's claim (`SharedFleetStore`), and learns rounds it does not drive from
    /// the store.
    let shared: (any SharedFleetStore)?
    let limits: FleetLimits
    let run: Int64
    /// Whether `run` is an unfinished run of the store this service took up again.
    let resumed: Bool
    let traffic = TrafficCounter()
    let signal = ChangeSignal()
    /// Told of hosts joining and leaving (the service's log); called outside every lock.
    let events: (@Sendable (FleetEvent) -> Void)?
    private let joinTokenHash: [UInt8]

    private struct State {
        var sessions: [String: JoinedSession] = [:]
        /// Devices some host joined for since this service started.
        var joined: Set<Int> = []
        var round: OpenRound?
        var roundsStarted: Int64 = 0
        var finished = false
        /// Shutting down: long-polls return at once so a graceful shutdown does not wait for them.
        var closing = false
        var lastTouch: [String: Double] = [:]
        /// Sessions a poll has told that the run is finished.
        var toldFinished: Set<String> = []
        /// Draining (a signal): no task is handed out any more; rounds wait for the leased ones
        /// until this instant.
        var drainDeadline: ContinuousClock.Instant?
        /// Devices whose host said it leaves (it was stopped) and that no host joined for since.
        var departed: Set<Int> = []
        /// Sessions reported silent (`FleetEvent.hostSilent`) and not heard from since.
        var silent: Set<String> = []
        /// When each session joined: a host that never polls after joining falls silent too.
        var joinedAt: [String: Double] = [:]
        /// Whether this service drives the run (always, on a store no replica shares).
        var driving = false
    }

    private let state = Mutex(State())
    /// Polls answered (each long-poll counts once per look at the store): how the tests see a
    /// host that is alive.
    let polls = Atomic<Int>(0)
    /// Serialises joins: two hosts claiming the same new device must not both get a token for it.
    private let joinLock = AsyncLock()

    /// How recently a device must have been seen (a poll, a lease, a push) to count as connected.
    static let connectedWindow: Double = 30

    /// The core of a service on `store`: it resumes the store's unfinished run under `runKey`,
    /// or begins a new one.
    static func open(store: any FleetStore, limits: FleetLimits, joinToken: String, runKey: [UInt8]?,
                     events: (@Sendable (FleetEvent) -> Void)? = nil) async throws -> FleetCore {
        if let shared = store as? any SharedFleetStore, let runKey {
            let (run, resumed) = try await shared.openRun(key: runKey, now: Date().timeIntervalSince1970)
            return FleetCore(store: store, limits: limits, joinToken: joinToken, run: run, resumed: resumed, events: events)
        }
        if let runKey, let unfinished = try await store.unfinishedRun(key: runKey) {
            return FleetCore(store: store, limits: limits, joinToken: joinToken, run: unfinished, resumed: true, events: events)
        }
        let run = try await store.beginRun(key: runKey, now: Date().timeIntervalSince1970)
        return FleetCore(store: store, limits: limits, joinToken: joinToken, run: run, resumed: false, events: events)
    }

    private init(store: any FleetStore, limits: FleetLimits, joinToken: String, run: Int64, resumed: Bool,
                 events: (@Sendable (FleetEvent) -> Void)?) {
        self.store = store
        self.shared = store as? any SharedFleetStore
        self.events = events
        self.limits = limits
        self.joinTokenHash = Digest.tokenHash(joinToken)
        self.run = run
        self.resumed = resumed
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    // MARK: Authentication

    /// The bearer token of a request, if it carries exactly one well-formed one.
    static func bearer(_ metadata: Metadata) -> String? {
        let values = Array(metadata[stringValues: "authorization"])
        guard values.count == 1, values[0].hasPrefix("Bearer ") else { return nil }
        let token = String(values[0].dropFirst("Bearer ".count))
        // Tokens are 64 hex digits; anything longer is refused before it is hashed.
        guard token.utf8.count <= 128, !token.isEmpty else { return nil }
        return token
    }

    func requireJoinToken(_ metadata: Metadata) throws {
        guard let token = Self.bearer(metadata), Digest.constantTimeEqual(Digest.tokenHash(token), joinTokenHash) else {
            throw RPCError(code: .unauthenticated, message: "missing or wrong join token")
        }
    }

    func requireSession(_ metadata: Metadata) throws -> (key: String, session: JoinedSession) {
        guard let token = Self.bearer(metadata) else { throw RPCError(code: .unauthenticated, message: "missing session token") }
        let key = Digest.hex(Digest.tokenHash(token))
        guard let session = state.withLock({ $0.sessions[key] }) else {
            throw RPCError(code: .unauthenticated, message: "unknown session token (join again)")
        }
        return (key, session)
    }

    /// Store failures become INTERNAL errors for the peer (details stay in the service); a store
    /// out of reach for now is UNAVAILABLE, which clients retry.
    func rpcStore<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            noteStoreAnswered()
            return value
        } catch let error as FleetError {
            if case .storeUnavailable = error {
                noteStore(unavailable: error)
                throw RPCError(code: .unavailable, message: "the service's store is unavailable for now; retry")
            }
            throw RPCError(code: .internalError, message: "the service's store failed")
        } catch {
            throw RPCError(code: .internalError, message: "the service's store failed")
        }
    }

    /// A store call of the service's own (the rounds): while the store is out of reach it is
    /// retried, with backoff, for up to `limits.storeOutage`; then the error stands. Only calls
    /// that are safe to repeat go through here (every round operation is: opening a round that
    /// exists replays it, closing one twice changes nothing).
    func retryingStore<T>(_ body: () async throws -> T) async throws -> T {
        let giveUp = ContinuousClock.now.advanced(by: limits.storeOutage)
        var delay = Duration.milliseconds(50)
        while true {
            do {
                let value = try await body()
                noteStoreAnswered()
                return value
            } catch let error as FleetError {
                guard case .storeUnavailable = error, ContinuousClock.now < giveUp, !closing else { throw error }
                noteStore(unavailable: error)
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }

    /// Since when the store has been out of reach (nil: it answers).
    private let storeDown = Mutex<ContinuousClock.Instant?>(nil)

    func noteStore(unavailable error: FleetError) {
        let first = storeDown.withLock { down -> Bool in
            guard down == nil else { return false }
            down = .now
            return true
        }
        if first, case .storeUnavailable(let message) = error { events?(.storeUnavailable(message: message)) }
    }

    func noteStoreAnswered() {
        guard let since = storeDown.withLock({ down -> ContinuousClock.Instant? in
            defer { down = nil }
            return down
        }) else { return }
        events?(.storeReturned(seconds: Int((ContinuousClock.now - since).components.seconds)))
    }

    // MARK: Join

    func join(_ request: JoinRequestFields) async throws -> (session: String, tokens: [Int: String]) {
        let first = Int(request.first), end = Int(request.end)
        guard first < end else { throw RPCError(code: .invalidArgument, message: "empty device range \(first)..<\(end)") }
        guard end - first <= limits.maxDevicesPerHost else {
            throw RPCError(code: .invalidArgument, message: "\(end - first) devices in one join (limit \(limits.maxDevicesPerHost))")
        }
        guard end <= limits.maxDeviceIndex else {
            throw RPCError(code: .invalidArgument, message: "device range ends at \(end), past the limit \(limits.maxDeviceIndex)")
        }
        for key in request.presented.keys where !(first..<end).contains(Int(key)) {
            throw RPCError(code: .invalidArgument, message: "a token for device \(key), outside the joined range \(first)..<\(end)")
        }
        let now = Self.now()
        let (tokens, rejoined): ([Int: String], Int) = try await joinLock.withLock {
            // Check every device before registering any: a refused join changes nothing.
            var known: [Int: [UInt8]] = [:]
            for device in first..<end {
                guard let hash = try await rpcStore({ try await store.deviceTokenHash(run: run, device: device) }) else { continue }
                guard let presented = request.presented[UInt32(device)], Digest.constantTimeEqual(Digest.tokenHash(presented), hash) else {
                    throw RPCError(code: .permissionDenied, message: "device \(device) is already registered; a host rejoining must present its token")
                }
                known[device] = hash
            }
            var tokens: [Int: String] = [:]
            for device in first..<end {
                if known[device] != nil {
                    // The same device through a new host: the old host's lease is void.
                    _ = try await rpcStore { try await store.releaseLeases(run: run, device: device) }
                    try await rpcStore { try await store.touchDevices(run: run, first: device, end: device + 1, now: now) }
                    tokens[device] = request.presented[UInt32(device)]
                } else {
                    // A new device takes the token its host proposes (hosts propose one per
                    // device from the start): a host whose join answer was lost joins again with
                    // the same tokens and is accepted, where a token made up here would be lost
                    // with the answer and the device refused for good. A malformed proposal is
                    // replaced by a token of the service's own.
                    let token = request.presented[UInt32(device)].flatMap { Digest.isWellFormedToken($0) ? $0 : nil } ?? Digest.newToken()
                    let hash = Digest.tokenHash(token)
                    try await rpcStore { try await store.registerDevice(run: run, device: device, tokenHash: hash, now: now) }
                    tokens[device] = token
                }
            }
            state.withLock { s in
                s.joined.formUnion(first..<end)
                s.departed.subtract(first..<end)
            }
            return (tokens, known.count)
        }
        let session = Digest.newToken()
        state.withLock { s in
            // A session over any of these devices belongs to a host they have left (a device has
            // one host): it is void, and forgetting it keeps the table as small as the fleet.
            for (key, old) in s.sessions where old.first < end && first < old.end {
                s.sessions[key] = nil
                s.lastTouch[key] = nil
                s.silent.remove(key)
                s.joinedAt[key] = nil
            }
            let key = Digest.hex(Digest.tokenHash(session))
            s.sessions[key] = JoinedSession(first: first, end: end)
            s.joinedAt[key] = Self.now()
        }
        signal.bump()
        // A rejoined device keeps the token it presented; a new one got a fresh token.
        events?(.hostJoined(first: first, end: end, rejoined: rejoined))
        return (session, tokens)
    }

    // MARK: Rounds and the run

    var finished: Bool { state.withLock { $0.finished } }
    /// Whether this service runs the script's rounds (on a shared store: holds the claim).
    var driving: Bool { shared == nil || state.withLock { $0.driving } }
    func setDriving() {
        state.withLock { $0.driving = true }
    }
    var closing: Bool { state.withLock { $0.closing } }
    var round: OpenRound? { state.withLock { $0.round } }
    var joinedDevices: Set<Int> { state.withLock { $0.joined } }
    var draining: Bool { state.withLock { $0.drainDeadline != nil } }
    func sessionActive(_ key: String) -> Bool { state.withLock { $0.sessions[key] != nil } }
    var drainDeadline: ContinuousClock.Instant? { state.withLock { $0.drainDeadline } }
    var departedDevices: Set<Int> { state.withLock { $0.departed } }

    func nextRoundNumber() -> Int64 {
        state.withLock { s in
            s.roundsStarted += 1
            return s.roundsStarted
        }
    }

    /// A replica that does not drive the run takes its round and end from the store (the
    /// driver's writes); waiters wake when either changed.
    func adopt(_ shared: SharedRunState) {
        let changed = state.withLock { s -> Bool in
            guard !s.driving else { return false }
            let round = shared.round.map { OpenRound(number: $0.number, id: $0.id, deadline: $0.deadline, open: true) }
            let changed = s.round?.id != round?.id || s.round?.deadline != round?.deadline || s.round?.open != round?.open || (shared.finished && !s.finished)
            s.round = round
            if shared.finished { s.finished = true }
            return changed
        }
        if changed { signal.bump() }
    }

    func setRound(_ round: OpenRound?) {
        state.withLock { $0.round = round }
        signal.bump()
    }

    /// Records that a session was told the run is over.
    func toldFinished(sessionKey: String) {
        state.withLock { _ = $0.toldFinished.insert(sessionKey) }
        signal.bump()
    }

    /// Sessions seen in the last `seconds` that have not been told the run is over.
    func sessionsNotToldFinished(seenWithin seconds: Double) -> Int {
        let now = Date().timeIntervalSince1970
        return state.withLock { s in
            s.sessions.keys.filter { key in !s.toldFinished.contains(key) && (s.lastTouch[key].map { now - $0 < seconds } ?? false) }.count
        }
    }

    func markFinished() {
        state.withLock { $0.finished = true }
        signal.bump()
    }

    /// Stops handing out tasks; the open round waits for leased ones until `timeout` from now.
    func beginDrain(timeout: Duration) {
        state.withLock { s in
            if s.drainDeadline == nil { s.drainDeadline = ContinuousClock.now.advanced(by: timeout) }
        }
        signal.bump()
    }

    /// A host said it leaves: its session ends at once and its devices count as gone (in the
    /// store too: their last-seen time is cleared, so they no longer count as connected) until a
    /// host joins for them again.
    func leave(sessionKey: String, _ session: JoinedSession) async {
        state.withLock { s in
            s.sessions[sessionKey] = nil
            s.lastTouch[sessionKey] = nil
            s.silent.remove(sessionKey)
            s.joinedAt[sessionKey] = nil
            s.departed.formUnion(session.first..<session.end)
        }
        try? await store.touchDevices(run: run, first: session.first, end: session.end, now: 0)
        signal.bump()
        events?(.hostLeft(first: session.first, end: session.end))
    }

    func markClosing() {
        state.withLock { $0.closing = true }
        signal.bump()
    }

    /// Records that a session's devices were seen, at most once a second per session (a poll
    /// loop must not turn into a stream of writes).
    func touch(sessionKey: String, _ session: JoinedSession) async {
        polls.wrappingAdd(1, ordering: .relaxed)
        let now = Self.now()
        let (due, returned) = state.withLock { s -> (Bool, Bool) in
            // A session that ended (its host left or rejoined) no longer vouches for its devices.
            guard s.sessions[sessionKey] != nil else { return (false, false) }
            let returned = s.silent.remove(sessionKey) != nil
            if let last = s.lastTouch[sessionKey], now - last < 1, !returned { return (false, false) }
            s.lastTouch[sessionKey] = now
            return (true, returned)
        }
        if due { try? await store.touchDevices(run: run, first: session.first, end: session.end, now: now) }
        if returned { events?(.hostReturned(first: session.first, end: session.end)) }
    }

    /// Reports (once each) the hosts not heard from for `after` seconds that neither left nor were
    /// told the run is over: a host killed, or cut off, says nothing, so the service notices.
    func reportSilentHosts(after: Double, now: Double = FleetCore.now()) {
        let fallen = state.withLock { s -> [FleetEvent] in
            guard !s.finished, !s.closing else { return [] }
            var fallen: [FleetEvent] = []
            for (key, session) in s.sessions where !s.silent.contains(key) && !s.toldFinished.contains(key) {
                guard let last = s.lastTouch[key] ?? s.joinedAt[key], now - last >= after else { continue }
                s.silent.insert(key)
                fallen.append(.hostSilent(first: session.first, end: session.end, seconds: Int(now - last)))
            }
            return fallen.sorted { if case .hostSilent(let a, _, _) = $0, case .hostSilent(let b, _, _) = $1 { a < b } else { false } }
        }
        for e in fallen { events?(e) }
    }
}

/// A join request's fields once read off the wire.
struct JoinRequestFields {
    var first: UInt32
    var end: UInt32
    var presented: [UInt32: String]
}
