// `dcl bench fleet`: a device-cloud pattern's per-device work over a fleet of N devices, run as a
// child `dcl run Examples/bench/fleet_<pattern>.dcl --set devices=N`, and with `--reference` its
// plain PyTorch implementation (Scripts/reference/fleet_<pattern>.py) as another child in the
// same sitting, alternating when `--rounds` > 1. A benchmark, not a test: timings depend on the
// machine and its load.
//
// The measures, the same for both sides:
//   wall_s         the child's wall time, spawn to exit (start-up, data loading, the cloud part,
//                  the device loop), measured by this process;
//   per_device_ms  the device loop's own time / devices: each script reads its clock before the
//                  first device and after the last (metrics included) and reports the difference;
//   peak_rss_mib   the child's peak resident set (wait4's ru_maxrss), so each run's own.
// With several rounds each measure is the median over the rounds.

import ArgumentParser
import DCLTensor
import Foundation

struct FleetBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Run a pattern's per-device work over N devices (and its PyTorch reference): wall time, per-device time, peak RSS.",
        discussion: """
            Runs `dcl run Examples/bench/fleet_<pattern>.dcl --set devices=N` as a child process and, with --reference, \
            `python3 Scripts/reference/fleet_<pattern>.py --devices N`. per_device_ms is the device loop's time divided by N, \
            as each script reports it; wall_s and peak_rss_mib are each child's own. See BENCHMARKS.md, "Fleet runs".
            """)

    enum Pattern: String, ExpressibleByArgument, CaseIterable {
        case dcccl, iciia, coda
    }

    @Option(help: "The pattern: dcccl, iciia or coda.") var pattern: Pattern
    @Option(help: "Devices in the fleet.") var devices = 10
    @Option(help: "Kernel threads for both sides (default: the machine's cores).") var threads: Int?
    @Flag(help: "Also run the plain PyTorch reference of the same protocol.") var reference = false
    @Option(help: "Runs of each side, alternating; the median is reported.") var rounds = 1
    @Option(help: "The repository root holding Examples/bench and Scripts/reference (default: the current directory).") var root = "."
    @Option(help: "A fleet script to run instead of the pattern's (it declares `param devices: int` and prints the `fleet …` line).")
    var script: String?
    @Option(help: "A reference script to run instead of the pattern's (prints one JSON line with loop_s).")
    var referenceScript: String?
    @Option(help: "The Python interpreter for the reference.") var python = "python3"
    @Option(help: "The dcl binary for the dcl side (default: this one).") var dcl: String?
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard devices >= 1, devices <= 1_000_000 else { throw ValidationError("--devices must be between 1 and 1000000 (got \(devices))") }
        guard rounds >= 1, rounds <= 100 else { throw ValidationError("--rounds must be between 1 and 100 (got \(rounds))") }
        try validateThreads(threads)
        var scripts = [dclScript]
        if reference { scripts.append(pythonScript) }
        for path in scripts where !FileManager.default.isReadableFile(atPath: path) {
            throw ValidationError("cannot read \(path)" + (root == "." ? " (run from the repository root or pass --root)" : ""))
        }
        if let d = dcl, !FileManager.default.isExecutableFile(atPath: d) { throw ValidationError("--dcl: \(d) is not an executable file") }
    }

    var dclScript: String { script ?? "\(root)/Examples/bench/fleet_\(pattern.rawValue).dcl" }
    var pythonScript: String { referenceScript ?? "\(root)/Scripts/reference/fleet_\(pattern.rawValue).py" }

    func run() throws {
        let t = threads ?? ThreadPool.shared.threadCount
        if reference && referenceScript == nil { try checkReferencePython() }
        var ours: [FleetSide] = [], theirs: [FleetSide] = []
        for _ in 0..<rounds {
            ours.append(try runDCL(threads: t))
            if reference { theirs.append(try runReference(threads: t)) }
        }
        let d = FleetSide.median(ours), r = reference ? FleetSide.median(theirs) : nil
        if json {
            print(FleetReport.json(pattern: pattern.rawValue, devices: devices, threads: t, rounds: rounds, dcl: d, reference: r))
        } else {
            print(FleetReport.table(pattern: pattern.rawValue, devices: devices, threads: t, rounds: rounds, dcl: d, reference: r))
        }
    }

    func runDCL(threads: Int) throws -> FleetSide {
        let binary = dcl ?? ChildProcess.currentExecutable()
        let c = try ChildProcess.run(binary, ["run", dclScript, "--set", "devices=\(devices)", "--threads", "\(threads)", "--seed", "0"])
        try check(c, "dcl run \(dclScript)")
        guard let line = c.stdout.split(separator: "\n").last(where: { $0.hasPrefix("fleet ") }) else {
            throw BenchError("dcl run \(dclScript) printed no `fleet devices=… loop_s=…` line; its output ends:\n" + tail(c.stdout))
        }
        var fields: [String: String] = [:]
        for token in line.split(separator: " ").dropFirst() {
            let kv = token.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        return try side(c, fields: fields, source: "dcl run \(dclScript)")
    }

    /// Fails before any side runs when `--python` cannot import what the references need:
    /// a traceback after the dcl side's minutes helps no one.
    func checkReferencePython() throws {
        let probe: ChildRun
        do { probe = try ChildProcess.run(python, ["-c", "import numpy, torch"]) } catch {
            throw BenchError("--python \(python): cannot run it (\(error)); the reference needs a Python with torch and numpy")
        }
        guard probe.signalled || probe.status != 0 else { return }
        let missing = probe.stderr.split(separator: "\n").last(where: { $0.contains("Error") }).map(String.init) ?? "exit status \(probe.status)"
        throw BenchError("""
            --python \(python) cannot import torch and numpy (\(missing)); the reference needs both. Make a Python that has them, e.g.
              python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install numpy && /tmp/torchenv/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
            then pass --python /tmp/torchenv/bin/python (BENCHMARKS.md, "Fleet runs")
            """)
    }

    func runReference(threads: Int) throws -> FleetSide {
        let c = try ChildProcess.run(python, [pythonScript, "--devices", "\(devices)", "--threads", "\(threads)", "--seed", "0"])
        try check(c, "\(python) \(pythonScript)")
        guard let line = c.stdout.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw BenchError("\(python) \(pythonScript) printed no JSON line; its output ends:\n" + tail(c.stdout))
        }
        var fields: [String: String] = [:]
        for (k, v) in object { fields[k] = "\(v)" }
        if let m = fields["metric"], let v = fields[m] { fields["value"] = v }
        return try side(c, fields: fields, source: "\(python) \(pythonScript)")
    }

    /// A side's measures from its child run and the fields its script reported.
    func side(_ c: ChildRun, fields: [String: String], source: String) throws -> FleetSide {
        guard let loop = fields["loop_s"].flatMap(Double.init), loop.isFinite, loop >= 0 else {
            throw BenchError("\(source) reported no loop_s (found \(fields["loop_s"] ?? "nothing"))")
        }
        guard let n = fields["devices"].flatMap(Int.init), n == devices else {
            throw BenchError("\(source) ran \(fields["devices"] ?? "an unknown number of") devices, not \(devices)")
        }
        return FleetSide(wallSeconds: c.wallSeconds, perDeviceMs: 1000 * loop / Double(devices), peakRSSMiB: Double(c.peakRSSKiB) / 1024,
                         loopSeconds: loop, metric: fields["metric"] ?? "metric", value: fields["value"].flatMap(Double.init))
    }

    func check(_ c: ChildRun, _ what: String) throws {
        if c.signalled { throw BenchError("\(what) was killed by signal \(c.status)\n" + tail(c.stderr)) }
        if c.status != 0 { throw BenchError("\(what) exited with status \(c.status):\n" + tail(c.stderr + c.stdout)) }
    }

    func tail(_ s: String) -> String { s.split(separator: "\n", omittingEmptySubsequences: false).suffix(15).joined(separator: "\n") }
}

/// One side's measures (see the file comment for their definitions).
struct FleetSide {
    var wallSeconds: Double
    var perDeviceMs: Double
    var peakRSSMiB: Double
    var loopSeconds: Double
    var metric: String
    var value: Double?

    /// Per measure, the median over the rounds (the metric is the same every round: seeded).
    static func median(_ runs: [FleetSide]) -> FleetSide {
        var m = runs[0]
        m.wallSeconds = DCLDriver.median(runs.map(\.wallSeconds))
        m.perDeviceMs = DCLDriver.median(runs.map(\.perDeviceMs))
        m.peakRSSMiB = DCLDriver.median(runs.map(\.peakRSSMiB))
        m.loopSeconds = DCLDriver.median(runs.map(\.loopSeconds))
        return m
    }
}

enum FleetReport {
    static func fields(_ s: FleetSide) -> [String: Any] {
        var f: [String: Any] = ["wall_s": s.wallSeconds, "per_device_ms": s.perDeviceMs, "peak_rss_mib": s.peakRSSMiB,
                                "loop_s": s.loopSeconds, "metric": s.metric]
        if let v = s.value { f[s.metric] = v }
        return f
    }

    /// One JSON object: the dcl side's measures at the top level (and under "dcl"), the
    /// reference's under "reference", and the ratios: speed-ups are reference / dcl (above 1,
    /// dcl is faster), the RSS ratio is dcl / reference (below 1, dcl uses less).
    static func json(pattern: String, devices: Int, threads: Int, rounds: Int, dcl: FleetSide, reference: FleetSide?) -> String {
        var o: [String: Any] = ["bench": "fleet", "pattern": pattern, "devices": devices, "threads": threads, "rounds": rounds,
                                "dcl": fields(dcl)]
        for (k, v) in fields(dcl) where k != "metric" && k != dcl.metric { o[k] = v }
        if let r = reference {
            o["reference"] = fields(r)
            o["ratios"] = ["wall_speedup": r.wallSeconds / dcl.wallSeconds, "per_device_speedup": r.perDeviceMs / dcl.perDeviceMs,
                           "peak_rss_ratio": dcl.peakRSSMiB / r.peakRSSMiB]
        }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func table(pattern: String, devices: Int, threads: Int, rounds: Int, dcl: FleetSide, reference: FleetSide?) -> String {
        func cells(_ xs: [String]) -> String {
            zip(xs, [8, 10, 15, 14, 10]).enumerated().map { i, p in
                let pad = String(repeating: " ", count: max(0, p.1 - p.0.count))
                return i == 0 ? p.0 + pad : pad + p.0
            }.joined(separator: " ")
        }
        func row(_ name: String, _ s: FleetSide) -> String {
            cells([name, String(format: "%.2f", s.wallSeconds), String(format: "%.2f", s.perDeviceMs), String(format: "%.1f", s.peakRSSMiB),
                   s.value.map { String(format: "%.4f", $0) } ?? "–"])
        }
        var lines = ["fleet \(pattern): \(devices) devices, \(threads) threads, \(rounds == 1 ? "1 run" : "median of \(rounds) runs")",
                     cells(["side", "wall s", "per device ms", "peak RSS MiB", dcl.metric]),
                     row("dcl", dcl)]
        if let r = reference {
            lines.append(row("PyTorch", r))
            lines.append(String(format: "dcl is %.2f× faster (wall), %.2f× per device; peak RSS %.2f× PyTorch's",
                                r.wallSeconds / dcl.wallSeconds, r.perDeviceMs / dcl.perDeviceMs, dcl.peakRSSMiB / r.peakRSSMiB))
        }
        return lines.joined(separator: "\n")
    }
}
