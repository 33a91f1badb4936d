// The runtime's device executor over a fleet service: each device task the script sends (a
// `train` on `d.train`, an `evaluate` on `d.test`) becomes a round of the service, run on the
// host that joined for the device. The service waits for a device's host the first time the
// script sends it work, so hosts may start before or after the service.

import DCLCompiler
import DCLFleet
import DCLRuntime
import Foundation
import Logging

final class FleetDevices: DeviceExecutor {
    let service: FleetService
    let policy: RoundPolicy
    let joinTimeout: Duration
    private var joined: Set<Int> = []
    /// Rounds run and their traffic, for the closing line.
    private(set) var rounds = 0
    private(set) var bytesUp: UInt64 = 0
    private(set) var bytesDown: UInt64 = 0
    /// Called after every round with an account of it (`dcl serve --log-rounds`).
    var roundLog: ((RoundAccount) -> Void)?
    /// Called for every device a round dropped (round, device, why).
    var dropLog: ((Int64, Int, String) -> Void)?

    init(service: FleetService, policy: RoundPolicy, joinTimeout: Duration) {
        self.service = service
        self.policy = policy
        self.joinTimeout = joinTimeout
    }

    func run(_ tasks: [DeviceTask], timeout: Double?) throws -> [Result<DeviceTaskReply, DeviceTaskFailure>] {
        for d in Set(tasks.map(\.device)).subtracting(joined).sorted() {
            try service.waitForDevices(d..<(d + 1), timeout: joinTimeout)
            joined.insert(d)
        }
        let items = tasks.map { WorkItem(device: $0.device, kind: $0.kind.rawValue, spec: $0.spec, blobs: $0.blobs) }
        // The runtime judges min_responses itself (RemoteWork.run): the service answers for
        // every item, dropped or not.
        let roundPolicy = RoundPolicy(minResponses: 0, timeout: timeout.map { .milliseconds(Int64(min(($0 * 1000).rounded(.up), 1e15))) } ?? policy.timeout)
        let report = try service.runRoundReport(items, policy: roundPolicy)
        rounds += 1
        bytesUp &+= report.bytesUp
        bytesDown &+= report.bytesDown
        if let log = dropLog {
            for (task, r) in zip(tasks, report.results) {
                if case .failure(.dropped(let reason)) = r { log(report.round, task.device, reason) }
            }
        }
        if let log = roundLog {
            let dropped = report.results.filter { if case .failure(.dropped) = $0 { return true }; return false }.count
            log(RoundAccount(round: report.round, kind: tasks.first?.kind.rawValue ?? "", devices: tasks.map(\.device),
                             bytesDown: report.bytesDown, bytesUp: report.bytesUp, dropped: dropped, fromStore: report.fromStore))
        }
        return report.results.map { r in
            switch r {
            case .success(let o): return .success(DeviceTaskReply(spec: o.spec, blobs: o.blobs))
            case .failure(.dropped(let reason)): return .failure(.dropped(reason: reason))
            case .failure(.failed(let message)): return .failure(.failed(DeviceTaskError(transportMessage: message)))
            }
        }
    }
}

/// One device round as `--log-rounds` reports it.
struct RoundAccount {
    var round: Int64
    var kind: String
    var devices: [Int]
    var bytesDown: UInt64
    var bytesUp: UInt64
    var dropped: Int
    var fromStore: Int

    /// The line a person reads.
    var line: String {
        let who = devices.count == 1 ? "device \(devices[0])" : "\(devices.count) devices"
        return "round \(round): \(kind) on \(who): \(bytesDown) bytes down, \(bytesUp) bytes up"
            + (dropped > 0 ? ", \(dropped) dropped" : "")
            + (fromStore > 0 ? ", \(fromStore) answered from the store (resumed run)" : "")
    }

    /// The fields of its log event.
    var fields: Logger.Metadata {
        var f: Logger.Metadata = ["round": .stringConvertible(round), "kind": .string(kind), "devices": .stringConvertible(devices.count),
                                  "bytes_down": .stringConvertible(bytesDown), "bytes_up": .stringConvertible(bytesUp),
                                  "dropped": .stringConvertible(dropped), "from_store": .stringConvertible(fromStore)]
        if devices.count == 1 { f["device"] = .stringConvertible(devices[0]) }
        return f
    }
}
