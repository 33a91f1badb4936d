// Standalone graphs for bundles: the part of a model's forward graph that computes one output,
// copied into a fresh graph whose inputs are chosen values and whose parameters are renamed.
//
// Two uses: exporting a whole model (inputs = the model's inputs; the parameters a composite
// inlined from its parts, named `m<id>/w` in its graph, become `PART/w`, so the bundle never
// depends on the session's instance ids), and cutting a model after its features (input = the features tap), which
// gives a backbone's own head for ICIIA's cold-start policy.
//
// Only nodes the output needs are copied, and only parameters they read, so a features view
// does not ship its backbone's head. A needed value that is a graph input not among the new
// inputs means the cut is not clean (the head reads the image directly) — an error, not a
// silently larger model.

import DCLCompiler
import DCLGraph
import DCLTensor

enum GraphExtraction {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A standalone graph, the weights it runs against (none when extracted without), and
    /// where each weight lives.
    struct Extracted {
        var graph: Graph
        var weights: [String: Tensor]
        /// Bundle parameter name → (owning store, name there).
        var owners: [String: (ParameterStore, String)]
    }

    /// Copies what computes `output` from `graph`. `inputs` are (new input name, value) — old
    /// graph inputs or any intermediate value; `rename` maps each old parameter name to its new
    /// one. The result's single output is named `outputName`.
    static func extract(_ graph: Graph, inputs: [(name: String, value: ValueID)], output: ValueID, outputName: String,
                        rename: (String) -> String, renameNode: (String) -> String = { $0 }) throws -> Graph {
        let newInputs = Dictionary(inputs.map { ($0.value, $0.name) }, uniquingKeysWith: { a, _ in a })
        let producers = graph.producers()

        // Backward from the output, stopping at the new inputs.
        var needed = Set<ValueID>([output])
        var neededNodes = Set<Int>()
        var stack = [output]
        while let v = stack.popLast() {
            if newInputs[v] != nil { continue }
            guard let p = producers[v] else { continue }
            if neededNodes.insert(p).inserted {
                for i in graph.nodes[p].inputs where needed.insert(i).inserted { stack.append(i) }
            }
        }
        for v in needed where newInputs[v] == nil {
            if case .input(let i)? = graph.sources[v] {
                throw Failure(description: "it reads the input `\(graph.inputs[i].name)` directly, not only through \(inputs.map { "`\($0.name)`" }.joined(separator: ", "))")
            }
        }

        let b = GraphBuilder()
        var map: [ValueID: GraphValue] = [:]
        for (name, v) in inputs { map[v] = try b.input(name, graph.type(of: v)) }
        for p in graph.parameters where needed.contains(p.value) {
            map[p.value] = try b.parameter(rename(p.name), shape: p.shape, initializer: p.initializer, trainable: p.trainable, dtype: p.dtype)
        }
        for c in graph.constants where needed.contains(c.value) { map[c.value] = b.constant(c.tensor) }
        for (k, node) in graph.nodes.enumerated() where neededNodes.contains(k) {
            let ins = try node.inputs.map { v -> GraphValue in
                guard let m = map[v] else { throw Failure(description: "value \(v) is read before it is defined") }
                return m
            }
            b.origin = node.origin
            let outs = try b.apply(node.op, ins, name: renameNode(node.name))
            for (o, n) in zip(node.outputs, outs) { map[o] = n }
        }
        guard let out = map[output] else { throw Failure(description: "the output is not computed") }
        try b.output(outputName, out)
        return try b.finish()
    }

    /// A model's standalone inference graph: its forward graph without section taps, inlined
    /// parts' parameters renamed after the part that owns them (found in `table`), epilogues
    /// fused exactly as the interpreter's `InferenceRunner` fuses them. Returns the graph and
    /// its weights (unless `withWeights` is false: check mode has none).
    static func standalone(_ m: ModelInstance, table: ModelTable, withWeights: Bool = true) throws -> Extracted {
        let f = try m.ownedForward(training: false)
        let g = f.graph
        guard let out = g.output(named: ForwardGraph.output) else { throw Failure(description: "the model has no output") }
        return try finish(f, inputs: g.inputs.map { ($0.name, $0.value) }, output: out, owner: m, table: table, withWeights: withWeights)
    }

    /// The part of `m`'s forward graph after its `section` tap, as a model whose input is
    /// `features` (the cold-start head of a plug-in's backbone).
    static func head(of m: ModelInstance, after section: String, table: ModelTable, withWeights: Bool = true) throws -> Extracted {
        let f = try m.ownedForward(training: false)
        guard let tap = f.graph.output(named: ForwardGraph.tap(section)), let out = f.graph.output(named: ForwardGraph.output) else {
            throw Failure(description: "`\(m.name)` has no `\(section)` section to cut after")
        }
        return try finish(f, inputs: [("features", tap)], output: out, owner: m, table: table, withWeights: withWeights)
    }

    private static func finish(_ f: OwnedGraph, inputs: [(name: String, value: ValueID)], output: ValueID,
                               owner m: ModelInstance, table: ModelTable, withWeights: Bool) throws -> Extracted {
        let names = try PartNames(f, owner: m, table: table)
        let extracted = try extract(f.graph, inputs: inputs, output: output, outputName: ForwardGraph.output, rename: names.rename,
                                    renameNode: names.renameNode)
        var weights: [String: Tensor] = [:]
        var owners: [String: (ParameterStore, String)] = [:]
        for p in extracted.parameters {
            let (store, local) = names.owner[p.name]!
            owners[p.name] = (store, local)
            if !withWeights { continue }
            guard let t = store.tensors[local] else {
                throw Failure(description: "the weights of `\(m.name)` have no tensor `\(local)`")
            }
            weights[p.name] = t
        }
        return Extracted(graph: try Passes.fuse(extracted), weights: weights, owners: owners)
    }
}

/// Bundle names for a graph's parameters and the store each one's tensor lives in.
struct PartNames {
    /// Old parameter name → bundle name.
    private(set) var renamed: [String: String] = [:]
    /// Bundle name → (store, name there).
    private(set) var owner: [String: (ParameterStore, String)] = [:]

    init(_ f: OwnedGraph, owner m: ModelInstance, table: ModelTable) throws {
        self.table = table
        inlined = f.owners.inlined
        var taken = Set<String>()
        for p in f.graph.parameters {
            let new: String
            let store: ParameterStore
            let local: String
            if let ref = f.owners[p.name] {
                guard let part = table.owner(of: ref) else {
                    throw GraphExtraction.Failure(description: "parameter `\(p.name)` belongs to a model that no longer exists")
                }
                if labels[ref.owner] == nil {
                    // Parts are named as in the script (`base.cloud`); two parts of one name
                    // (copies) are told apart by a counter.
                    var label = part.name, k = 1
                    while labels.values.contains(label) { k += 1; label = "\(part.name)#\(k)" }
                    labels[ref.owner] = label
                }
                new = "\(labels[ref.owner]!)/\(ref.name)"
                (store, local) = (part.weights, ref.name)
            } else {
                new = p.name
                (store, local) = (m.weights, p.name)
            }
            guard taken.insert(new).inserted else {
                throw GraphExtraction.Failure(description: "two parameters would both be named `\(new)` in the bundle")
            }
            renamed[p.name] = new
            owner[new] = (store, local)
        }
    }

    /// Part labels by instance id (`base.cloud`), for node names.
    private var labels: [ModelID: String] = [:]
    /// Every model the graph inlined: its nodes' names start with their `scopePrefix`es.
    private let inlined: [ModelID]
    private let table: ModelTable

    func rename(_ name: String) -> String { renamed[name] ?? name }

    /// A node's scope path with each inlined part's `scopePrefix` (`m3/`) replaced by the part's
    /// label, so graph text does not depend on the order instances were made.
    func renameNode(_ name: String) -> String {
        var rest = Substring(name), out = ""
        while let id = inlined.first(where: { rest.hasPrefix($0.scopePrefix) }) {
            out += (labels[id] ?? table.model(id)?.name ?? id.description) + "/"
            rest = rest.dropFirst(id.scopePrefix.count)
        }
        return out + rest
    }
}
