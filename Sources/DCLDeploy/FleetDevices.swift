// The runtime's device executor over a fleet service: each device task the script sends (a
// `train` on `d.train`, an `evaluate` on `d.test`) becomes a round of the service, run on the
// host that joined for the device. The service waits for a device's host the first time the
// script sends it work, so hosts may start before or after the service.

import DCLCompiler
import DCLFleet
import DCLRuntime
import Foundation

final class FleetDevices: DeviceExecutor {
    let service: FleetService
    let policy: RoundPolicy
    let joinTimeout: Duration
    private var joined: Set<Int> = []
    /// Rounds run and their traffic, for the closing line.
    private(set) var rounds = 0
    private(set) var bytesUp: UInt64 = 0
    private(set) var bytesDown: UInt64 = 0
    /// Called after every round with a one-line account of it (`dcl serve --log-rounds`).
    var roundLog: ((String) -> Void)?

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
        if let log = roundLog {
            let devices = tasks.count == 1 ? "device \(tasks[0].device)" : "\(tasks.count) devices"
            let dropped = report.results.filter { if case .failure(.dropped) = $0 { return true }; return false }.count
            log("round \(report.round): \(tasks.first?.kind.rawValue ?? "") on \(devices): \(report.bytesDown) bytes down, \(report.bytesUp) bytes up"
                + (dropped > 0 ? ", \(dropped) dropped" : "")
                + (report.fromStore > 0 ? ", \(report.fromStore) answered from the store (resumed run)" : ""))
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
