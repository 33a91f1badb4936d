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
                let index: Expr = within(ignoringNewlines: true) { p in
                    let i = p.parseExpr()
                    p.expectClosing(.rBracket, opener: open)
                    return i
                }
                e = expr(.index(base: e, index: index), from: s)
            }
        }
    }

    /* call_suffix    = "(" [ argument { "," argument } [ "," ] ] ")" ; */
    mutating func parseCallSuffix() -> [Argument] {
        let open = currentSpan
        advance()
        return within(ignoringNewlines: true) { p in
            var arguments: [Argument] = []
            while p.kind != .rParen && p.kind != .eof && !p.atLineStartStatement() {
                arguments.append(p.parseArgument())
                if p.panic { p.skipToListSeparator() }
                if !p.accept(.comma) { break }
            }
            p.expectListEnd(.rParen, opener: open,
                            hint: p.kind == .equal ? "named arguments are written `name: value`" : nil)
            return arguments
        }
    }

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
        if kind == closer || kind == .eof || atLineStartStatement() || panic {
            expectClosing(closer, opener: opener)
            return
        }
        errorExpected("`,` or `\(closer.spelling)`", code: kind == .equal ? .unexpectedEquals : .expectedToken, hint: hint)
        skipToClosing(closer)
    }

    /* primary        = INT | FLOAT | SIZE | STRING | "true" | "false" | "none" | IDENT
               | "(" expr ")" | list | record | if_expr ; */
    mutating func parsePrimary() -> Expr {
        let s = start
        let t = token
        switch kind {
        case .identifier:
            advance()
            return expr(.name(Identifier(text(t), span: t.span(in: fileID))), from: s)
        case .int:
            advance()
            let value = t.flags.contains(.malformed) ? 0 : Lexer.intValue(bytes, Int(t.start), Int(t.end)) ?? 0
            return expr(.int(value), from: s)
        case .float:
            advance()
            let value = t.flags.contains(.malformed) ? 0 : Lexer.floatValue(bytes, Int(t.start), Int(t.end)) ?? 0
            return expr(.float(value, text: text(t)), from: s)
        case .size:
            advance()
            return expr(.size(sizes[Int(t.payload)]), from: s)
        case .string:
            advance()
            let text = texts[Int(t.payload)]
            return expr(.string(text.isEmpty ? [] : [.text(text)]), from: s)
        case .stringBegin:
            return parseInterpolatedString()
        case .kwTrue, .kwFalse:
            advance()
            return expr(.bool(t.kind == .kwTrue), from: s)
        case .kwNone:
            advance()
            return expr(.none, from: s)
        case .lParen:
            let open = currentSpan
            advance()
            let inner: Expr = within(ignoringNewlines: true) { p in
                let e = p.parseExpr()
                p.expectClosing(.rParen, opener: open)
                return e
            }
            return expr(.paren(inner), from: s)
        case .lBracket:
            return parseList()
        case .lBrace where !noRecord:
            return parseRecord()
        case .kwIf:
            return parseIfExpr()
        case .error:
            advance()  // reported by the lexer
            panic = true
            return expr(.error, from: s)
        case .lBrace:
            errorExpected("an expression", code: .expectedExpression,
                          hint: "a condition ends at `{`; to use a record here, put it in parentheses")
            return errorExpr()
        default:
            var hint: String?
            if t.flags.contains(.newlineBefore), index > 0, tokens[index - 1].kind.continuesLine {
                hint = "the line before ends with `\(tokens[index - 1].kind.spelling)`, so the expression goes on here"
            }
            errorExpected("an expression", code: .expectedExpression, hint: hint)
            return errorExpr()
        }
    }

    /* list           = "[" [ expr { "," expr } [ "," ] ] "]"
               | "[" expr "for" IDENT "in" expr [ "if" expr ] "]" ; */
    mutating func parseList() -> Expr {
        let s = start
        let open = currentSpan
        advance()
        return within(ignoringNewlines: true) { p in
            if p.accept(.rBracket) { return p.expr(.list([]), from: s) }
            let first = p.parseExpr()
            if p.accept(.kwFor) {
                let variable = p.parseName("a loop variable") ?? Identifier("_", span: p.missingSpan())
                p.expect(.kwIn, hint: "a comprehension reads `[f(x) for x in xs if cond]`")
                let sequence = p.parseExpr()
                var condition: Expr?
                if p.accept(.kwIf) { condition = p.parseExpr() }
                p.expectClosing(.rBracket, opener: open)
                return p.expr(.comprehension(element: first, variable: variable, sequence: sequence, condition: condition), from: s)
            }
            var items = [first]
            if p.panic { p.skipToListSeparator() }
            if p.accept(.comma) {
                items += p.parseExpressionList(closer: .rBracket)
            }
            p.expectListEnd(.rBracket, opener: open)
            return p.expr(.list(items), from: s)
        }
    }

    /// `[ expr { "," expr } [ "," ] ]` up to `closer` (not consumed), newlines ignored.
    mutating func parseExpressionList(closer: TokenKind) -> [Expr] {
        var items: [Expr] = []
        while kind != closer && kind != .eof && !atLineStartStatement() {
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
        return within(ignoringNewlines: false) { p in
            var fields: [RecordField] = []
            p.skipNewlines()
            while p.kind != .rBrace && p.kind != .eof && !(p.atLineStartStatement() && !p.atLabel) {
                let before = p.index
                if let name = p.parseWord("a field name") {
                    if p.expect(.colon, hint: p.kind == .equal ? "record fields are written `name: value`" : nil) {
                        fields.append(RecordField(name: name, value: p.parseExpr()))
                    }
                }
                if p.panic { p.skipToListSeparator() }
                let separated = p.kind == .newline || p.kind == .comma
                p.skipNewlines()
                if p.accept(.comma) { p.skipNewlines() }
                if !separated || p.index == before { break }
            }
            p.expectListEnd(.rBrace, opener: open)
            return p.expr(.record(fields), from: s)
        }
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
            error(.ifExpressionWithoutElse, "an `if` expression needs an `else` branch", at: keyword,
                  hint: "an `if` used as a value must have one for both cases: `if c { a } else { b }`")
            return expr(.ifElse(condition: condition, then: then, else: errorExpr()), from: s)
        }
        let otherwise = kind == .kwIf ? parseIfExpr() : parseBranchValue()
        return expr(.ifElse(condition: condition, then: then, else: otherwise), from: s)
    }

    /// `"{" expr "}"` — one branch of an `if` expression.
    mutating func parseBranchValue() -> Expr {
        guard kind == .lBrace else {
            errorExpected("`{`")
            return errorExpr()
        }
        let open = currentSpan
        advance()
        return within(ignoringNewlines: true) { p in
            let e = p.parseExpr()
            p.expectClosing(.rBrace, opener: open)
            return e
        }
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
        within(ignoringNewlines: true) { p in
            while true {
                let value = p.parseExpr()
                var format: String?
                if p.kind == .formatSpec {
                    format = p.texts[Int(p.token.payload)]
                    p.advance()
                }
                parts.append(.interpolation(value, format: format))
                if p.kind != .stringMiddle && p.kind != .stringEnd {
                    p.errorExpected("`}` to end the interpolation")
                    p.skipToInterpolationEnd()
                }
                switch p.kind {
                case .stringMiddle:
                    addText(p.texts[Int(p.token.payload)])
                    p.advance()
                case .stringEnd:
                    addText(p.texts[Int(p.token.payload)])
                    p.advance()
                    return
                default:
                    return
                }
            }
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
