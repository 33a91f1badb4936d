// Constructors of the three patterns' values (DC-CCL splits, ICIIA plug-ins, CoDA retrieval).

extension Builtins {
    static let patternFunctions: [BuiltinSpec] = [
        BuiltinSpec(.pattern(.vertical), [
            ParamSpec("model", .model, DefaultValue.none, "one backbone to split by width"),
            ParamSpec("cloud", .model, DefaultValue.none, "heterogeneous form: the cloud submodel"),
            ParamSpec("device", .model, DefaultValue.none, "heterogeneous form: the device co-submodel"),
            ParamSpec("device_width", .float, .float(0.125), "width form: the device's share of every layer"),
            ParamSpec("fuse", .option, .string("sum"), "how the two outputs combine", choices: ["sum", "mean"]),
            ParamSpec("shared_stem", .bool, .bool(false), "width form: the stem section is shared at full width"),
        ], returns: .fixed(.split), doc: "DC-CCL vertical split: cloud and device submodels side by side, outputs fused"),
        BuiltinSpec(.pattern(.attach), [
            ParamSpec("backbone", .model, nil, "frozen; its features feed the plug-in"),
            ParamSpec("module", .layer, nil, "the plug-in head, applied to the backbone's features"),
            ParamSpec("at", .option, .string("features"), "the section whose output the plug-in reads", choices: ["features", "stem"]),
            ParamSpec("memory", .int, .int(16), "per-client FIFO memory of recent features"),
            ParamSpec("min_memory", .int, .int(1), "below this many stored images, the backbone's head answers"),
        ], returns: .fixed(.plugin), doc: "a plug-in head over a frozen backbone, with inter-image client memory"),
        BuiltinSpec(.pattern(.knn), [
            ParamSpec("model", .model, nil, "the cloud model whose embedding of `input` is used"),
            ParamSpec("input", .string, .string("user"), "the id input whose embedding table is searched"),
            ParamSpec("metric", .option, .string("cosine"), "similarity of embeddings", choices: ["cosine", "dot"]),
            ParamSpec("users", .int, .int(50), "matched users per device"),
        ], returns: .fixed(.strategy), doc: "coarse matching by embedding similarity (cloud side)"),
        BuiltinSpec(.pattern(.overlap), [ParamSpec("users", .int, .int(50))], returns: .fixed(.strategy),
                    doc: "coarse matching by item-set overlap"),
        BuiltinSpec(.pattern(.randomUsers), [ParamSpec("users", .int, .int(50)), ParamSpec("seed", .int, DefaultValue.none)],
                    returns: .fixed(.strategy), doc: "coarse matching at random (a baseline)"),
        BuiltinSpec(.pattern(.classifier), [
            ParamSpec("hidden", .list(.int), .intList([]), "hidden widths; [] is logistic regression"),
            ParamSpec("threshold", .float, .float(0.5), "keep candidates with P(local) > threshold"),
            ParamSpec("epochs", .int, .int(20)),
            ParamSpec("lr", .float, .float(0.05)),
        ], returns: .fixed(.strategy), doc: "fine filter: a per-device sample classifier, local vs outside"),
        BuiltinSpec(.pattern(.greedy), [
            ParamSpec("metric", .option, .string("auc"), "what a candidate must raise", choices: ["auc", "logloss"]),
            ParamSpec("epochs", .int, .int(1), "epochs of trial training per candidate user"),
            ParamSpec("model", .model, DefaultValue.none, "the model trial-trained per candidate (default: the `knn` model)"),
        ], returns: .fixed(.strategy), doc: "fine filter: keep a matched user only if it raises local AUC"),
    ]
}
