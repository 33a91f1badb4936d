// The state of one model elaboration: the graph being built, the body's current value,
// section taps, parameter naming, and the width scaling of a vertical split.

import DCLDiagnostics
import DCLGraph
import DCLSyntax
import DCLTensor

/// A tensor during elaboration: a value of the graph being built.
public struct SymbolicTensor {
    public let value: GraphValue
    public unowned let context: ElaborationContext

    public var type: TensorType { value.type }
    public var typeDescription: String { value.type.description }
}

/// The graph nodes one statement added while a model body was elaborated (check mode only).
public struct StatementNodes: Sendable, Equatable {
    public var span: SourceSpan
    /// Indexes into the forward graph's `nodes` (and its cost report's rows).
    public var nodes: Range<Int>
}

/// Told of each model instance an elaborator constructs.
public protocol ModelObserver: AnyObject {
    func constructed(_ model: ModelInstance, by constructor: ConstructorRef)
}

/// How a vertical split narrows every width-bearing layer (linear, conv2d, embedding …).
public struct WidthScaling {
    public var factor: Double
    /// Indexes (in elaboration order) of width-bearing layers that keep their width: the one
    /// producing the model's output (so both halves' outputs have the model's output shape) and,
    /// with a shared stem, the stem's.
    public var exempt: Set<Int>
}

public final class ElaborationContext {
    public let builder: GraphBuilder
    public let training: Bool
    let width: WidthScaling?
    /// The value a bare layer line applies to (sequential form).
    var current: Value?
    /// Output of each section, once its body ran.
    var sectionOutputs: [(String, GraphValue)] = []
    var currentSection: String?
    /// The parameter names each section created, in creation order (a name may repeat where a
    /// helper reused a parameter); appended rather than hashed into sets on this hot path.
    var sectionParameters: [String: [String]] = [:]
    /// Width-bearing layers seen so far (for `WidthScaling.exempt`).
    var widthLayerCount = 0
    var stemWidthLayers = Set<Int>()
    /// Check mode: the nodes each executed statement added, in execution order.
    var statementNodes: [StatementNodes] = []
    /// Origin tags → source spans, so graph errors point at the code that caused them.
    var origins: [SourceSpan] = [.none]
    private var scopePath: [String] = []
    /// `scopePath` joined with dots, kept as scopes are entered and left (every layer asks).
    private var scopePrefix = ""
    private var numbering = ScopedNumbering()
    /// Inside an objective: the ids of the models being trained (they run in training mode).
    var objectiveTargets: Set<ModelID>?
    /// Models inlined into this graph (objectives: every model the loss reads).
    var inlinedModels: [ModelInstance] = []
    /// Owners of the parameters copied in with inlined models.
    var owners = ParameterOwners()
    /// False while a user function's body runs: its bare expressions do not apply to `current`.
    var sequential = true
    /// Labels the seeds of random ops (dropout masks) for this elaboration.
    let seedLabel: String
    let runSeed: UInt64

    init(training: Bool, width: WidthScaling?, seedLabel: String, runSeed: UInt64) {
        self.builder = GraphBuilder()
        self.training = training
        self.width = width
        self.seedLabel = seedLabel
        self.runSeed = runSeed
    }

    /// Marks the nodes added next as coming from `span`.
    func at(_ span: SourceSpan) {
        origins.append(span)
        builder.origin = origins.count - 1
    }

    func span(ofOrigin tag: Int) -> SourceSpan {
        tag >= 0 && tag < origins.count ? origins[tag] : .none
    }

    /// Runs `body` inside a named scope (sections, block applications).
    func scoped<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let savedPrefix = scopePrefix
        scopePrefix = scopePath.isEmpty ? name : joinedName(savedPrefix, ".", name)
        scopePath.append(name)
        let savedNumbering = numbering.enter(scopePrefix)
        defer {
            scopePath.removeLast()
            scopePrefix = savedPrefix
            numbering.leave(restoring: savedNumbering)
        }
        return try builder.scope(name, body)
    }

    /// A fresh layer name in the current scope: `features.conv2d_2`.
    func layerPath(_ kind: String) -> String {
        let n = String(numbering.next(kind))
        return scopePrefix.isEmpty ? joinedName(kind, "_", n) : joinedName(scopePrefix, ".", kind, "_", n)
    }

    /// The last component of a fresh `layerPath(kind)` (`unit_2`), numbered the same way: the
    /// scope a block application enters.
    func layerLeaf(_ kind: String) -> String {
        joinedName(kind, "_", String(numbering.next(kind)))
    }

    /// Creates a parameter of the layer at `path`, remembering its section. (A name → span
    /// table of every parameter was kept here too; nothing read it, and filling it was ~2 % of
    /// `dcl check` on the parse benchmark.)
    func parameter(_ path: String, _ suffix: String, shape: [Int], initializer: Initializer, span: SourceSpan,
                   trainable: Bool = true) throws -> GraphValue {
        let name = joinedName(path, ".", suffix)
        if let s = currentSection { sectionParameters[s, default: []].append(name) }
        return try builder.parameter(name, shape: shape, initializer: initializer, trainable: trainable)
    }

    /// Records the section of parameters a helper created itself (batch norm), by name.
    func noteParameters(_ names: [String], span: SourceSpan) {
        guard let s = currentSection, !names.isEmpty else { return }
        sectionParameters[s, default: []].append(contentsOf: names)
    }

    /// The width a width-bearing layer gets under the split's scaling (`multiple` keeps it
    /// divisible, e.g. by a partition count).
    func scaledWidth(_ w: Int, multiple: Int = 1) -> Int {
        let index = widthLayerCount
        widthLayerCount += 1
        guard let s = width, !s.exempt.contains(index) else { return w }
        // Clamped: `w` is user-written and `Int(Double(Int.max))` traps.
        let scaled = Int(exactly: (Double(w) * s.factor).rounded()) ?? .max
        let m = max(1, multiple)
        return max(m, saturatingProduct(saturatingSum([scaled, m / 2]) / m, m))
    }

    /// A deterministic seed for a random op at `path` (dropout masks).
    func seed(for path: String) -> Int {
        var g = SeededGenerator(seed: runSeed).fork("\(seedLabel)/\(path)")
        return Int(truncatingIfNeeded: g.next() & 0x7FFF_FFFF)
    }

    func tensor(_ v: GraphValue) -> Value { .tensor(SymbolicTensor(value: v, context: self)) }
}
