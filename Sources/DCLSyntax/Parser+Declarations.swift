// Declarations: functions, parameters and types, the one-line `name = expr` declarations, and the
// field-block declarations (retrieval, role, bundle). Models and blocks are in Parser+Models.swift.

import DCLDiagnostics

extension Parser {
    /* declaration    = fn_decl | model_decl | block_decl | data_decl | split_decl
               | distill_decl | plugin_decl | retrieval_decl | role_decl | bundle_decl
               | param_decl ; */
    mutating func parseDeclaration() -> Stmt {
        let s = start
        let keyword = currentSpan
        let kind: DeclKind?
        switch self.kind {
        case .kwFn: kind = parseFunction()
        case .kwModel: kind = parseModel()
        case .kwBlock: kind = parseBlockDecl()
        case .kwData, .kwSplit, .kwPlugin, .kwDistill: kind = parseBindingDecl()
        case .kwRetrieval: kind = parseRetrieval()
        case .kwRole: kind = parseRole()
        case .kwBundle: kind = parseBundle()
        case .kwParam: kind = parseParamDecl()
        default: preconditionFailure("parseDeclaration called at \(self.kind)")
        }
        guard let k = kind else { return stmt(.error, from: s) }
        return stmt(.decl(Decl(kind: k, keywordSpan: keyword)), from: s)
    }

    /* fn_decl        = "fn" IDENT "(" [ params ] ")" [ "->" type ] body ; */
    mutating func parseFunction() -> DeclKind? {
        advance()
        guard let name = parseName("a function name") else { return nil }
        guard let params = parseParamList(required: true) else { return nil }
        var result: TypeExpr?
        if accept(.arrow) { result = parseType() }
        let body = parseBody()
        return .function(FunctionDecl(name: name, params: params, returnType: result, body: body))
    }

    /// `"(" [ params ] ")"`; nil if absent (reported when `required`).
    mutating func parseParamList(required: Bool) -> [Param]? {
        guard kind == .lParen else {
            if required { errorExpected("`(` and the parameter list") }
            return nil
        }
        let open = currentSpan
        advance()
        return within(ignoringNewlines: true) { p in
            let params = p.parseParams()
            p.expectClosing(.rParen, opener: open)
            return params
        }
    }

    /* params         = param { "," param } [ "," ] ; */
    mutating func parseParams() -> [Param] {
        var params: [Param] = []
        while kind != .rParen && kind != .eof {
            if let p = parseParam() { params.append(p) } else { skipToListSeparator() }
            if !accept(.comma) { break }
        }
        return params
    }

    /* param          = IDENT [ ":" type ] [ "=" expr ] ; */
    mutating func parseParam() -> Param? {
        let s = start
        guard let name = parseName("a parameter name") else { return nil }
        var type: TypeExpr?
        var value: Expr?
        if accept(.colon) { type = parseType() }
        if accept(.equal) { value = parseExpr() }
        return Param(name: name, type: type, defaultValue: value, span: span(from: s))
    }

    /* type           = IDENT [ "[" type { "," type } "]" ] ; */
    /// Type names may be reserved words: `model`, `data` and `block` name kinds of values.
    mutating func parseType() -> TypeExpr? {
        let s = start
        guard enter() else { return nil }
        defer { depth -= 1 }
        guard let name = parseWord("a type name") else { return nil }
        var args: [TypeExpr] = []
        if kind == .lBracket {
            let open = currentSpan
            advance()
            let saved = enterBrackets(ignoringNewlines: true)
            repeat {
                if let t = parseType() { args.append(t) } else { skipToListSeparator() }
            } while accept(.comma)
            expectClosing(.rBracket, opener: open)
            leaveBrackets(saved)
        }
        return TypeExpr(name: name, arguments: args, span: span(from: s))
    }

    /* data_decl      = "data" IDENT "=" expr ; */
    /* split_decl     = "split" IDENT "=" expr ; */
    /* plugin_decl    = "plugin" IDENT "=" expr ; */
    /* distill_decl   = "distill" IDENT "=" expr "->" expr [ record ] ; */
    mutating func parseBindingDecl() -> DeclKind? {
        let keyword = kind
        advance()
        guard let name = parseName() else { return nil }
        guard expect(.equal) else { return nil }
        let value = parseExpr()
        switch keyword {
        case .kwData: return .data(name, value)
        case .kwSplit: return .split(name, value)
        case .kwPlugin: return .plugin(name, value)
        default:
            guard expect(.arrow, hint: "a distillation reads `distill name = teacher -> student { options }`") else {
                return .distill(name, teacher: value, student: errorExpr(), options: nil)
            }
            let student = parseExpr()
            let options = kind == .lBrace ? parseRecord() : nil
            return .distill(name, teacher: value, student: student, options: options)
        }
    }

    /* retrieval_decl = "retrieval" IDENT field_block ; */
    mutating func parseRetrieval() -> DeclKind? {
        advance()
        guard let name = parseName() else { return nil }
        return .retrieval(name, parseFieldBlock())
    }

    /* role_decl      = "role" IDENT [ "[" expr "]" ] field_block ; */
    mutating func parseRole() -> DeclKind? {
        advance()
        guard let name = parseName() else { return nil }
        var count: Expr?
        if kind == .lBracket {
            let open = currentSpan
            advance()
            count = within(ignoringNewlines: true) { p in
                let e = p.parseExpr()
                p.expectClosing(.rBracket, opener: open)
                return e
            }
        }
        return .role(name, count: count, parseFieldBlock())
    }

    /* bundle_decl    = "bundle" IDENT "for" IDENT field_block ; */
    mutating func parseBundle() -> DeclKind? {
        advance()
        guard let name = parseName() else { return nil }
        guard expect(.kwFor, hint: "a bundle reads `bundle phone for device { … }`") else { return nil }
        guard let role = parseName("a role name") else { return nil }
        return .bundle(name, role: role, parseFieldBlock())
    }

    /* param_decl     = "param" IDENT ":" type "=" expr ; */
    /// Both the type and the default are required: the type says how `dcl run --set` reads a
    /// value, and the default is what the script means without one.
    mutating func parseParamDecl() -> DeclKind? {
        advance()
        guard let name = parseName("a parameter name") else { return nil }
        let example = "a script parameter reads `param \(name.name): int = 20`"
        guard expect(.colon, hint: "\(example): its type is required") else { return nil }
        guard let type = parseType() else { return nil }
        guard expect(.equal, hint: "\(example): its default is required") else { return nil }
        return .param(name, type: type, value: parseExpr())
    }

    /* field_block    = "{" { field_sep } [ field { field_sep { field_sep } field } { field_sep } ] "}" ; */
    mutating func parseFieldBlock() -> [Field] {
        guard enter() else { return [] }
        defer { depth -= 1 }
        guard let open = openBrace(for: "the fields") else { return [] }
        let saved = enterBrackets(ignoringNewlines: false)
        defer { leaveBrackets(saved) }
        var fields: [Field] = []
        skipFieldSeparators()
        while kind != .rBrace && kind != .eof && !reachedErrorLimit() {
            let before = index
            if let f = parseField() { fields.append(f) }
            if panic {
                synchronizeField()
                panic = false
            }
            if kind == .newline || kind == .semicolon || kind == .comma {
                skipFieldSeparators()
            } else if kind != .rBrace && kind != .eof {
                errorExpected("newline, `,` or `;` between fields", code: .missingSeparator)
                synchronizeField()
                panic = false
                skipFieldSeparators()
            }
            if index == before { skipToken() }
        }
        expectClosing(.rBrace, opener: open)
        return fields
    }

    /* field_sep      = NEWLINE | ";" | "," ; */
    mutating func skipFieldSeparators() {
        while kind == .newline || kind == .semicolon || kind == .comma { advance() }
    }

    /// After an error in a field: on to the next separator or the block's `}`.
    mutating func synchronizeField() {
        var balance = 0
        while true {
            let t = tokens[index]
            if t.kind == .eof { return }
            if balance == 0 {
                if kind == .newline || t.kind == .semicolon || t.kind == .comma || t.kind == .rBrace { return }
                if atLineStartStatement() { return }
            }
            if Parser.opens(t.kind) { balance += 1 } else if Parser.closes(t.kind) { balance = max(0, balance - 1) }
            skipToken()
        }
    }

    /* field          = IDENT ( ":" expr | field_block ) ; */
    mutating func parseField() -> Field? {
        let s = start
        guard let name = parseWord("a field name") else { return nil }
        if accept(.colon) {
            return Field(name: name, value: .expr(parseExpr()), span: span(from: s))
        }
        if kind == .lBrace {
            return Field(name: name, value: .nested(parseFieldBlock()), span: span(from: s))
        }
        errorExpected("`:` or `{` after the field name",
                      hint: kind == .equal ? "fields are written `name: value`" : nil)
        return nil
    }

    /// Consumes the `{` that opens a body or field block and returns its span. A `{` put on the
    /// next line is reported and then accepted, so the block itself is still checked.
    mutating func openBrace(for what: String, hint: String? = nil) -> SourceSpan? {
        if kind == .lBrace {
            let open = currentSpan
            advance()
            return open
        }
        if kind == .newline, token.kind == .lBrace {
            let wasPanicking = panic
            error(.expectedToken, "expected `{` on the same line, found end of line", at: currentSpan,
                  hint: "put the `{` that opens \(what) at the end of this line")
            advance()
            panic = wasPanicking
            let open = currentSpan
            advance()
            return open
        }
        errorExpected("`{` to open \(what)", hint: hint)
        return nil
    }
}
