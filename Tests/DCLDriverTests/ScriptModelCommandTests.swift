// Commands that take a model out of a script and keep using it after the script's evaluation:
// `dcl graph --training` elaborates the training graph then, and `dcl bench train --model
// FILE` trains it. Both need the session that made the model (its parameters belong to that
// session's model table, and its body re-runs through that session's interpreter).

import Foundation
import DCLTestScratch
import Testing

@Suite(.ownThreads) struct ScriptModelCommandTests {
    static let script = """
        model tiny {
          input x: [1, 8, 8]
          features { flatten |> linear(16) |> dropout(0.25) |> relu }
          head { linear(10) }
        }

        """

    @Test func graphShowsATrainingGraphBuiltAfterTheScriptRan() throws {
        let dir = try makeTemporaryDirectory("graph-training")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeScript(Self.script, named: "tiny.dcl", in: dir)
        let inference = try runDCL(["graph", path, "tiny"])
        let training = try runDCL(["graph", path, "tiny", "--training"])
        #expect(inference.status == 0 && training.status == 0, "\(inference.stderr)\(training.stderr)")
        // Dropout is a node only in training mode.
        #expect(training.stdout.contains("dropout") && !inference.stdout.contains("dropout"))
    }

    @Test func benchTrainTrainsAScriptsModel() throws {
        let dir = try makeTemporaryDirectory("bench-train")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeScript(Self.script, named: "tiny.dcl", in: dir)
        let run = try runDCL(["bench", "train", "--model", path, "--batch", "8", "--steps", "4", "--reps", "1", "--threads", "1", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let line = try #require(run.stdout.split(separator: "\n").last)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(o["model"] as? String == "\(path):tiny")
        #expect((o["samples_per_s"] as? Double ?? 0) > 0 && (o["engine_samples_per_s"] as? Double ?? 0) > 0)
    }
}
