// The static graph IR: SSA values, nodes in topological order, graph inputs, parameters,
// constants, named outputs and state assignments.
//
// A graph is a value. Passes take a graph and return a new one; the verifier checks the
// invariants after each pass:
//   * every value is defined exactly once (input, parameter, constant or node output) and
//     nodes only read values defined before them — so `nodes` is a topological order;
//   * each node's output types are what its primitive infers from its input types;
//   * `assignments` write new values for parameters (weights after an optimiser step, running
//     statistics, optimiser state) — the executor applies them after the run.

import DCLTensor

/// The identity of an SSA value, printed `%12`.
public struct ValueID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let raw: Int
    public init(_ raw: Int) { self.raw = raw }
    public static func < (a: ValueID, b: ValueID) -> Bool { a.raw < b.raw }
    public var description: String { "%\(raw)" }
}

/// A typed handle to a value, as the builder hands them out.
public struct GraphValue: Hashable, Sendable, CustomStringConvertible {
    public let id: ValueID
    public let type: TensorType
    public init(id: ValueID, type: TensorType) {
        self.id = id
        self.type = type
    }
    public var description: String { "\(id): \(type)" }
}

/// Where a value comes from.
public enum ValueSource: Hashable, Sendable {
    case input(Int)
    case parameter(Int)
    case constant(Int)
    case node(Int, output: Int)
}

/// A graph input fed at run time.
public struct GraphInput: Hashable, Sendable {
    public var name: String
    public var value: ValueID
}

/// A named, stored tensor: a weight, a running statistic or optimiser state.
public struct Parameter: Sendable, Equatable {
    public var name: String
    public var value: ValueID
    /// Parameters have constant shapes (no symbols).
    public var shape: [Int]
    public var dtype: DType
    public var initializer: Initializer
    /// Whether training updates it from its gradient. Running statistics and optimiser state
    /// are parameters with `trainable == false` that the graph updates through assignments.
    public var trainable: Bool

    public var type: TensorType { TensorType(dtype, shape.map { Dim($0) }) }
}

/// A constant embedded in the graph.
public struct Constant: @unchecked Sendable {
    public var value: ValueID
    public var tensor: Tensor
}

/// A named graph output.
public struct GraphOutput: Hashable, Sendable {
    public var name: String
    public var value: ValueID
}

/// A state update applied after a run: parameter `parameter` takes `value`.
public struct Assignment: Hashable, Sendable {
    public var parameter: String
    public var value: ValueID
}

/// One application of a primitive.
public struct Node: @unchecked Sendable {
    public var op: any Primitive
    public var inputs: [ValueID]
    public var outputs: [ValueID]
    /// Scope path such as `features.conv2d_1`, for messages and reports.
    public var name: String
    /// Opaque tag the compiler uses to map errors back to a source span.
    public var origin: Int

    public var opName: String { type(of: op).name }
}

/// A static dataflow graph.
public struct Graph: @unchecked Sendable {
    public internal(set) var types = ValueTable<TensorType>()
    public internal(set) var sources = ValueTable<ValueSource>()
    public internal(set) var inputs: [GraphInput] = []
    public internal(set) var parameters: [Parameter] = []
    public internal(set) var constants: [Constant] = []
    public internal(set) var nodes: [Node] = []
    public var outputs: [GraphOutput] = []
    public var assignments: [Assignment] = []
    /// One past the largest value id in use.
    public internal(set) var nextID = 0

    public init() {}

    /// The type of `v` (a programming error if `v` is not in the graph).
    public func type(of v: ValueID) -> TensorType {
        guard let t = types[v] else { preconditionFailure("value \(v) is not in the graph") }
        return t
    }

    /// A typed handle for `v`.
    public func value(_ v: ValueID) -> GraphValue { GraphValue(id: v, type: type(of: v)) }

    /// The parameter called `name`.
    public func parameter(named name: String) -> Parameter? { parameters.first { $0.name == name } }

    /// The output called `name`.
    public func output(named name: String) -> ValueID? { outputs.first { $0.name == name }?.value }

    /// The input called `name`.
    public func input(named name: String) -> ValueID? { inputs.first { $0.name == name }?.value }

    /// Parameter name of a value, if it is a parameter.
    public func parameterName(of v: ValueID) -> String? {
        if case .parameter(let i)? = sources[v] { return parameters[i].name }
        return nil
    }

    /// The constant tensor of a value, if it is a constant.
    public func constantTensor(of v: ValueID) -> Tensor? {
        if case .constant(let i)? = sources[v] { return constants[i].tensor }
        return nil
    }

    /// Number of uses of each value by nodes, outputs and assignments.
    public func useCounts() -> [ValueID: Int] {
        var uses: [ValueID: Int] = [:]
        for n in nodes { for v in n.inputs { uses[v, default: 0] += 1 } }
        for o in outputs { uses[o.value, default: 0] += 1 }
        for a in assignments { uses[a.value, default: 0] += 1 }
        return uses
    }

    /// Index of the node producing each node output.
    public func producers() -> [ValueID: Int] {
        var p: [ValueID: Int] = [:]
        for (i, n) in nodes.enumerated() { for o in n.outputs { p[o] = i } }
        return p
    }

    /// Symbols used by input types.
    public var symbols: Set<String> {
        var s = Set<String>()
        for i in inputs { for d in type(of: i.value).dims { s.formUnion(d.symbols) } }
        return s
    }

    // MARK: Construction (used by the builder, the parser and passes)

    mutating func newValue(_ type: TensorType, _ source: ValueSource, id: ValueID? = nil) -> ValueID {
        let v = id ?? ValueID(nextID)
        nextID = max(nextID, v.raw + 1)
        types[v] = type
        sources[v] = source
        return v
    }

    mutating func addInput(_ name: String, _ type: TensorType, id: ValueID? = nil) -> ValueID {
        let v = newValue(type, .input(inputs.count), id: id)
        inputs.append(GraphInput(name: name, value: v))
        return v
    }

    mutating func addParameter(_ name: String, shape: [Int], dtype: DType, initializer: Initializer, trainable: Bool, id: ValueID? = nil) -> ValueID {
        addParameter(name, type: TensorType(dtype, shape.map { Dim($0) }), shape: shape, initializer: initializer, trainable: trainable, id: id)
    }

    /// `addParameter` with the type already made (`type` is `shape` as constant dims).
    mutating func addParameter(_ name: String, type: TensorType, shape: [Int], initializer: Initializer, trainable: Bool,
                               id: ValueID? = nil) -> ValueID {
        let v = newValue(type, .parameter(parameters.count), id: id)
        parameters.append(Parameter(name: name, value: v, shape: shape, dtype: type.dtype, initializer: initializer, trainable: trainable))
        return v
    }

    mutating func addConstant(_ tensor: Tensor, id: ValueID? = nil) -> ValueID {
        let v = newValue(TensorType(tensor.dtype, tensor.shape.map { Dim($0) }), .constant(constants.count), id: id)
        constants.append(Constant(value: v, tensor: tensor))
        return v
    }

    /// Appends a node whose output types are already inferred.
    mutating func addNode(_ op: any Primitive, inputs: [ValueID], outputTypes: [TensorType], name: String, origin: Int,
                          ids: [ValueID]? = nil) -> [ValueID] {
        let index = nodes.count
        let outs = outputTypes.enumerated().map { k, t in newValue(t, .node(index, output: k), id: ids?[k]) }
        nodes.append(Node(op: op, inputs: inputs, outputs: outs, name: name, origin: origin))
        return outs
    }

    /// Rebuilds `sources` and drops types of values no longer defined, after nodes, inputs,
    /// parameters or constants were removed or reordered by a pass.
    mutating func reindex() {
        var src = ValueTable<ValueSource>()
        for (i, x) in inputs.enumerated() { src[x.value] = .input(i) }
        for (i, p) in parameters.enumerated() { src[p.value] = .parameter(i) }
        for (i, c) in constants.enumerated() { src[c.value] = .constant(i) }
        for (i, n) in nodes.enumerated() { for (k, o) in n.outputs.enumerated() { src[o] = .node(i, output: k) } }
        sources = src
        for v in types.keys where src[v] == nil { types[v] = nil }
    }
}
