// Serialising the ONNX value model: each value becomes its generated message
// (Proto/onnx/dcl_onnx.proto → DCLONNXProto) and swift-protobuf writes the bytes.
//
// swift-protobuf writes a message's fields in ascending field number, repeated scalars packed
// exactly where the schema says `[packed = true]` (`dims` and `AttributeProto.ints/floats` are
// not), and a proto2 optional field whenever it has been set — even to its default. So what is
// set below decides the bytes: empty strings are left unset (absent = default) except where ONNX
// requires the field (a node's `op_type`, a value's or attribute's `name`, an opset's `domain`),
// and the same model always gives the same bytes, those the reference implementation writes.

import Foundation
internal import DCLONNXProto
internal import SwiftProtobuf

extension ONNXModel {
    /// The model's protobuf bytes (deterministic: the same model gives the same bytes). Throws
    /// `.tooLarge` past protobuf's 2 GiB message limit.
    public func serializedBytes() throws -> [UInt8] {
        do {
            return try proto.serializedBytes()
        } catch {
            throw ExportError(.tooLarge, "the ONNX model cannot be serialised (protobuf messages must stay under 2 GiB): \(error)")
        }
    }

    /// The model's protobuf bytes as `Data`, ready to write to `MODEL.onnx`.
    public func serializedData() throws -> Data { Data(try serializedBytes()) }

    /// The `ModelProto` of this model.
    var proto: Onnx_ModelProto {
        var m = Onnx_ModelProto()
        m.irVersion = irVersion
        if !producerName.isEmpty { m.producerName = producerName }
        if !producerVersion.isEmpty { m.producerVersion = producerVersion }
        if !domain.isEmpty { m.domain = domain }
        m.modelVersion = modelVersion
        if !docString.isEmpty { m.docString = docString }
        m.graph = graph.proto
        m.opsetImport = opsetImports.map(\.proto)
        m.metadataProps = metadata.map(\.proto)
        return m
    }
}

extension ONNXOpsetImport {
    var proto: Onnx_OperatorSetIdProto {
        var p = Onnx_OperatorSetIdProto()
        // The default domain is written explicitly as "" (as onnx.helper does), so readers that
        // test presence see it.
        p.domain = domain
        p.version = version
        return p
    }
}

extension ONNXMetadataEntry {
    var proto: Onnx_StringStringEntryProto {
        var p = Onnx_StringStringEntryProto()
        p.key = key
        p.value = value
        return p
    }
}

extension ONNXGraph {
    var proto: Onnx_GraphProto {
        var g = Onnx_GraphProto()
        g.node = nodes.map(\.proto)
        if !name.isEmpty { g.name = name }
        g.initializer = initializers.map(\.proto)
        if !docString.isEmpty { g.docString = docString }
        g.input = inputs.map(\.proto)
        g.output = outputs.map(\.proto)
        g.valueInfo = valueInfo.map(\.proto)
        return g
    }
}

extension ONNXNode {
    var proto: Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.input = inputs
        n.output = outputs
        if !name.isEmpty { n.name = name }
        n.opType = opType
        n.attribute = attributes.map(\.proto)
        if !docString.isEmpty { n.docString = docString }
        if !domain.isEmpty { n.domain = domain }
        return n
    }
}

extension ONNXAttribute {
    var proto: Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        switch value {
        case .float(let f): a.f = f; a.type = .float
        case .int(let i): a.i = i; a.type = .int
        case .bytes(let s): a.s = Data(s); a.type = .string
        case .tensor(let t): a.t = t.proto; a.type = .tensor
        case .floats(let fs): a.floats = fs; a.type = .floats
        case .ints(let ints): a.ints = ints; a.type = .ints
        case .strings(let ss): a.strings = ss.map { Data($0) }; a.type = .strings
        }
        return a
    }
}

extension ONNXTensor {
    var proto: Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.dims = dims
        t.dataType = dataType.rawValue
        if !name.isEmpty { t.name = name }
        t.rawData = Data(rawData)
        if !docString.isEmpty { t.docString = docString }
        return t
    }
}

extension ONNXValueInfo {
    var proto: Onnx_ValueInfoProto {
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = elementType.rawValue
        if let shape {
            var s = Onnx_TensorShapeProto()
            s.dim = shape.map { d in
                var dim = Onnx_TensorShapeProto.Dimension()
                switch d {
                case .value(let v): dim.dimValue = v
                case .param(let p): dim.dimParam = p
                }
                return dim
            }
            tensor.shape = s
        }
        var v = Onnx_ValueInfoProto()
        v.name = name
        v.type.tensorType = tensor
        if !docString.isEmpty { v.docString = docString }
        return v
    }
}
