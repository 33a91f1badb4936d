// What the service tells its owner as it happens, for its log: hosts joining and leaving. Rounds
// and their dropouts are reported by whoever runs the round (`RoundReport`).

/// A change in which hosts hold which devices.
public enum FleetEvent: Sendable, Equatable {
    /// A host joined for devices `first..<end`; `rejoined` of them were registered before (a
    /// restarted host presenting their tokens, or devices moving to a new host).
    case hostJoined(first: Int, end: Int, rejoined: Int)
    /// A host said it leaves (it was stopped): its devices are gone until a host joins for them.
    case hostLeft(first: Int, end: Int)
}
