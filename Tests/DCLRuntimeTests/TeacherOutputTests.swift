import DCLCompiler
import DCLRuntime
import Testing

/// A distillation computes its frozen teacher's outputs once and reads them from a column
/// (TeacherOutputs.swift): the student trains to the same bits as with the teacher in every
/// step, on whole data sets and on selections of them.
@Suite struct TeacherOutputTests {
    static let script = """
    import std.nn
    data d = csv("toy.csv", label: "label")
    model big {
      input x: [6]
      linear(32) |> relu
      linear(3)
    }
    model small {
      input x: [6]
      linear(4) |> relu
      linear(3)
    }
    let teacher = big
    train teacher on d { epochs: 2, batch: 8, log: "none" }
    distill s1 = teacher -> small { loss: mse }
    distill s1 on d { epochs: 3, batch: 8, optimizer: adam(lr: 1e-2), log: "none" }
    print history(s1).loss
    // A shuffled selection: the cached outputs sit at the samples' stored rows.
    let picked = d |> take(40, seed: 4) |> shuffle(seed: 5)
    distill s2 = teacher -> small { loss: kl, temperature: 2 }
    distill s2 on picked { epochs: 2, batch: 5, optimizer: sgd(lr: 0.1), log: "none" }
    print history(s2).loss
    let e = evaluate(s2, on: d)
    print "{e.accuracy:.9f} {e.loss:.9f}"
    """

    @Test func cachedTeacherOutputsTrainTheStudentToTheSameBits() throws {
        let directory = try PatternMechanicsTests.toyDirectory()
        let cached = try runScript(Self.script, directory: directory)
        let direct = try runScript(Self.script, directory: directory) { $0.cachesTeacherOutputs = false }
        #expect(cached.output == direct.output)
        #expect(cached.output.count == 3)
        #expect(cached.session.teacherOutputColumns == 2)
        #expect(direct.session.teacherOutputColumns == 0)
    }
}
