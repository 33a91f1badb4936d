import DCLCompiler
import DCLData
import DCLRuntime
import DCLScriptTestSupport
import Foundation
import Testing

/// Device work sent through bytes to a `DeviceWorker` that derived its devices' data on its
/// own (a second session, as a device host does) prints exactly what the in-process run prints.
@Suite struct DeployedWorkTests {
    /// Runs tasks on a worker in this process, through the task and reply bytes.
    final class InProcessDevices: DeviceExecutor {
        let worker: DeviceWorker
        var kinds: [DeviceTaskKind] = []
        /// Tasks per call (a call is one round).
        var rounds: [Int] = []
        var tamper: ((inout DeviceTaskReply) -> Void)?
        init(worker: DeviceWorker) { self.worker = worker }
        /// Devices that do not answer (as a host that died would not).
        var silent: Set<Int> = []
        var timeouts: [Double?] = []
        /// The weights each train task asked back, in order.
        var returning: [[String]] = []
        /// Every task sent, in order.
        var sent: [DeviceTask] = []
        func run(_ tasks: [DeviceTask], timeout: Double?) throws -> [Result<DeviceTaskReply, DeviceTaskFailure>] {
            timeouts.append(timeout)
            rounds.append(tasks.count)
            return tasks.map { t in
                kinds.append(t.kind)
                sent.append(t)
                if t.kind == .train, let spec = try? JSONSerialization.jsonObject(with: Data(t.spec)) as? [String: Any] {
                    returning.append(spec["returning"] as? [String] ?? [])
                }
                if silent.contains(t.device) { return .failure(.dropped(reason: "no answer within the round's timeout")) }
                switch worker.handle(t) {
                case .success(var r):
                    tamper?(&r)
                    return .success(r)
                case .failure(let e): return .failure(.failed(e))
                }
            }
        }
    }

    /// The DC-CCL toy's device loop: a co-submodel trained alone, the fused model, a
    /// controlled round (device training against the frozen control model, cloud training,
    /// averaging) — every number printed to the last digit.
    static let script = PatternMechanicsTests.dcccl + """

    import std.dcccl
    for dev in device {
      let alone = copy(base.device)
      train alone on dev.train { epochs: 2, batch: 8, optimizer: adam(lr: 1e-2), log: "none" }
      let a = evaluate(alone, on: dev.test)
      let u = evaluate(base.cloud + alone, on: dev)
      var co = copy(base.device)
      co = dcccl_round(co, control, dev.train, cloud.data, epochs: 1)
      let c = evaluate(base.cloud + co, on: dev.test)
      print "device {dev.index}: alone {a.accuracy:.6f} {a.loss:.12f} fused {u.loss:.12f} dcccl {c.accuracy:.6f} {c.loss:.12f}"
      print "history {[r.loss for r in history(alone).rows]} {[r.lr for r in history(alone).rows]}"
    }
    let fleet = evaluate(base, on: device.test)
    print "fleet {fleet.accuracy:.6f} {fleet.loss:.12f} ± {fleet.std.loss:.12f} over {fleet.count} samples"
    """

    /// A device host's worker: its own session evaluates only the role's data.
    static func worker(_ text: String, directory: String, role: String = "device") throws -> (DeviceWorker, [String]) {
        let host = try loadScript(text, directory: directory)
        let clients = try host.evaluator.deviceRoleClients(role)
        var devices: [Int: ClientData] = [:]
        for (i, c) in clients.clients.enumerated() { devices[i] = c }
        return (DeviceWorker(role: role, devices: devices, pool: host.session.pool, evaluator: host.evaluator), host.output())
    }

    @Test func deployedRunPrintsWhatTheInProcessRunPrints() throws {
        let dir = try PatternMechanicsTests.toyDirectory()
        let local = try runScript(Self.script, directory: dir)
        let (worker, hostOutput) = try Self.worker(Self.script, directory: dir)
        #expect(hostOutput.isEmpty, "the host ran more of the script than the role's data: \(hostOutput)")
        let devices = InProcessDevices(worker: worker)
        let deployed = try runScript(Self.script, directory: dir, configure: { $0.deviceExecutor = devices })
        #expect(local.output.count == 5)
        #expect(deployed.output == local.output)
        // Per device: two trainings (alone, the round's device copy) and three evaluations;
        // the round's cloud copy trains in the service; then one evaluation per device of the
        // whole fleet (one round).
        #expect(devices.kinds.filter { $0 == .train }.count == 4)
        // Only what training changes comes back: the co-submodel's weights, the same whether it
        // trained alone or against the frozen control model, whose weights stay on the service.
        #expect(devices.returning.count == 4 && !devices.returning[0].isEmpty)
        // (Names are canonical, `#k/…` by where a model appears in the objective.)
        let unprefixed = devices.returning.map { names in names.map { $0.drop { $0 != "/" } } }
        #expect(Set(unprefixed).count == 1 && Set(devices.returning.map { Set($0.map { $0.prefix { $0 != "/" } }).count }) == [1],
                "\(devices.returning)")
        #expect(devices.kinds.filter { $0 == .evaluate }.count == 8)
        #expect(devices.rounds.last == 2)
    }

    /// ICIIA's evaluation: every device streams its test images through the plug-in with the
    /// memory of its own history, on its host.
    static let plugin = """
    import std.nn
    import std.iciia
    data d = csv("toy.csv", label: "label")
    model net {
      input x: [6]
      features { linear(16) |> relu }
      head { linear(3) }
    }
    train net on d |> take(60) { epochs: 1, batch: 16, log: "none" }
    let sim = d |> take(60) |> partition(iid(), clients: 4, test: 0, seed: 5)
    role device[3] { data: d |> drop(60) |> partition(iid(), test: 0.5, seed: 3) }
    let att = inter_image_attention(net, heads: 2, memory: 4, min_memory: 2)
    train att on sim.train { epochs: 2, batch: 8, log: "none" }
    let a = evaluate(att, on: device.test)
    let b = evaluate(att, on: device.test, memory: 2, min_memory: 0)
    let base = evaluate(net, on: device.test)
    print "{a.accuracy:.9f} {a.loss:.12f} {a.std.loss:.12f} {b.loss:.12f} {base.loss:.12f}"
    for dev in device {
      print "{evaluate(att, on: dev).loss:.12f}"
    }
    """

    @Test func pluginEvaluationRunsOnTheHosts() throws {
        let dir = try PatternMechanicsTests.toyDirectory()
        let local = try runScript(Self.plugin, directory: dir)
        let (worker, _) = try Self.worker(Self.plugin, directory: dir)
        let devices = InProcessDevices(worker: worker)
        let deployed = try runScript(Self.plugin, directory: dir, configure: { $0.deviceExecutor = devices })
        #expect(local.output.count == 4)
        #expect(deployed.output == local.output)
        #expect(devices.kinds.filter { $0 == .evaluatePlugin }.count == 9)
        #expect(devices.rounds == [3, 3, 3, 1, 1, 1])
    }

    /// A fleet's `round { … }`: devices that do not answer are left out of a whole-fleet
    /// evaluation and reported, as long as enough answered; otherwise the run stops.
    static let tolerant = """
    import std.nn
    data d = csv("toy.csv", label: "label")
    let net = mlp(shape: [6], hidden: [8], classes: 3)
    train net on d |> take(60) { epochs: 1, batch: 16, log: "none" }
    role device[4] {
      data: d |> drop(60) |> partition(iid(), test: 0.5, seed: 3)
      round {
        min_responses: 0.5
        timeout: 1.5s
      }
    }
    let all = evaluate(net, on: device.test)
    print "{all.count} samples, accuracy {all.accuracy:.9f}"
    for dev in device {
      print "device {dev.index}: {evaluate(net, on: dev.test).count}"
    }
    """

    @Test func droppedDevicesAreLeftOutAndReported() throws {
        let dir = try PatternMechanicsTests.toyDirectory()
        let local = try runScript(Self.tolerant, directory: dir)
        let perDevice = local.output.dropFirst().map { Double($0.split(separator: " ").last!)! }
        let (worker, _) = try Self.worker(Self.tolerant, directory: dir)
        // Device 1 answers the per-device evaluations but not the whole-fleet round.
        let devices = InProcessDevices(worker: worker)
        devices.silent = [1]
        var notices: [String] = []
        do {
            _ = try runScript(Self.tolerant, directory: dir, configure: { s in
                s.deviceExecutor = devices
                s.notice = { notices.append($0) }
            })
            Issue.record("device 1 is silent in every round, including its own evaluation")
        } catch let f as ScriptFailure {
            // The whole-fleet round closed without device 1 and was reported...
            #expect(f.output.first?.hasPrefix("\(Int(perDevice[0] + perDevice[2] + perDevice[3])) samples") == true, "\(f.output)")
            #expect(notices == ["`evaluate` on `device.test`: 1 of 4 devices dropped out (1) and are left out of the mean and spread"])
            // ...but a single device's own work cannot be skipped: the run stops there.
            #expect(f.codes == ["E0508"])
            #expect(f.rendered.contains("device 1 dropped out of this evaluate on `device[1].test`"), "\(f.rendered)")
        }
        #expect(devices.timeouts.first == 1.5)
        devices.silent = [1, 2, 3]
        do {
            _ = try runScript(Self.tolerant, directory: dir, configure: { $0.deviceExecutor = devices })
            Issue.record("a round with 1 of 4 answers closed")
        } catch let f as ScriptFailure {
            #expect(f.codes == ["E0508"])
            #expect(f.rendered.contains("only 1 of 4 devices answered this evaluate; the role's round needs 2 (min_responses 0.5)"), "\(f.rendered)")
            #expect(f.rendered.contains("dropped: devices 1, 2, 3"))
        }
    }

    @Test func workTheServiceCannotPlaceIsRefused() throws {
        let dir = try PatternMechanicsTests.toyDirectory()
        let (worker, _) = try Self.worker(PatternMechanicsTests.dcccl, directory: dir)
        for (body, what) in [
            ("train base.device on device.train { log: \"none\" }", "training on `device.train` cannot be sent to a device host"),
            ("for dev in device { let m = evaluate(base.device, on: dev.test |> holdout(test: 0.5, seed: 1)) }", "`holdout` on `device[0].test` would read device data in the service's process"),
            ("for dev in device { let p = predict(base.device, on: dev.test) }", "`predict` on `device[0].test` would read device data in the service's process"),
        ] {
            let devices = InProcessDevices(worker: worker)
            #expect(throws: ScriptFailure.self) { try runScript(PatternMechanicsTests.dcccl + "\n" + body, directory: dir, configure: { $0.deviceExecutor = devices }) }
            do {
                _ = try runScript(PatternMechanicsTests.dcccl + "\n" + body, directory: dir, configure: { $0.deviceExecutor = devices })
            } catch let f as ScriptFailure {
                #expect(f.codes == ["E0508"], "\(body): \(f.rendered)")
                #expect(f.rendered.contains(what), "\(body): \(f.rendered)")
            }
            #expect(devices.kinds.isEmpty)
        }
    }

    /// A host whose data differs from the service's (another partition seed) refuses the work.
    @Test func hostWithOtherDataRefuses() throws {
        let dir = try PatternMechanicsTests.toyDirectory()
        let other = Self.script.replacingOccurrences(of: "test: 0.5, seed: 3", with: "test: 0.5, seed: 4")
        #expect(other != Self.script)
        let (worker, _) = try Self.worker(other, directory: dir)
        do {
            _ = try runScript(Self.script, directory: dir, configure: { $0.deviceExecutor = InProcessDevices(worker: worker) })
            Issue.record("a host with other data answered")
        } catch let f as ScriptFailure {
            #expect(f.codes == ["E0508"])
            #expect(f.rendered.contains("device 0's train data on this host differs from the service's"), "\(f.rendered)")
            #expect(f.rendered.contains("this ran on the host of device 0"))
        }
    }

    /// A reply that does not carry what was asked (weights of another shape, none at all) stops
    /// the run with E0508 instead of being used.
    @Test func malformedRepliesAreRefused() throws {
        let dir = try PatternMechanicsTests.toyDirectory()
        let (worker, _) = try Self.worker(Self.script, directory: dir)
        let cases: [(String, (inout DeviceTaskReply) -> Void)] = [
            ("carries 0 objects, expected 1", { $0.blobs = [] }),
            ("is not valid", { $0.spec = Array("{\"version\": 1".utf8) }),
            ("safetensors", { $0.blobs = $0.blobs.map { Array($0.prefix(9)) } }),
        ]
        for (message, tamper) in cases {
            let devices = InProcessDevices(worker: worker)
            devices.tamper = { r in if !r.blobs.isEmpty || r.spec.count > 0 { tamper(&r) } }
            do {
                _ = try runScript(Self.script, directory: dir, configure: { $0.deviceExecutor = devices })
                Issue.record("a malformed reply (\(message)) was used")
            } catch let f as ScriptFailure {
                #expect(f.codes == ["E0508"], "\(f.rendered)")
                #expect(f.rendered.contains(message), "\(message): \(f.rendered)")
            }
        }
    }

    /// Malformed tasks get an error reply from the worker, never a crash.
    @Test func malformedTasksGetErrors() throws {
        let dir = try PatternMechanicsTests.toyDirectory()
        let (worker, _) = try Self.worker(Self.script, directory: dir)
        let tasks: [(DeviceTask, String)] = [
            (DeviceTask(device: 0, kind: .train, spec: Array("not json".utf8), blobs: []), "is not valid"),
            (DeviceTask(device: 0, kind: .evaluate, spec: [UInt8](repeating: 32, count: 2 << 20), blobs: []), "over the"),
            (DeviceTask(device: 7, kind: .evaluate, spec: Array(#"{"version":1,"role":"device","part":"test","fingerprint":"x","model":"m","inputs":[],"batch":4,"k":1,"outputShape":[3]}"#.utf8),
                        blobs: [[], []]), "device 7 is not on this host (it holds devices 0..1)"),
            (DeviceTask(device: 0, kind: .evaluate, spec: Array(#"{"version":1,"role":"device","part":"all","fingerprint":"x","model":"m","inputs":[],"batch":4,"k":1,"outputShape":[3]}"#.utf8),
                        blobs: [[], []]), "unknown data part `all`"),
            (DeviceTask(device: 0, kind: .evaluate, spec: Array(#"{"version":1,"role":"device","part":"test","fingerprint":"x","model":"m","inputs":[],"batch":-4,"k":1,"outputShape":[3]}"#.utf8),
                        blobs: [[], []]), "out of range"),
            (DeviceTask(device: 0, kind: .train, spec: Array(#"{"version":2,"role":"device","part":"train","fingerprint":"x","batch":4,"epochs":1,"shuffle":true,"baseSeed":"1","totalSteps":1,"returning":[]}"#.utf8),
                        blobs: [[], []]), "version 2"),
        ]
        for (task, message) in tasks {
            guard case .failure(let e) = worker.handle(task) else { Issue.record("\(message): answered"); continue }
            #expect(e.message.contains(message), "\(e.message)")
        }
    }
}
