// A DeviceDerivation as it travels in a task: the steps as JSON in the task's spec, the cloud
// samples and tables it needs as objects after the task's graph and weights. The service
// writes it (`DerivationWire.Writer`); the host rebuilds the data set from its own part
// (`DeviceWorker.derive`) and compares fingerprints. A derivation from the network is untrusted:
// its depth and size are bounded, every object index is checked, and a transform's arguments
// are rebound through the transform's own signature on the host.

import DCLCompiler
import DCLData
import DCLSema
import DCLTensor

indirect enum DerivationWire: Codable, Equatable {
    /// The task's device's own part: "train" or "test".
    case part(String)
    /// A transform by its script name, with its bound arguments.
    case transform(base: DerivationWire, name: String, args: [ArgumentWire])
    case concat([DerivationWire])
    /// Cloud samples: the task's objects at these indices (DatasetWire).
    case cloud(columns: Int, vocabularies: Int)
    /// CoDA's sample-classifier training set (SampleClassifierData), with the candidates and
    /// the item-embedding table (a safetensors object holding `embeddings`) as objects.
    case sampleClassifier(local: DerivationWire, columns: Int, vocabularies: Int, embeddings: Int?, device: Int)

    static let maxDepth = 32
    static let maxNodes = 1024

    /// Checks the shape of a derivation from the network before anything reads it.
    func validate(objects: Int) throws {
        var nodes = 0
        func visit(_ w: DerivationWire, depth: Int) throws {
            nodes += 1
            guard depth <= Self.maxDepth, nodes <= Self.maxNodes else {
                throw DeviceTaskError(code: RuntimeCode.deployment, message: "the task's data derivation is deeper or larger than a script makes", hint: nil)
            }
            func object(_ i: Int) throws {
                guard i >= 0, i < objects else {
                    throw DeviceTaskError(code: RuntimeCode.deployment, message: "the task's data derivation names object \(i) of \(objects)", hint: nil)
                }
            }
            switch w {
            case .part: break
            case .transform(let base, _, let args):
                guard args.count <= 32 else { throw DeviceTaskError(code: RuntimeCode.deployment, message: "a transform in the task has \(args.count) arguments", hint: nil) }
                try visit(base, depth: depth + 1)
            case .concat(let parts):
                guard !parts.isEmpty else { throw DeviceTaskError(code: RuntimeCode.deployment, message: "the task joins no data sets", hint: nil) }
                for p in parts { try visit(p, depth: depth + 1) }
            case .cloud(let c, let v):
                try object(c)
                try object(v)
            case .sampleClassifier(let local, let c, let v, let e, _):
                try object(c)
                try object(v)
                if let e { try object(e) }
                try visit(local, depth: depth + 1)
            }
        }
        try visit(self, depth: 0)
    }

    /// The task objects this derivation reads.
    func objectIndices() throws -> [Int] {
        switch self {
        case .part: return []
        case .transform(let base, _, _): return try base.objectIndices()
        case .concat(let parts): return try parts.flatMap { try $0.objectIndices() }
        case .cloud(let c, let v): return [c, v]
        case .sampleClassifier(let local, let c, let v, let e, _): return [c, v] + (e.map { [$0] } ?? []) + (try local.objectIndices())
        }
    }

    /// Turns a derivation into its wire form, collecting the objects it needs.
    struct Writer {
        /// Objects already in the task before these (its graph and weights).
        let offset: Int
        private(set) var objects: [[UInt8]] = []

        init(offset: Int) { self.offset = offset }

        mutating func write(_ d: DeviceDerivation) throws -> DerivationWire {
            switch d {
            case .part(let l): return .part(l.part.rawValue)
            case .transform(let base, let t, let args):
                return .transform(base: try write(base), name: t.rawValue, args: try args.map { ArgumentWire(name: $0.name, value: try ValueWire($0.value)) })
            case .concat(let parts): return .concat(try parts.map { try write($0) })
            case .cloud(let data):
                let (c, v) = try add(data)
                return .cloud(columns: c, vocabularies: v)
            case .sampleClassifier(let local, let candidates, let embeddings, let device):
                let (c, v) = try add(candidates)
                var e: Int?
                if let embeddings {
                    objects.append(try TaskWire.weights(["embeddings": embeddings]))
                    e = offset + objects.count - 1
                }
                return .sampleClassifier(local: try write(local), columns: c, vocabularies: v, embeddings: e, device: device)
            }
        }

        private mutating func add(_ data: Dataset) throws -> (Int, Int) {
            let (c, v) = try DatasetWire.encode(data)
            objects.append(c)
            objects.append(v)
            return (offset + objects.count - 2, offset + objects.count - 1)
        }
    }
}

struct ArgumentWire: Codable, Equatable {
    var name: String
    var value: ValueWire
}

/// A transform's argument: plain values only (numbers travel as their bit patterns).
indirect enum ValueWire: Codable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case float(String)
    case string(String)
    case option(String)
    case list([ValueWire])

    init(_ v: DCLCompiler.Value) throws {
        switch v {
        case .none: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .float(let x): self = .float(TaskWire.bits(x))
        case .string(let s): self = .string(s)
        case .option(let s): self = .option(s)
        case .list(let xs): self = .list(try xs.map { try ValueWire($0) })
        default:
            throw DeviceTaskError(code: RuntimeCode.deployment, message: "a \(v.kindName) argument of a transform cannot be sent to a device", hint: nil)
        }
    }

    func value(depth: Int = 0) throws -> DCLCompiler.Value {
        guard depth < 8 else { throw DeviceTaskError(code: RuntimeCode.deployment, message: "a transform argument is nested too deeply", hint: nil) }
        switch self {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let s): return .float(try TaskWire.double(s, what: "a transform argument"))
        case .string(let s): return .string(s)
        case .option(let s): return .option(s)
        case .list(let xs):
            guard xs.count <= 1 << 16 else { throw DeviceTaskError(code: RuntimeCode.deployment, message: "a transform argument lists \(xs.count) values", hint: nil) }
            return .list(try xs.map { try $0.value(depth: depth + 1) })
        }
    }
}
