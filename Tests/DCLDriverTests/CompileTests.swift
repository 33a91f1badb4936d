// `dcl compile`: what each pattern's bundles hold, budgets checked before anything is written,
// placement re-checked at compile time, and no half-written output on failure.

import DCLCompiler
import DCLExport
import DCLGraph
import DCLTensor
import Foundation
import Testing
@testable import DCLDriver

extension DriverTests {
    @Suite("compile") struct Compile {
        private func read(_ dir: URL, _ name: String) throws -> BundleContents {
            try BundleReader().read(path: dir.appendingPathComponent("\(name).dclb").path)
        }

        @Test func splitAndDistillationBundles() throws {
            let dir = try makeTemporaryDirectory("vision")
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = compile(try writeScript(TestScripts.vision, named: "vision.dcl", in: dir), into: dir.appendingPathComponent("out"))
            #expect(r.status == 0, "\(r.text)")
            let phone = try read(dir.appendingPathComponent("out"), "phone"), server = try read(dir.appendingPathComponent("out"), "server")
            // The device holds the small submodel and the control model, never the large one.
            #expect(phone.manifest.models.map(\.name) == ["base.device", "control", "mob"])
            #expect(phone.manifest.role.kind == .device && phone.manifest.weights.storage == "int8")
            // The cloud holds both halves and the fused serving model.
            #expect(server.manifest.models.map(\.name) == ["base.cloud", "base.device", "base", "net", "res", "tiny_vit", "perceptron"])
            let split = server.manifest.patterns?.first { $0.kind == "split" }
            #expect(split?.models == ["cloud": "base.cloud", "device": "base.device", "fused": "base"])
            #expect(split?.settings["fuse"] == .text("sum"))
            let distill = phone.manifest.patterns?.first { $0.kind == "distill" }
            #expect(distill?.models == ["student": "control"] && distill?.settings["teacher"] == .text("base.cloud"))
            // The fused model's weights are the halves' weights, named after them.
            let fusedKeys = Set(server.manifest.models.first { $0.name == "base" }!.tensors.map(\.name))
            let halves = server.manifest.models.filter { $0.name.hasPrefix("base.") }.flatMap { m in m.tensors.map { "\(m.name)/\($0.name)" } }
            #expect(fusedKeys == Set(halves))
            #expect(try server.tensor(model: "base", parameter: "base.device/head.linear_1.weight")
                .bitwiseEqual(try server.tensor(model: "base.device", parameter: "head.linear_1.weight")))
            // Budgets: the declared limits, measured on the largest model.
            let params = phone.manifest.budget.limits.first { $0.metric == .params }!
            #expect(params.measured == phone.manifest.models.map(\.params).max()! && params.met)
            #expect(phone.manifest.models.allSatisfy { $0.outputError != nil }, "int8 bundles report the output change")
            #expect(r.output.count == 2 && r.output[0].contains("phone.dclb") && r.output[0].contains("budget met"))
        }

        @Test func pluginBundleShipsBackboneHeadAndColdStartHead() throws {
            let dir = try makeTemporaryDirectory("iciia")
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = compile(try writeScript(TestScripts.iciia, named: "iciia.dcl", in: dir), into: dir)
            #expect(r.status == 0, "\(r.text)")
            let phone = try read(dir, "phone")
            #expect(phone.manifest.models.map(\.name) == ["att.features", "att.head", "att.fallback"])
            let p = try #require(phone.manifest.patterns?.first { $0.kind == "plugin" })
            #expect(p.models == ["features": "att.features", "head": "att.head", "fallback": "att.fallback"])
            #expect(p.settings["memory"] == .number(6) && p.settings["min_memory"] == .number(2) && p.settings["feature_width"] == .number(84))
            // The features model is the backbone up to its features: no head weights.
            let features = phone.manifest.models[0]
            #expect(features.outputs[0].shape == [.symbol("N"), .fixed(84)])
            #expect(!features.tensors.contains { $0.name.hasPrefix("head.") })
            #expect(phone.manifest.models[2].tensors.map(\.name).sorted() == ["head.linear_1.bias", "head.linear_1.weight"])
            // One prediction runs the memory and the new image together: costs at 6 + 1 tokens.
            let head = try GraphParser.parse(try phone.graphText(of: "att.head"))
            #expect(phone.manifest.models[1].flopsPerSample == (try CostReport.make(head, bindings: ["N": 7])).totalFlops)
            let f16 = try read(dir, "phone_f16")
            #expect(f16.manifest.weights.storage == "f16" && f16.manifest.models.allSatisfy { $0.quantizationError != nil })
        }

        @Test func retrievalBundlesShipIndexAndClassifier() throws {
            let dir = try makeTemporaryDirectory("coda")
            defer { try? FileManager.default.removeItem(at: dir) }
            let data = repositoryRoot.appendingPathComponent("Examples/data/ml-latest-small").path
            let r = compile(try writeScript(TestScripts.coda(data: data), named: "coda.dcl", in: dir), into: dir)
            #expect(r.status == 0, "\(r.text)")
            let phone = try read(dir, "phone"), server = try read(dir, "server")
            #expect(phone.manifest.models.map(\.name) == ["local_rec", "coda.item_features", "coda.classifier"])
            let clf = phone.manifest.models[2]
            let retrieval = try #require(phone.manifest.patterns?.first { $0.kind == "retrieval" })
            guard case .number(let width)? = retrieval.settings["feature_width"] else { Issue.record("no feature width"); return }
            #expect(clf.inputs[0].shape == [.symbol("N"), .fixed(Int(width))])
            #expect(server.manifest.models.map(\.name) == ["global_rec", "coda.index"])
            let index = try server.model(named: "coda.index")
            let pool = try server.tensor(model: "coda.index", parameter: "pool_users").ints
            #expect(pool == pool.sorted() && Set(pool).count == pool.count && !pool.isEmpty)
            #expect(try server.tensor(model: "coda.index", parameter: "user_embedding")
                .bitwiseEqual(try server.tensor(model: "global_rec", parameter: "features.embedding_1.weight")))
            let out = try index.run(["user": try Tensor(shape: [2], ints: [pool[0], pool[1]])])
            #expect(out.map(\.name) == ["scores", "positions"])
            let scores = out[0].tensor.floats, k = out[0].tensor.shape[1]
            #expect(k == 6)  // users + 1: the querying user drops itself
            // Each user is its own best match, at cosine similarity 1.
            #expect(out[1].tensor.ints[0] == 0 && out[1].tensor.ints[k] == 1)
            #expect(abs(scores[0] - 1) < 1e-5 && (1..<k).allSatisfy { scores[$0 - 1] >= scores[$0] })
        }

        @Test func overBudgetWritesNothingAndSaysByHowMuch() throws {
            let dir = try makeTemporaryDirectory("budget")
            defer { try? FileManager.default.removeItem(at: dir) }
            let out = dir.appendingPathComponent("out")
            let r = compile(try writeScript(TestScripts.overBudget, named: "over.dcl", in: dir), into: out)
            #expect(r.status == 1)
            let d = try #require(r.diagnostics.first { $0.code == "E0406" })
            #expect(d.message.contains("bundle `phone` exceeds the budget of role `device`"))
            #expect(d.message.contains("params") && d.message.contains("storage"))
            #expect(r.program?.sources.location(of: d.span)?.position.line == 7, "the diagnostic points at the bundle declaration")
            let notes = d.notes.joined(separator: "\n")
            for fragment in ["params ≤ 10,000 per model", "`control` 50,890 (over by 40,890)", "`base.device`", "storage (bundle bytes) ≤ 16.0 KiB", "over by"] {
                #expect(notes.contains(fragment), "notes lack '\(fragment)':\n\(notes)")
            }
            #expect(!FileManager.default.fileExists(atPath: out.path), "a failing compile must not create the output directory")
        }

        @Test func overBudgetLeavesAnExistingBundleUntouched() throws {
            let dir = try makeTemporaryDirectory("budget-keep")
            defer { try? FileManager.default.removeItem(at: dir) }
            let old = Data("an older bundle".utf8)
            try old.write(to: dir.appendingPathComponent("phone.dclb"))
            let r = compile(try writeScript(TestScripts.overBudget, named: "over.dcl", in: dir), into: dir)
            #expect(r.status == 1)
            #expect(try Data(contentsOf: dir.appendingPathComponent("phone.dclb")) == old)
            #expect(listing(dir) == ["over.dcl", "phone.dclb"])
        }

        @Test func cloudOnlyModelsAreRefusedAtCompileTime() throws {
            let dir = try makeTemporaryDirectory("placement")
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = compile(try writeScript(TestScripts.hiddenCloudModel, named: "hidden.dcl", in: dir), into: dir)
            #expect(r.status == 1)
            #expect(r.diagnostics.contains { $0.code == "E0401" && $0.message.contains("`disguised` is cloud-only and cannot ship in device bundle `phone`") },
                    "\(r.text)")
            #expect(listing(dir) == ["hidden.dcl"])
        }

        @Test func noBundleIsHalfWritten() throws {
            let dir = try makeTemporaryDirectory("atomic")
            defer { try? FileManager.default.removeItem(at: dir) }
            let out = dir.appendingPathComponent("out")
            // The second bundle's destination cannot be replaced: nothing may be written.
            try FileManager.default.createDirectory(at: out.appendingPathComponent("server.dclb"), withIntermediateDirectories: true)
            let r = compile(try writeScript(TestScripts.vision, named: "vision.dcl", in: dir), into: out)
            #expect(r.status == 2)
            #expect(r.text.contains("server.dclb"))
            #expect(listing(out) == ["server.dclb"], "found \(listing(out))")
        }

        @Test func modelsNeedEntryNames() throws {
            let dir = try makeTemporaryDirectory("names")
            defer { try? FileManager.default.removeItem(at: dir) }
            let script = "import std.vision\nrole device[2] { }\nbundle phone for device { models: [lenet(10)] }\n"
            let r = compile(try writeScript(script, named: "names.dcl", in: dir), into: dir)
            #expect(r.status == 1)
            #expect(r.text.contains("`lenet(10)` cannot name a bundle entry") && r.text.contains("bind the model to a name with `let`"))
            #expect(listing(dir) == ["names.dcl"])
        }

        @Test func scriptsWithoutBundlesCompileToNothing() throws {
            let dir = try makeTemporaryDirectory("none")
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = compile(try writeScript("import std.vision\nlet net = lenet(10)\nprint net\n", named: "none.dcl", in: dir),
                            into: dir.appendingPathComponent("out"))
            #expect(r.status == 0)
            #expect(r.diagnostics.contains { $0.severity == .warning && $0.message.contains("no `bundle`") })
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
        }

        @Test func retrievalPoliciesShipOnlyWhereTheyMakeSense() throws {
            let dir = try makeTemporaryDirectory("retrieval-rules")
            defer { try? FileManager.default.removeItem(at: dir) }
            let base = "retrieval r {\n  coarse: random_users(users: 3)\n  fine: none\n}\nrole cloud { }\nrole device[2] { }\n"
            // In a cloud bundle's models a retrieval policy is a type error (the checker).
            let cloud = compile(try writeScript(base + "bundle s for cloud { models: [r] }\n", named: "c.dcl", in: dir), into: dir)
            #expect(cloud.status == 1 && cloud.text.contains("`models` must be a list of models"), "\(cloud.text)")
            // In a device bundle it stands for its sample classifier, which this policy lacks.
            let device = compile(try writeScript(base + "bundle p for device { models: [r] }\n", named: "d.dcl", in: dir), into: dir)
            #expect(device.status == 1 && device.text.contains("retrieval `r` has no sample classifier to ship"), "\(device.text)")
            // Only `knn` builds an index.
            let index = compile(try writeScript(base + "bundle s for cloud { index: r }\n", named: "i.dcl", in: dir), into: dir)
            #expect(index.status == 1 && index.text.contains("matches users by `random_users`, which has no index to ship"), "\(index.text)")
            #expect(listing(dir) == ["c.dcl", "d.dcl", "i.dcl"])
        }

        @Test func compileModeSkipsTrainingAndEvaluation() throws {
            let dir = try makeTemporaryDirectory("mode")
            defer { try? FileManager.default.removeItem(at: dir) }
            let digits = repositoryRoot.appendingPathComponent("Examples/data/digits/digits.csv").path
            // `train` reads a file that does not exist: compile mode must not evaluate it.
            let script = """
            import std.nn
            let digits = csv("\(digits)", label: "label", shape: [1, 8, 8])
            let net = mlp(shape: [1, 8, 8], hidden: [16], classes: 10)
            role device[2] { }
            bundle phone for device { models: [net] }
            let acc = evaluate(net, on: digits).accuracy
            assert(acc > 0.99, "compile mode does not evaluate")
            print "accuracy {acc}"
            // A filter on unknown results leaves the list unknown, not empty (`mean` of an empty
            // list stopped `dcl compile Examples/coda_movielens.dcl` once its claims were added).
            let rs = [evaluate(net, on: digits), evaluate(net, on: digits)]
            let kept = mean([r.accuracy for r in rs if r.accuracy != none])
            claim("the net beats chance", kept, above: 0.1)
            train net on idx(images: "missing.gz", labels: "missing.gz") { epochs: 1 }
            save net to "never.safetensors"
            """
            let r = compile(try writeScript(script, named: "mode.dcl", in: dir), into: dir)
            #expect(r.status == 0, "\(r.text)")
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("phone.dclb").path))
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("never.safetensors").path))
            // Data is loaded when a kept statement evaluates it.
            let broken = script + "\nlet more = idx(images: \"missing.gz\", labels: \"missing.gz\")\n"
            let r2 = compile(try writeScript(broken, named: "mode2.dcl", in: dir), into: dir.appendingPathComponent("out"))
            #expect(r2.status == 3, "\(r2.text)")
            #expect(r2.text.contains("missing.gz"))
        }
    }
}
