// The state one graph → ONNX lowering shares across ops: the ONNX name of every dcl value,
// value names reserved for the graph's outputs, cached constants, and the shape arithmetic
// that keeps the batch dimension symbolic.
//
// Shapes. dcl dimensions are polynomials over symbols (`N`, `4*N`, `N+16`); ONNX graphs see
// only the input's run-time shape. A shape operand is therefore a constant INT64 tensor when
// every dimension is a constant, and otherwise computed: each symbol is read off the graph
// input that carries it (`Shape(start: a, end: a+1)`), and a polynomial becomes Mul/Add nodes.
// Reshape targets avoid that where they can: a dimension equal to the input's at the same
// index is written `0` (copy), and a single remaining symbolic dimension `-1`.

import DCLGraph
import DCLTensor

/// Lowering state for one graph.
final class LoweringContext {
    var b: ONNXGraphBuilder
    let graph: Graph
    /// The model the graph belongs to, for messages.
    let model: String
    /// ONNX value name of each dcl value lowered so far.
    private var names: [ValueID: String] = [:]
    /// Graph outputs: the value producing each gets the output's name directly.
    private var reserved: [ValueID: String] = [:]
    private var reservedNames: Set<String> = []
    private var nodeNames: Set<String> = []
    private var floatConstants: [Float: String] = [:]
    private var symbolValues: [String: String] = [:]
    /// How many nodes, outputs and assignments read each value (unused outputs are skipped).
    let uses: [ValueID: Int]

    init(graph: Graph, builder: ONNXGraphBuilder, model: String) {
        self.graph = graph
        self.b = builder
        self.model = model
        uses = graph.useCounts()
        for i in graph.inputs { names[i.value] = i.name }
        for p in graph.parameters { names[p.value] = p.name }
        var outputsPerValue: [ValueID: Int] = [:]
        for o in graph.outputs { outputsPerValue[o.value, default: 0] += 1 }
        for o in graph.outputs {
            reservedNames.insert(o.name)
            // A value that is an input, a parameter or feeds two outputs goes through Identity.
            if case .node? = graph.sources[o.value], outputsPerValue[o.value] == 1 { reserved[o.value] = o.name }
        }
    }

    // MARK: Names

    /// A value name starting with `base` that is neither defined nor reserved for an output.
    func fresh(_ base: String) -> String {
        var name = base.isEmpty ? "v" : base
        var k = 0
        while b.isDefined(name) || reservedNames.contains(name) || nodeNames.contains(name) {
            k += 1
            name = "\(base)_\(k)"
        }
        // Claim it now so two fresh names asked for before either is defined still differ.
        nodeNames.insert(name)
        return name
    }

    /// A unique ONNX node name derived from the dcl node's scope path.
    func nodeName(_ base: String) -> String {
        var name = base
        var k = 0
        while nodeNames.contains(name) || b.isDefined(name) || reservedNames.contains(name) {
            k += 1
            name = "\(base)/\(k)"
        }
        nodeNames.insert(name)
        return name
    }

    /// The ONNX name of a dcl value (graph constants are added as initialisers on first use).
    func name(_ v: ValueID) throws -> String {
        if let n = names[v] { return n }
        if let t = graph.constantTensor(of: v) {
            let n = fresh("const")
            try b.addConstant(n, tensor: t)
            names[v] = n
            return n
        }
        throw ExportError(.onnx, "model '\(model)': value \(v) is read before any node defines it")
    }

    /// The ONNX name output `k` of `node` is written to: the graph output's name when the value
    /// is one, else a fresh name after the node. Binds the dcl value to it.
    func output(_ node: Node, _ k: Int = 0) -> String {
        let v = node.outputs[k]
        if let n = names[v] { return n }
        let n = reserved[v] ?? fresh(node.outputs.count == 1 ? node.name : "\(node.name).out\(k)")
        names[v] = n
        return n
    }

    /// Whether output `k` of `node` is read by anything.
    func isUsed(_ node: Node, _ k: Int) -> Bool { (uses[node.outputs[k]] ?? 0) > 0 }

    /// The dcl type of a value.
    func type(_ v: ValueID) -> TensorType { graph.type(of: v) }

    // MARK: Nodes

    /// Adds one node writing `outputs` (already named).
    @discardableResult
    func add(_ op: String, _ inputs: [String], _ outputs: [String], _ attributes: [ONNXAttribute] = [], at node: Node) throws -> [String] {
        try b.addNode(op, inputs: inputs, outputs: outputs, attributes: attributes, name: nodeName(node.name.isEmpty ? op : node.name))
    }

    /// Adds one node with a single fresh output named after `node` and `suffix`; returns it.
    func temp(_ op: String, _ inputs: [String], _ attributes: [ONNXAttribute] = [], at node: Node, _ suffix: String) throws -> String {
        let out = fresh("\(node.name).\(suffix)")
        try add(op, inputs, [out], attributes, at: node)
        return out
    }

    // MARK: Constants

    /// A FLOAT scalar constant (shared by every use of the same value).
    func scalar(_ x: Float) throws -> String {
        if let n = floatConstants[x] { return n }
        let n = fresh("scalar")
        try b.addInitializer(try ONNXTensor(name: n, floats: [x], dims: []))
        floatConstants[x] = n
        return n
    }

    /// A 1-D INT64 constant.
    func int64s(_ values: [Int], _ base: String = "shape") throws -> String {
        let n = fresh(base)
        try b.addConstant(n, int64s: values.map(Int64.init))
        return n
    }

    // MARK: Shapes

    /// An INT64 `[1]` tensor holding the run-time value of `symbol`, read off a graph input.
    func symbolValue(_ symbol: String) throws -> String {
        if let n = symbolValues[symbol] { return n }
        for input in graph.inputs {
            let dims = graph.type(of: input.value).dims
            guard let axis = dims.firstIndex(of: Dim.symbol(symbol)) else { continue }
            let n = fresh("dim_\(symbol)")
            try b.addNode("Shape", inputs: [input.name], outputs: [n],
                          attributes: [ONNXAttribute("start", .int(Int64(axis))), ONNXAttribute("end", .int(Int64(axis + 1)))],
                          name: nodeName("shape_of_\(symbol)"))
            symbolValues[symbol] = n
            return n
        }
        throw ExportError(.onnx, "model '\(model)': no graph input has the dimension '\(symbol)', so its value is unknown at run time")
    }

    /// An INT64 `[1]` tensor holding `d` at run time (constant when `d` is).
    func dimValue(_ d: Dim) throws -> String {
        if let c = d.constant { return try int64s([c], "dim") }
        var sum: String?
        // Terms in a fixed order so the same graph always lowers to the same bytes.
        for (monomial, coefficient) in d.terms.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            var term: String? = coefficient == 1 && !monomial.isEmpty ? nil : try int64s([coefficient], "coefficient")
            for s in monomial {
                let v = try symbolValue(s)
                term = try term.map { try mulInt64($0, v) } ?? v
            }
            sum = try sum.map { try addInt64($0, term!) } ?? term!
        }
        return sum!
    }

    private func mulInt64(_ a: String, _ b: String) throws -> String {
        let out = fresh("dim_product")
        try self.b.addNode("Mul", inputs: [a, b], outputs: [out], name: nodeName(out))
        return out
    }

    private func addInt64(_ a: String, _ b: String) throws -> String {
        let out = fresh("dim_sum")
        try self.b.addNode("Add", inputs: [a, b], outputs: [out], name: nodeName(out))
        return out
    }

    /// A 1-D INT64 tensor of `dims` (a constant unless some dimension is symbolic).
    func shape(_ dims: [Dim]) throws -> String {
        if let c = dims.map(\.constant) as? [Int] { return try int64s(c) }
        let parts = try dims.map { try dimValue($0) }
        let out = fresh("shape")
        try b.addNode("Concat", inputs: parts, outputs: [out], attributes: [ONNXAttribute("axis", .int(0))], name: nodeName(out))
        return out
    }

    /// The `shape` operand of a Reshape from `from` to `to`: constant where possible (0 copies
    /// the input's dimension at the same index, -1 stands for one remaining unknown).
    func reshapeTarget(from: [Dim], to: [Dim]) throws -> String {
        if let c = to.map(\.constant) as? [Int] { return try int64s(c) }
        // A literal 0 would read as "copy"; such shapes take the computed path.
        if to.contains(Dim(0)) { return try shape(to) }
        var out: [Int?] = to.map(\.constant)
        for i in to.indices where out[i] == nil && i < from.count && from[i] == to[i] { out[i] = 0 }
        let open = out.indices.filter { out[$0] == nil }
        if open.count == 1 { out[open[0]] = -1 }
        if let c = out as? [Int] { return try int64s(c) }
        return try shape(to)
    }
}

extension ONNXAttribute {
    static func int(_ name: String, _ v: Int) -> ONNXAttribute { ONNXAttribute(name, .int(Int64(v))) }
    static func ints(_ name: String, _ v: [Int]) -> ONNXAttribute { ONNXAttribute(name, .ints(v.map(Int64.init))) }
    static func float(_ name: String, _ v: Float) -> ONNXAttribute { ONNXAttribute(name, .float(v)) }
}
