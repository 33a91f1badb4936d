// What the service tells its owner as it happens, for its log: hosts joining, leaving, falling
// silent and coming back; the store going out of reach and coming back. Rounds
// and their dropouts are reported by whoever runs the round (`RoundReport`).

/// A change in which hosts hold which devices.
public enum FleetEvent: Sendable, Equatable {
    /// A host joined for devices `first..<end`; `rejoined` of them were registered before (a
    /// restarted host presenting their tokens, or devices moving to a new host).
    case hostJoined(first: Int, end: Int, rejoined: Int)
    /// A host said it leaves (it was stopped): its devices are gone until a host joins for them.
    case hostLeft(first: Int, end: Int)
    /// A host has not been heard from (no poll, lease or push) for `seconds` without saying it
    /// leaves — killed, or its network gone. Its devices drop out of rounds that need them.
    case hostSilent(first: Int, end: Int, seconds: Int)
    /// A host that had fallen silent was heard from again.
    case hostReturned(first: Int, end: Int)
    /// The store cannot be reached; the service retries (hosts are told to retry too).
    case storeUnavailable(message: String)
    /// The store answers again after `seconds` out of reach.
    case storeReturned(seconds: Int)
}
