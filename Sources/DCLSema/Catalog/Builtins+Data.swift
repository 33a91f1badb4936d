// Data sources, transforms and client partitioners (implemented in DCLData).

extension Builtins {
    static let dataFunctions: [BuiltinSpec] = [
        // Sources.
        BuiltinSpec(.dataSource(.idx), [
            ParamSpec("images", .string, nil, "IDX image file (.gz or raw), relative to the script"),
            ParamSpec("labels", .string, nil, "IDX label file"),
        ], returns: .fixed(.dataset), doc: "MNIST-format IDX files: x f32[N, 1, H, W] (0..255), y i32[N]"),
        BuiltinSpec(.dataSource(.csv), [
            ParamSpec("path", .string),
            ParamSpec("label", .string, .string("label"), "label column name"),
            ParamSpec("shape", .list(.int), DefaultValue.none, "per-sample feature shape, e.g. [1, 8, 8]"),
        ], returns: .fixed(.dataset), doc: "CSV with a header: features x f32[N, …], labels y i32[N]"),
        BuiltinSpec(.dataSource(.npy), [
            ParamSpec("x", .string, nil, "features .npy"),
            ParamSpec("y", .string, DefaultValue.none, "labels .npy"),
        ], returns: .fixed(.dataset), doc: "NumPy .npy arrays as columns x and y"),
        BuiltinSpec(.dataSource(.movielens), [
            ParamSpec("path", .string, nil, "ratings.csv (userId,movieId,rating,timestamp)"),
            ParamSpec("threshold", .float, .float(4.0), "ratings ≥ threshold are positives"),
            ParamSpec("movies", .string, DefaultValue.none, "movies.csv, for genre features"),
        ], returns: .fixed(.dataset), doc: "MovieLens ratings: user, item i32[N]; y f32[N] (0/1); rating; time"),
        BuiltinSpec(.dataSource(.cifar10), [
            ParamSpec("dir", .string, nil, "folder of the binary version: data_batch_1.bin … data_batch_5.bin, test_batch.bin"),
            ParamSpec("split", .string, .string("train"), "\"train\" (all five batches) or \"test\""),
        ], returns: .fixed(.dataset), doc: "CIFAR-10's binary files: x f32[N, 3, 32, 32] (0..255), y i32[N], 10 named classes"),
        BuiltinSpec(.dataSource(.images), [
            ParamSpec("dir", .string, nil, "one sub-folder of PNG files per class"),
            ParamSpec("size", .list(.int), DefaultValue.none, "[height, width] every image must have (default: the first image's)"),
            ParamSpec("channels", .int, .int(3), "3 (RGB; gray repeated) or 1 (gray; colour converted)"),
        ], returns: .fixed(.dataset), doc: "an image folder: x f32[N, channels, H, W] (0..255), y i32[N] by sorted class folder"),
        BuiltinSpec(.dataSource(.storePool), [
            ParamSpec("name", .string, nil, "the pool's name (`dcl pool list`)"),
            ParamSpec("store", .string, nil, "sqlite:PATH (relative to the script) or postgres://USER@HOST:PORT/DATABASE"),
            ParamSpec("threshold", .float, .float(4.0), "ratings ≥ threshold are positives (a pool with labels keeps its labels)"),
        ], returns: .fixed(.dataset),
           doc: "a sample pool imported with `dcl pool import`: the columns its files give (as `movielens`, genres included)"),
        // Transforms.
        BuiltinSpec(.transform(.scale), [ParamSpec("factor", .float)], returns: .fixed(.dataset),
                    doc: "multiplies the features by a factor"),
        BuiltinSpec(.transform(.normalize), [
            ParamSpec("mean", .any, DefaultValue.none, "number, per-channel list, or none to compute from the data"),
            ParamSpec("std", .any, DefaultValue.none),
        ], returns: .fixed(.dataset), doc: "(x - mean) / std"),
        BuiltinSpec(.transform(.randomCrop), [
            ParamSpec("size", .any, nil, "crop size: n or [height, width]"),
            ParamSpec("padding", .int, .int(0), "zeros added on every side first"),
            ParamSpec("seed", .int, DefaultValue.none),
        ], returns: .fixed(.dataset),
           doc: "a random window of each padded image, drawn afresh every training epoch (the centre window elsewhere)"),
        BuiltinSpec(.transform(.hflip), [
            ParamSpec("p", .float, .float(0.5), "probability of mirroring an image"),
            ParamSpec("seed", .int, DefaultValue.none),
        ], returns: .fixed(.dataset),
           doc: "mirrors images left to right at random, drawn afresh every training epoch (never outside training)"),
        BuiltinSpec(.transform(.shuffle), [ParamSpec("seed", .int, DefaultValue.none)], returns: .fixed(.dataset),
                    doc: "a seeded permutation of the samples"),
        BuiltinSpec(.transform(.take), [
            ParamSpec("n", .float, nil, "a count, or a fraction in (0, 1)"),
            ParamSpec("seed", .int, DefaultValue.none, "shuffle first with this seed (none: keep order)"),
        ], returns: .fixed(.dataset), doc: "the first n samples (or fraction)"),
        BuiltinSpec(.transform(.drop), [
            ParamSpec("n", .float, nil, "a count, or a fraction in (0, 1)"),
            ParamSpec("seed", .int, DefaultValue.none, "shuffle first with this seed (none: keep order)"),
        ], returns: .fixed(.dataset), doc: "all but the first n samples (the complement of take with the same arguments)"),
        BuiltinSpec(.transform(.holdout), [
            ParamSpec("test", .float, .float(0.2), "test fraction"),
            ParamSpec("seed", .int, DefaultValue.none),
            ParamSpec("stratify", .bool, .bool(false)),
        ], returns: .fixed(.record(["train": .dataset, "test": .dataset])), doc: "a seeded train/test split"),
        BuiltinSpec(.transform(.timeSplit), [
            ParamSpec("test", .float, .float(0.2), "fraction of each user's latest samples in the test part"),
        ], returns: .fixed(.record(["train": .dataset, "test": .dataset])),
           doc: "splits each user's (group's) samples by time: earliest to train, latest to test"),
        BuiltinSpec(.transform(.withNegatives), [
            ParamSpec("n", .int, .int(50), "sampled items per user"),
            ParamSpec("seed", .int, DefaultValue.none),
        ], returns: .fixed(.dataset),
           doc: "adds, for each user, n items the user has no sample of, as negatives (label 0) — the usual ranking evaluation"),
        BuiltinSpec(.transform(.oneHot), [ParamSpec("classes", .int, DefaultValue.none)], returns: .fixed(.dataset),
                    doc: "labels as one-hot float rows"),
        BuiltinSpec(.transform(.select), [ParamSpec("columns", .list(.string))], returns: .fixed(.dataset),
                    doc: "keeps only these columns"),
        BuiltinSpec(.transform(.filterLabels), [ParamSpec("labels", .list(.int))], returns: .fixed(.dataset),
                    doc: "keeps samples whose label is listed"),
        BuiltinSpec(.transform(.partition), [
            ParamSpec("strategy", .partitioner),
            ParamSpec("clients", .int, DefaultValue.none, "number of clients (defaults to the role's count)"),
            ParamSpec("test", .float, .float(0.2), "per-client test fraction"),
            ParamSpec("seed", .int, DefaultValue.none),
            ParamSpec("distinct", .int, DefaultValue.none,
                      "clients the strategy forms; client c holds formed client c mod distinct's samples (fleets larger than the data)"),
        ], returns: .fixed(.clients), doc: "splits a dataset into simulated clients, each with train and test"),
        // Partitioners.
        BuiltinSpec(.partitioner(.iid), returns: .fixed(.partitioner), doc: "uniformly random, equal-sized clients"),
        BuiltinSpec(.partitioner(.labelSubset), [ParamSpec("k", .int, nil, "classes per client")],
                    returns: .fixed(.partitioner), doc: "each client sees k classes (label skew)"),
        BuiltinSpec(.partitioner(.dirichlet), [ParamSpec("alpha", .float)], returns: .fixed(.partitioner),
                    doc: "per-client label proportions drawn from Dirichlet(alpha)"),
        BuiltinSpec(.partitioner(.classGroups), [
            ParamSpec("groups", .int, nil, "classes are split into this many groups"),
            ParamSpec("r", .float, nil, "fraction of a client's samples drawn from its group"),
            ParamSpec("size", .int, DefaultValue.none, "samples per client"),
        ], returns: .fixed(.partitioner), doc: "ICIIA's grouped clients with heterogeneity r"),
        BuiltinSpec(.partitioner(.byUser), returns: .fixed(.partitioner),
                    doc: "one client per user, time-ordered train/test split (recommendation)"),
    ]
}
