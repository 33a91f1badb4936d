// Postfix chains, calls and the primary expressions: literals, names, parentheses, lists and
// comprehensions, records, `if` expressions and interpolated strings.

import DCLDiagnostics

extension Parser {
    /* postfix_expr   = primary { call_suffix | "." IDENT | "[" expr "]" } ; */
    mutating func parsePostfix() -> Expr {
        let s = start
        var e = parsePrimary()
        var levels = 0
        defer { depth -= levels }
        while true {
            let k = kind
            guard k == .lParen || k == .dot || k == .lBracket else { return e }
            guard enter() else { return e }
            levels += 1
            switch k {
            case .lParen:
                let arguments = parseCallSuffix()
                e = expr(.call(callee: e, arguments: arguments), from: s)
            case .dot:
                advance()
                guard let name = parseWord("a name after `.`") else { return e }
                e = expr(.member(base: e, name: name), from: s)
            default:
                let open = currentSpan
                advance()
                let saved = enterBrackets(ignoringNewlines: true)
                let index = parseExpr()
                expectClosing(.rBracket, opener: open)
                leaveBrackets(saved)
                e = expr(.index(base: e, index: index), from: s)
            }
        }
    }

    /* call_suffix    = "(" [ argument { "," argument } [ "," ] ] ")" ; */
    mutating func parseCallSuffix() -> [Argument] {
        let open = currentSpan
        advance()
        let saved = enterBrackets(ignoringNewlines: true)
        defer { leaveBrackets(saved) }
        var arguments: [Argument] = []
        while kind != .rParen && kind != .eof && !atLineStartStatementInBrackets() {
            arguments.append(parseArgument())
            if panic { skipToListSeparator() }
            if !accept(.comma) { break }
        }
        expectListEnd(.rParen, opener: open, hint: kind == .equal ? Parser.namedArgumentHint : nil)
        return arguments
    }

    static let namedArgumentHint = "named arguments are written `name: value`"

    /* argument       = [ IDENT ":" ] expr ; */
    mutating func parseArgument() -> Argument {
        var label: Identifier?
        if atLabel {
            label = parseWord("a label")
            advance()  // `:`
        }
        return Argument(label: label, value: parseExpr())
    }

    /// The closer of a comma-separated list: "expected `,` or `)`" when something else follows an
    /// element, "unclosed `(`" when the list runs into the end of the file or the next statement.
    mutating func expectListEnd(_ closer: TokenKind, opener: SourceSpan, hint: String? = nil) {
        if kind == closer || kind == .eof || atLineStartStatementInBrackets() || panic {
            expectClosing(closer, opener: opener)
            return
        }
        errorExpected("`,` or `\(closer.spelling)`", code: kind == .equal ? .unexpectedEquals : .expectedToken, hint: hint)
        skipToClosing(closer)
    }

    /* primary        = INT | FLOAT | SIZE | STRING | "true" | "false" | "none" | IDENT
               | "(" expr ")" | list | record | if_expr ; */
    /// A dispatcher with no locals of its own: it sits on the stack at every nesting level.
    mutating func parsePrimary() -> Expr {
        switch kind {
        case .identifier, .int, .float, .size, .string, .kwTrue, .kwFalse, .kwNone, .error: return parseAtom()
        case .stringBegin: return parseInterpolatedString()
        case .lParen: return parseParenthesized()
        case .lBracket: return parseList()
        case .lBrace where !noRecord: return parseRecord()
        case .kwIf: return parseIfExpr()
        default: return parseMissingExpression()
        }
    }

    /// A literal or a name: one token.
    mutating func parseAtom() -> Expr {
        let s = start
        let t = token
        advance()
        switch t.kind {
        case .identifier:
            return expr(.name(Identifier(text(t), span: t.span(in: fileID))), from: s)
        case .int:
            let value = t.flags.contains(.malformed) ? 0 : Lexer.intValue(bytes, Int(t.start), Int(t.end)) ?? 0
            return expr(.int(value), from: s)
        case .float:
            let value = t.flags.contains(.malformed) ? 0 : Lexer.floatValue(bytes, Int(t.start), Int(t.end)) ?? 0
            return expr(.float(value, text: text(t)), from: s)
        case .size:
            return expr(.size(sizes[Int(t.payload)]), from: s)
        case .string:
            let text = texts[Int(t.payload)]
            return expr(.string(text.isEmpty ? [] : [.text(text)]), from: s)
        case .kwTrue, .kwFalse:
            return expr(.bool(t.kind == .kwTrue), from: s)
        case .kwNone:
            return expr(.none, from: s)
        default:  // `.error`: reported by the lexer
            panic = true
            return expr(.error, from: s)
        }
    }

    /// `"(" expr ")"`
    mutating func parseParenthesized() -> Expr {
        let s = start
        let open = currentSpan
        advance()
        let saved = enterBrackets(ignoringNewlines: true)
        let inner = parseExpr()
        expectClosing(.rParen, opener: open)
        leaveBrackets(saved)
        return expr(.paren(inner), from: s)
    }

    /// No expression starts here: report it (with a hint for the usual reasons).
    mutating func parseMissingExpression() -> Expr {
        var hint: String?
        if kind == .lBrace {
            hint = "a condition ends at `{`; to use a record here, put it in parentheses"
        } else if token.flags.contains(.newlineBefore), index > 0, tokens[index - 1].kind.continuesLine {
            hint = "the line before ends with `\(tokens[index - 1].kind.spelling)`, so the expression goes on here"
        }
        errorExpected("an expression", code: .expectedExpression, hint: hint)
        return errorExpr()
    }

    /* list           = "[" [ expr { "," expr } [ "," ] ] "]"
               | "[" expr "for" IDENT "in" expr [ "if" expr ] "]" ; */
    mutating func parseList() -> Expr {
        let s = start
        let open = currentSpan
        advance()
        let saved = enterBrackets(ignoringNewlines: true)
        defer { leaveBrackets(saved) }
        if accept(.rBracket) { return expr(.list([]), from: s) }
        let first = parseExpr()
        if accept(.kwFor) { return parseComprehension(first, from: s, opener: open) }
        var items = [first]
        if panic { skipToListSeparator() }
        if accept(.comma) {
            items += parseExpressionList(closer: .rBracket)
        }
        expectListEnd(.rBracket, opener: open)
        return expr(.list(items), from: s)
    }

    /// The rest of `[element for x in xs if cond]`, after `for`.
    mutating func parseComprehension(_ element: Expr, from s: Int, opener open: SourceSpan) -> Expr {
        let variable = parseName("a loop variable") ?? Identifier("_", span: missingSpan())
        expect(.kwIn, hint: "a comprehension reads `[f(x) for x in xs if cond]`")
        let sequence = parseExpr()
        var condition: Expr?
        if accept(.kwIf) { condition = parseExpr() }
        expectClosing(.rBracket, opener: open)
        return expr(.comprehension(element: element, variable: variable, sequence: sequence, condition: condition), from: s)
    }

    /// `[ expr { "," expr } [ "," ] ]` up to `closer` (not consumed), newlines ignored.
    mutating func parseExpressionList(closer: TokenKind) -> [Expr] {
        var items: [Expr] = []
        while kind != closer && kind != .eof && !atLineStartStatementInBrackets() {
            items.append(parseExpr())
            if panic { skipToListSeparator() }
            if !accept(.comma) { break }
        }
        return items
    }

    /* record         = "{" [ IDENT ":" expr { "," IDENT ":" expr } [ "," ] ] "}" ; */
    /// Entries are separated by `,` or a line break (dcl.ebnf's lexical notes); keys may be
    /// reserved words (`{ data: … }`).
    mutating func parseRecord() -> Expr {
        let s = start
        guard enter() else { return errorExpr() }
        defer { depth -= 1 }
        let open = currentSpan
        advance()
        let saved = enterBrackets(ignoringNewlines: false)
        defer { leaveBrackets(saved) }
        var fields: [RecordField] = []
        skipNewlines()
        while kind != .rBrace && kind != .eof && !atLineStartStatementInBrackets() {
            let before = index
            if let name = parseWord("a field name") {
                if expect(.colon, hint: kind == .equal ? "record fields are written `name: value`" : nil) {
                    fields.append(RecordField(name: name, value: parseExpr()))
                }
            }
            if panic { skipToListSeparator() }
            let separated = kind == .newline || kind == .comma
            skipNewlines()
            if accept(.comma) { skipNewlines() }
            if !separated || index == before { break }
        }
        expectListEnd(.rBrace, opener: open)
        return expr(.record(fields), from: s)
    }

    mutating func skipNewlines() {
        while kind == .newline { advance() }
    }

    /* if_expr        = "if" cond_expr "{" expr "}" "else" ( if_expr | "{" expr "}" ) ; */
    mutating func parseIfExpr() -> Expr {
        let s = start
        guard enter() else { return errorExpr() }
        defer { depth -= 1 }
        let keyword = currentSpan
        advance()
        let condition = parseCondition()
        let then = parseBranchValue()
        guard accept(.kwElse) else {
            reportMissingElse(at: keyword)
            return expr(.ifElse(condition: condition, then: then, else: errorExpr()), from: s)
        }
        let otherwise = kind == .kwIf ? parseIfExpr() : parseBranchValue()
        return expr(.ifElse(condition: condition, then: then, else: otherwise), from: s)
    }

    @inline(never)
    mutating func reportMissingElse(at keyword: SourceSpan) {
        error(.ifExpressionWithoutElse, "an `if` expression needs an `else` branch", at: keyword,
              hint: "an `if` used as a value must have one for both cases: `if c { a } else { b }`")
    }

    /// `"{" expr "}"` — one branch of an `if` expression.
    mutating func parseBranchValue() -> Expr {
        guard kind == .lBrace else {
            errorExpected("`{`")
            return errorExpr()
        }
        let open = currentSpan
        advance()
        let saved = enterBrackets(ignoringNewlines: true)
        let e = parseExpr()
        expectClosing(.rBrace, opener: open)
        leaveBrackets(saved)
        return e
    }

    /// `"text {expr:spec} more"`: tokens from `.stringBegin` to `.stringEnd` (see Lexer+Strings).
    mutating func parseInterpolatedString() -> Expr {
        let s = start
        var parts: [StringPart] = []
        func addText(_ t: String) {
            if !t.isEmpty { parts.append(.text(t)) }
        }
        addText(texts[Int(token.payload)])
        advance()
        let saved = enterBrackets(ignoringNewlines: true)
        defer { leaveBrackets(saved) }
        while true {
            let value = parseExpr()
            var format: String?
            if kind == .formatSpec {
                format = texts[Int(token.payload)]
                advance()
            }
            parts.append(.interpolation(value, format: format))
            if kind != .stringMiddle && kind != .stringEnd {
                errorExpected("`}` to end the interpolation")
                skipToInterpolationEnd()
            }
            guard kind == .stringMiddle || kind == .stringEnd else { break }
            let last = kind == .stringEnd
            addText(texts[Int(token.payload)])
            advance()
            if last { break }
        }
        return expr(.string(parts), from: s)
    }

    /// After an error inside an interpolation: on to its `}` (the next piece of the same string).
    mutating func skipToInterpolationEnd() {
        var strings = 0
        while true {
            let t = tokens[index]
            switch t.kind {
            case .eof: return
            case .stringBegin: strings += 1
            case .stringMiddle where strings == 0: return
            case .stringEnd:
                if strings == 0 { return }
                strings -= 1
            default: break
            }
            skipToken()
        }
    }
}
