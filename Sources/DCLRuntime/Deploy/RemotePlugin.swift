// ICIIA's evaluation in a deployed run: each device streams its own test images through the
// plug-in with a memory of its own history (PluginClientRun), on its host. The task carries
// three graphs — the backbone's feature section, the whole backbone (the cold-start answer)
// and the plug-in — with their weights; the images and the memory never leave the host.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLTensor

/// What a plug-in evaluation asks: blobs [feature graph, feature weights, backbone graph,
/// backbone weights, plug-in graph, plug-in weights].
struct PluginTaskSpec: Codable, Equatable {
    var version = deviceTaskVersion
    var role: String
    /// The part streamed through the plug-in; the memory starts from the `train` part.
    var part: String
    var historyFingerprint: String
    var testFingerprint: String
    var capacity: Int
    var threshold: Int
    var featureWidth: Int
    var classes: Int
    var backbone: String
    var backboneInputs: [InputWire]
    var featureShape: [Int]
}

struct RemotePlugin {
    let devices: DeviceExecutor
    let session: Session
    let span: SourceSpan

    /// Evaluates `p` for every (device, test part) in one round; metrics in order.
    func evaluate(_ p: PluginValue, clients: [(location: DeviceDataLocation, data: ClientData, origin: String)], part: ClientPart,
                  capacity: Int, threshold: Int, tolerance: RoundTolerance?) throws -> [MetricsValue?] {
        let view = try p.backbone.view(p.attachPoint, span: span)
        let (viewGraph, viewWeights) = try RemoteWork.inferenceBlobs(view, session: session, span: span)
        let (backboneGraph, backboneWeights) = try RemoteWork.inferenceBlobs(p.backbone, session: session, span: span)
        let (pluginGraph, pluginWeights) = try RemoteWork.inferenceBlobs(p.module, session: session, span: span)
        let blobs = [viewGraph, viewWeights, backboneGraph, backboneWeights, pluginGraph, pluginWeights]
        let tasks = try clients.map { c in
            let test = part == .train ? c.data.train : c.data.test
            let spec = PluginTaskSpec(role: c.location.role, part: part.rawValue, historyFingerprint: try session.fingerprints.of(c.data.train, role: c.location.role, device: c.location.device, part: .train),
                                      testFingerprint: try session.fingerprints.of(test, role: c.location.role, device: c.location.device, part: part), capacity: capacity, threshold: threshold,
                                      featureWidth: p.module.inputs[0].shape.reduce(1, *), classes: p.backbone.outputShape.reduce(1, *),
                                      backbone: p.backbone.name,
                                      backboneInputs: p.backbone.inputs.map { InputWire(name: $0.name, shape: $0.shape, dtype: $0.dtype.rawValue) },
                                      featureShape: p.module.inputs[0].shape)
            return DeviceTask(device: c.location.device, kind: .evaluatePlugin, spec: try TaskWire.encode(spec), blobs: blobs)
        }
        let replies = try RemoteWork.run(tasks, on: devices, origins: clients.map(\.origin), tolerance: tolerance, span: span)
        return try zip(replies, clients).map { reply, c in
            try reply.map { try RemoteWork.metrics($0, device: c.location.device, origin: c.origin, span: span) }
        }
    }
}
