// Getting results out of a run: figures, predictions and the confusion matrix
// (implemented in DCLRuntime; the figures themselves are drawn by DCLPlot).

extension Builtins {
    /// The kinds `plot` draws, in documentation order.
    public static let plotKinds = ["line", "scatter", "bar", "histogram", "box"]

    static let resultFunctions: [BuiltinSpec] = [
        BuiltinSpec(.output(.plot), [
            ParamSpec("series", .any, nil,
                      "a list of numbers (one series), or a record {name: values} (one series per field, named in the legend); for line and scatter a series may be a record {x: …, y: …}"),
            ParamSpec("to", .string, nil, "the file, `.svg` or `.png`, relative to the working directory"),
            ParamSpec("kind", .option, .string("line"), "", choices: plotKinds),
            ParamSpec("x", .any, DefaultValue.none,
                      "line and scatter: the x values shared by every series (default 1, 2, …); bar: the category labels"),
            ParamSpec("title", .string, .string("")),
            ParamSpec("x_label", .string, .string("")),
            ParamSpec("y_label", .string, .string("")),
            ParamSpec("log_x", .bool, .bool(false), "a log10 x axis (line and scatter)"),
            ParamSpec("log_y", .bool, .bool(false), "a log10 y axis (line, scatter, bar)"),
            ParamSpec("bins", .int, .int(10), "histogram: equal-width bins over all series' range (1 to 1000)"),
            ParamSpec("width", .int, .int(640), "pixels (200 to 4000)"),
            ParamSpec("height", .int, .int(400), "pixels (150 to 4000)"),
        ], returns: .fixed(.none),
           doc: "writes a figure (line, scatter, grouped bar, histogram, or box plot of per-device values) as SVG or PNG, the format chosen by the path's extension; the same inputs give the same bytes"),
        BuiltinSpec(.output(.predict), [
            ParamSpec("model", .model),
            ParamSpec("on", .any, nil, "a dataset, a client (its test part) or clients (each client's test part, in order)"),
            ParamSpec("batch", .int, .int(256)),
        ], returns: .fixed(.list(.any)),
           doc: "per sample: the predicted class (an int) for a classifier, the score (a float) for a model with one output, else the outputs (a list of floats)"),
        BuiltinSpec(.output(.confusionMatrix), [
            ParamSpec("model", .model),
            ParamSpec("on", .any, nil, "a labelled dataset, client or clients (summed over clients' test parts)"),
            ParamSpec("batch", .int, .int(256)),
        ], returns: .fixed(.list(.list(.int))),
           doc: "counts[true class][predicted class] of a classifier on labelled data"),
        BuiltinSpec(.output(.classAccuracy), [
            ParamSpec("model", .model),
            ParamSpec("on", .any, nil, "a labelled dataset, client or clients (pooled over clients' test parts)"),
            ParamSpec("batch", .int, .int(256)),
        ], returns: .fixed(.list(.any)),
           doc: "per class, the fraction of its samples classified correctly (its recall); none for a class with no samples"),
    ]
}
