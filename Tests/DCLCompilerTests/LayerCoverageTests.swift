import DCLCompiler
import DCLSema
import Testing

/// Every layer the catalog offers lowers onto the engine, so the checker never accepts a layer
/// the compiler cannot build. A new catalog layer without a case here fails the first test.
@Suite struct LayerCoverageTests {
    /// A model body applying each layer to a plausible input.
    static let bodies: [String: String] = [
        "linear": "input x: [6]\nlinear(4)",
        "plinear": "input x: [8]\nplinear(4, partitions: 2, shuffle: true)",
        "conv2d": "input x: [2, 6, 6]\nconv2d(4, kernel: 3, pad: \"same\", groups: 2)",
        "depthwise": "input x: [3, 6, 6]\ndepthwise(3, stride: 2)",
        "batchnorm": "input x: [3, 4, 4]\nbatchnorm",
        "layernorm": "input x: [5]\nlayernorm",
        "embedding": "input x: i32[]\nembedding(10, 4)",
        "relu": "input x: [5]\nrelu", "leaky_relu": "input x: [5]\nleaky_relu(0.2)", "gelu": "input x: [5]\ngelu",
        "sigmoid": "input x: [5]\nsigmoid", "tanh": "input x: [5]\ntanh", "identity": "input x: [5]\nidentity",
        "softmax": "input x: [5]\nsoftmax", "log_softmax": "input x: [5]\nlog_softmax",
        "dropout": "input x: [5]\ndropout(0.3)",
        "maxpool": "input x: [2, 6, 6]\nmaxpool(2)", "avgpool": "input x: [2, 6, 6]\navgpool(3, stride: 1, pad: 1)",
        "global_avgpool": "input x: [2, 6, 6]\nglobal_avgpool",
        "flatten": "input x: [2, 3, 4]\nflatten",
        "reshape": "input x: [12]\nreshape([-1, 3, 4])",
        "permute": "input x: [3, 4]\npermute([0, 2, 1])",
        "position_embedding": "input x: [3, 4]\nposition_embedding",
        "channel_shuffle": "input x: [4, 2, 2]\nchannel_shuffle(2)",
        "slice": "input x: [10]\nslice(axis: 1, start: 2, end: -2)",
        "sum": "input x: [3, 4]\nsum(axis: 2)", "mean": "input x: [3, 4]\nmean(axis: [1, 2])",
        "max": "input x: [3, 4]\nmax(axis: -1, keepdims: true)", "min": "input x: [3, 4]\nmin(axis: 1)",
    ]

    @Test func everyCatalogLayerHasACase() {
        let layers = Set(Builtins.all.filter { $0.kind == .layer }.map(\.name))
        #expect(layers == Set(Self.bodies.keys), "missing: \(layers.subtracting(Self.bodies.keys)), stale: \(Set(Self.bodies.keys).subtracting(layers))")
    }

    @Test(arguments: LayerCoverageTests.bodies.keys.sorted())
    func layerLowers(_ name: String) throws {
        let r = try runScript("model m {\n\(Self.bodies[name]!)\n}\nprint m.output_shape\n")
        #expect(r.output.count == 1, "\(name)")
        guard case .model(let m) = try r.evaluator.lookup("m", in: r.evaluator.environment(of: r.evaluator.program.main), span: .none) else {
            Issue.record("no model"); return
        }
        // Both modes lower (training adds batch-norm state updates and dropout).
        _ = try m.forward(training: true)
    }
}
