// Statements: bindings, assignment, control flow, and the verbs of the language (print, train,
// distill, save, load).

import DCLDiagnostics

extension Parser {
    /* statement      = let_stmt | var_stmt | assign_stmt | if_stmt | for_stmt | while_stmt
               | return_stmt | "break" | "continue" | print_stmt | train_stmt
               | distill_stmt | save_stmt | load_stmt | expr ; */
    mutating func parseStatement() -> Stmt {
        let s = start
        switch kind {
        case .kwLet: return parseBinding(mutable: false)
        case .kwVar: return parseBinding(mutable: true)
        case .kwIf: return parseIf()
        case .kwFor: return parseFor()
        case .kwWhile: return parseWhile()
        case .kwReturn: return parseReturn()
        case .kwBreak:
            advance()
            return stmt(.breakStmt, from: s)
        case .kwContinue:
            advance()
            return stmt(.continueStmt, from: s)
        case .kwPrint: return parsePrint()
        case .kwTrain: return parseTrain()
        case .kwDistill where !isDistillDeclaration: return parseDistillRun()
        case .kwSave, .kwLoad: return parseSaveLoad()
        case .kwElse, .kwImport, .kwFn, .kwModel, .kwBlock, .kwData, .kwSplit, .kwDistill, .kwPlugin,
             .kwRetrieval, .kwRole, .kwBundle, .kwParam:
            return parseMisplacedStatement()
        default:
            if atInputDeclaration || atSection { return parseMisplacedStatement() }
            return parseExpressionStatement()
        }
    }

    /// Something that cannot be a statement here: reported, then parsed anyway so recovery is
    /// exact, and replaced by an `.error` statement. (Kept out of `parseStatement`, which is on
    /// the stack at every level of nested blocks.)
    mutating func parseMisplacedStatement() -> Stmt {
        let s = start
        switch kind {
        case .kwElse:
            error(.elseWithoutIf, "`else` without `if`", at: currentSpan,
                  hint: "`else` must follow the `}` of an `if` (a line break between them is fine)")
            advance()
            if kind == .kwIf { _ = parseIf() } else if kind == .lBrace { _ = parseBody() }
        case .kwImport, .kwFn, .kwModel, .kwBlock, .kwData, .kwSplit, .kwDistill, .kwPlugin, .kwRetrieval, .kwRole, .kwBundle, .kwParam:
            let what = kind == .kwImport ? "`import` is" : "`\(kind.spelling)` declarations are"
            error(.declarationNotAtTopLevel, "\(what) only allowed at the top level of a file", at: currentSpan,
                  hint: "move it out of the enclosing block")
            _ = kind == .kwImport ? parseImport() : parseDeclaration()
        default:
            let word = text(token)
            error(.modelItemOutsideModel,
                  word == "input" ? "`input` declarations are only allowed in a model body"
                                  : "a `\(word)` section is only allowed in a model body",
                  at: currentSpan, hint: "put it directly inside `model name { … }`")
            _ = atInputDeclaration ? parseInputDecl() : parseSection()
        }
        return stmt(.error, from: s)
    }

    /* let_stmt       = "let" IDENT [ ":" type ] "=" expr ; */
    /* var_stmt       = "var" IDENT [ ":" type ] "=" expr ; */
    mutating func parseBinding(mutable: Bool) -> Stmt {
        let s = start
        advance()
        guard let name = parseName() else { return stmt(.error, from: s) }
        var type: TypeExpr?
        if accept(.colon) { type = parseType() }
        guard expect(.equal, hint: kind == .equalEqual ? "a binding uses a single `=`" : nil) else { return stmt(.error, from: s) }
        let value = parseExpr()
        return stmt(.binding(name: name, type: type, value: value, mutable: mutable), from: s)
    }

    /* assign_stmt    = place ( "=" | "+=" | "-=" | "*=" | "/=" ) expr ; */
    /// An expression statement, or an assignment when an assignment operator follows.
    mutating func parseExpressionStatement() -> Stmt {
        let s = start
        let target = parseExpr()
        guard let op = assignmentOperator(kind) else { return stmt(.expr(target), from: s) }
        if !isPlace(target) {
            error(.invalidAssignmentTarget, "cannot assign to \(describe(target))", at: target.span,
                  hint: op == .assign ? "assign to a name, a field (`a.b`) or an element (`a[i]`); use `==` to compare" : "assign to a name, a field (`a.b`) or an element (`a[i]`)")
        }
        advance()
        let value = parseExpr()
        return stmt(.assign(target: target, op: op, value: value), from: s)
    }

    func assignmentOperator(_ k: TokenKind) -> AssignOp? {
        switch k {
        case .equal: return .assign
        case .plusEqual: return .add
        case .minusEqual: return .subtract
        case .starEqual: return .multiply
        case .slashEqual: return .divide
        default: return nil
        }
    }

    /* place          = IDENT { "." IDENT | "[" expr "]" } ; */
    func isPlace(_ e: Expr) -> Bool {
        var e = e
        while true {
            switch e.kind {
            case .name: return true
            case .member(let base, _), .index(let base, _): e = base
            default: return false
            }
        }
    }

    func describe(_ e: Expr) -> String {
        switch e.kind {
        case .call: return "a call"
        case .int, .float, .size, .string, .bool, .none: return "a literal"
        case .binary(let op, _, _): return "the result of `\(op.rawValue)`"
        case .paren: return "a parenthesised expression"
        default: return "this expression"
        }
    }

    /* if_stmt        = "if" cond_expr body { "else" "if" cond_expr body } [ "else" body ] ; */
    mutating func parseIf() -> Stmt {
        let s = start
        advance()
        var branches = [IfBranch(condition: parseCondition(), body: parseBody())]
        var elseBody: Block?
        while accept(.kwElse) {
            if accept(.kwIf) {
                branches.append(IfBranch(condition: parseCondition(), body: parseBody()))
            } else {
                elseBody = parseBody()
                break
            }
        }
        return stmt(.ifStmt(branches: branches, elseBody: elseBody), from: s)
    }

    /* for_stmt       = "for" IDENT [ "," IDENT ] "in" cond_expr body ; */
    mutating func parseFor() -> Stmt {
        let s = start
        advance()
        var variables: [Identifier] = []
        if let v = parseName("a loop variable") { variables.append(v) }
        if accept(.comma), let v = parseName("a second loop variable") { variables.append(v) }
        guard expect(.kwIn, hint: "a loop reads `for x in xs { … }`") else { return stmt(.error, from: s) }
        let sequence = parseCondition()
        let body = parseBody()
        return stmt(.forStmt(variables: variables, sequence: sequence, body: body), from: s)
    }

    /* while_stmt     = "while" cond_expr body ; */
    mutating func parseWhile() -> Stmt {
        let s = start
        advance()
        let condition = parseCondition()
        return stmt(.whileStmt(condition: condition, body: parseBody()), from: s)
    }

    /* return_stmt    = "return" [ expr ] ; */
    mutating func parseReturn() -> Stmt {
        let s = start
        advance()
        switch kind {
        case .newline, .semicolon, .rBrace, .eof: return stmt(.returnStmt(nil), from: s)
        default: return stmt(.returnStmt(parseExpr()), from: s)
        }
    }

    /* print_stmt     = "print" expr { "," expr } ; */
    mutating func parsePrint() -> Stmt {
        let s = start
        advance()
        var values = [parseExpr()]
        while accept(.comma) { values.append(parseExpr()) }
        return stmt(.printStmt(values), from: s)
    }

    /* train_stmt     = "train" expr { "," expr } "on" expr [ "minimizing" expr ] [ record ] ; */
    mutating func parseTrain() -> Stmt {
        let s = start
        advance()
        var targets = [parseExpr()]
        while accept(.comma) { targets.append(parseExpr()) }
        guard expectWord(.on, hint: "a training run reads `train model on data { options }`") else { return stmt(.error, from: s) }
        let data = parseExpr()
        var objective: Expr?
        if isWord(.minimizing) {
            advance()
            objective = parseExpr()
        }
        let options = kind == .lBrace ? parseRecord() : nil
        return stmt(.train(TrainStmt(targets: targets, data: data, objective: objective, options: options)), from: s)
    }

    /* distill_stmt   = "distill" postfix_expr "on" expr [ record ] ; */
    mutating func parseDistillRun() -> Stmt {
        let s = start
        advance()
        let name = parsePostfix()
        guard expectWord(.on, hint: "a distillation run reads `distill control on data { options }`") else { return stmt(.error, from: s) }
        let data = parseExpr()
        let options = kind == .lBrace ? parseRecord() : nil
        return stmt(.distillRun(name: name, data: data, options: options), from: s)
    }

    /* save_stmt      = "save" expr "to" expr ; */
    /* load_stmt      = "load" expr "from" expr ; */
    mutating func parseSaveLoad() -> Stmt {
        let s = start
        let saving = kind == .kwSave
        advance()
        let subject = parseExpr()
        let word: ContextualWord = saving ? .to : .from
        guard expectWord(word, hint: saving ? "write `save model to \"path\"`" : "write `load model from \"path\"`") else {
            return stmt(.error, from: s)
        }
        let path = parseExpr()
        return stmt(saving ? .save(subject: subject, path: path) : .load(subject: subject, path: path), from: s)
    }

    /// Consumes a contextual word or reports "expected `on`, found …".
    mutating func expectWord(_ w: ContextualWord, hint: String) -> Bool {
        if isWord(w) {
            advance()
            return true
        }
        errorExpected("`\(w.text)`", hint: hint)
        return false
    }

    /* body           = "{" { sep } [ statement { sep { sep } statement } { sep } ] "}" ; */
    mutating func parseBody() -> Block {
        parseBracedSequence(for: "the block") { $0.parseStatement() }
    }

    /* cond_expr      = expr ; */
    /// The condition of `if`, `while` or the sequence of `for`: a `{` ends it rather than opening a
    /// record. A lone `=` after it is reported as the likely `==` and skipped.
    mutating func parseCondition() -> Expr {
        let saved = noRecord
        noRecord = true
        defer { noRecord = saved }
        let s = start
        let e = parseExpr()
        return kind == .equal ? recoverAssignmentInCondition(e, from: s) : e
    }

    /// `if x = 1 {`: reported, and read as `==` so the body is still checked.
    @inline(never)
    mutating func recoverAssignmentInCondition(_ lhs: Expr, from s: Int) -> Expr {
        let wasPanicking = panic
        error(.unexpectedEquals, "expected `{` after the condition, found `=`", at: currentSpan, hint: "use `==` to compare")
        advance()
        let rhs = parseExpr()
        panic = wasPanicking
        return expr(.binary(.equal, lhs, rhs), from: s)
    }
}
