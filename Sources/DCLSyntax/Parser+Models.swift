// Models and blocks: the declarations whose bodies describe layers. A model body holds inputs,
// named sections and model statements; a block or section body (layer_body) holds only model
// statements.

import DCLDiagnostics

extension Parser {
    /* model_decl     = "model" IDENT [ "(" [ params ] ")" ] model_body ; */
    mutating func parseModel() -> DeclKind? {
        advance()
        guard let name = parseName("a model name") else { return nil }
        let params = parseParamList(required: false)
        if kind == .equal {
            errorExpected("`{` to open the model body",
                          hint: "a model declaration has a body; to name a model value, write `let \(name.name) = …`")
            return nil
        }
        return .model(ModelDecl(name: name, params: params, body: parseModelBody()))
    }

    /* model_body     = "{" { sep } [ model_item { sep { sep } model_item } { sep } ] "}" ; */
    mutating func parseModelBody() -> Block {
        parseBracedSequence(for: "the model body") { $0.parseModelItem() }
    }

    /// `"{" { sep } [ element { sep { sep } element } { sep } ] "}"` as a `Block`.
    mutating func parseBracedSequence(for what: String, _ element: (inout Parser) -> Stmt) -> Block {
        let s = start
        guard enter() else { return Block(statements: [], span: span(from: s)) }
        defer { depth -= 1 }
        guard let open = openBrace(for: what) else { return Block(statements: [], span: span(from: s)) }
        let statements = within(ignoringNewlines: false) { p in
            let list = p.parseSequence(closer: .rBrace, element)
            p.expectClosing(.rBrace, opener: open)
            return list
        }
        return Block(statements: statements, span: span(from: s))
    }

    /* model_item     = input_decl | section | model_stmt ; */
    mutating func parseModelItem() -> Stmt {
        if atInputDeclaration { return parseInputDecl() }
        if atSection { return parseSection() }
        return parseModelStatement()
    }

    /// `input NAME :` — otherwise `input` is an ordinary name.
    var atInputDeclaration: Bool {
        guard isWord(.input) else { return false }
        let name = peekToken(1)
        return (name.kind == .identifier || name.kind.isKeyword) && peekToken(2).kind == .colon
            && !name.flags.contains(.lineBreak)
    }

    /// `stem {`, `features {`, `head {` on one line — otherwise those words are ordinary names.
    var atSection: Bool {
        guard kind == .identifier, sectionKind(tokens[index]) != nil else { return false }
        let brace = peekToken(1)
        return brace.kind == .lBrace && !brace.flags.contains(.lineBreak)
    }

    /* input_decl     = "input" IDENT ":" tensor_type ; */
    mutating func parseInputDecl() -> Stmt {
        let s = start
        advance()
        guard let name = parseName("an input name"), expect(.colon), let type = parseTensorType() else {
            return stmt(.error, from: s)
        }
        return stmt(.input(name: name, type: type), from: s)
    }

    /* tensor_type    = [ IDENT ] "[" [ expr { "," expr } [ "," ] ] "]" ; */
    mutating func parseTensorType() -> TensorTypeExpr? {
        let s = start
        var dtype: Identifier?
        if kind == .identifier {
            dtype = Identifier(text(token), span: currentSpan)
            advance()
        }
        guard kind == .lBracket else {
            errorExpected("`[` and the input's dimensions",
                          hint: "an input's type lists its per-sample dimensions, as in `[1, 28, 28]` or `f32[784]`")
            return nil
        }
        let open = currentSpan
        advance()
        let dims = within(ignoringNewlines: true) { p in
            let list = p.parseExpressionList(closer: .rBracket)
            p.expectClosing(.rBracket, opener: open)
            return list
        }
        return TensorTypeExpr(dtype: dtype, dims: dims, span: span(from: s))
    }

    /* section        = section_name layer_body ; */
    mutating func parseSection() -> Stmt {
        let s = start
        let keyword = currentSpan
        let section = sectionKind(token) ?? .features
        advance()
        let body = parseLayerBody(for: "the `\(section.rawValue)` section")
        return stmt(.section(section, body, keywordSpan: keyword), from: s)
    }

    /* section_name   = "stem" | "features" | "head" ; */
    func sectionKind(_ t: Token) -> SectionKind? {
        guard t.kind == .identifier else { return nil }
        switch ContextualWord(rawValue: t.word) {
        case .stem: return .stem
        case .features: return .features
        case .head: return .head
        default: return nil
        }
    }

    /* block_decl     = "block" IDENT "(" [ params ] ")" "(" IDENT { "," IDENT } ")" layer_body ; */
    mutating func parseBlockDecl() -> DeclKind? {
        advance()
        guard let name = parseName("a block name") else { return nil }
        guard let params = parseParamList(required: true) else { return nil }
        guard kind == .lParen else {
            errorExpected("`(` and the block's tensor inputs", hint: "a block reads `block name(hyperparameters)(x) { … }`")
            return nil
        }
        let open = currentSpan
        advance()
        let inputs: [Identifier] = within(ignoringNewlines: true) { p in
            var names: [Identifier] = []
            repeat {
                guard let n = p.parseName("an input name") else { p.skipToListSeparator(); continue }
                names.append(n)
            } while p.accept(.comma)
            p.expectClosing(.rParen, opener: open)
            return names
        }
        let body = parseLayerBody(for: "the block body")
        return .block(BlockDecl(name: name, params: params, inputs: inputs, body: body))
    }

    /* layer_body     = "{" { sep } [ model_stmt { sep { sep } model_stmt } { sep } ] "}" ; */
    mutating func parseLayerBody(for what: String) -> Block {
        parseBracedSequence(for: what) { $0.parseModelStatement() }
    }

    /* model_stmt     = let_stmt | assign_stmt | if_stmt | for_stmt | return_stmt | expr ; */
    mutating func parseModelStatement() -> Stmt {
        switch kind {
        case .kwVar, .kwWhile, .kwBreak, .kwContinue, .kwPrint, .kwTrain, .kwDistill, .kwSave, .kwLoad:
            // Reported first, so problems inside stay quiet; then parsed so recovery is exact.
            error(.statementNotAllowedInModel, "`\(kind.spelling)` is not allowed in a model body", at: currentSpan,
                  hint: "a model or block body describes layers with `let`, assignments, `if`, `for`, `return` and expressions")
            return parseStatement()
        default:
            return parseStatement()
        }
    }
}
