// The checker's diagnostic codes (E0100–E0405), one case per kind of problem, as Syntax's are
// (SyntaxErrors.swift). Each has an entry in docs/diagnostics.md; a test keeps the two in step
// and another that no raw "E0…" literal is written in DCLSema.

import DCLDiagnostics

/// A kind of problem the checker reports, with its stable code.
public enum SemaCode: String, CaseIterable, Sendable {
    // Names and scopes (E0100–E0199).
    case unknownName = "E0100"
    case definedTwice = "E0101"
    case cannotAssign = "E0107"
    case usedBeforeDefinition = "E0108"
    case importNotFound = "E0109"
    case importCycle = "E0110"
    case ambiguousName = "E0111"
    case misplacedDeclaration = "E0112"
    case misplacedControlFlow = "E0113"
    case dependsOnItself = "E0120"

    // Types and calls (E0200–E0299).
    case wrongType = "E0201"
    case argumentCount = "E0202"
    case unknownArgument = "E0203"
    case argumentGivenTwice = "E0204"
    case notCallable = "E0205"
    case unknownMember = "E0206"
    case notIterable = "E0207"
    case fieldGivenTwice = "E0208"
    case notIndexable = "E0209"
    case operatorMismatch = "E0210"
    case wrongApplication = "E0211"
    case unknownType = "E0212"
    case builtinRule = "E0213"
    case positionalAfterNamed = "E0214"
    case notAChoice = "E0215"
    case methodAsValue = "E0216"
    case unknownOption = "E0217"
    case paramType = "E0218"
    case paramNotConstant = "E0219"

    // Models (E0300–E0399).
    case shape = "E0301"
    case bodyLineNotALayer = "E0302"
    case noInput = "E0303"
    case sectionOrder = "E0304"

    // Placement and budgets (E0400–E0405; bundle codes E0406– belong to `dcl compile`).
    case cloudOnlyOnDevice = "E0401"
    case deviceDataToCloud = "E0402"
    case cloudOnlyInDeviceBundle = "E0403"
    case budgetUnit = "E0404"
    case unknownBudgetField = "E0405"

    public var code: String { rawValue }
}

extension Diagnostic {
    public static func error(_ code: SemaCode, _ message: String, at span: SourceSpan, hint: String? = nil) -> Diagnostic {
        .error(code.rawValue, message, at: span, hint: hint)
    }

    public static func warning(_ code: SemaCode, _ message: String, at span: SourceSpan, hint: String? = nil) -> Diagnostic {
        .warning(code.rawValue, message, at: span, hint: hint)
    }
}

extension DiagnosticEngine {
    public func error(_ code: SemaCode, _ message: String, at span: SourceSpan, hint: String? = nil) {
        error(code.rawValue, message, at: span, hint: hint)
    }
}
