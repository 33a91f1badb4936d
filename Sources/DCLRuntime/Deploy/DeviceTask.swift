// Device work as it crosses a process boundary. A deployed run (`dcl serve` with device hosts)
// sends the work whose data is one device's — training on `d.train`, evaluating on `d.test`, or
// on data made from them (DeviceDerivation) — to the host holding that device, as a task: a
// small `spec` (JSON: options, seeds, how to make the data, its fingerprint) and large `blobs`
// (graph text, weights as safetensors, cloud samples sent down) that many devices share and the
// transport sends once per host. The reply carries the updated weights and the numbers the
// script prints. Nothing in a reply can carry a sample: a device's data never leaves its host.

import DCLCompiler
import DCLDiagnostics

public enum DeviceTaskKind: String, Sendable, CaseIterable, Codable {
    /// Steps of a compiled training graph over a device's part (TrainingLoop.swift).
    case train
    /// A model's outputs over a device's part and the metrics `evaluate` reports.
    case evaluate
    /// A plug-in's evaluation with the device's own memory (ICIIA, PluginProtocol.swift).
    case evaluatePlugin = "evaluate_plugin"
}

public struct DeviceTask: Sendable, Equatable {
    /// The device's index in its role (`device[3]`).
    public var device: Int
    public var kind: DeviceTaskKind
    public var spec: [UInt8]
    public var blobs: [[UInt8]]
    public init(device: Int, kind: DeviceTaskKind, spec: [UInt8], blobs: [[UInt8]]) {
        self.device = device
        self.kind = kind
        self.spec = spec
        self.blobs = blobs
    }
}

public struct DeviceTaskReply: Sendable, Equatable {
    public var spec: [UInt8]
    public var blobs: [[UInt8]]
    public init(spec: [UInt8], blobs: [[UInt8]]) {
        self.spec = spec
        self.blobs = blobs
    }
}

/// Why a task has no reply.
public enum DeviceTaskFailure: Error, Sendable, Equatable {
    /// The device's host went away or did not answer in time.
    case dropped(reason: String)
    /// The host ran the task and it failed (a shape error, a diverging loss): the message is
    /// the one the in-process run would have shown.
    case failed(DeviceTaskError)
}

/// A run-time error raised on a device host, as it travels back (codes and text; spans are the
/// service's, which knows the statement).
public struct DeviceTaskError: Error, Sendable, Equatable, Codable {
    public var code: String
    public var message: String
    public var hint: String?
    public init(code: String, message: String, hint: String?) {
        self.code = code
        self.message = message
        self.hint = hint
    }
}

/// Runs device tasks where their devices live. One implementation sends them over the network
/// to device hosts (DCLFleet); tests run them on a `DeviceWorker` in the same process through
/// the same bytes.
public protocol DeviceExecutor: AnyObject {
    /// Runs every task, tasks of different devices concurrently where the executor can; the
    /// results come back in the order of `tasks`. `timeout` (seconds): when a task still
    /// unanswered counts as dropped (nil: the executor's own limit).
    func run(_ tasks: [DeviceTask], timeout: Double?) throws -> [Result<DeviceTaskReply, DeviceTaskFailure>]
}

extension DeviceTaskError: CustomStringConvertible {
    /// The error as one line of JSON: how it travels as a transport's failure message.
    public var description: String {
        (try? TaskWire.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? message
    }

    /// An error back from a transport's failure message: the JSON `description` writes, or any
    /// other text as a plain message (a host of another build, a transport's own error).
    public init(transportMessage text: String) {
        if let e = try? TaskWire.decode(DeviceTaskError.self, Array(text.utf8), what: "error") {
            self = e
        } else {
            self.init(code: RuntimeCode.deployment, message: String(text.prefix(2000)), hint: nil)
        }
    }
}
