// `dcl run FILE --deploy loopback [--device-hosts K]`: the deployed run on one machine. It
// starts `dcl serve` and K `dcl device` hosts as child processes on 127.0.0.1 (an ephemeral
// port, a fresh join token in a private temporary file), lets the service run the script —
// its output is this command's output — and stops the hosts when it ends. With the same seed
// the output is byte for byte that of `dcl run` (tested on the examples).

import DCLCompiler
import DCLDiagnostics
import DCLSema
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct LoopbackDeployment {
    var file: String
    var seed: UInt64
    var assignments: [String]
    var threads: Int?
    var quiet: Bool
    var hosts: Int
    var store: String?
    /// Services sharing the store (`--replicas`, PostgreSQL only): each host knows them all.
    var replicas: Int = 1
    /// Where the service serves its metrics (`--metrics-listen`); nil: nowhere.
    var metricsListen: String?
    /// TLS between the service and the hosts (`--tls-cert/--tls-key/--tls-ca`); nil: plaintext.
    var tls: TLSFiles?

    struct TLSFiles {
        var certificate: String
        var key: String
        var trustRoots: String
    }

    struct Failure: Error { let message: String }

    /// Runs the deployment; returns the service's exit status.
    func run(program: LoadedProgram, values: [String: ScriptParamValue]) throws -> Int32 {
        let (role, count) = try fleet(program, values)
        let ranges = DeviceRange.split(count: count, hosts: hosts)
        let dir = NSTemporaryDirectory() + "dcl-loopback-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tokenFile = dir + "/join-token"
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = rng.next() }
        guard FileManager.default.createFile(atPath: tokenFile, contents: Data(bytes.map { String(format: "%02x", $0) }.joined().utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw Failure(message: "cannot write the join token in \(dir)")
        }
        let exe = ChildProcess.currentExecutable()
        let shared = ["--seed", String(seed)] + assignments.flatMap { ["--set", $0] }
        var serveArgs = ["serve", file, "--listen", "127.0.0.1:0", "--join-token-file", tokenFile] + shared
        if let store { serveArgs += ["--store", store] }
        if let metricsListen { serveArgs += ["--metrics-listen", metricsListen] }
        if let tls { serveArgs += ["--tls-cert", tls.certificate, "--tls-key", tls.key] }
        if let threads { serveArgs += ["--threads", String(threads)] }
        if quiet { serveArgs.append("--quiet") }
        // One service prints as it goes. Several replicas each run the script when they drive
        // the run, and one that takes over replays it from the start: their output is kept apart
        // and the run's is the last driver's, printed when the run ends.
        var services: [RunningChild] = []
        defer { for s in services { s.killIfRunning() } }
        for i in 0..<replicas {
            var args = serveArgs + ["--port-file", dir + "/port-\(i)"]
            if replicas > 1 { args += ["--driver-file", dir + "/driver-\(i)"] }
            services.append(try RunningChild(exe, args, stdout: replicas > 1 ? .file(dir + "/out-\(i)") : .inherit))
        }
        // Each service writes its port once it listens; it may also fail before that.
        let deadline = ChildProcess.monotonicSeconds() + 120
        var ports: [String] = []
        for (i, service) in services.enumerated() {
            var port: String?
            while port == nil {
                if let s = try? String(contentsOfFile: dir + "/port-\(i)", encoding: .utf8), let p = Int(s.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    port = String(p)
                } else if let status = service.poll() {
                    return status
                } else if ChildProcess.monotonicSeconds() > deadline {
                    throw Failure(message: "the service did not start listening within 120 s")
                } else {
                    usleep(20_000)
                }
            }
            ports.append(port!)
        }
        var hostProcesses: [RunningChild] = []
        defer { for h in hostProcesses { h.killIfRunning() } }
        for (i, r) in ranges.enumerated() {
            // Hosts spread over the replicas: each starts with its own and knows the others.
            let cloud = (0..<ports.count).map { "127.0.0.1:\(ports[(i + $0) % ports.count])" }.joined(separator: ",")
            var args = ["device", file, "--cloud", cloud, "--devices", "\(r.lowerBound)..\(r.upperBound)", "--role", role,
                        "--join-token-file", tokenFile] + shared
            // Hosts share the machine with the service: one kernel thread each unless told.
            args += ["--threads", String(threads ?? 1)]
            if let tls { args += ["--tls-ca", tls.trustRoots] }
            hostProcesses.append(try RunningChild(exe, args, stdout: .null, stderr: .file(dir + "/host-\(i).log")))
        }
        let status = replicas == 1 ? services[0].wait() : try runOutput(services, dir: dir)
        // The service ended the run: the hosts see it at their next poll and exit.
        let hostDeadline = ChildProcess.monotonicSeconds() + 30
        for (i, h) in hostProcesses.enumerated() {
            while h.poll() == nil && ChildProcess.monotonicSeconds() < hostDeadline { usleep(20_000) }
            h.killIfRunning()
            if let s = h.poll(), s != 0 || status != 0 {
                let log = (try? String(contentsOfFile: dir + "/host-\(i).log", encoding: .utf8)) ?? ""
                if s != 0 || !log.isEmpty {
                    StandardError.write("dcl run: device host \(i) (devices \(ranges[i].lowerBound)..\(ranges[i].upperBound)) exited with \(s):\n\(log)")
                }
            }
        }
        return status
    }

    /// Waits for every replica to end, then prints the output of the one that drove the run
    /// last and returns its status (a replica that never drove prints nothing and ends when the
    /// run does).
    private func runOutput(_ services: [RunningChild], dir: String) throws -> Int32 {
        var statuses = [Int32?](repeating: nil, count: services.count)
        while statuses.contains(where: { $0 == nil }) {
            for (i, s) in services.enumerated() where statuses[i] == nil { statuses[i] = s.poll() }
            usleep(50_000)
        }
        let drivers = services.indices.compactMap { i -> (Int, UInt64)? in
            guard let text = try? String(contentsOfFile: dir + "/driver-\(i)", encoding: .utf8),
                  let stamp = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
            return (i, stamp)
        }
        guard let last = drivers.max(by: { $0.1 < $1.1 })?.0 else {
            // No replica drove the run: each failed before, and its log says why.
            return statuses.compactMap { $0 }.first { $0 != 0 } ?? 1
        }
        if let output = FileManager.default.contents(atPath: dir + "/out-\(last)") {
            FileHandle.standardOutput.write(output)
        }
        return statuses[last]!
    }

    /// The device role and its count, from a check-mode evaluation (no data is read).
    private func fleet(_ program: LoadedProgram, _ values: [String: ScriptParamValue]) throws -> (String, Int) {
        let roles = Evaluator.deviceRoleNames(in: program.main)
        guard roles.count == 1 else {
            throw Failure(message: roles.isEmpty ? "the script declares no device role to deploy (`role device[N] { data: … }`)"
                                                 : "--deploy loopback deploys one device role; the script has \(roles.count) (\(roles.joined(separator: ", ")))")
        }
        let ev = Evaluator(program: program, hooks: CheckModeHooks(), seed: seed, checkMode: true)
        ev.paramValues = values
        guard let count = try ev.deviceRoleCount(roles[0]) else {
            throw Failure(message: "the number of devices of `\(roles[0])` is not known before the run")
        }
        guard count > 0 else { throw Failure(message: "`\(roles[0])` has no devices") }
        return (roles[0], count)
    }
}
