import DCLCompiler
import DCLData
import DCLRuntime
import DCLScriptTestSupport
import Foundation
import Testing

/// Work on data a device's host makes from its own part (DeviceDerivation): seeded and
/// seed-drawing transforms, cloud samples joined to it, and CoDA's retrieval with both fine
/// filters — sent through task bytes to a worker that derived its devices' data itself, and
/// printing exactly what the in-process run prints.
@Suite struct DerivedDeviceDataTests {
    typealias Devices = DeployedWorkTests.InProcessDevices

    static let script = PatternMechanicsTests.coda + """

    for dev in device {
      let test = dev.test |> with_negatives(3, seed: 7)
      // No seed: the service draws one and the host is told it.
      let local = dev.train |> with_negatives(2)
      let m0 = evaluate(global, on: test, k: 3)
      let candidates = pick.retrieve(dev, cloud.pool)
      let kept = pick.filter(dev, candidates)
      let tried = trial.filter(dev, candidates)
      let m = copy(global)
      train m on local ++ kept { epochs: 2, batch: 8, log: "none" }
      let r = evaluate(m, on: test, k: 3)
      let g = copy(global)
      let mixed = (local ++ tried) |> shuffle() |> take(0.75)
      train g on mixed { epochs: 1, batch: 8, log: "none" }
      let rg = evaluate(g, on: test |> select(["user", "item", "y"]), k: 3)
      let a = copy(global)
      train a on pick.augment(dev, cloud.pool) { epochs: 1, batch: 8, log: "none" }
      let ra = evaluate(a, on: dev.test, k: 3)
      print "device {dev.index}: {len(candidates)} {len(kept)} {len(tried)} {m0.auc} {m0.logloss:.12f} {r.auc} {r.logloss:.12f} {rg.logloss:.12f} {ra.logloss:.12f} {ra.hit_rate}"
    }
    """

    static func derivation(_ t: DeviceTask) -> Any? {
        (try? JSONSerialization.jsonObject(with: Data(t.spec)) as? [String: Any])?["derivation"]
    }

    @Test func codaOnDerivedDeviceDataPrintsWhatTheInProcessRunPrints() throws {
        let dir = try PatternMechanicsTests.ratingsDirectory()
        let local = try runScript(Self.script, directory: dir)
        let (worker, hostOutput) = try DeployedWorkTests.worker(Self.script, directory: dir)
        #expect(hostOutput.isEmpty)
        let devices = Devices(worker: worker)
        let deployed = try runScript(Self.script, directory: dir, configure: { $0.deviceExecutor = devices })
        #expect(local.output.count == 3)
        #expect(deployed.output == local.output)
        // Every device's work went to its host: per device, the classifier's training, the
        // greedy filter's trials, three fine-tunings, four evaluations.
        let derived = devices.sent.filter { Self.derivation($0) != nil }
        #expect(devices.sent.filter { $0.kind == .train }.count >= 3 * 5)
        #expect(derived.count >= 3 * 7, "\(derived.count) tasks on derived data")
        #expect(Set(devices.sent.map(\.device)) == [0, 1, 2])
        // Greedy's trials train and take their AUC in one task each (`then`).
        let fused = devices.sent.filter { String(decoding: $0.spec, as: UTF8.self).contains("\"then\":{") }
        #expect(fused.count >= 3 && Set(fused.map(\.device)) == [0, 1, 2], "\(fused.count) fused tasks")
        // The derivations name the steps, never the device's samples: the only objects after
        // the graph and weights are cloud samples, their vocabularies and the item embeddings.
        for t in derived {
            let text = String(decoding: t.spec, as: UTF8.self)
            #expect(text.contains("\"part\""), "\(text.prefix(300))")
        }
    }

    @Test func workOnDataNoOneHostHoldsIsRefused() throws {
        let dir = try PatternMechanicsTests.ratingsDirectory()
        let (worker, _) = try DeployedWorkTests.worker(PatternMechanicsTests.coda, directory: dir)
        for (body, what) in [
            ("for dev in device { let h = dev.test |> holdout(test: 0.5, seed: 1) }",
             "`holdout` on `device[0].test` would read device data in the service's process"),
            ("for dev in device { let c = pick.filter(dev, dev.train) }", "`pick.filter` on `device[0].train` would read device data"),
            ("retrieval ov { coarse: overlap(users: 2) }\nfor dev in device { let c = ov.retrieve(dev, cloud.pool) }",
             "`overlap` compares the items of device 0 in the service's process"),
            ("for a in device { for b in device { let m = evaluate(global, on: a.test ++ b.test) } }",
             "cannot be sent to a device host: it is not data of one device"),
        ] {
            let devices = Devices(worker: worker)
            do {
                _ = try runScript(PatternMechanicsTests.coda + "\n" + body, directory: dir, configure: { $0.deviceExecutor = devices })
                Issue.record("\(body): ran")
            } catch let f as ScriptFailure {
                #expect(f.codes == ["E0508"], "\(body): \(f.rendered)")
                #expect(f.rendered.contains(what), "\(body): \(f.rendered)")
            }
        }
    }

    /// A task whose derivation was tampered with gets an error, never a crash and never an
    /// answer on other data.
    @Test func tamperedDerivationsAreRefused() throws {
        let dir = try PatternMechanicsTests.ratingsDirectory()
        let (worker, _) = try DeployedWorkTests.worker(Self.script, directory: dir)
        let devices = Devices(worker: worker)
        _ = try runScript(Self.script, directory: dir, configure: { $0.deviceExecutor = devices })
        guard let task = devices.sent.first(where: {
            $0.kind == .train && String(decoding: $0.spec, as: UTF8.self).contains("with_negatives") && $0.blobs.count > 2
        }) else {
            Issue.record("no train task on derived data with objects"); return
        }
        func edit(_ change: (inout [String: Any]) -> Void, blobs: [[UInt8]]? = nil) throws -> DeviceTask {
            var spec = try #require(try JSONSerialization.jsonObject(with: Data(task.spec)) as? [String: Any])
            change(&spec)
            return DeviceTask(device: task.device, kind: task.kind, spec: Array(try JSONSerialization.data(withJSONObject: spec)),
                              blobs: blobs ?? task.blobs)
        }
        var deep: Any = ["part": ["_0": "train"]]
        for _ in 0..<40 { deep = ["concat": ["_0": [deep]]] }
        let cases: [(DeviceTask, String)] = [
            (try edit({ $0["derivation"] = deep }), "deeper or larger"),
            (try edit({ $0["derivation"] = ["cloud": ["columns": 99, "vocabularies": 2]] }), "names object 99"),
            (try edit({ $0["derivation"] = ["transform": ["base": $0["derivation"]!, "name": "partition", "args": [[String: Any]]()]] }),
             "does not repeat"),
            (try edit({ $0["part"] = "train" }), "either the device's part or a derivation"),
            (try edit({ _ in }, blobs: task.blobs + [[1, 2, 3]]), "do not match its data derivation"),
            (try edit({ $0["fingerprint"] = String(repeating: "0", count: 64) }), "data made on this host differs from the service's"),
            (try edit({ _ in }, blobs: task.blobs.enumerated().map { $0.offset == 2 ? Array($0.element.prefix(20)) : $0.element }), "cloud samples"),
        ]
        for (t, message) in cases {
            guard case .failure(let e) = worker.handle(t) else { Issue.record("\(message): answered"); continue }
            #expect(e.message.contains(message), "\(message): \(e.message)")
        }
        // A trial's evaluation after training with its weight map emptied or its objects cut.
        guard let trial = devices.sent.first(where: { String(decoding: $0.spec, as: UTF8.self).contains("\"then\":{") }) else {
            Issue.record("no fused task"); return
        }
        var spec = try #require(try JSONSerialization.jsonObject(with: Data(trial.spec)) as? [String: Any])
        var then = try #require(spec["then"] as? [String: Any])
        then["weights"] = [String: String]()
        spec["then"] = then
        let emptied = DeviceTask(device: trial.device, kind: .train, spec: Array(try JSONSerialization.data(withJSONObject: spec)), blobs: trial.blobs)
        guard case .failure(let e1) = worker.handle(emptied) else { Issue.record("an evaluation without weights answered"); return }
        #expect(e1.message.contains("the evaluation's weights lack"), "\(e1.message)")
        let cut = DeviceTask(device: trial.device, kind: .train, spec: trial.spec, blobs: Array(trial.blobs.prefix(2)))
        guard case .failure(let e2) = worker.handle(cut) else { Issue.record("a task without its evaluation's objects answered"); return }
        #expect(e2.message.contains("objects"), "\(e2.message)")
        // The untampered task still runs.
        guard case .success = worker.handle(task) else { Issue.record("the original task failed"); return }
    }
}
