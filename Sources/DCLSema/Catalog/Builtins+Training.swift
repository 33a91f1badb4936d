// Optimisers, schedules, evaluation and model values.

extension Builtins {
    static let trainingFunctions: [BuiltinSpec] = [
        BuiltinSpec(.optimizer(.sgd), [
            ParamSpec("lr", .float, .float(0.01)),
            ParamSpec("momentum", .float, .float(0)),
            ParamSpec("nesterov", .bool, .bool(false)),
            ParamSpec("weight_decay", .float, .float(0)),
            ParamSpec("lazy", .bool, .bool(true), "row-sparse updates of embedding tables (docs/language.md)"),
        ], returns: .fixed(.optimizer), doc: "stochastic gradient descent"),
        BuiltinSpec(.optimizer(.adam), [
            ParamSpec("lr", .float, .float(1e-3)),
            ParamSpec("beta1", .float, .float(0.9)),
            ParamSpec("beta2", .float, .float(0.999)),
            ParamSpec("eps", .float, .float(1e-8)),
            ParamSpec("weight_decay", .float, .float(0), "L2 penalty added to the gradient"),
            ParamSpec("lazy", .bool, .bool(true), "row-sparse updates of embedding tables (docs/language.md)"),
        ], returns: .fixed(.optimizer), doc: "Adam"),
        BuiltinSpec(.optimizer(.adamw), [
            ParamSpec("lr", .float, .float(1e-3)),
            ParamSpec("beta1", .float, .float(0.9)),
            ParamSpec("beta2", .float, .float(0.999)),
            ParamSpec("eps", .float, .float(1e-8)),
            ParamSpec("weight_decay", .float, .float(0.01), "decoupled weight decay"),
            ParamSpec("lazy", .bool, .bool(true), "row-sparse updates of embedding tables (docs/language.md)"),
        ], returns: .fixed(.optimizer), doc: "Adam with decoupled weight decay"),
        BuiltinSpec(.schedule(.constant), returns: .fixed(.schedule), doc: "a fixed learning rate"),
        BuiltinSpec(.schedule(.step), [
            ParamSpec("every", .int, nil, "epochs between decays"),
            ParamSpec("gamma", .float, .float(0.1)),
        ], returns: .fixed(.schedule), doc: "multiplies the rate by gamma every few epochs"),
        BuiltinSpec(.schedule(.cosine), [ParamSpec("min_lr", .float, .float(0))], returns: .fixed(.schedule),
                    doc: "cosine decay to min_lr over the run"),
        BuiltinSpec(.schedule(.warmup), [
            ParamSpec("steps", .int, nil, "optimiser steps of linear warm-up"),
            ParamSpec("then", .schedule, DefaultValue.none, "the schedule after warm-up (constant if none)"),
        ], returns: .fixed(.schedule), doc: "linear warm-up from 0"),
        BuiltinSpec(.model(.history), [ParamSpec("model", .model)], returns: .fixed(.record([:])),
                    doc: "what the last `train`/`distill` of the model did per epoch: `epoch`, `loss`, `lr`, `samples_per_s`, `seconds`; with `validate:` also `val_epoch` and `val_<metric>`; `best_epoch`, `stopped_early`, and `rows` (one record per epoch, for `table`)"),
        BuiltinSpec(.model(.evaluate), [
            ParamSpec("model", .model),
            ParamSpec("on", .any, nil, "a dataset or clients"),
            ParamSpec("k", .int, .int(10), "cut-off for HitRate@k / NDCG@k / top-k"),
            ParamSpec("batch", .int, .int(256)),
            ParamSpec("memory", .int, DefaultValue.none, "plug-ins: client memory size to evaluate with"),
            ParamSpec("min_memory", .int, DefaultValue.none, "plug-ins: cold-start threshold to evaluate with"),
        ], returns: .fixed(.metrics), doc: "loss, accuracy, top-5 (classes) or AUC, log-loss, HitRate@k, NDCG@k (0/1 labels)"),
    ]

    static let modelFunctions: [BuiltinSpec] = [
        BuiltinSpec(.model(.copy), [ParamSpec("model", .model)], returns: .fixed(.model),
                    doc: "a new instance with the same weights"),
        BuiltinSpec(.model(.average), [
            ParamSpec("models", .list(.model)),
            ParamSpec("weights", .list(.float), DefaultValue.none, "defaults to equal weights"),
        ], returns: .fixed(.model), doc: "weight averaging of same-shaped models (FedAvg)"),
        BuiltinSpec(.model(.assign), [ParamSpec("model", .model), ParamSpec("from", .model)],
                    returns: .fixed(.none), doc: "copies weights from another same-shaped model"),
        BuiltinSpec(.model(.summary), [ParamSpec("model", .model), ParamSpec("batch", .int, .int(1))],
                    returns: .fixed(.string), doc: "the per-layer table: output shapes, params, FLOPs, activation bytes"),
        BuiltinSpec(.model(.cost), [ParamSpec("model", .model), ParamSpec("batch", .int, .int(1))],
                    returns: .fixed(.record(["flops": .int, "params": .int, "peak_bytes": .int])),
                    doc: "FLOPs of one inference pass over `batch` samples (a multiply-add counts 2), parameters, peak activation bytes"),
        BuiltinSpec(.model(.reinit), [ParamSpec("model", .model), ParamSpec("seed", .int, DefaultValue.none)],
                    returns: .fixed(.none), doc: "draws fresh initial weights"),
    ]
}
