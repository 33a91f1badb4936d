// The abstract syntax tree of a `.dcl` file — every node in one place.
//
// Each node carries its source span and a `NodeID` unique within its `Program`; later stages
// keep their facts (resolved names, types, placements) in side tables keyed by `NodeID`, so the
// tree itself stays immutable and cheap to compare. Grammar rules (Grammar/dcl.ebnf) are quoted
// at the parser functions that build these nodes.

import DCLDiagnostics

/// Identity of a node within one parsed program.
public struct NodeID: Hashable, Sendable, Comparable {
    public let raw: Int32
    public init(_ raw: Int32) { self.raw = raw }
    public static func < (a: NodeID, b: NodeID) -> Bool { a.raw < b.raw }
}

/// A name as written, with where it was written.
public struct Identifier: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var span: SourceSpan
    public init(_ name: String, span: SourceSpan) { self.name = name; self.span = span }
    public var description: String { name }
}

// MARK: - Program and comments

/// One parsed file.
public struct Program: Sendable {
    public var file: FileID
    public var items: [Stmt]
    /// Every comment in the file, in order (the formatter re-attaches them by position).
    public var comments: [Comment]
    public init(file: FileID, items: [Stmt], comments: [Comment]) {
        self.file = file
        self.items = items
        self.comments = comments
    }
}

public struct Comment: Hashable, Sendable {
    public enum Style: Hashable, Sendable { case line, block }
    public var style: Style
    /// The full text including `//` or `/* */`.
    public var text: String
    public var span: SourceSpan
    public init(style: Style, text: String, span: SourceSpan) {
        self.style = style
        self.text = text
        self.span = span
    }
}

// MARK: - Types written in source

/// `int`, `list[float]`, `model` … (parameter and let annotations).
public struct TypeExpr: Hashable, Sendable {
    public var name: Identifier
    public var arguments: [TypeExpr]
    public var span: SourceSpan
    public init(name: Identifier, arguments: [TypeExpr] = [], span: SourceSpan) {
        self.name = name
        self.arguments = arguments
        self.span = span
    }
}

/// `f32[1, 28, 28]`, `i32[]`, `[784]` — a per-sample tensor type (the batch dimension is implicit).
public struct TensorTypeExpr: Sendable {
    /// Element type name if written (`f32`, `i32`); nil means `f32`.
    public var dtype: Identifier?
    public var dims: [Expr]
    public var span: SourceSpan
    public init(dtype: Identifier?, dims: [Expr], span: SourceSpan) {
        self.dtype = dtype
        self.dims = dims
        self.span = span
    }
}

/// A parameter of a function, model or block: `classes: int = 10`.
public struct Param: Sendable {
    public var name: Identifier
    public var type: TypeExpr?
    public var defaultValue: Expr?
    public var span: SourceSpan
    public init(name: Identifier, type: TypeExpr?, defaultValue: Expr?, span: SourceSpan) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.span = span
    }
}

// MARK: - Expressions

public struct Expr: Sendable {
    public var id: NodeID
    public var span: SourceSpan
    public var kind: ExprKind
    public init(id: NodeID, span: SourceSpan, kind: ExprKind) {
        self.id = id
        self.span = span
        self.kind = kind
    }
}

/// The unit family of a size literal: `100k` is a count, `1MiB` is a number of bytes, `30s` a
/// duration (in seconds).
public enum SizeUnitKind: String, Hashable, Sendable { case count, bytes, duration }

public struct SizeLiteral: Hashable, Sendable {
    /// The value after scaling (`1.5M` → 1_500_000; `1MiB` → 1_048_576; `250ms` → 0.25).
    public var value: Double
    public var kind: SizeUnitKind
    /// The suffix as written (`k`, `MiB` …), kept for the formatter.
    public var suffix: String
    /// The number as written before the suffix (`1.5`), kept for the formatter.
    public var mantissa: String
    public init(value: Double, kind: SizeUnitKind, suffix: String, mantissa: String) {
        self.value = value
        self.kind = kind
        self.suffix = suffix
        self.mantissa = mantissa
    }
}

/// A piece of a string literal: literal text or an interpolated `{expr:format}`.
public enum StringPart: Sendable {
    case text(String)
    case interpolation(Expr, format: String?)
}

/// A call argument, positional or named (`kernel: 5`).
public struct Argument: Sendable {
    public var label: Identifier?
    public var value: Expr
    public init(label: Identifier?, value: Expr) { self.label = label; self.value = value }
    public var span: SourceSpan { label.map { $0.span.to(value.span) } ?? value.span }
}

public struct RecordField: Sendable {
    public var name: Identifier
    public var value: Expr
    public init(name: Identifier, value: Expr) { self.name = name; self.value = value }
}

public enum UnaryOp: String, Hashable, Sendable { case negate = "-", plus = "+", not = "not" }

public enum BinaryOp: String, Hashable, Sendable, CaseIterable {
    case pipe = "|>"
    case or = "or", and = "and"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case range = "..", rangeInclusive = "..="
    case add = "+", subtract = "-", concat = "++"
    case multiply = "*", divide = "/", remainder = "%"
    case power = "**"
}

public indirect enum ExprKind: Sendable {
    case int(Int64)
    case float(Double, text: String)
    case size(SizeLiteral)
    case string([StringPart])
    case bool(Bool)
    case none
    case name(Identifier)
    case list([Expr])
    /// `[e for x in xs if cond]`
    case comprehension(element: Expr, variable: Identifier, sequence: Expr, condition: Expr?)
    case record([RecordField])
    case call(callee: Expr, arguments: [Argument])
    case member(base: Expr, name: Identifier)
    case index(base: Expr, index: Expr)
    case unary(UnaryOp, Expr)
    case binary(BinaryOp, Expr, Expr)
    /// `if c { a } else { b }` as a value.
    case ifElse(condition: Expr, then: Expr, else: Expr)
    /// `(e)` — kept so the formatter reproduces the user's grouping.
    case paren(Expr)
    /// Stands in for an expression that failed to parse (a diagnostic was emitted).
    case error
}

// MARK: - Statements

public struct Block: Sendable {
    public var statements: [Stmt]
    public var span: SourceSpan
    public init(statements: [Stmt], span: SourceSpan) { self.statements = statements; self.span = span }
}

public enum AssignOp: String, Hashable, Sendable { case assign = "=", add = "+=", subtract = "-=", multiply = "*=", divide = "/=" }

/// `train a, b on data minimizing objective { options }`
public struct TrainStmt: Sendable {
    public var targets: [Expr]
    public var data: Expr
    public var objective: Expr?
    public var options: Expr?
    public init(targets: [Expr], data: Expr, objective: Expr?, options: Expr?) {
        self.targets = targets
        self.data = data
        self.objective = objective
        self.options = options
    }
}

public struct IfBranch: Sendable {
    public var condition: Expr
    public var body: Block
    public init(condition: Expr, body: Block) { self.condition = condition; self.body = body }
}

/// The named sections of a model body that patterns refer to.
public enum SectionKind: String, Hashable, Sendable, CaseIterable { case stem, features, head }

public struct Stmt: Sendable {
    public var id: NodeID
    public var span: SourceSpan
    public var kind: StmtKind
    public init(id: NodeID, span: SourceSpan, kind: StmtKind) {
        self.id = id
        self.span = span
        self.kind = kind
    }
}

public indirect enum StmtKind: Sendable {
    case importDecl(ImportDecl)
    case decl(Decl)
    /// `let x = e` / `var x = e`
    case binding(name: Identifier, type: TypeExpr?, value: Expr, mutable: Bool)
    /// `target = e`, `target += e` … (in model bodies, `h = e` binds a tensor)
    case assign(target: Expr, op: AssignOp, value: Expr)
    case ifStmt(branches: [IfBranch], elseBody: Block?)
    case forStmt(variables: [Identifier], sequence: Expr, body: Block)
    case whileStmt(condition: Expr, body: Block)
    case returnStmt(Expr?)
    case breakStmt
    case continueStmt
    case printStmt([Expr])
    case train(TrainStmt)
    /// `distill control on data { options }`
    case distillRun(name: Expr, data: Expr, options: Expr?)
    /// `save model to "path"`
    case save(subject: Expr, path: Expr)
    /// `load model from "path"`
    case load(subject: Expr, path: Expr)
    /// Model bodies: `input x: [1, 28, 28]`
    case input(name: Identifier, type: TensorTypeExpr)
    /// Model bodies: `features { … }`
    case section(SectionKind, Block, keywordSpan: SourceSpan)
    case expr(Expr)
    /// Stands in for a statement that failed to parse.
    case error
}

// MARK: - Declarations

public struct ImportDecl: Sendable {
    public enum Target: Sendable {
        /// `import std.vision`
        case module([Identifier])
        /// `import "lib/blocks.dcl"`
        case file(String, span: SourceSpan)
    }
    public var target: Target
    public var alias: Identifier?
    public init(target: Target, alias: Identifier?) { self.target = target; self.alias = alias }
}

/// A `name: value` or `name { fields }` entry of a role, retrieval or bundle body.
public struct Field: Sendable {
    public enum Value: Sendable {
        case expr(Expr)
        case nested([Field])
    }
    public var name: Identifier
    public var value: Value
    public var span: SourceSpan
    public init(name: Identifier, value: Value, span: SourceSpan) {
        self.name = name
        self.value = value
        self.span = span
    }
}

public struct FunctionDecl: Sendable {
    public var name: Identifier
    public var params: [Param]
    public var returnType: TypeExpr?
    public var body: Block
    public init(name: Identifier, params: [Param], returnType: TypeExpr?, body: Block) {
        self.name = name
        self.params = params
        self.returnType = returnType
        self.body = body
    }
}

/// `model lenet(classes: int = 10) { input x: [1, 28, 28]  features { … }  head { … } }`
public struct ModelDecl: Sendable {
    public var name: Identifier
    /// nil when written without parentheses (`model tiny { … }`).
    public var params: [Param]?
    public var body: Block
    public init(name: Identifier, params: [Param]?, body: Block) {
        self.name = name
        self.params = params
        self.body = body
    }
}

/// `block residual(c: int)(x) { … }` — hyperparameters, then tensor inputs.
public struct BlockDecl: Sendable {
    public var name: Identifier
    public var params: [Param]
    public var inputs: [Identifier]
    public var body: Block
    public init(name: Identifier, params: [Param], inputs: [Identifier], body: Block) {
        self.name = name
        self.params = params
        self.inputs = inputs
        self.body = body
    }
}

public struct Decl: Sendable {
    public var kind: DeclKind
    /// The span of the leading keyword (`model`, `split` …).
    public var keywordSpan: SourceSpan
    public init(kind: DeclKind, keywordSpan: SourceSpan) { self.kind = kind; self.keywordSpan = keywordSpan }

    public var name: Identifier {
        switch kind {
        case .function(let f): return f.name
        case .model(let m): return m.name
        case .block(let b): return b.name
        case .data(let n, _), .split(let n, _), .plugin(let n, _): return n
        case .distill(let n, _, _, _): return n
        case .retrieval(let n, _), .bundle(let n, _, _): return n
        case .role(let n, _, _): return n
        case .param(let n, _, _): return n
        }
    }

    /// The keyword that introduces this declaration.
    public var keyword: String {
        switch kind {
        case .function: return "fn"
        case .model: return "model"
        case .block: return "block"
        case .data: return "data"
        case .split: return "split"
        case .distill: return "distill"
        case .plugin: return "plugin"
        case .retrieval: return "retrieval"
        case .role: return "role"
        case .bundle: return "bundle"
        case .param: return "param"
        }
    }
}

/// Boxed (`indirect`): a declaration is copied whenever a table hands it out, and copying a
/// `Decl` by value retained every array and string of a model's or function's syntax.
public indirect enum DeclKind: Sendable {
    case function(FunctionDecl)
    case model(ModelDecl)
    case block(BlockDecl)
    /// `data mnist = idx(…) |> scale(1/255)`
    case data(Identifier, Expr)
    /// `split base = vertical(…)`
    case split(Identifier, Expr)
    /// `distill control = teacher -> student { loss: mse }`
    case distill(Identifier, teacher: Expr, student: Expr, options: Expr?)
    /// `plugin att = inter_image_attention(…)`
    case plugin(Identifier, Expr)
    /// `retrieval coda { coarse: …  fine: … }`
    case retrieval(Identifier, [Field])
    /// `role device[20] { data: …  budget { … } }`
    case role(Identifier, count: Expr?, [Field])
    /// `bundle phone for device { models: […] }`
    case bundle(Identifier, role: Identifier, [Field])
    /// `param devices: int = 20` — a script parameter; `dcl run --set devices=5` replaces the
    /// default. The checker accepts only constant defaults, so the value never depends on a run.
    case param(Identifier, type: TypeExpr, value: Expr)
}
