// Serialising the ONNX value model to protobuf bytes.
//
// Field numbers are onnx.proto's (proto2). Each message writes its fields in ascending field
// number; repeated scalars are packed exactly where onnx.proto says `[packed = true]`
// (`TensorProto.float_data/int32_data/int64_data`) and unpacked elsewhere (`dims`,
// `AttributeProto.ints/floats`) — so the bytes are those the reference implementation writes
// for the same message, and the same model always gives the same bytes.
//
// Empty strings are left out (proto2 optional, absent = default) except where ONNX requires the
// field (a node's `op_type`, a value's `name`).

import Foundation

extension ONNXModel: ProtoMessage {
    func encode(to w: inout ProtoWriter) {
        w.int64(1, irVersion)
        if !producerName.isEmpty { w.string(2, producerName) }
        if !producerVersion.isEmpty { w.string(3, producerVersion) }
        if !domain.isEmpty { w.string(4, domain) }
        w.int64(5, modelVersion)
        if !docString.isEmpty { w.string(6, docString) }
        w.message(7, graph)
        for opset in opsetImports { w.message(8, opset) }
        for entry in metadata { w.message(14, entry) }
    }

    /// The model's protobuf bytes (deterministic: the same model gives the same bytes).
    public func serializedBytes() -> [UInt8] { ProtoWriter.encode(self) }

    /// The model's protobuf bytes as `Data`, ready to write to `MODEL.onnx`.
    public func serializedData() -> Data { Data(serializedBytes()) }
}

extension ONNXOpsetImport: ProtoMessage {
    func encode(to w: inout ProtoWriter) {
        // The default domain is written explicitly as "" (as onnx.helper does), so readers that
        // test presence see it.
        w.string(1, domain)
        w.int64(2, version)
    }
}

extension ONNXMetadataEntry: ProtoMessage {
    func encode(to w: inout ProtoWriter) {
        w.string(1, key)
        w.string(2, value)
    }
}

extension ONNXGraph: ProtoMessage {
    func encode(to w: inout ProtoWriter) {
        for node in nodes { w.message(1, node) }
        if !name.isEmpty { w.string(2, name) }
        for tensor in initializers { w.message(5, tensor) }
        if !docString.isEmpty { w.string(10, docString) }
        for v in inputs { w.message(11, v) }
        for v in outputs { w.message(12, v) }
        for v in valueInfo { w.message(13, v) }
    }
}

extension ONNXNode: ProtoMessage {
    func encode(to w: inout ProtoWriter) {
        for i in inputs { w.string(1, i) }
        for o in outputs { w.string(2, o) }
        if !name.isEmpty { w.string(3, name) }
        w.string(4, opType)
        for a in attributes { w.message(5, a) }
        if !docString.isEmpty { w.string(6, docString) }
        if !domain.isEmpty { w.string(7, domain) }
    }
}

extension ONNXAttribute: ProtoMessage {
    func encode(to w: inout ProtoWriter) {
        w.string(1, name)
        switch value {
        case .float(let f): w.float(2, f)
        case .int(let i): w.int64(3, i)
        case .bytes(let s): w.bytes(4, s)
        case .tensor(let t): w.message(5, t)
        case .floats(let fs): for f in fs { w.float(7, f) }
        case .ints(let ints): for i in ints { w.int64(8, i) }
        case .strings(let ss): for s in ss { w.bytes(9, s) }
        }
        w.int32(20, value.typeCode)
    }
}

extension ONNXTensor: ProtoMessage {
    func encode(to w: inout ProtoWriter) {
        for d in dims { w.int64(1, d) }
        w.int32(2, dataType.rawValue)
        if !name.isEmpty { w.string(8, name) }
        w.bytes(9, rawData)
        if !docString.isEmpty { w.string(12, docString) }
    }
}

extension ONNXValueInfo: ProtoMessage {
    func encode(to w: inout ProtoWriter) {
        w.string(1, name)
        w.message(2, TypeMessage(elementType: elementType, shape: shape))
        if !docString.isEmpty { w.string(3, docString) }
    }
}

/// `TypeProto` with its `tensor_type` case.
private struct TypeMessage: ProtoMessage {
    var elementType: ONNXDataType
    var shape: [ONNXDimension]?

    func encode(to w: inout ProtoWriter) {
        w.message(1, TensorTypeMessage(elementType: elementType, shape: shape))
    }
}

/// `TypeProto.Tensor`.
private struct TensorTypeMessage: ProtoMessage {
    var elementType: ONNXDataType
    var shape: [ONNXDimension]?

    func encode(to w: inout ProtoWriter) {
        w.int32(1, elementType.rawValue)
        if let shape { w.message(2, ShapeMessage(dims: shape)) }
    }
}

/// `TensorShapeProto`.
private struct ShapeMessage: ProtoMessage {
    var dims: [ONNXDimension]

    func encode(to w: inout ProtoWriter) {
        for d in dims { w.message(1, DimensionMessage(dim: d)) }
    }
}

/// `TensorShapeProto.Dimension`.
private struct DimensionMessage: ProtoMessage {
    var dim: ONNXDimension

    func encode(to w: inout ProtoWriter) {
        switch dim {
        case .value(let v): w.int64(1, v)
        case .param(let p): w.string(2, p)
        }
    }
}
