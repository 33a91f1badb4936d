// Reconnecting: exponential backoff, bounded, with jitter from a seeded generator so that a
// host's retry schedule is reproducible (and hosts given different seeds do not retry in step).

/// SplitMix64: small, fast, and good enough to spread retries (and to fill `dcl bench serve`'s
/// incompressible test objects).
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

public struct BackoffPolicy: Sendable, Equatable {
    /// The first delay; each further attempt doubles it, up to `maxDelay`.
    public var initialDelay: Duration = .milliseconds(100)
    public var maxDelay: Duration = .seconds(5)
    /// Attempts in a row without reaching the service before the host gives up.
    public var maxAttempts: Int = 20
    /// Seeds the jitter: each delay is scaled by a factor in [0.5, 1).
    public var seed: UInt64 = 0

    public init(initialDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5), maxAttempts: Int = 20, seed: UInt64 = 0) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxAttempts = maxAttempts
        self.seed = seed
    }

    /// The delays of attempts 1, 2, … in order (the schedule `FleetDeviceHost` follows).
    func delays() -> [Duration] {
        var rng = SplitMix64(seed: seed)
        var base = min(initialDelay, maxDelay)
        var out: [Duration] = []
        for _ in 0..<max(maxAttempts, 0) {
            let jitter = 0.5 + Double(rng.next() >> 11) / Double(UInt64(1) << 53) * 0.5
            out.append(base * jitter)
            base = min(base * 2, maxDelay)
        }
        return out
    }
}
