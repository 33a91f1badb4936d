// The byte forms of device tasks and replies: specs as JSON (sorted keys, so equal work is
// equal bytes), floats as their exact bit patterns (a reply must print the very digits the
// in-process run prints), tensors as safetensors, graphs as graph text. Both sides treat what
// arrives as untrusted: every decode validates versions, sizes, names and counts and fails
// with a message, never a trap.

import DCLCompiler
import DCLData
import DCLGraph
import DCLTensor
import Foundation

/// Format version of specs; a host and a service of different versions refuse each other's
/// work instead of misreading it.
let deviceTaskVersion = 1
/// Specs are small (options and names); anything larger is not a spec.
let maxSpecBytes = 1 << 20

enum TaskWire {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return Array(try e.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String, limit: Int = maxSpecBytes) throws -> T {
        guard bytes.count <= limit else {
            throw DeviceTaskError(code: RuntimeCode.deployment, message: "\(what) is \(bytes.count) bytes, over the \(limit)-byte limit", hint: nil)
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw DeviceTaskError(code: RuntimeCode.deployment, message: "\(what) is not valid: \(error)", hint: nil)
        }
    }

    /// A double as the hex of its bit pattern.
    static func bits(_ x: Double) -> String { String(x.bitPattern, radix: 16) }

    static func double(_ s: String, what: String) throws -> Double {
        guard s.count <= 16, let b = UInt64(s, radix: 16) else {
            throw DeviceTaskError(code: RuntimeCode.deployment, message: "\(what): `\(s.prefix(40))` is not a float's bit pattern", hint: nil)
        }
        return Double(bitPattern: b)
    }

    static func seed(_ s: String, what: String) throws -> UInt64 {
        guard s.count <= 16, let b = UInt64(s, radix: 16) else {
            throw DeviceTaskError(code: RuntimeCode.deployment, message: "\(what): `\(s.prefix(40))` is not a seed", hint: nil)
        }
        return b
    }

    /// Weights as a safetensors file (names sorted, so equal weights are equal bytes and share
    /// one content address).
    static func weights(_ tensors: [String: Tensor]) throws -> [UInt8] {
        let entries = tensors.map { SafeTensorsEntry(name: $0.key, tensor: $0.value) }
        return try SafeTensorsFile(entries: SafeTensorsFile.alignedOrder(entries)).encodedBytes()
    }

    static func weights(_ bytes: [UInt8], what: String) throws -> [String: Tensor] {
        do {
            return try SafeTensorsFile.decode(bytes).tensors()
        } catch {
            throw DeviceTaskError(code: RuntimeCode.deployment, message: "\(what): \(error)", hint: nil)
        }
    }

    static func graph(_ g: Graph) -> [UInt8] { Array(GraphPrinter.print(g).utf8) }

    static func graph(_ bytes: [UInt8], what: String) throws -> Graph {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DeviceTaskError(code: RuntimeCode.deployment, message: "\(what) is not UTF-8 text", hint: nil)
        }
        do {
            let g = try GraphParser.parse(text)
            try Verifier.verify(g)
            return g
        } catch {
            throw DeviceTaskError(code: RuntimeCode.deployment, message: "\(what): \(error)", hint: nil)
        }
    }

    static func part(_ s: String) throws -> ClientPart {
        guard let p = ClientPart(rawValue: s), p != .all else {
            throw DeviceTaskError(code: RuntimeCode.deployment, message: "unknown data part `\(s.prefix(40))` (expected train or test)", hint: nil)
        }
        return p
    }

    static func blobs(_ blobs: [[UInt8]], count: Int, what: String) throws {
        guard blobs.count == count else {
            throw DeviceTaskError(code: RuntimeCode.deployment, message: "\(what) carries \(blobs.count) objects, expected \(count)", hint: nil)
        }
    }
}

/// What a train task asks: blobs [training graph text, weights, the derivation's objects…].
struct TrainTaskSpec: Codable, Equatable {
    var version = deviceTaskVersion
    var role: String
    /// The device's own part ("train" or "test"), or nil when `derivation` says how the host
    /// makes the data (DerivationWire.swift); exactly one of the two.
    var part: String?
    var derivation: DerivationWire?
    /// The service's fingerprint of the data: a host whose data differs refuses the task.
    var fingerprint: String
    var batch: Int
    var epochs: Int
    var shuffle: Bool
    var baseSeed: String
    var totalSteps: Int
    /// The weights to send back (the models' own; optimiser state stays on the host).
    var returning: [String]
    /// An evaluation to run after the epochs on the weights just trained (CoDA's greedy trials:
    /// train, then the local AUC), so the weights need not come up and go down again.
    var then: EvaluateAfterWire?
}

/// What a train task evaluates after training: blobs [inference graph] at `firstObject`, then
/// the evaluation's data objects; the train task's own data objects are those before it.
struct EvaluateAfterWire: Codable, Equatable {
    var firstObject: Int
    /// Inference graph parameter → the training graph's parameter that holds its weights.
    var weights: [String: String]
    /// The evaluation, as an evaluate task would ask it (its graph and weights are the above).
    var evaluation: EvaluateTaskSpec
}

struct EpochWire: Codable, Equatable {
    var lossSum: String
    var batches: Int
    var samples: Int
    var seconds: String
    var stepsAfter: Int
}

/// A train task's reply: blobs [updated weights].
struct TrainReplySpec: Codable, Equatable {
    var version = deviceTaskVersion
    var epochs: [EpochWire]
    var steps: Int
    var samples: Int
    var lastLoss: String
    /// The metrics of the task's `then` evaluation.
    var metrics: [MetricWire]?
}

struct InputWire: Codable, Equatable {
    var name: String
    var shape: [Int]
    var dtype: String
}

/// What an evaluate task asks: blobs [inference graph text, weights, the derivation's objects…].
struct EvaluateTaskSpec: Codable, Equatable {
    var version = deviceTaskVersion
    var role: String
    var part: String?
    var derivation: DerivationWire?
    var fingerprint: String
    var model: String
    var inputs: [InputWire]
    var batch: Int
    var k: Int
    var outputShape: [Int]
}

struct MetricWire: Codable, Equatable {
    var name: String
    var value: String
}

struct EvaluateReplySpec: Codable, Equatable {
    var version = deviceTaskVersion
    var metrics: [MetricWire]
}
