// Files: the program, its items, imports — plus the separated-sequence loop that program, body,
// model_body and layer_body share, and the rules for names.

import DCLDiagnostics

extension Parser {
    /* program        = { sep } [ item { sep { sep } item } { sep } ] EOF ; */
    mutating func parseProgram() -> [Stmt] {
        parseSequence(closer: .eof) { $0.parseItem() }
    }

    /* sep            = NEWLINE | ";" ; */
    mutating func skipSeparators() {
        while kind == .newline || kind == .semicolon { advance() }
    }

    /// `{ sep } [ element { sep { sep } element } { sep } ]` up to `closer` (not consumed) —
    /// the shape of program, body, model_body and layer_body. Resynchronises after each error.
    mutating func parseSequence(closer: TokenKind, _ element: (inout Parser) -> Stmt) -> [Stmt] {
        var out: [Stmt] = []
        skipSeparators()
        while true {
            let k = kind
            if k == closer || k == .eof || reachedErrorLimit() { break }
            let before = index
            if k == .rBrace || k == .rParen || k == .rBracket {
                error(.unexpectedClosingDelimiter, "unexpected `\(k.spelling)`", at: currentSpan,
                      hint: "it closes nothing: remove it or add its opening bracket")
                skipToken()
                panic = false
                skipSeparators()
                continue
            }
            out.append(element(&self))
            if panic {
                synchronize()
                panic = false
            }
            if resumedAtLineStart {
                resumedAtLineStart = false
            } else if kind == .newline || kind == .semicolon {
                skipSeparators()
            } else if kind != closer && kind != .eof {
                errorExpected("newline or `;` after the statement", code: .missingSeparator,
                              hint: kind == .equal ? "use `==` to compare" : nil)
                // `let a = 1 let b = 2`: the next statement is right here; anything else is skipped.
                if !Parser.startsStatement(kind) { synchronize() }
                panic = false
                resumedAtLineStart = false
                skipSeparators()
            }
            if index == before { skipToken() }  // every round consumes something
        }
        return out
    }

    /* item           = import | declaration | statement ; */
    mutating func parseItem() -> Stmt {
        switch kind {
        case .kwImport:
            return parseImport()
        case .kwFn, .kwModel, .kwBlock, .kwData, .kwSplit, .kwPlugin, .kwRetrieval, .kwRole, .kwBundle, .kwParam:
            return parseDeclaration()
        case .kwDistill where isDistillDeclaration:
            return parseDeclaration()
        default:
            return parseStatement()
        }
    }

    /// `distill NAME =` declares; `distill control on data` runs a distillation.
    var isDistillDeclaration: Bool {
        let name = peekToken(1), eq = peekToken(2)
        return (name.kind == .identifier || name.kind.isKeyword) && eq.kind == .equal
            && !name.flags.contains(.lineBreak) && !eq.flags.contains(.lineBreak)
    }

    /* import         = "import" ( module_path | STRING ) [ "as" IDENT ] ; */
    mutating func parseImport() -> Stmt {
        let s = start
        advance()
        let target: ImportDecl.Target
        if kind == .string {
            target = .file(texts[Int(token.payload)], span: token.span(in: fileID))
            advance()
        } else if kind == .identifier || kind.isKeyword {
            target = .module(parseModulePath())
        } else {
            if kind == .stringBegin {
                error(.expectedToken, "an import path cannot contain interpolations", at: currentSpan)
            } else {
                errorExpected("a module path or a quoted file name")
            }
            return stmt(.error, from: s)
        }
        var alias: Identifier?
        if accept(.kwAs) { alias = parseName() }
        return stmt(.importDecl(ImportDecl(target: target, alias: alias)), from: s)
    }

    /* module_path    = IDENT { "." IDENT } ; */
    mutating func parseModulePath() -> [Identifier] {
        var path: [Identifier] = []
        if let first = parseWord("a module name") { path.append(first) }
        while accept(.dot) {
            guard let next = parseWord("a module name") else { break }
            path.append(next)
        }
        return path
    }

    // MARK: Names

    /// IDENT: a name being declared or used. A reserved word is reported ("`model` is a keyword")
    /// and then used anyway, so the rest of the statement still parses.
    mutating func parseName(_ what: String = "a name") -> Identifier? {
        let t = token
        if kind == .identifier {
            advance()
            return Identifier(text(t), span: t.span(in: fileID))
        }
        if kind.isKeyword {
            let word = kind.spelling
            error(.keywordAsName, "`\(word)` is a keyword and cannot be used as a name", at: currentSpan,
                  hint: "choose another name, such as `\(word)_`")
            advance()
            return Identifier(word, span: t.span(in: fileID))
        }
        errorExpected(what)
        return nil
    }

    /// A name after `.`, a field or record key, or an argument label. Reserved words are allowed
    /// here (`cloud.data`, `d.train`, `role x { data: … }`): nothing else could follow a `.` or
    /// precede that `:`, so no reading is ambiguous.
    mutating func parseWord(_ what: String) -> Identifier? {
        let t = token
        if kind == .identifier || kind.isKeyword {
            advance()
            return Identifier(text(t), span: t.span(in: fileID))
        }
        errorExpected(what)
        return nil
    }

    /// The current token is an identifier or reserved word immediately followed by `:`.
    var atLabel: Bool {
        (kind == .identifier || kind.isKeyword) && peekToken(1).kind == .colon
    }
}
