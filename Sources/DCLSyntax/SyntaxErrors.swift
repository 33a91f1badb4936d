// The syntax layer's diagnostic codes (E0001–E0099), one case per kind of problem. Each code has
// a golden test (Tests/DCLSyntaxTests/Golden/errors/E00NN-*.dcl) and an entry in
// docs/diagnostics.md; a test checks both stay in step with this list.

import DCLDiagnostics

/// A kind of lexical or syntax error, with its stable code.
public enum SyntaxError: String, CaseIterable, Sendable {
    // Lexical (E0001–E0019).
    case invalidUTF8 = "E0001"
    case unexpectedCharacter = "E0002"
    case controlCharacter = "E0003"
    case unterminatedString = "E0004"
    case unterminatedComment = "E0005"
    case invalidEscape = "E0006"
    case invalidUnicodeEscape = "E0007"
    case numberTooLarge = "E0008"
    case malformedNumber = "E0009"
    case invalidSize = "E0010"
    case invalidNumberSuffix = "E0011"
    case invalidFormatSpec = "E0012"
    case unmatchedBraceInString = "E0013"
    case emptyInterpolation = "E0014"

    // Syntax (E0020–E0098).
    case expectedToken = "E0020"
    case expectedExpression = "E0021"
    case keywordAsName = "E0022"
    case unexpectedEquals = "E0023"
    case invalidAssignmentTarget = "E0024"
    case chainedComparison = "E0025"
    case unclosedDelimiter = "E0026"
    case unexpectedClosingDelimiter = "E0027"
    case missingSeparator = "E0028"
    case elseWithoutIf = "E0029"
    case nestingTooDeep = "E0030"
    case ifExpressionWithoutElse = "E0031"
    case modelItemOutsideModel = "E0032"
    case statementNotAllowedInModel = "E0033"
    case declarationNotAtTopLevel = "E0034"

    /// Not an error: the note emitted once when the error limit is reached.
    case tooManyErrors = "E0099"

    /// The code as written in messages and docs.
    public var code: String { rawValue }

    /// A one-line summary, used as the heading in docs/diagnostics.md.
    public var title: String {
        switch self {
        case .invalidUTF8: return "invalid UTF-8"
        case .unexpectedCharacter: return "unexpected character"
        case .controlCharacter: return "control character in source"
        case .unterminatedString: return "unterminated string"
        case .unterminatedComment: return "unterminated block comment"
        case .invalidEscape: return "invalid escape sequence"
        case .invalidUnicodeEscape: return "invalid unicode escape"
        case .numberTooLarge: return "number literal too large"
        case .malformedNumber: return "malformed number"
        case .invalidSize: return "invalid size literal"
        case .invalidNumberSuffix: return "invalid suffix on a number"
        case .invalidFormatSpec: return "invalid format spec"
        case .unmatchedBraceInString: return "unmatched `}` in a string"
        case .emptyInterpolation: return "empty interpolation"
        case .expectedToken: return "unexpected token"
        case .expectedExpression: return "expected an expression"
        case .keywordAsName: return "keyword used as a name"
        case .unexpectedEquals: return "`=` where it cannot be"
        case .invalidAssignmentTarget: return "invalid assignment target"
        case .chainedComparison: return "chained comparison"
        case .unclosedDelimiter: return "unclosed delimiter"
        case .unexpectedClosingDelimiter: return "unexpected closing delimiter"
        case .missingSeparator: return "missing separator"
        case .elseWithoutIf: return "`else` without `if`"
        case .nestingTooDeep: return "nesting too deep"
        case .ifExpressionWithoutElse: return "`if` expression without `else`"
        case .modelItemOutsideModel: return "model item outside a model"
        case .statementNotAllowedInModel: return "statement not allowed in a model body"
        case .declarationNotAtTopLevel: return "declaration not at the top level"
        case .tooManyErrors: return "too many errors"
        }
    }
}

/// Limits that keep hostile input from exhausting the stack.
public enum SyntaxLimits {
    /// How deeply brackets, blocks, operators and string interpolations may nest. Every
    /// recursive pass over the AST (printer, formatter, checker) relies on this bound.
    public static let maxNesting = 256
}

extension Diagnostic {
    /// A syntax-layer error with its catalogued code.
    static func syntax(_ kind: SyntaxError, _ message: String, at span: SourceSpan, hint: String? = nil) -> Diagnostic {
        Diagnostic(code: kind.code, severity: kind == .tooManyErrors ? .note : .error, message: message, span: span, hint: hint)
    }
}
