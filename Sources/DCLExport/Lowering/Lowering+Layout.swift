// Lowering of the data-movement primitives and the embedding lookup.
//
// Shapes with symbolic dimensions go through `LoweringContext.shape`/`reshapeTarget`, so the
// batch stays symbolic ("N") in the ONNX file:
// * reshape → `Reshape` (0 copies a leading dimension, -1 stands for one unknown);
// * slice(axis, start, size) → `Slice(starts, ends, axes)`; pad(axis, start, total) → `Pad`
//   with zeros before/after on that axis (pad is slice's adjoint and reaches inference graphs
//   only through user code, but costs nothing to support);
// * shuffle (ICIIA's feature shuffle: view the axis as (groups, k), swap, flatten) →
//   `Reshape` + `Transpose` + `Reshape`;
// * broadcast_to → `Expand`; dim_value (a dimension's run-time value as a float scalar) →
//   the dimension's INT64 value, `Cast`, `Reshape` to rank 0;
// * gather (embedding rows by int32 ids) → `Gather(axis = 0)`, which takes int32 indices.

import DCLGraph
import DCLTensor

extension ONNXLowering {
    static func lowerReshape(_ ctx: LoweringContext, _ node: Node) throws {
        let target = try ctx.reshapeTarget(from: ctx.type(node.inputs[0]).dims, to: ctx.type(node.outputs[0]).dims)
        try ctx.add("Reshape", [try ctx.name(node.inputs[0]), target], [ctx.output(node)], at: node)
    }

    static func lowerTranspose(_ ctx: LoweringContext, _ node: Node) throws {
        try ctx.add("Transpose", [try ctx.name(node.inputs[0])], [ctx.output(node)], [.ints("perm", (node.op as! Transpose).perm)], at: node)
    }

    static func lowerConcat(_ ctx: LoweringContext, _ node: Node) throws {
        let ins = try node.inputs.map { try ctx.name($0) }
        try ctx.add("Concat", ins, [ctx.output(node)], [.int("axis", (node.op as! Concat).axis)], at: node)
    }

    static func lowerSlice(_ ctx: LoweringContext, _ node: Node) throws {
        let s = node.op as! Slice
        let starts = try ctx.shape([s.start]), ends = try ctx.shape([s.start + s.size])
        try ctx.add("Slice", [try ctx.name(node.inputs[0]), starts, ends, try ctx.int64s([s.axis], "axes")], [ctx.output(node)], at: node)
    }

    static func lowerPad(_ ctx: LoweringContext, _ node: Node) throws {
        let p = node.op as! Pad
        let dims = ctx.type(node.inputs[0]).dims
        var before = [Dim](repeating: Dim(0), count: dims.count), after = before
        before[p.axis] = p.start
        after[p.axis] = p.total - p.start - dims[p.axis]
        let pads = try ctx.shape(before + after)
        try ctx.add("Pad", [try ctx.name(node.inputs[0]), pads, try ctx.scalar(0)], [ctx.output(node)], [ONNXAttribute("mode", .string("constant"))], at: node)
    }

    static func lowerShuffle(_ ctx: LoweringContext, _ node: Node) throws {
        let s = node.op as! Shuffle
        let dims = ctx.type(node.inputs[0]).dims
        let axis = s.axis < 0 ? s.axis + dims.count : s.axis
        guard axis >= 0, axis < dims.count, let n = dims[axis].constant, s.groups > 0, n % s.groups == 0 else {
            throw ExportError(.onnx, "the shuffled axis \(s.axis) must have a constant length divisible by \(s.groups)")
        }
        let k = n / s.groups
        let split = Array(dims[..<axis]) + [Dim(s.groups), Dim(k)] + Array(dims[(axis + 1)...])
        var perm = Array(0..<split.count)
        perm.swapAt(axis, axis + 1)
        let swapped = perm.map { split[$0] }
        let grouped = try ctx.temp("Reshape", [try ctx.name(node.inputs[0]), try ctx.reshapeTarget(from: dims, to: split)], at: node, "groups")
        let transposed = try ctx.temp("Transpose", [grouped], [.ints("perm", perm)], at: node, "swapped")
        try ctx.add("Reshape", [transposed, try ctx.reshapeTarget(from: swapped, to: dims)], [ctx.output(node)], at: node)
    }

    static func lowerBroadcast(_ ctx: LoweringContext, _ node: Node) throws {
        let target = try ctx.shape((node.op as! BroadcastTo).shape)
        try ctx.add("Expand", [try ctx.name(node.inputs[0]), target], [ctx.output(node)], at: node)
    }

    static func lowerDimValue(_ ctx: LoweringContext, _ node: Node) throws {
        let value = try ctx.dimValue((node.op as! DimValue).dim)
        let asFloat = try ctx.temp("Cast", [value], [.int("to", Int(ONNXDataType.float.rawValue))], at: node, "float")
        let scalarShape = ctx.fresh("scalar_shape")
        try ctx.b.addInitializer(try ONNXTensor(name: scalarShape, int64s: [], dims: [0]))
        try ctx.add("Reshape", [asFloat, scalarShape], [ctx.output(node)], at: node)
    }

    static func lowerGather(_ ctx: LoweringContext, _ node: Node) throws {
        try ctx.add("Gather", [try ctx.name(node.inputs[0]), try ctx.name(node.inputs[1])], [ctx.output(node)], [.int("axis", 0)], at: node)
    }
}
