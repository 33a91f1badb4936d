// A Swift value model of the ONNX messages dcl writes (onnx.proto, IR version 8).
//
// Only what dcl needs is modelled: one graph of tensor-typed values, initialisers held as
// little-endian `raw_data`, node attributes of the scalar, list, string and tensor kinds.
// Subgraph attributes, sparse tensors, training info and functions are left out on purpose —
// the decoder rejects them with a clear error rather than silently dropping them.
//
// Why IR 8 with opset 17: opset 17 (ONNX 1.12, whose IR version is 8) is the first with
// `LayerNormalization` as a standard operator, which the ICIIA encoder layers need; it keeps
// per-axis `DequantizeLinear` (opset 13) for int8 device weights; and every ONNX Runtime since
// 1.12 and Netron read it. Choosing the oldest opset that has every op we emit keeps bundles
// loadable by older device runtimes.

/// The IR version dcl writes (ONNX 1.12).
public let onnxIRVersion: Int64 = 8
/// The default-domain opset dcl writes.
public let onnxOpsetVersion: Int64 = 17

/// `TensorProto.DataType` values dcl reads and writes.
public enum ONNXDataType: Int32, Sendable, Hashable, CaseIterable {
    case float = 1
    case uint8 = 2
    case int8 = 3
    case int32 = 6
    case int64 = 7
    case bool = 9
    case float16 = 10
    case double = 11

    /// Bytes per element in `raw_data`.
    public var byteSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .float16: return 2
        case .float, .int32: return 4
        case .int64, .double: return 8
        }
    }

    /// The ONNX spelling (`FLOAT`, `INT64` …), for messages and `inspect`.
    public var name: String {
        switch self {
        case .float: return "FLOAT"
        case .uint8: return "UINT8"
        case .int8: return "INT8"
        case .int32: return "INT32"
        case .int64: return "INT64"
        case .bool: return "BOOL"
        case .float16: return "FLOAT16"
        case .double: return "DOUBLE"
        }
    }
}

/// A `TensorProto`: a named constant tensor whose elements are stored as little-endian bytes.
public struct ONNXTensor: Sendable, Hashable {
    public var name: String
    public var dataType: ONNXDataType
    public var dims: [Int64]
    /// Elements in row-major order, little-endian, `count × dataType.byteSize` bytes.
    public var rawData: [UInt8]
    public var docString: String

    /// A tensor from raw bytes; throws unless the byte count matches `dims` and `dataType`.
    public init(name: String, dataType: ONNXDataType, dims: [Int64], rawData: [UInt8], docString: String = "") throws {
        let n = try ONNXTensor.elementCount(dims, name: name)
        let (bytes, overflow) = n.multipliedReportingOverflow(by: dataType.byteSize)
        guard !overflow, bytes == rawData.count else {
            throw ExportError(.invalidArgument, "tensor '\(name)': \(dataType.name) with dims \(dims) needs \(overflow ? "too many" : String(bytes)) bytes, found \(rawData.count)")
        }
        self.name = name
        self.dataType = dataType
        self.dims = dims
        self.rawData = rawData
        self.docString = docString
    }

    /// Number of elements `dims` describes, with negative dimensions and overflow rejected.
    static func elementCount(_ dims: [Int64], name: String) throws -> Int {
        var n = 1
        for d in dims {
            guard d >= 0, d <= Int64(Int.max) else {
                throw ExportError(.invalidArgument, "tensor '\(name)': invalid dimension \(d) in dims \(dims)")
            }
            let (p, overflow) = n.multipliedReportingOverflow(by: Int(d))
            guard !overflow else { throw ExportError(.tooLarge, "tensor '\(name)': dims \(dims) overflow the element count") }
            n = p
        }
        return n
    }

    /// Number of elements.
    public var elementCount: Int { rawData.count / dataType.byteSize }
}

/// One dimension of a value's shape: a fixed size or a named symbolic size such as `"N"`.
public enum ONNXDimension: Sendable, Hashable, CustomStringConvertible {
    case value(Int64)
    case param(String)

    public var description: String {
        switch self {
        case .value(let v): return String(v)
        case .param(let p): return p
        }
    }
}

/// A `ValueInfoProto` for a tensor-typed value: name, element type and shape.
public struct ONNXValueInfo: Sendable, Hashable {
    public var name: String
    public var elementType: ONNXDataType
    /// The shape, or nil when the rank is unknown (no `shape` field is written).
    public var shape: [ONNXDimension]?
    public var docString: String

    public init(name: String, elementType: ONNXDataType, shape: [ONNXDimension]?, docString: String = "") {
        self.name = name
        self.elementType = elementType
        self.shape = shape
        self.docString = docString
    }
}

/// The value of a node attribute.
public enum ONNXAttributeValue: Sendable, Hashable {
    case float(Float)
    case int(Int64)
    /// Bytes; ONNX strings are UTF-8 (`.string("NOTSET")` builds one from text).
    case bytes([UInt8])
    case tensor(ONNXTensor)
    case floats([Float])
    case ints([Int64])
    case strings([[UInt8]])

    /// A UTF-8 string attribute.
    public static func string(_ s: String) -> ONNXAttributeValue { .bytes(Array(s.utf8)) }
}

/// An `AttributeProto`.
public struct ONNXAttribute: Sendable, Hashable {
    public var name: String
    public var value: ONNXAttributeValue

    public init(_ name: String, _ value: ONNXAttributeValue) {
        self.name = name
        self.value = value
    }
}

/// A `NodeProto`: one operator application.
public struct ONNXNode: Sendable, Hashable {
    public var name: String
    public var opType: String
    /// Operator domain; "" is the default ONNX domain.
    public var domain: String
    /// Input value names; "" marks an omitted optional input.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [ONNXAttribute]
    public var docString: String

    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [ONNXAttribute] = [], docString: String = "") {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.docString = docString
    }
}

/// A `GraphProto`. Nodes must be in topological order (an ONNX rule `ONNXGraphBuilder` checks).
public struct ONNXGraph: Sendable, Hashable {
    public var name: String
    public var nodes: [ONNXNode]
    public var initializers: [ONNXTensor]
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]
    public var valueInfo: [ONNXValueInfo]
    public var docString: String

    public init(name: String, nodes: [ONNXNode] = [], initializers: [ONNXTensor] = [], inputs: [ONNXValueInfo] = [],
                outputs: [ONNXValueInfo] = [], valueInfo: [ONNXValueInfo] = [], docString: String = "") {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfo = valueInfo
        self.docString = docString
    }
}

/// An `OperatorSetIdProto`.
public struct ONNXOpsetImport: Sendable, Hashable {
    public var domain: String
    public var version: Int64
    public init(domain: String, version: Int64) {
        self.domain = domain
        self.version = version
    }
}

/// A `ModelProto`.
public struct ONNXModel: Sendable, Hashable {
    public var irVersion: Int64
    public var opsetImports: [ONNXOpsetImport]
    public var producerName: String
    public var producerVersion: String
    public var domain: String
    public var modelVersion: Int64
    public var docString: String
    public var graph: ONNXGraph
    /// `metadata_props`, in the order given (keys should be unique).
    public var metadata: [ONNXMetadataEntry]

    /// A model with dcl's defaults: IR 8, opset {"": 17}, producer "dcl".
    public init(graph: ONNXGraph, producerVersion: String, irVersion: Int64 = onnxIRVersion,
                opsetImports: [ONNXOpsetImport] = [ONNXOpsetImport(domain: "", version: onnxOpsetVersion)],
                producerName: String = "dcl", domain: String = "", modelVersion: Int64 = 1, docString: String = "",
                metadata: [ONNXMetadataEntry] = []) {
        self.irVersion = irVersion
        self.opsetImports = opsetImports
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.domain = domain
        self.modelVersion = modelVersion
        self.docString = docString
        self.graph = graph
        self.metadata = metadata
    }
}

/// A `StringStringEntryProto` (model metadata).
public struct ONNXMetadataEntry: Sendable, Hashable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}
