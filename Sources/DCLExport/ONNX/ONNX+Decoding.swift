// Reading ONNX bytes back into the value model — `dcl inspect`, `dcl predict` and the bundle
// checks read a bundle's model.onnx with it, so its input is untrusted.
//
// swift-protobuf decodes the bytes into the generated messages (Proto/onnx/dcl_onnx.proto);
// every decoding error it raises becomes an `ExportError` of kind `.protobuf` naming what was
// wrong. The options are chosen for untrusted input:
// * `messageDepthLimit` is `ONNXModel.messageDepthLimit` (10): the schema's deepest path is 7
//   messages (ModelProto → GraphProto → ValueInfoProto → TypeProto → TypeProto.Tensor →
//   TensorShapeProto → Dimension) and it has no recursive message (subgraphs are declared as
//   opaque bytes), so a valid file never comes near it; it caps what hostile nesting can cost.
// * `discardUnknownFields`: fields dcl does not declare (newer ONNX additions, or a declared
//   field sent with the wrong wire type, which protobuf treats as unknown) are skipped and not
//   kept in memory, as the hand-written reader this replaced did.
// Fields that hold what the value model cannot represent (subgraphs, sparse tensors, functions,
// training information, non-tensor types, external, string, double or uint64 data) are declared
// in the schema and refused here with `.unsupported`, naming the field.
//
// Then every value is checked before it is used: names are valid UTF-8 (swift-protobuf checks
// that) without control characters and at most `maxNameBytes` long, required names are present,
// ranks are at most `maxRank`, dimensions are non-negative, a tensor's element count × element
// size is computed with overflow checks and must equal the bytes of its one data field, and
// typed `int32_data` elements must fit their element type. Counts of nodes, values and
// attributes need no cap of their own: each is at least one byte of input, and the input's size
// is capped by the bundle reader (`BundleLimits.maxEntryBytes`).

import Foundation
internal import DCLONNXProto
internal import SwiftProtobuf

extension ONNXModel {
    /// Nesting depth swift-protobuf allows while decoding (see the file comment).
    static let messageDepthLimit = 10
    /// The longest name (value, node, tensor, attribute, operator, domain, metadata key) read.
    static let maxNameBytes = 4096
    /// The highest rank of a tensor or value shape read.
    static let maxRank = 64

    private static var decodingOptions: BinaryDecodingOptions {
        var options = BinaryDecodingOptions()
        options.messageDepthLimit = messageDepthLimit
        options.discardUnknownFields = true
        return options
    }

    /// Decodes a `ModelProto`.
    public init(serializedBytes bytes: [UInt8]) throws {
        let message: Onnx_ModelProto
        do {
            message = try Onnx_ModelProto(serializedBytes: bytes, options: Self.decodingOptions)
        } catch {
            throw ExportError(.protobuf, "the \(bytes.count)-byte ONNX model is not a valid ModelProto: \(Self.describe(error))")
        }
        try self.init(proto: message)
    }

    /// Decodes a `ModelProto` from `Data`.
    public init(serializedData data: Data) throws {
        try self.init(serializedBytes: [UInt8](data))
    }

    /// What a swift-protobuf decoding error means, in words.
    private static func describe(_ error: any Error) -> String {
        switch error as? BinaryDecodingError {
        case .truncated?: return "the data ends inside a field (truncated)"
        case .malformedProtobuf?: return "malformed protobuf (an invalid field key, wire type, varint or length)"
        case .invalidUTF8?: return "a string field is not valid UTF-8"
        case .messageDepthLimit?: return "messages are nested more than \(messageDepthLimit) deep"
        case .missingRequiredFields?: return "a required field is missing"
        case .trailingGarbage?: return "bytes follow the end of the message"
        case .internalExtensionError?: return "an extension cannot be decoded"
        case nil: return String(describing: error)
        }
    }

    init(proto m: Onnx_ModelProto) throws {
        if !m.trainingInfo.isEmpty {
            throw ExportError(.unsupported, "ModelProto field 20 (training_info) is not supported by dcl's reader")
        }
        if !m.functions.isEmpty {
            throw ExportError(.unsupported, "ModelProto field 25 (functions) is not supported by dcl's reader")
        }
        guard m.hasGraph else { throw ExportError(.onnx, "ModelProto has no graph") }
        let opsets = try m.opsetImport.map { o -> ONNXOpsetImport in
            try checkName(o.domain, "an opset import's domain", allowEmpty: true)
            return ONNXOpsetImport(domain: o.domain, version: o.version)
        }
        let metadata = try m.metadataProps.map { e -> ONNXMetadataEntry in
            try checkName(e.key, "a metadata key", allowEmpty: false)
            return ONNXMetadataEntry(e.key, e.value)
        }
        try checkName(m.producerName, "the producer name", allowEmpty: true)
        try checkName(m.domain, "the model domain", allowEmpty: true)
        self.init(graph: try ONNXGraph(proto: m.graph), producerVersion: m.producerVersion, irVersion: m.irVersion,
                  opsetImports: opsets, producerName: m.producerName, domain: m.domain, modelVersion: m.modelVersion,
                  docString: m.docString, metadata: metadata)
    }
}

/// Throws `.onnx` unless `name` is a usable name: no control characters, at most
/// `ONNXModel.maxNameBytes` bytes, and non-empty unless `allowEmpty`. `what` says whose name it is.
private func checkName(_ name: String, _ what: @autoclosure () -> String, allowEmpty: Bool) throws {
    if name.isEmpty {
        guard allowEmpty else { throw ExportError(.onnx, "\(what()) is empty") }
        return
    }
    guard name.utf8.count <= ONNXModel.maxNameBytes else {
        throw ExportError(.onnx, "\(what()) is \(name.utf8.count) bytes long, more than \(ONNXModel.maxNameBytes)")
    }
    if let bad = name.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
        throw ExportError(.onnx, "\(what()) contains the control character U+\(String(bad.value, radix: 16, uppercase: true).leftPadded(to: 4))")
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// Throws `.onnx` if `count` dimensions exceed `ONNXModel.maxRank`.
private func checkRank(_ count: Int, _ what: @autoclosure () -> String) throws {
    guard count <= ONNXModel.maxRank else {
        throw ExportError(.onnx, "\(what()) has rank \(count), more than \(ONNXModel.maxRank)")
    }
}

extension ONNXGraph {
    fileprivate init(proto g: Onnx_GraphProto) throws {
        if !g.sparseInitializer.isEmpty {
            throw ExportError(.unsupported, "GraphProto has sparse initializers, which dcl's reader does not support")
        }
        try checkName(g.name, "the graph name", allowEmpty: true)
        func values(_ list: [Onnx_ValueInfoProto], _ role: String) throws -> [ONNXValueInfo] {
            try list.enumerated().map { i, v in try ONNXValueInfo(proto: v, role: "graph \(role) \(i)") }
        }
        self.init(name: g.name,
                  nodes: try g.node.enumerated().map { i, n in try ONNXNode(proto: n, index: i) },
                  initializers: try g.initializer.enumerated().map { i, t in
                      try checkName(t.name, "initializer \(i)'s name", allowEmpty: false)
                      return try ONNXTensor(proto: t)
                  },
                  inputs: try values(g.input, "input"), outputs: try values(g.output, "output"),
                  valueInfo: try values(g.valueInfo, "value_info entry"), docString: g.docString)
    }
}

extension ONNXNode {
    fileprivate init(proto n: Onnx_NodeProto, index: Int) throws {
        try checkName(n.name, "node \(index)'s name", allowEmpty: true)
        let node = n.name.isEmpty ? "node \(index)" : "node '\(n.name)'"
        try checkName(n.opType, "\(node)'s op_type", allowEmpty: false)
        try checkName(n.domain, "\(node)'s domain", allowEmpty: true)
        // "" marks an omitted optional input or output.
        for (i, v) in n.input.enumerated() { try checkName(v, "input \(i) of \(node)", allowEmpty: true) }
        for (i, v) in n.output.enumerated() { try checkName(v, "output \(i) of \(node)", allowEmpty: true) }
        self.init(name: n.name, opType: n.opType, domain: n.domain, inputs: n.input, outputs: n.output,
                  attributes: try n.attribute.map { try ONNXAttribute(proto: $0, node: node) }, docString: n.docString)
    }
}

extension ONNXAttribute {
    fileprivate init(proto a: Onnx_AttributeProto, node: String) throws {
        try checkName(a.name, "an attribute name of \(node)", allowEmpty: false)
        let name = a.name
        func refuse(_ what: String) -> ExportError {
            ExportError(.unsupported, "attribute '\(name)' of \(node) holds \(what), which dcl's reader does not support")
        }
        if a.hasG || !a.graphs.isEmpty { throw refuse("a graph") }
        if a.hasSparseTensor || !a.sparseTensors.isEmpty { throw refuse("a sparse tensor") }
        if a.hasTp || !a.typeProtos.isEmpty { throw refuse("a type") }
        if !a.tensors.isEmpty { throw refuse("a list of tensors") }
        func missing(_ field: String) -> ExportError {
            ExportError(.onnx, "attribute '\(name)' of \(node) declares a type whose field '\(field)' is absent")
        }
        // An unknown enum number is an unknown field to proto2, so it reads as no type at all.
        guard a.hasType else { throw ExportError(.onnx, "attribute '\(name)' of \(node) has no type that dcl knows") }
        let value: ONNXAttributeValue
        switch a.type {
        case .float: guard a.hasF else { throw missing("f") }; value = .float(a.f)
        case .int: guard a.hasI else { throw missing("i") }; value = .int(a.i)
        case .string: guard a.hasS else { throw missing("s") }; value = .bytes([UInt8](a.s))
        case .tensor: guard a.hasT else { throw missing("t") }; value = .tensor(try ONNXTensor(proto: a.t))
        case .floats: value = .floats(a.floats)
        case .ints: value = .ints(a.ints)
        case .strings: value = .strings(a.strings.map { [UInt8]($0) })
        case .undefined: throw ExportError(.onnx, "attribute '\(name)' of \(node) has type UNDEFINED")
        case .graph, .graphs, .sparseTensor, .sparseTensors, .typeProto, .typeProtos, .tensors:
            throw ExportError(.unsupported, "attribute '\(name)' of \(node) has type \(a.type), which dcl's reader does not support")
        }
        self.init(name, value)
    }
}

extension ONNXTensor {
    fileprivate init(proto t: Onnx_TensorProto) throws {
        let name = t.name
        try checkName(name, "a tensor name", allowEmpty: true)
        let label = "tensor '\(name)'"
        if !t.externalData.isEmpty || (t.hasDataLocation && t.dataLocation == .external) {
            throw ExportError(.unsupported, "\(label) uses external data, which dcl's reader does not support")
        }
        if !t.stringData.isEmpty || !t.doubleData.isEmpty || !t.uint64Data.isEmpty {
            throw ExportError(.unsupported, "\(label) uses string, double or uint64 data, which dcl's reader does not support")
        }
        guard let type = ONNXDataType(rawValue: t.dataType) else {
            throw ExportError(.unsupported, "\(label) has data type \(t.dataType), which dcl's reader does not support")
        }
        try checkRank(t.dims.count, label)
        if let d = t.dims.first(where: { $0 < 0 }) {
            throw ExportError(.onnx, "\(label) has the negative dimension \(d) in dims \(t.dims)")
        }
        let count: Int
        do { count = try ONNXTensor.elementCount(t.dims, name: name) } catch let e as ExportError {
            throw ExportError(e.kind == .invalidArgument ? .onnx : e.kind, e.message)
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: type.byteSize)
        guard !overflow else { throw ExportError(.tooLarge, "\(label): dims \(t.dims) of \(type.name) overflow the byte count") }

        // Exactly one data field holds the elements; typed fields become raw_data's little-endian layout.
        let present = [(t.hasRawData, "raw_data"), (!t.floatData.isEmpty, "float_data"),
                       (!t.int32Data.isEmpty, "int32_data"), (!t.int64Data.isEmpty, "int64_data")].filter(\.0).map(\.1)
        guard present.count <= 1 else {
            throw ExportError(.onnx, "\(label) stores its elements in both \(present[0]) and \(present[1])")
        }
        func checkCount(_ n: Int, _ field: String) throws {
            guard n == count else {
                throw ExportError(.onnx, "\(label): \(type.name) with dims \(t.dims) has \(count) elements, but \(field) holds \(n)")
            }
        }
        let bytes: [UInt8]
        switch present.first {
        case "raw_data"?:
            guard t.rawData.count == byteCount else {
                throw ExportError(.onnx, "\(label): \(type.name) with dims \(t.dims) needs \(byteCount) bytes, raw_data holds \(t.rawData.count)")
            }
            bytes = [UInt8](t.rawData)
        case "float_data"?:
            guard type == .float else { throw ExportError(.onnx, "\(label) of type \(type.name) stores its data in float_data") }
            try checkCount(t.floatData.count, "float_data")
            bytes = t.floatData.flatMap { littleEndianBytes($0.bitPattern) }
        case "int64_data"?:
            guard type == .int64 else { throw ExportError(.onnx, "\(label) of type \(type.name) stores its data in int64_data") }
            try checkCount(t.int64Data.count, "int64_data")
            bytes = t.int64Data.flatMap { littleEndianBytes(UInt64(bitPattern: $0)) }
        case "int32_data"?:
            try checkCount(t.int32Data.count, "int32_data")
            // int32_data holds every type narrower than 32 bits, one element per entry.
            let range: ClosedRange<Int32>
            switch type {
            case .int32: range = Int32.min...Int32.max
            case .int8: range = -128...127
            case .uint8: range = 0...255
            case .bool: range = 0...1
            case .float16: range = 0...0xFFFF
            default: throw ExportError(.onnx, "\(label) of type \(type.name) stores its data in int32_data")
            }
            if let bad = t.int32Data.first(where: { !range.contains($0) }) {
                throw ExportError(.onnx, "\(label): int32_data holds \(bad), which is not a \(type.name) value")
            }
            switch type.byteSize {
            case 1: bytes = t.int32Data.map { UInt8(truncatingIfNeeded: $0) }
            case 2: bytes = t.int32Data.flatMap { littleEndianBytes(UInt16(truncatingIfNeeded: $0)) }
            default: bytes = t.int32Data.flatMap { littleEndianBytes(UInt32(bitPattern: $0)) }
            }
        default:
            guard count == 0 else { throw ExportError(.onnx, "\(label): \(type.name) with dims \(t.dims) has \(count) elements but no data") }
            bytes = []
        }
        try self.init(name: name, dataType: type, dims: t.dims, rawData: bytes, docString: t.docString)
    }
}

extension ONNXValueInfo {
    fileprivate init(proto v: Onnx_ValueInfoProto, role: String) throws {
        try checkName(v.name, "the name of \(role)", allowEmpty: false)
        let label = "value '\(v.name)'"
        guard v.hasType else { throw ExportError(.onnx, "\(label) has no type") }
        let tensor: Onnx_TypeProto.Tensor
        switch v.type.value {
        case .tensorType(let t)?: tensor = t
        case nil: throw ExportError(.onnx, "\(label) has an empty type")
        case .sequenceType?: throw Self.notATensor(label, "a sequence", 4)
        case .mapType?: throw Self.notATensor(label, "a map", 5)
        case .opaqueType?: throw Self.notATensor(label, "an opaque type", 7)
        case .sparseTensorType?: throw Self.notATensor(label, "a sparse tensor", 8)
        case .optionalType?: throw Self.notATensor(label, "an optional", 9)
        }
        guard let element = ONNXDataType(rawValue: tensor.elemType) else {
            throw ExportError(.unsupported, "\(label) has element type \(tensor.elemType), which dcl's reader does not support")
        }
        var shape: [ONNXDimension]?
        if tensor.hasShape {
            try checkRank(tensor.shape.dim.count, "the shape of \(label)")
            shape = try tensor.shape.dim.enumerated().map { i, d -> ONNXDimension in
                switch d.value {
                case .dimValue(let n)?:
                    guard n >= 0 else { throw ExportError(.onnx, "\(label) has the negative size \(n) on axis \(i)") }
                    return .value(n)
                case .dimParam(let p)?:
                    try checkName(p, "the size name on axis \(i) of \(label)", allowEmpty: true)
                    return .param(p)
                case nil:
                    return .param("")
                }
            }
        }
        self.init(name: v.name, elementType: element, shape: shape, docString: v.docString)
    }

    private static func notATensor(_ label: String, _ kind: String, _ field: Int) -> ExportError {
        ExportError(.unsupported, "\(label) is not a tensor but \(kind) (TypeProto field \(field)), which dcl's reader does not support")
    }
}

/// Little-endian bytes of a fixed-width integer.
func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
}
