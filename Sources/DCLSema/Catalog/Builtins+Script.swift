// Functions on scalars, strings, lists and records — the scripting layer's vocabulary.

extension Builtins {
    static let scriptFunctions: [BuiltinSpec] = [
        BuiltinSpec(.script(.len), [ParamSpec("value", .any)], returns: .fixed(.int),
                    doc: "number of elements of a list, string, record, range, dataset or clients"),
        BuiltinSpec(.script(.str), [ParamSpec("value", .any)], returns: .fixed(.string), doc: "a value as text"),
        BuiltinSpec(.script(.int), [ParamSpec("value", .any)], returns: .fixed(.int),
                    doc: "a number truncated toward zero, or a string parsed as an integer"),
        BuiltinSpec(.script(.float), [ParamSpec("value", .any)], returns: .fixed(.float), doc: "a number as a float"),
        BuiltinSpec(.script(.round), [ParamSpec("x", .float), ParamSpec("digits", .int, .int(0))],
                    returns: .fixed(.float), doc: "rounds half away from zero to some decimal digits (-308 to 308)"),
        BuiltinSpec(.script(.floor), [ParamSpec("x", .float)], returns: .fixed(.int), doc: "largest integer ≤ x"),
        BuiltinSpec(.script(.ceil), [ParamSpec("x", .float)], returns: .fixed(.int), doc: "smallest integer ≥ x"),
        BuiltinSpec(.script(.div), [ParamSpec("a", .int), ParamSpec("b", .int)], returns: .fixed(.int),
                    doc: "integer division rounding toward negative infinity"),
        BuiltinSpec(.script(.std), [ParamSpec("values", .list(.float))], returns: .fixed(.float),
                    doc: "population standard deviation of a list of numbers"),
        BuiltinSpec(.script(.sort), [ParamSpec("values", .list(.any)), ParamSpec("descending", .bool, .bool(false))],
                    returns: .sameAsFirst, doc: "a sorted copy of a list of numbers or strings"),
        BuiltinSpec(.script(.reverse), [ParamSpec("values", .list(.any))], returns: .sameAsFirst, doc: "a reversed copy"),
        BuiltinSpec(.script(.zip), [ParamSpec("a", .list(.any)), ParamSpec("b", .list(.any))],
                    returns: .fixed(.list(.list(.any))), doc: "pairs [a[i], b[i]] up to the shorter length"),
        BuiltinSpec(.script(.keys), [ParamSpec("value", .record([:]))], returns: .fixed(.list(.string)),
                    doc: "the field names of a record, in order"),
        BuiltinSpec(.script(.join), [ParamSpec("values", .list(.any)), ParamSpec("separator", .string, .string(", "))],
                    returns: .fixed(.string), doc: "values as text joined by a separator"),
        BuiltinSpec(.script(.table), [
            ParamSpec("rows", .list(.any), nil, "records (one per row) or lists"),
            ParamSpec("columns", .list(.string), DefaultValue.none, "column order / headers"),
            ParamSpec("title", .string, DefaultValue.none),
            ParamSpec("digits", .int, .int(4), "decimal digits for floats"),
        ], returns: .fixed(.string), doc: "a fixed-width text table (stable format, for examples and logs)"),
        BuiltinSpec(.script(.assert), [ParamSpec("condition", .bool), ParamSpec("message", .string, .string("assertion failed"))],
                    returns: .fixed(.none), doc: "stops the run with an error if the condition is false"),
        BuiltinSpec(.script(.clock), returns: .fixed(.float), doc: "seconds since the run started (wall clock)"),
        BuiltinSpec(.script(.seed), returns: .fixed(.int), doc: "the run's seed (`dcl run --seed`)"),
    ]
}
