// Parser behaviour that golden files express less directly: precedence, the newline rules,
// contextual words, conditions versus records, recovery across a file, and the error limit.

import DCLDiagnostics
import DCLBench
import Testing
@testable import DCLSyntax

@Suite struct ParserTests {
    func item(_ text: String) -> String {
        let p = Parsed(text)
        #expect(p.described == [], "\(text)")
        return p.items.first ?? ""
    }

    @Test(arguments: [
        ("a |> b or c", "(|> a (or b c))"),
        ("a or b and c", "(or a (and b c))"),
        ("not a == b", "(not (== a b))"),
        ("not not a", "(not (not a))"),
        ("a == b + c", "(== a (+ b c))"),
        ("a < 0..n", "(< a (.. 0 n))"),
        ("0..=n - 1", "(..= 0 (- n 1))"),
        ("a + b * c - d", "(- (+ a (* b c)) d)"),
        ("a ++ b ++ c", "(++ (++ a b) c)"),
        ("a % b / c", "(/ (% a b) c)"),
        ("-2 ** 2", "(neg (** 2 2))"),
        ("2 ** 3 ** 2", "(** 2 (** 3 2))"),
        ("2 ** -1", "(** 2 (neg 1))"),
        ("- -x", "(neg (neg x))"),
        ("+x", "(pos x)"),
        ("f(x)(y)[0].z", "(. (index (call (call f x) y) 0) z)"),
        ("(a + b) * c", "(* (paren (+ a b)) c)"),
        ("x |> conv2d(6, kernel: 5) |> relu", "(|> (|> x (call conv2d 6 (arg kernel 5))) relu)"),
    ])
    func precedence(text: String, expected: String) {
        #expect(item(text) == expected)
    }

    @Test func contextualWordsAreNamesElsewhere() {
        #expect(item("let input = on + to - from") == "(let input (- (+ on to) from))")
        #expect(item("head(stem, features: minimizing)") == "(call head stem (arg features minimizing))")
        #expect(item("model m { input = 1 }") == "(model m (body (= input 1)))")
        #expect(item("model m { features |> f }") == "(model m (body (|> features f)))")
        #expect(item("model m { head = 2 }") == "(model m (body (= head 2)))")
    }

    @Test func reservedWordsWhereNothingElseCouldBe() {
        #expect(item("train m on cloud.data") == "(train (m) (on (. cloud data)))")
        #expect(item("f(data: x, model: y)") == "(call f (arg data x) (arg model y))")
        #expect(item("let r = { data: 1, if: 2 }") == "(let r (record (data 1) (if 2)))")
        #expect(item("role r { data: d }") == "(role r (field data d))")
        #expect(item("fn f(m: model) -> data { return m }") == "(fn f (params (param m model)) (-> data) (body (return m)))")
        #expect(item("import std.data") == "(import std.data)")
    }

    @Test func keywordAsNameIsReported() {
        let p = Parsed("let model = 1\nlet ok = 2")
        #expect(p.described == ["1:5 E0022 `model` is a keyword and cannot be used as a name"])
        #expect(p.items == ["(let model 1)", "(let ok 2)"])
    }

    @Test func conditionsEndAtBrace() {
        #expect(item("if x { y }") == "(if (x (body y)))")
        #expect(item("for d in device { train m on d }") == "(for d device (body (train (m) (on d))))")
        #expect(item("while (f({a: 1})) { }") == "(while (paren (call f (record (a 1)))) (body))")
        #expect(item("let v = if a { {b: 1} } else { {} }") == "(let v (if-expr a (record (b 1)) (record)))")
        let p = Parsed("if { }")
        #expect(p.codes == ["E0021"])
    }

    @Test func newlineRules() {
        // Insignificant inside brackets, after an operator, before `|>` and `else`.
        #expect(Parsed("f(1,\n  2)\n[1,\n 2]").items == ["(call f 1 2)", "(list 1 2)"])
        #expect(Parsed("x = 1 +\n  2").items == ["(= x (+ 1 2))"])
        #expect(Parsed("x = a\n  |> b\n  |> c").items == ["(= x (|> (|> a b) c))"])
        #expect(Parsed("if a {\n} \n else {\n}").items == ["(if (a (body)) (else (body)))"])
        // Significant elsewhere: a leading operator starts a new statement.
        #expect(Parsed("x = a\n-b").items == ["(= x a)", "(neg b)"])
        #expect(Parsed("f\n(x)").items == ["f", "(paren x)"])
        // Records and field blocks: a line break separates entries.
        #expect(item("let r = {\n  a: 1\n  b: 2,\n}") == "(let r (record (a 1) (b 2)))")
        #expect(item("role r {\n  a: 1; b: 2\n  c { d: 3 }\n}") == "(role r (field a 1) (field b 2) (field c (fields (field d 3))))")
        // Inside a record inside parentheses, line breaks separate entries again.
        #expect(item("f({\n a: 1\n b: 2\n})") == "(call f (record (a 1) (b 2)))")
    }

    @Test func statementsNeedSeparators() {
        let p = Parsed("let a = 1 let b = 2\nlet c = 3; let d = 4")
        #expect(p.described == ["1:11 E0028 expected newline or `;` after the statement, found keyword `let`"])
        #expect(p.items == ["(let a 1)", "(let b 2)", "(let c 3)", "(let d 4)"])
    }

    @Test func distillDeclarationOrRun() {
        #expect(item("distill c = t -> s { loss: mse }") == "(distill c t s (record (loss mse)))")
        #expect(item("distill c on d { epochs: 1 }") == "(distill-run c (on d) (record (epochs 1)))")
        #expect(item("distill base.cloud on d") == "(distill-run (. base cloud) (on d))")
    }

    @Test func trainStatement() {
        #expect(item("train a, b on d minimizing loss(x) { epochs: 2 }")
                == "(train (a b) (on d) (minimizing (call loss x)) (record (epochs 2)))")
        #expect(Parsed("train a d").described == ["1:9 E0020 expected `on`, found `d`"])
    }

    @Test func assignments() {
        #expect(item("a.b[0] += 1") == "(+= (index (. a b) 0) 1)")
        let p = Parsed("f(x) = 1\n1 = 2")
        #expect(p.codes == ["E0024", "E0024"])
        #expect(p.errors[0].message == "cannot assign to a call")
    }

    @Test func chainedComparisonIsReportedOnce() {
        let p = Parsed("let ok = a < b < c")
        #expect(p.described == ["1:16 E0025 comparison operators cannot be chained"])
    }

    @Test func equalsInConditionRecovers() {
        let p = Parsed("if x = 1 {\n  print y +\n}")
        // The `=` is reported and read as `==`, so the error in the body is found too.
        #expect(p.codes == ["E0023", "E0021"])
    }

    @Test func braceOnNextLineIsReportedAndAccepted() {
        let p = Parsed("fn f()\n{\n  return 1 +\n}")
        #expect(p.codes == ["E0020", "E0021"])
        #expect(p.errors[0].hint == "put the `{` that opens the block at the end of this line")
    }

    @Test func unclosedParenthesisRecoversAtNextStatement() {
        let p = Parsed("let a = f(1, 2\nlet b = 3\nlet c = )")
        #expect(p.described == [
            "2:1 E0026 expected `)` to close `(`, found keyword `let`",
            "3:9 E0021 expected an expression, found `)`",
        ])
        #expect(p.errors[0].labels.map(\.message) == ["`(` opened here"])
        #expect(p.items.count == 3)
    }

    @Test func keywordsStartingLinesInsideBrackets() {
        // A label or an `if` expression at the start of a line inside brackets is not a statement
        // left behind by a missing `)` (found by fuzzing the formatter).
        #expect(item("evaluate(\n  m,\n  data: x,\n)") == "(call evaluate m (arg data x))")
        #expect(item("f(\n  if a { 1 } else { 2 },\n)") == "(call f (if-expr a 1 2))")
        #expect(item("let l = [\n  if a { 1 } else { 2 },\n]") == "(let l (list (if-expr a 1 2)))")
        #expect(item("let r = {\n  data: 1\n  model: 2\n}") == "(let r (record (data 1) (model 2)))")
    }

    @Test func oneErrorPerStatementManyPerFile() {
        let text = (1...5).map { "let x\($0) = (1 + ) * )" }.joined(separator: "\n")
        let p = Parsed(text)
        #expect(p.codes == Array(repeating: "E0021", count: 5))
    }

    @Test func errorLimitStopsOnce() {
        let text = Array(repeating: "let = 1", count: 50).joined(separator: "\n")
        let p = Parsed(text, errorLimit: 5)
        #expect(p.errors.count == 5)
        let notes = p.diagnostics.filter { $0.severity == .note }
        #expect(notes.map(\.message) == ["too many errors, stopping"])
        #expect(notes.map(\.code) == ["E0099"])
    }

    @Test func modelOnlyItems() {
        #expect(Parsed("input x: [1]").codes == ["E0032"])
        #expect(Parsed("features { relu }").codes == ["E0032"])
        #expect(Parsed("block b()(x) { input y: [1] }").codes == ["E0032"])
        #expect(Parsed("model m { print 1 }").codes == ["E0033"])
        #expect(Parsed("model m { features { while x { } } }").codes == ["E0033"])
        #expect(Parsed("fn f() { model m { } }").codes == ["E0034"])
        #expect(Parsed("if a { import std }").codes == ["E0034"])
    }

    @Test func ifExpressionNeedsElse() {
        let p = Parsed("let v = if a { 1 }")
        #expect(p.described == ["1:9 E0031 an `if` expression needs an `else` branch"])
    }

    @Test func elseWithoutIf() {
        #expect(Parsed("else { x }\nlet y = 1").codes == ["E0029"])
    }

    @Test func strayClosers() {
        let p = Parsed("}\nlet a = 1\n)")
        #expect(p.codes == ["E0027", "E0027"])
        #expect(p.items == ["(let a 1)"])
    }

    @Test func interpolationsParseAsExpressions() {
        #expect(item(#"print "a {x + 1:>4} b {f(y, k: "z")}""#)
                == #"(print (str "a " (interp (+ x 1) ">4") " b " (interp (call f y (arg k "z")))))"#)
        let p = Parsed(#"print "{a b}""#)
        #expect(p.described == [#"1:11 E0020 expected `}` to end the interpolation, found `b`"#])
    }

    @Test func nodeIDsAreUniqueAndSpansNest() {
        let p = Parsed(BenchmarkSource.program(lines: 200))
        #expect(p.described == [])
        #expect(p.spanViolations == [])
    }

    @Test func spansCoverTheirText() {
        let p = Parsed("let total = f(a, b: 2) + 1")
        guard case .binding(_, _, let value, _)? = p.program.items.first?.kind else {
            Issue.record("not a binding")
            return
        }
        #expect(p.file.text(of: value.span) == "f(a, b: 2) + 1")
        #expect(p.file.text(of: p.program.items[0].span) == "let total = f(a, b: 2) + 1")
    }
}
