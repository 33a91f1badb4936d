// The elaborator: turns model declarations, layers and objectives into graphs, and owns the
// session's model table.
//
// It collaborates with the interpreter (`Evaluator`) in both directions, along one seam each:
// the interpreter hands it constructor calls, layer and model applications and tensor
// arithmetic; it hands the interpreter the statements of a model or block body to run with
// symbolic tensors (`ElaborationContext`). The interpreter owns its elaborator; the elaborator
// refers back weakly. Models keep their elaborator (a model re-elaborates for training mode
// on first use), so nothing a script's values hold keeps the interpreter alive: when the
// session is dropped, its environments, values and models go with it — no cycle to break by
// hand. A model asked to re-elaborate after its session ended says so (`sessionEnded`).

import DCLDiagnostics
import DCLTensor

public final class Elaborator {
    /// The session's models: every instance made here is numbered and found in it.
    public let models: ModelTable
    /// The run's seed: initial weights and dropout masks derive from it.
    public let seed: UInt64
    /// Check mode: build graphs for shapes; no weights are allocated.
    public let checkMode: Bool
    /// Told of every model instance constructed (the language server reads shapes from them).
    public weak var modelObserver: ModelObserver?
    /// The interpreter that runs model and block bodies (it owns this elaborator).
    weak var interpreterRef: Evaluator?
    /// Counts model instances per constructor name, for unique default names.
    var instanceCounts: [String: Int] = [:]
    /// The graph being built, if any (layer applications add to it).
    var elaboration: ElaborationContext?

    init(models: ModelTable, seed: UInt64, checkMode: Bool) {
        self.models = models
        self.seed = seed
        self.checkMode = checkMode
    }

    /// The interpreter, while the session lives. Every way into the elaborator goes through
    /// the interpreter except a model's lazy re-elaboration, which checks `liveInterpreter()`
    /// first; so this is only read while the interpreter is running.
    var interpreter: Evaluator {
        guard let i = interpreterRef else { preconditionFailure("elaborator used after its session ended") }
        return i
    }

    /// The interpreter, or the error a model gets when it must re-elaborate (build its training
    /// graph, say) after the session that made it was dropped.
    func liveInterpreter(for model: String) throws -> Evaluator {
        guard let i = interpreterRef else { throw Elaborator.sessionEnded(model) }
        return i
    }

    static func sessionEnded(_ model: String) -> RuntimeError {
        RuntimeError(RuntimeCode.type, "model `\(model)` cannot build its graph: the session that made it has ended", at: .none,
                     hint: "keep the session (its evaluator) alive while its models are used")
    }

    /// Whether any instance of the named model constructor was made in this session.
    public func hasInstances(of constructor: String) -> Bool { (instanceCounts[constructor] ?? 0) > 0 }

    /// A fresh generator for a named consumer, derived from the run's seed.
    func generator(_ label: String) -> SeededGenerator {
        SeededGenerator(seed: seed).fork(label)
    }
}
