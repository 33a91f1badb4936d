// Per-node cost report (name, op, output shape, parameters, FLOPs, activation bytes) with
// totals, for `dcl summary` (a Keras/torchinfo-style table) and for budget checks.

import DCLTensor

/// Costs of every node of a graph at one binding of its symbols.
public struct CostReport: Sendable {
    public struct Row: Sendable, Equatable {
        public var name: String
        public var op: String
        public var outputShape: [Int]
        /// Elements of the parameters this node reads first (each parameter counted once).
        public var parameters: Int
        public var flops: Int
        /// Bytes of the node's outputs.
        public var activationBytes: Int
        public var bytesRead: Int
        public var bytesWritten: Int
    }

    public var rows: [Row]
    public var totalParameters: Int
    public var trainableParameters: Int
    public var totalFlops: Int
    public var totalActivationBytes: Int
    /// Peak bytes live at once under the static memory plan, and the arena it allocates.
    public var peakActivationBytes: Int
    public var arenaBytes: Int

    public static func make(_ g: Graph, bindings: [String: Int]) throws -> CostReport {
        var shapes: [ValueID: [Int]] = [:]
        for (v, t) in g.types {
            let s = try t.shape(bindings)
            // The memory plan adds up buffer sizes in plain Int: bound each buffer (2^40
            // elements, as at build time) so a huge `batch` is an error, not an overflow trap.
            guard s.allSatisfy({ $0 >= 0 }), saturatingProduct(s) <= ShapeLimits.maxElements else {
                throw GraphError(op: "cost", "value \(t) is too large under \(bindings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")): \(formatShape(s))")
            }
            shapes[v] = s
        }
        var seen = Set<ValueID>()
        var rows: [Row] = []
        for n in g.nodes {
            let info = ShapeInfo(inputs: n.inputs.map { shapes[$0]! }, outputs: n.outputs.map { shapes[$0]! },
                                 inputDTypes: n.inputs.map { g.type(of: $0).dtype }, outputDTypes: n.outputs.map { g.type(of: $0).dtype })
            let cost = n.op.cost(info)
            var params = 0
            for v in n.inputs where g.parameterName(of: v) != nil && !seen.contains(v) {
                seen.insert(v)
                params = saturatingSum([params, saturatingProduct(shapes[v]!)])
            }
            let act = saturatingSum(zip(info.outputs, info.outputDTypes).map { saturatingProduct($0.0 + [$0.1.byteSize]) })
            rows.append(Row(name: n.name, op: n.opName, outputShape: info.outputs.first ?? [], parameters: params,
                            flops: cost.flops, activationBytes: act, bytesRead: cost.bytesRead, bytesWritten: cost.bytesWritten))
        }
        let mem = MemoryPlan.make(g, shapes: shapes, mode: .planned)
        return CostReport(rows: rows,
                          totalParameters: saturatingSum(g.parameters.map { saturatingProduct($0.shape) }),
                          trainableParameters: saturatingSum(g.parameters.filter(\.trainable).map { saturatingProduct($0.shape) }),
                          totalFlops: saturatingSum(rows.map(\.flops)),
                          totalActivationBytes: saturatingSum(rows.map(\.activationBytes)),
                          peakActivationBytes: mem.peakLiveBytes, arenaBytes: mem.arenaBytes)
    }

    /// A fixed-width table with totals.
    public var table: String {
        let header = ["node", "op", "output", "params", "FLOPs", "activations"]
        let body = rows.map { r in
            [r.name, r.op, formatShape(r.outputShape), String(r.parameters), formatCount(r.flops), formatBytes(r.activationBytes)]
        }
        var widths = header.map(\.count)
        for row in body { for (k, cell) in row.enumerated() { widths[k] = max(widths[k], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { k, c in
                k < 3 ? c.padding(toLength: widths[k], withPad: " ", startingAt: 0)
                      : String(repeating: " ", count: widths[k] - c.count) + c
            }.joined(separator: "  ")
        }
        var out = [line(header), String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))]
        out += body.map(line)
        out.append(String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
        out.append("parameters: \(totalParameters) (\(trainableParameters) trainable)")
        out.append("FLOPs: \(formatCount(totalFlops))")
        out.append("activations: \(formatBytes(totalActivationBytes)) total, \(formatBytes(peakActivationBytes)) peak live, \(formatBytes(arenaBytes)) planned arena")
        return out.joined(separator: "\n")
    }
}

/// 1.23M, 45.6k, 789.
public func formatCount(_ n: Int) -> String {
    let d = Double(n)
    if n >= 1_000_000_000 { return String(format: "%.2fG", d / 1e9) }
    if n >= 1_000_000 { return String(format: "%.2fM", d / 1e6) }
    if n >= 10_000 { return String(format: "%.1fk", d / 1e3) }
    return String(n)
}

/// 1.5 MiB, 12.0 KiB, 512 B.
public func formatBytes(_ n: Int) -> String {
    let d = Double(n)
    if n >= 1 << 30 { return String(format: "%.2f GiB", d / Double(1 << 30)) }
    if n >= 1 << 20 { return String(format: "%.2f MiB", d / Double(1 << 20)) }
    if n >= 1 << 10 { return String(format: "%.1f KiB", d / 1024) }
    return "\(n) B"
}

import Foundation
