// Reading ONNX protobuf bytes back into the value model — for round-trip tests and `inspect`.
//
// The decoder accepts what dcl writes and what the reference implementation writes for the
// same model (packed or unpacked repeated scalars, `float_data`/`int32_data`/`int64_data` as
// well as `raw_data`), skips unknown fields as protobuf requires, and refuses, with a message
// naming the field, what the value model cannot represent (subgraphs, sparse tensors,
// non-tensor types, external data). Every length is checked before anything is sliced.

import Foundation

extension ONNXModel {
    /// Decodes a `ModelProto`.
    public init(serializedBytes bytes: [UInt8]) throws {
        var r = ProtoReader(bytes, context: "ModelProto")
        var model = ONNXModel(graph: ONNXGraph(name: ""), producerVersion: "", irVersion: 0, opsetImports: [],
                              producerName: "", modelVersion: 0)
        var sawGraph = false
        while let f = try r.nextField() {
            switch f.number {
            case 1: try r.expect(f.wire, .varint, field: "ir_version"); model.irVersion = try r.readInt64()
            case 2: try r.expect(f.wire, .lengthDelimited, field: "producer_name"); model.producerName = try r.readString()
            case 3: try r.expect(f.wire, .lengthDelimited, field: "producer_version"); model.producerVersion = try r.readString()
            case 4: try r.expect(f.wire, .lengthDelimited, field: "domain"); model.domain = try r.readString()
            case 5: try r.expect(f.wire, .varint, field: "model_version"); model.modelVersion = try r.readInt64()
            case 6: try r.expect(f.wire, .lengthDelimited, field: "doc_string"); model.docString = try r.readString()
            case 7:
                try r.expect(f.wire, .lengthDelimited, field: "graph")
                var sub = try r.readMessage("GraphProto")
                model.graph = try ONNXGraph(reading: &sub)
                sawGraph = true
            case 8:
                try r.expect(f.wire, .lengthDelimited, field: "opset_import")
                var sub = try r.readMessage("OperatorSetIdProto")
                model.opsetImports.append(try ONNXOpsetImport(reading: &sub))
            case 14:
                try r.expect(f.wire, .lengthDelimited, field: "metadata_props")
                var sub = try r.readMessage("StringStringEntryProto")
                model.metadata.append(try ONNXMetadataEntry(reading: &sub))
            case 20, 25:
                throw ExportError(.unsupported, "ModelProto field \(f.number) (\(f.number == 20 ? "training_info" : "functions")) is not supported by dcl's reader")
            default: try r.skip(f.wire)
            }
        }
        guard sawGraph else { throw ExportError(.onnx, "ModelProto has no graph") }
        self = model
    }

    /// Decodes a `ModelProto` from `Data`.
    public init(serializedData data: Data) throws {
        try self.init(serializedBytes: [UInt8](data))
    }
}

extension ONNXOpsetImport {
    fileprivate init(reading r: inout ProtoReader) throws {
        self.init(domain: "", version: 0)
        while let f = try r.nextField() {
            switch f.number {
            case 1: try r.expect(f.wire, .lengthDelimited, field: "domain"); domain = try r.readString()
            case 2: try r.expect(f.wire, .varint, field: "version"); version = try r.readInt64()
            default: try r.skip(f.wire)
            }
        }
    }
}

extension ONNXMetadataEntry {
    fileprivate init(reading r: inout ProtoReader) throws {
        self.init("", "")
        while let f = try r.nextField() {
            switch f.number {
            case 1: try r.expect(f.wire, .lengthDelimited, field: "key"); key = try r.readString()
            case 2: try r.expect(f.wire, .lengthDelimited, field: "value"); value = try r.readString()
            default: try r.skip(f.wire)
            }
        }
    }
}

extension ONNXGraph {
    fileprivate init(reading r: inout ProtoReader) throws {
        self.init(name: "")
        while let f = try r.nextField() {
            switch f.number {
            case 1:
                try r.expect(f.wire, .lengthDelimited, field: "node")
                var sub = try r.readMessage("NodeProto")
                nodes.append(try ONNXNode(reading: &sub))
            case 2: try r.expect(f.wire, .lengthDelimited, field: "name"); name = try r.readString()
            case 5:
                try r.expect(f.wire, .lengthDelimited, field: "initializer")
                var sub = try r.readMessage("TensorProto")
                initializers.append(try ONNXTensor(reading: &sub))
            case 10: try r.expect(f.wire, .lengthDelimited, field: "doc_string"); docString = try r.readString()
            case 11, 12, 13:
                try r.expect(f.wire, .lengthDelimited, field: "input/output/value_info")
                var sub = try r.readMessage("ValueInfoProto")
                let info = try ONNXValueInfo(reading: &sub)
                if f.number == 11 { inputs.append(info) } else if f.number == 12 { outputs.append(info) } else { valueInfo.append(info) }
            case 15: throw ExportError(.unsupported, "GraphProto has sparse initializers, which dcl's reader does not support")
            default: try r.skip(f.wire)
            }
        }
    }
}

extension ONNXNode {
    fileprivate init(reading r: inout ProtoReader) throws {
        self.init(name: "", opType: "", inputs: [], outputs: [])
        while let f = try r.nextField() {
            switch f.number {
            case 1: try r.expect(f.wire, .lengthDelimited, field: "input"); inputs.append(try r.readString())
            case 2: try r.expect(f.wire, .lengthDelimited, field: "output"); outputs.append(try r.readString())
            case 3: try r.expect(f.wire, .lengthDelimited, field: "name"); name = try r.readString()
            case 4: try r.expect(f.wire, .lengthDelimited, field: "op_type"); opType = try r.readString()
            case 5:
                try r.expect(f.wire, .lengthDelimited, field: "attribute")
                var sub = try r.readMessage("AttributeProto")
                attributes.append(try ONNXAttribute(reading: &sub, node: name))
            case 6: try r.expect(f.wire, .lengthDelimited, field: "doc_string"); docString = try r.readString()
            case 7: try r.expect(f.wire, .lengthDelimited, field: "domain"); domain = try r.readString()
            default: try r.skip(f.wire)
            }
        }
    }
}

extension ONNXAttribute {
    fileprivate init(reading r: inout ProtoReader, node: String) throws {
        var name = ""
        var type: Int32?
        var f: Float?, i: Int64?, s: [UInt8]?, t: ONNXTensor?
        var floats: [Float] = [], ints: [Int64] = [], strings: [[UInt8]] = []
        while let field = try r.nextField() {
            switch field.number {
            case 1: try r.expect(field.wire, .lengthDelimited, field: "name"); name = try r.readString()
            case 2: try r.expect(field.wire, .fixed32, field: "f"); f = try r.readFloat()
            case 3: try r.expect(field.wire, .varint, field: "i"); i = try r.readInt64()
            case 4: try r.expect(field.wire, .lengthDelimited, field: "s"); s = try r.readBytes()
            case 5:
                try r.expect(field.wire, .lengthDelimited, field: "t")
                var sub = try r.readMessage("TensorProto")
                t = try ONNXTensor(reading: &sub)
            case 7: try r.readRepeatedFloat(field.wire, into: &floats)
            case 8: try r.readRepeatedInt64(field.wire, into: &ints)
            case 9: try r.expect(field.wire, .lengthDelimited, field: "strings"); strings.append(try r.readBytes())
            case 20: try r.expect(field.wire, .varint, field: "type"); type = try r.readInt32()
            case 6, 10, 11, 14, 15, 22, 23:
                throw ExportError(.unsupported, "attribute '\(name)' of node '\(node)' holds a graph, sparse tensor or type, which dcl's reader does not support")
            default: try r.skip(field.wire)
            }
        }
        let value: ONNXAttributeValue
        switch type {
        case 1: guard let f else { throw Self.missing(name, "f") }; value = .float(f)
        case 2: guard let i else { throw Self.missing(name, "i") }; value = .int(i)
        case 3: guard let s else { throw Self.missing(name, "s") }; value = .bytes(s)
        case 4: guard let t else { throw Self.missing(name, "t") }; value = .tensor(t)
        case 6: value = .floats(floats)
        case 7: value = .ints(ints)
        case 8: value = .strings(strings)
        case nil: throw ExportError(.onnx, "attribute '\(name)' of node '\(node)' has no type")
        case let other?: throw ExportError(.unsupported, "attribute '\(name)' of node '\(node)' has type \(other), which dcl's reader does not support")
        }
        self.init(name, value)
    }

    private static func missing(_ name: String, _ field: String) -> ExportError {
        ExportError(.onnx, "attribute '\(name)' declares a type whose field '\(field)' is absent")
    }
}

extension ONNXTensor {
    fileprivate init(reading r: inout ProtoReader) throws {
        var dims: [Int64] = []
        var dataType: Int32 = 0
        var name = "", doc = ""
        var raw: [UInt8]?
        var floatData: [Float] = [], int32Data: [Int32] = [], int64Data: [Int64] = []
        while let f = try r.nextField() {
            switch f.number {
            case 1: try r.readRepeatedInt64(f.wire, into: &dims)
            case 2: try r.expect(f.wire, .varint, field: "data_type"); dataType = try r.readInt32()
            case 4: try r.readRepeatedFloat(f.wire, into: &floatData)
            case 5: try r.readRepeatedInt32(f.wire, into: &int32Data)
            case 7: try r.readRepeatedInt64(f.wire, into: &int64Data)
            case 8: try r.expect(f.wire, .lengthDelimited, field: "name"); name = try r.readString()
            case 9: try r.expect(f.wire, .lengthDelimited, field: "raw_data"); raw = try r.readBytes()
            case 12: try r.expect(f.wire, .lengthDelimited, field: "doc_string"); doc = try r.readString()
            case 13, 14: throw ExportError(.unsupported, "tensor '\(name)' uses external data, which dcl's reader does not support")
            case 6, 10, 11: throw ExportError(.unsupported, "tensor '\(name)' uses string, double or uint64 data, which dcl's reader does not support")
            default: try r.skip(f.wire)
            }
        }
        guard let type = ONNXDataType(rawValue: dataType) else {
            throw ExportError(.unsupported, "tensor '\(name)' has data type \(dataType), which dcl's reader does not support")
        }
        // Typed fields are converted to the little-endian layout of raw_data.
        let bytes: [UInt8]
        if let raw {
            bytes = raw
        } else if !floatData.isEmpty {
            bytes = floatData.flatMap { littleEndianBytes($0.bitPattern) }
        } else if !int64Data.isEmpty {
            bytes = int64Data.flatMap { littleEndianBytes(UInt64(bitPattern: $0)) }
        } else if !int32Data.isEmpty {
            // int32_data holds every type narrower than 32 bits, one element per entry.
            switch type {
            case .int32: bytes = int32Data.flatMap { littleEndianBytes(UInt32(bitPattern: $0)) }
            case .int8, .uint8, .bool: bytes = int32Data.map { UInt8(truncatingIfNeeded: $0) }
            case .float16: bytes = int32Data.flatMap { littleEndianBytes(UInt16(truncatingIfNeeded: $0)) }
            default: throw ExportError(.onnx, "tensor '\(name)' of type \(type.name) stores its data in int32_data")
            }
        } else {
            bytes = []
        }
        try self.init(name: name, dataType: type, dims: dims, rawData: bytes, docString: doc)
    }
}

extension ONNXValueInfo {
    fileprivate init(reading r: inout ProtoReader) throws {
        var name = "", doc = ""
        var type: (ONNXDataType, [ONNXDimension]?)?
        while let f = try r.nextField() {
            switch f.number {
            case 1: try r.expect(f.wire, .lengthDelimited, field: "name"); name = try r.readString()
            case 2:
                try r.expect(f.wire, .lengthDelimited, field: "type")
                var sub = try r.readMessage("TypeProto")
                type = try Self.readType(&sub, value: name)
            case 3: try r.expect(f.wire, .lengthDelimited, field: "doc_string"); doc = try r.readString()
            default: try r.skip(f.wire)
            }
        }
        guard let type else { throw ExportError(.onnx, "value '\(name)' has no type") }
        self.init(name: name, elementType: type.0, shape: type.1, docString: doc)
    }

    private static func readType(_ r: inout ProtoReader, value: String) throws -> (ONNXDataType, [ONNXDimension]?) {
        var result: (ONNXDataType, [ONNXDimension]?)?
        while let f = try r.nextField() {
            switch f.number {
            case 1:
                try r.expect(f.wire, .lengthDelimited, field: "tensor_type")
                var t = try r.readMessage("TypeProto.Tensor")
                var elem: Int32 = 0
                var shape: [ONNXDimension]?
                while let g = try t.nextField() {
                    switch g.number {
                    case 1: try t.expect(g.wire, .varint, field: "elem_type"); elem = try t.readInt32()
                    case 2:
                        try t.expect(g.wire, .lengthDelimited, field: "shape")
                        var s = try t.readMessage("TensorShapeProto")
                        shape = try readShape(&s)
                    default: try t.skip(g.wire)
                    }
                }
                guard let e = ONNXDataType(rawValue: elem) else {
                    throw ExportError(.unsupported, "value '\(value)' has element type \(elem), which dcl's reader does not support")
                }
                result = (e, shape)
            case 4, 5, 7, 8, 9:
                throw ExportError(.unsupported, "value '\(value)' is not a tensor (TypeProto field \(f.number))")
            default: try r.skip(f.wire)
            }
        }
        guard let result else { throw ExportError(.onnx, "value '\(value)' has an empty type") }
        return result
    }

    private static func readShape(_ r: inout ProtoReader) throws -> [ONNXDimension] {
        var dims: [ONNXDimension] = []
        while let f = try r.nextField() {
            guard f.number == 1 else { try r.skip(f.wire); continue }
            try r.expect(f.wire, .lengthDelimited, field: "dim")
            var d = try r.readMessage("TensorShapeProto.Dimension")
            var dim: ONNXDimension = .param("")
            while let g = try d.nextField() {
                switch g.number {
                case 1: try d.expect(g.wire, .varint, field: "dim_value"); dim = .value(try d.readInt64())
                case 2: try d.expect(g.wire, .lengthDelimited, field: "dim_param"); dim = .param(try d.readString())
                default: try d.skip(g.wire)
                }
            }
            dims.append(dim)
        }
        return dims
    }
}

/// Little-endian bytes of a fixed-width integer.
func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
}
