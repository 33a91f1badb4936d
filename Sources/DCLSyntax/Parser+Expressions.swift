// Expressions with binary and unary operators, lowest precedence first — one function per level,
// as the grammar lists them. Every node made here deepens the tree by one, so each loop round and
// each recursion takes one level of the nesting budget: a 10 MB line of `1 + 1 + …` is refused
// with a diagnostic instead of producing a tree too deep for the passes that walk it.

import DCLDiagnostics

extension Parser {
    /* expr           = pipe_expr ; */
    mutating func parseExpr() -> Expr {
        guard enter() else { return errorExpr() }
        defer { depth -= 1 }
        return parsePipe()
    }

    /// `operand { op operand }`, left-associative, for the levels that repeat.
    @inline(__always)
    mutating func parseLeftAssociative(_ operand: (inout Parser) -> Expr, _ op: (TokenKind) -> BinaryOp?) -> Expr {
        let s = start
        var lhs = operand(&self)
        var levels = 0
        defer { depth -= levels }
        while let o = op(kind) {
            guard enter() else { break }
            levels += 1
            advance()
            let rhs = operand(&self)
            lhs = expr(.binary(o, lhs, rhs), from: s)
        }
        return lhs
    }

    /* pipe_expr      = or_expr { "|>" or_expr } ; */
    mutating func parsePipe() -> Expr {
        parseLeftAssociative({ $0.parseOr() }) { $0 == .pipe ? .pipe : nil }
    }

    /* or_expr        = and_expr { "or" and_expr } ; */
    mutating func parseOr() -> Expr {
        parseLeftAssociative({ $0.parseAnd() }) { $0 == .kwOr ? .or : nil }
    }

    /* and_expr       = not_expr { "and" not_expr } ; */
    mutating func parseAnd() -> Expr {
        parseLeftAssociative({ $0.parseNot() }) { $0 == .kwAnd ? .and : nil }
    }

    /* not_expr       = "not" not_expr | compare_expr ; */
    mutating func parseNot() -> Expr {
        guard kind == .kwNot else { return parseCompare() }
        let s = start
        guard enter() else { return errorExpr() }
        defer { depth -= 1 }
        advance()
        let operand = parseNot()
        return expr(.unary(.not, operand), from: s)
    }

    /* compare_expr   = range_expr [ compare_op range_expr ] ; */
    /// Comparisons do not chain: `a < b < c` is reported (and read left to right to go on).
    mutating func parseCompare() -> Expr {
        let s = start
        let lhs = parseRange()
        guard let op = compareOperator(kind) else { return lhs }
        guard enter() else { return lhs }
        defer { depth -= 1 }
        advance()
        var result = expr(.binary(op, lhs, parseRange()), from: s)
        if compareOperator(kind) != nil {
            error(.chainedComparison, "comparison operators cannot be chained", at: currentSpan,
                  hint: "combine comparisons with `and`, as in `a < b and b < c`")
            var levels = 0
            defer { depth -= levels }
            while let next = compareOperator(kind) {
                guard enter() else { break }
                levels += 1
                advance()
                result = expr(.binary(next, result, parseRange()), from: s)
            }
        }
        return result
    }

    /* compare_op     = "==" | "!=" | "<" | "<=" | ">" | ">=" ; */
    func compareOperator(_ k: TokenKind) -> BinaryOp? {
        switch k {
        case .equalEqual: return .equal
        case .bangEqual: return .notEqual
        case .less: return .less
        case .lessEqual: return .lessEqual
        case .greater: return .greater
        case .greaterEqual: return .greaterEqual
        default: return nil
        }
    }

    /* range_expr     = additive [ ( ".." | "..=" ) additive ] ; */
    mutating func parseRange() -> Expr {
        let s = start
        let lhs = parseAdditive()
        let op: BinaryOp
        switch kind {
        case .dotDot: op = .range
        case .dotDotEqual: op = .rangeInclusive
        default: return lhs
        }
        guard enter() else { return lhs }
        defer { depth -= 1 }
        advance()
        return expr(.binary(op, lhs, parseAdditive()), from: s)
    }

    /* additive       = multiplicative { ( "+" | "-" | "++" ) multiplicative } ; */
    mutating func parseAdditive() -> Expr {
        parseLeftAssociative({ $0.parseMultiplicative() }) { k in
            switch k {
            case .plus: return .add
            case .minus: return .subtract
            case .plusPlus: return .concat
            default: return nil
            }
        }
    }

    /* multiplicative = unary { ( "*" | "/" | "%" ) unary } ; */
    mutating func parseMultiplicative() -> Expr {
        parseLeftAssociative({ $0.parseUnary() }) { k in
            switch k {
            case .star: return .multiply
            case .slash: return .divide
            case .percent: return .remainder
            default: return nil
            }
        }
    }

    /* unary          = ( "-" | "+" ) unary | power ; */
    mutating func parseUnary() -> Expr {
        let op: UnaryOp
        switch kind {
        case .minus: op = .negate
        case .plus: op = .plus
        default: return parsePower()
        }
        let s = start
        guard enter() else { return errorExpr() }
        defer { depth -= 1 }
        advance()
        let operand = parseUnary()
        return expr(.unary(op, operand), from: s)
    }

    /* power          = postfix_expr [ "**" unary ] ; */
    mutating func parsePower() -> Expr {
        let s = start
        let base = parsePostfix()
        guard kind == .starStar else { return base }
        guard enter() else { return base }
        defer { depth -= 1 }
        advance()
        return expr(.binary(.power, base, parseUnary()), from: s)
    }
}
