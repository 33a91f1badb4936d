// `dcl status HOST:PORT`: one Status RPC, authenticated with the run's join token.

import DCLFleetProto
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// The fleet at a glance. Task counts are the run's (every round so far); bytes are message bytes
/// since the service started.
public struct FleetStatus: Sendable, Equatable {
    public var runID: UInt64
    public var devicesRegistered: Int
    /// Devices whose host joined or polled in the last 30 seconds.
    public var devicesConnected: Int
    /// 0 before the first round.
    public var currentRound: UInt64
    public var roundOpen: Bool
    public var tasksPending: UInt64
    public var tasksLeased: UInt64
    public var tasksDone: UInt64
    public var tasksDropped: UInt64
    public var bytesUp: UInt64
    public var bytesDown: UInt64
    public var finished: Bool

    /// The lines `dcl status` prints.
    public var lines: [String] {
        let round = currentRound == 0 ? "none yet" : "\(currentRound) (\(roundOpen ? "open" : "closed"))"
        return [
            "run             \(runID)\(finished ? " (finished)" : "")",
            "devices         \(devicesRegistered) registered, \(devicesConnected) connected",
            "round           \(round)",
            "tasks           \(tasksPending) pending, \(tasksLeased) leased, \(tasksDone) done, \(tasksDropped) dropped",
            "bytes           \(bytesUp) up, \(bytesDown) down",
        ]
    }

    /// Asks the service at `address`. Throws `FleetError.unreachable` naming the address when nothing
    /// answers there, and the service's refusal when the token is wrong.
    public static func query(_ address: FleetAddress, joinToken: String, insecure: Bool = false, tls: FleetClientTLS? = nil,
                             timeout: Duration = .seconds(5)) async throws -> FleetStatus {
        if tls == nil { try address.checkPlaintextAllowed(insecure: insecure) }
        let transport = try HTTP2ClientTransport.Posix(target: address.resolvableTarget(tls: tls != nil),
                                                       transportSecurity: tls?.transportSecurity ?? .plaintext)
        do {
            return try await withClientEndingOnCancel(transport: transport) { client in
                var options = CallOptions.defaults
                options.waitForReady = false
                options.timeout = timeout
                let r = try await Dcl_Fleet_V1_Fleet.Client(wrapping: client).status(
                    request: ClientRequest(message: Dcl_Fleet_V1_StatusRequest(), metadata: ["authorization": "Bearer \(joinToken)"]),
                    options: options) { try $0.message }
                return FleetStatus(runID: r.runID, devicesRegistered: Int(r.devicesRegistered), devicesConnected: Int(r.devicesConnected),
                                   currentRound: r.currentRound, roundOpen: r.roundOpen, tasksPending: r.tasksPending,
                                   tasksLeased: r.tasksLeased, tasksDone: r.tasksDone, tasksDropped: r.tasksDropped,
                                   bytesUp: r.bytesUp, bytesDown: r.bytesDown, finished: r.finished)
            }
        } catch let error as RPCError {
            if let distrust = tls?.distrust(error, address: address) { throw distrust }
            switch error.code {
            case .unavailable, .deadlineExceeded:
                throw FleetError.unreachable("no fleet service answers at \(address): \(error.message)")
            default:
                throw FleetError.unreachable("the service at \(address) refused: \(error.code): \(error.message)")
            }
        }
    }

    /// `query`, for a synchronous caller.
    public static func queryBlocking(_ address: FleetAddress, joinToken: String, insecure: Bool = false, tls: FleetClientTLS? = nil,
                                     timeout: Duration = .seconds(5)) throws -> FleetStatus {
        try blocking { try await query(address, joinToken: joinToken, insecure: insecure, tls: tls, timeout: timeout) }
    }
}
