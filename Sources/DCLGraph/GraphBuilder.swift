// The API the compiler lowers onto: add inputs, parameters, constants and ops, get typed values
// back. Every op's types are inferred as it is added, so a shape error is thrown immediately,
// naming the op, its input types, the node's scope path and the current origin tag.
//
// Per-op convenience methods (`add`, `matmul`, `conv2d`, …) live next to each primitive in
// Ops/*.swift; they all funnel into `apply`.

import DCLTensor

/// Builds a `Graph`. Reference type, so helpers can share one builder.
public final class GraphBuilder {
    public private(set) var graph: Graph
    /// Origin tag stamped on nodes added from now on (the compiler sets it per source span).
    public var origin = 0
    private var scopes: [String] = []
    /// `scopes` joined with dots plus a trailing dot (empty at top level), kept as scopes are
    /// entered and left: every node name starts with it, and joining per node showed in profiles.
    private var scopePrefix = ""
    private var scopeJoined = ""
    private var numbering = ScopedNumbering()
    /// The graph's parameter names (a model adds hundreds; a scan per addition was quadratic).
    private(set) var parameterNames: Set<String> = []

    public init() {
        graph = Graph()
        // A model has dozens of parameters; growing the set from empty rehashed every name
        // several times over (each one a long scoped path).
        parameterNames.reserveCapacity(64)
    }

    /// Continues building on an existing graph (autodiff and passes append to it).
    public init(graph: Graph) {
        self.graph = graph
        for n in graph.nodes {
            // `features.conv2d_1` counts as the base `conv2d_1` under `features`, as `nodeName` looks it up.
            if let dot = n.name.lastIndex(of: ".") {
                numbering.count(String(n.name[n.name.index(after: dot)...]), under: String(n.name[..<dot]))
            } else {
                numbering.count(n.name, under: "")
            }
        }
        parameterNames = Set(graph.parameters.map(\.name))
    }

    /// Runs `body` with `name` appended to the scope path of node names (`features.conv2d_1`).
    public func scope<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let savedPrefix = scopePrefix, savedJoined = scopeJoined
        scopeJoined = scopes.isEmpty ? name : joinedName(savedJoined, ".", name)
        scopes.append(name)
        scopePrefix = scopeJoined.isEmpty ? "" : joinedName(scopeJoined, ".")
        let savedNumbering = numbering.enter(scopeJoined)
        defer {
            scopes.removeLast()
            scopePrefix = savedPrefix
            scopeJoined = savedJoined
            numbering.leave(restoring: savedNumbering)
        }
        return try body()
    }

    /// The current scope path (`features.block1`), empty at top level.
    public var scopePath: String { scopeJoined }

    /// A node name: `name` (or `<op>_<k>`, numbered per scope) under the current scope.
    func nodeName(_ op: String, _ name: String?) -> String {
        if let name { return joinedName(scopePrefix, name) }
        return joinedName(scopePrefix, op, "_", String(numbering.next(op)))
    }

    /// A graph input.
    @discardableResult
    public func input(_ name: String, _ type: TensorType) throws -> GraphValue {
        guard graph.input(named: name) == nil else { throw GraphError(op: "input", "input '\(name)' is already defined") }
        try withOrigin { try ShapeLimits.check(type, op: "input", what: "input '\(name)'") }
        let v = graph.addInput(name, type)
        return GraphValue(id: v, type: type)
    }

    /// A parameter with a constant shape. Names are global (scope paths are the caller's).
    @discardableResult
    public func parameter(_ name: String, shape: [Int], initializer: Initializer, trainable: Bool = true,
                          dtype: DType = .float32) throws -> GraphValue {
        // One hash of the (long, scoped) name: insert, and take it back if the shape is refused.
        guard parameterNames.insert(name).inserted else { throw GraphError(op: "parameter", "parameter '\(name)' is already defined") }
        return try addNamedParameter(name, shape: shape, initializer: initializer, trainable: trainable, dtype: dtype)
    }

    /// The parameter `name`: the existing one if the graph has it, else a new one (a helper that
    /// shares a parameter between applications, batch norm's statistics). One hash of the name.
    func existingOrNewParameter(_ name: String, shape: [Int], initializer: Initializer, trainable: Bool,
                                dtype: DType = .float32) throws -> GraphValue {
        if !parameterNames.insert(name).inserted, let p = graph.parameter(named: name) { return graph.value(p.value) }
        return try addNamedParameter(name, shape: shape, initializer: initializer, trainable: trainable, dtype: dtype)
    }

    /// Adds a parameter whose name is already in `parameterNames` (taken out again if refused).
    private func addNamedParameter(_ name: String, shape: [Int], initializer: Initializer, trainable: Bool,
                                   dtype: DType) throws -> GraphValue {
        let type = TensorType(dtype, shape.map { Dim($0) })
        do {
            try withOrigin { try ShapeLimits.check(type, op: "parameter", what: "parameter '\(name)'") }
        } catch {
            parameterNames.remove(name)
            throw error
        }
        let v = graph.addParameter(name, type: type, shape: shape, initializer: initializer, trainable: trainable)
        return GraphValue(id: v, type: type)
    }

    /// The value of an existing parameter.
    public func parameterValue(_ name: String) throws -> GraphValue {
        guard let p = graph.parameter(named: name) else { throw GraphError(op: "parameter", "no parameter '\(name)'") }
        return graph.value(p.value)
    }

    /// A constant tensor.
    public func constant(_ tensor: Tensor) -> GraphValue {
        let v = graph.addConstant(tensor)
        return graph.value(v)
    }

    /// A float32 scalar constant (rank 0).
    public func scalar(_ x: Float) -> GraphValue { constant(Tensor(scalar: x)) }

    /// Applies a primitive: infers output types (throwing with the node's name and origin on
    /// mismatch) and appends the node.
    @discardableResult
    public func apply(_ op: any Primitive, _ inputs: [GraphValue], name: String? = nil) throws -> [GraphValue] {
        let (outs, types) = try addApplied(op, inputs, name: name)
        return zip(outs, types).map { GraphValue(id: $0, type: $1) }
    }

    /// `apply`'s work: the node's output values and their types (`apply1` takes the first
    /// without building an array of typed values per node).
    private func addApplied(_ op: any Primitive, _ inputs: [GraphValue], name: String?) throws -> ([ValueID], [TensorType]) {
        let opName = type(of: op).name
        let nodeName = nodeName(opName, name)
        for v in inputs where graph.types[v.id] == nil {
            throw GraphError(op: opName, "input \(v.id) is not a value of this graph", node: nodeName, origin: origin)
        }
        let types: [TensorType]
        do {
            types = try op.inferTypes(inputs.map(\.type))
            for (k, t) in types.enumerated() {
                try ShapeLimits.check(t, op: opName, what: types.count == 1 ? "the output of \(opName)" : "output \(k) of \(opName)")
            }
        } catch var e as GraphError {
            e.node = nodeName
            e.origin = origin
            throw e
        } catch let e as TensorError {
            // A kernel's shape planner (conv, pool) rejecting its geometry.
            throw GraphError(op: opName, e.message, node: nodeName, origin: origin)
        }
        let outs = graph.addNode(op, inputs: inputs.map(\.id), outputTypes: types, name: nodeName, origin: origin)
        return (outs, types)
    }

    /// `apply` for single-output primitives.
    @discardableResult
    public func apply1(_ op: any Primitive, _ inputs: [GraphValue], name: String? = nil) throws -> GraphValue {
        let (outs, types) = try addApplied(op, inputs, name: name)
        return GraphValue(id: outs[0], type: types[0])
    }

    /// Marks `v` as the graph output `name`.
    public func output(_ name: String, _ v: GraphValue) throws {
        guard graph.output(named: name) == nil else { throw GraphError(op: "output", "output '\(name)' is already defined") }
        graph.outputs.append(GraphOutput(name: name, value: v.id))
    }

    /// Records that after a run, parameter `name` takes the value `v` (state updates).
    public func assign(_ name: String, _ v: GraphValue) throws {
        guard let p = graph.parameter(named: name) else { throw GraphError(op: "assign", "no parameter '\(name)'") }
        guard p.type == v.type else {
            throw GraphError(op: "assign", "parameter '\(name)' is \(p.type), value is \(v.type)")
        }
        guard !graph.assignments.contains(where: { $0.parameter == name }) else {
            throw GraphError(op: "assign", "parameter '\(name)' is already assigned")
        }
        graph.assignments.append(Assignment(parameter: name, value: v.id))
    }

    /// The finished graph, verified.
    public func finish() throws -> Graph {
        try Verifier.verify(graph)
        return graph
    }

    /// Runs `body`, stamping a thrown graph error with the current origin so the compiler can
    /// point at the script line that caused it.
    private func withOrigin(_ body: () throws -> Void) throws {
        do { try body() } catch var e as GraphError {
            e.origin = origin
            throw e
        }
    }

    /// Internal mutation hook for passes.
    func mutate(_ body: (inout Graph) -> Void) { body(&graph) }
}
