"""Sample lines and the exact highlighting each grammar must give them.

Each entry: a line, then (needle, occurrence, TextMate innermost scope, Pygments token type name).
`occurrence` picks the n-th (0-based) appearance of the needle in the line; every character of
that appearance must carry the scope and token type given.
"""

KW_DECL = "storage.type.declaration.dcl"
CONTEXTUAL = "keyword.other.contextual.dcl"

SAMPLES = [
    ("model lenet(classes: int = 10, channels: list[int] = [1]) {", [
        ("model", 0, KW_DECL, "Keyword.Declaration"),
        ("lenet", 0, "entity.name.type.model.dcl", "Name.Class"),
        ("classes", 0, "variable.parameter.dcl", "Name.Variable"),
        ("int", 0, "support.type.dcl", "Keyword.Type"),
        ("10", 0, "constant.numeric.integer.dcl", "Literal.Number.Integer"),
        ("list", 0, "support.type.dcl", "Keyword.Type"),
        ("int", 1, "support.type.dcl", "Keyword.Type"),
    ]),
    ("  input x: [1, 28, 28]", [
        ("input", 0, CONTEXTUAL, "Keyword.Pseudo"),
        ("x", 0, "variable.other.definition.dcl", "Name.Variable"),
        ("28", 1, "constant.numeric.integer.dcl", "Literal.Number.Integer"),
    ]),
    ("  input user: i32[]", [("i32", 0, "support.type.dcl", "Keyword.Type")]),
    ("  features {", [("features", 0, CONTEXTUAL, "Keyword.Pseudo")]),
    ("  stem {", [("stem", 0, CONTEXTUAL, "Keyword.Pseudo")]),
    ("let head = features", [
        ("head", 0, "variable.other.definition.dcl", "Name.Variable"),
        ("features", 0, "variable.other.dcl", "Name"),
    ]),
    ("block residual(c: int, stride: int = 1)(x) {", [
        ("block", 0, KW_DECL, "Keyword.Declaration"),
        ("residual", 0, "entity.name.type.block.dcl", "Name.Class"),
        ("stride", 0, "variable.parameter.dcl", "Name.Variable"),
        ("x", 0, "variable.parameter.dcl", "Name.Variable"),
    ]),
    ("fn f(co: model, n) -> list[plugin] {", [
        ("fn", 0, KW_DECL, "Keyword.Declaration"),
        ("f", 1, "entity.name.function.dcl", "Name.Function"),
        ("co", 0, "variable.parameter.dcl", "Name.Variable"),
        ("model", 0, "support.type.dcl", "Keyword.Type"),
        ("n", 1, "variable.parameter.dcl", "Name.Variable"),
        ("->", 0, "punctuation.separator.arrow.dcl", "Punctuation"),
        ("plugin", 0, "support.type.dcl", "Keyword.Type"),
    ]),
    ("budget { params: 100k, flops: 2.5M, memory: 512KiB }", [
        ("budget", 0, "variable.other.dcl", "Name"),
        ("params", 0, "variable.other.property.dcl", "Name.Property"),
        ("100", 0, "constant.numeric.size.dcl", "Literal.Number"),
        ("k", 0, "keyword.other.unit.dcl", "Literal.Number.Unit"),
        ("2.5", 0, "constant.numeric.size.dcl", "Literal.Number"),
        ("M", 0, "keyword.other.unit.dcl", "Literal.Number.Unit"),
        ("KiB", 0, "keyword.other.unit.dcl", "Literal.Number.Unit"),
    ]),
    ("let lr: float = 2e-3 + 0.5 - 1_000 * 1.5E+2", [
        ("let", 0, KW_DECL, "Keyword.Declaration"),
        ("lr", 0, "variable.other.definition.dcl", "Name.Variable"),
        ("float", 0, "support.type.dcl", "Keyword.Type"),
        ("2e-3", 0, "constant.numeric.float.dcl", "Literal.Number.Float"),
        ("0.5", 0, "constant.numeric.float.dcl", "Literal.Number.Float"),
        ("1_000", 0, "constant.numeric.integer.dcl", "Literal.Number.Integer"),
        ("1.5E+2", 0, "constant.numeric.float.dcl", "Literal.Number.Float"),
        ("-", 1, "keyword.operator.arithmetic.dcl", "Operator"),
    ]),
    ('print "acc {r.acc:.2%} \\"ok\\"\\n\\u{1F600} {f(x: 1)}"', [
        ("print", 0, "keyword.other.dcl", "Keyword"),
        ("acc ", 0, "string.quoted.double.dcl", "Literal.String.Double"),
        ("{", 0, "punctuation.section.interpolation.begin.dcl", "Literal.String.Interpol"),
        ("r", 1, "variable.other.dcl", "Name"),
        ("acc", 1, "variable.other.member.dcl", "Name.Property"),
        (":.2%", 0, "constant.other.format-spec.dcl", "Literal.String.Interpol"),
        ("}", 0, "punctuation.section.interpolation.end.dcl", "Literal.String.Interpol"),
        ('\\"', 0, "constant.character.escape.dcl", "Literal.String.Escape"),
        ("\\n", 0, "constant.character.escape.dcl", "Literal.String.Escape"),
        ("\\u{1F600}", 0, "constant.character.escape.dcl", "Literal.String.Escape"),
        ("x", 0, "variable.parameter.dcl", "Name.Attribute"),
    ]),
    ("train net on mnist.train minimizing loss(x) { epochs: 4, optimizer: adam(lr: 2e-3) }", [
        ("train", 0, "keyword.other.dcl", "Keyword"),
        ("on", 0, CONTEXTUAL, "Keyword.Pseudo"),
        ("train", 1, "variable.other.member.dcl", "Name.Property"),
        ("minimizing", 0, CONTEXTUAL, "Keyword.Pseudo"),
        ("loss", 0, "entity.name.function.dcl", "Name.Function"),
        ("epochs", 0, "variable.other.property.dcl", "Name.Property"),
        ("adam", 0, "support.function.builtin.dcl", "Name.Builtin"),
        ("lr", 0, "variable.parameter.dcl", "Name.Attribute"),
    ]),
    ("let r = evaluate(net, on: mnist.test, model: m)", [
        ("evaluate", 0, "support.function.builtin.dcl", "Name.Builtin"),
        ("on", 0, "variable.parameter.dcl", "Name.Attribute"),
        ("model", 0, "variable.parameter.dcl", "Name.Attribute"),
    ]),
    ('save net to "w.safetensors"', [
        ("save", 0, "keyword.other.dcl", "Keyword"),
        ("to", 0, CONTEXTUAL, "Keyword.Pseudo"),
        ("w.safetensors", 0, "string.quoted.double.dcl", "Literal.String.Double"),
    ]),
    ('load net from "w.safetensors"', [("from", 0, CONTEXTUAL, "Keyword.Pseudo")]),
    ("let to = from + on // from here on, a comment", [
        ("to", 0, "variable.other.definition.dcl", "Name.Variable"),
        ("from", 0, "variable.other.dcl", "Name"),
        ("on", 0, "variable.other.dcl", "Name"),
        ("from here on, a comment", 0, "comment.line.double-slash.dcl", "Comment.Single"),
    ]),
    ("/* outer /* inner */ still a comment */ x", [
        ("still a comment", 0, "comment.block.dcl", "Comment.Multiline"),
        ("x", 0, "variable.other.dcl", "Name"),
    ]),
    ("role device[devices] { data: mnist.train }", [
        ("role", 0, KW_DECL, "Keyword.Declaration"),
        ("device", 0, "entity.name.type.role.dcl", "Name.Class"),
        ("data", 0, "variable.other.property.dcl", "Name.Property"),
        ("train", 0, "variable.other.member.dcl", "Name.Property"),
    ]),
    ("bundle phone for device {", [
        ("bundle", 0, KW_DECL, "Keyword.Declaration"),
        ("phone", 0, "entity.name.type.bundle.dcl", "Name.Class"),
        ("for", 0, "keyword.control.dcl", "Keyword"),
    ]),
    ("import std.data as d", [
        ("import", 0, "keyword.control.import.dcl", "Keyword.Namespace"),
        ("data", 0, "entity.name.namespace.dcl", "Name.Namespace"),
        ("as", 0, "keyword.control.import.dcl", "Keyword.Namespace"),
    ]),
    ("for r in 0..rounds { x += [r ** 2]; break }", [
        ("for", 0, "keyword.control.dcl", "Keyword"),
        ("in", 0, "keyword.control.dcl", "Keyword"),
        ("..", 0, "keyword.operator.range.dcl", "Operator"),
        ("+=", 0, "keyword.operator.assignment.compound.dcl", "Operator"),
        ("**", 0, "keyword.operator.arithmetic.dcl", "Operator"),
        ("break", 0, "keyword.control.dcl", "Keyword"),
    ]),
    ("x = a |> relu and not b == none or true", [
        ("|>", 0, "keyword.operator.pipe.dcl", "Operator"),
        ("relu", 0, "support.function.builtin.dcl", "Name.Builtin"),
        ("and", 0, "keyword.operator.logical.dcl", "Operator.Word"),
        ("not", 0, "keyword.operator.logical.dcl", "Operator.Word"),
        ("==", 0, "keyword.operator.comparison.dcl", "Operator"),
        ("none", 0, "constant.language.dcl", "Keyword.Constant"),
        ("true", 0, "constant.language.dcl", "Keyword.Constant"),
    ]),
    ("distill control = base.cloud -> lenet(10) { loss: mse }", [
        ("distill", 0, KW_DECL, "Keyword.Declaration"),
        ("control", 0, "variable.other.definition.dcl", "Name.Variable"),
        ("->", 0, "punctuation.separator.arrow.dcl", "Punctuation"),
        ("lenet", 0, "entity.name.function.dcl", "Name.Function"),
        ("loss", 0, "variable.other.property.dcl", "Name.Property"),
        ("mse", 0, "support.function.builtin.dcl", "Name.Builtin"),
    ]),
    ("distill control on cloud.data { epochs: 3 }", [
        ("distill", 0, "keyword.other.dcl", "Keyword"),
        ("on", 1, CONTEXTUAL, "Keyword.Pseudo"),
        ("data", 0, "variable.other.member.dcl", "Name.Property"),
    ]),
    ("param devices: int = 100", [
        ("param", 0, KW_DECL, "Keyword.Declaration"),
        ("devices", 0, "variable.other.definition.dcl", "Name.Variable"),
        ("int", 0, "support.type.dcl", "Keyword.Type"),
    ]),
    ("let kept = coda.filter(d, x) ++ y", [
        ("filter", 0, "entity.name.function.member.dcl", "Name.Function"),
        ("++", 0, "keyword.operator.arithmetic.dcl", "Operator"),
    ]),
    ("if x != 1 { return -x } else { continue }", [
        ("if", 0, "keyword.control.dcl", "Keyword"),
        ("return", 0, "keyword.control.dcl", "Keyword"),
        ("else", 0, "keyword.control.dcl", "Keyword"),
        ("continue", 0, "keyword.control.dcl", "Keyword"),
    ]),
]
