// Hostile input must never crash or hang the lexer, parser, printer, renderer or formatter.
//
// Random bytes, random token soup, and mutations (delete, duplicate, swap, insert tokens;
// truncate) of every sample, example and golden file, from a fixed seed — then the specific
// monsters: 100 000 nested brackets, blocks and operators, 10 MB lines, invalid UTF-8, strings
// and comments cut off by the end of the file. Every parse must give a sound tree (spans nest,
// IDs unique); a mutant that happens to be valid must still satisfy the formatter's contract.

import DCLDiagnostics
import Foundation
import Testing
@testable import DCLSyntax

/// A result handed from a thread to the test that waits for it.
final class ThreadResult<T>: @unchecked Sendable {
    var value: T?
    let done = DispatchSemaphore(value: 0)
}

/// SplitMix64: tiny, seedable, the same everywhere.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
}

@Suite struct RobustnessTests {
    /// Parses, checks the tree, prints it, renders the diagnostics, and — if the input is valid —
    /// checks the formatter's contract. Returns a description of any problem.
    static func exercise(_ bytes: [UInt8]) -> String? {
        let p = Parsed(bytes: bytes)
        let violations = p.spanViolations
        if !violations.isEmpty { return "span violations: \(violations.prefix(3))" }
        _ = p.dump
        let renderer = DiagnosticRenderer(sources: p.sources, color: true)
        _ = renderer.render(p.diagnostics)
        _ = renderer.json(p.diagnostics)
        guard p.engine.errorCount == 0, !p.engine.hasErrors else { return nil }
        let once = SourceFormatter.format(p.program, source: p.file)
        let q = Parsed(once)
        if !q.described.isEmpty { return "formatted output has errors \(q.described)\n\(once)" }
        if q.dump != p.dump { return "formatting changed the meaning\n\(once)" }
        let twice = SourceFormatter.format(q.program, source: q.file)
        if twice != once { return "formatting is not idempotent\n\(once)\n---\n\(twice)" }
        return nil
    }

    static func describe(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(300), as: UTF8.self).debugDescription
    }

    @Test func randomBytes() {
        var rng = TestRandom(seed: 0xD0C1)
        let alphabet = Array("abcxyz_019 \n\t(){}[],;:.|>=<!+-*/%\"\\'@#e.kMiB".utf8) + [0, 7, 13, 0x7F, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xFF, 0xF0, 0x9F]
        for _ in 0..<1500 {
            let n = rng.below(200)
            let bytes = (0..<n).map { _ in rng.below(4) == 0 ? UInt8(truncatingIfNeeded: rng.next()) : rng.pick(alphabet) }
            if let problem = Self.exercise(bytes) { Issue.record("\(problem)\ninput: \(Self.describe(bytes))"); return }
        }
    }

    static let soup: [String] = Lexicon.table.map(\.text) + [
        "x", "y", "conv2d", "relu", "0", "42", "1.5", "1e3", "100k", "1MiB", "\"s\"", "\"a {x} b\"", "\"{y:.2f}\"",
        "\n", "\n", "\n", "// c\n", "/* b */", "\"", "/*", "{", "}", "(", ")",
    ]

    @Test func tokenSoup() {
        var rng = TestRandom(seed: 0x50_0B)
        for _ in 0..<1500 {
            let n = 1 + rng.below(60)
            let text = (0..<n).map { _ in rng.pick(Self.soup) }.joined(separator: rng.below(3) == 0 ? "" : " ")
            if let problem = Self.exercise(Array(text.utf8)) { Issue.record("\(problem)\ninput: \(text.debugDescription)"); return }
        }
    }

    /// Token boundaries of a file (by lexing it), for mutations that act on whole tokens.
    static func tokenRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        let file = SourceFile(id: FileID(0), path: "m", bytes: bytes)
        return Lexer.lex(file, diagnostics: DiagnosticEngine()).tokens.dropLast().map { Int($0.start)..<Int($0.end) }
    }

    static func mutate(_ bytes: [UInt8], _ tokens: [Range<Int>], _ rng: inout TestRandom) -> [UInt8] {
        guard !tokens.isEmpty else { return bytes }
        let t = rng.pick(tokens)
        switch rng.below(5) {
        case 0:  // delete a token
            return Array(bytes[..<t.lowerBound] + bytes[t.upperBound...])
        case 1:  // duplicate a token
            return Array(bytes[..<t.upperBound] + [0x20] + bytes[t] + bytes[t.upperBound...])
        case 2:  // swap two tokens
            let u = rng.pick(tokens)
            let (a, b) = t.lowerBound < u.lowerBound ? (t, u) : (u, t)
            guard a.upperBound <= b.lowerBound else { return bytes }
            return Array(bytes[..<a.lowerBound] + bytes[b] + bytes[a.upperBound..<b.lowerBound] + bytes[a] + bytes[b.upperBound...])
        case 3:  // insert a token from the soup
            return Array(bytes[..<t.lowerBound] + Array(rng.pick(Self.soup).utf8) + [0x20] + bytes[t.lowerBound...])
        default:  // truncate
            return Array(bytes[..<rng.below(bytes.count + 1)])
        }
    }

    @Test func mutationsOfEveryKnownFile() {
        var rng = TestRandom(seed: 0x3117)
        let files = Repo.validPrograms + Repo.dclFiles(under: Repo.golden)
        #expect(files.count > 100)
        var cases = 0
        for url in files {
            let original = Repo.bytes(url)
            let tokens = Self.tokenRanges(original)
            for _ in 0..<12 {
                var bytes = original
                for _ in 0...rng.below(3) { bytes = Self.mutate(bytes, tokens.filter { $0.upperBound <= bytes.count }, &rng) }
                cases += 1
                if let problem = Self.exercise(bytes) {
                    Issue.record("\(Repo.relative(url)) mutated: \(problem)\ninput: \(Self.describe(bytes))")
                    return
                }
            }
        }
        #expect(cases > 1000)
    }

    /// Comments inserted at token boundaries of every valid file: where the result still parses,
    /// the formatter must keep every comment, keep the meaning and be idempotent. (This found
    /// the formatter's hardest bugs; a release build runs millions of these in a minute.)
    @Test func commentsInsertedAnywhere() {
        var rng = TestRandom(seed: 0xC0_11E7)
        let files = Repo.validPrograms + Repo.dclFiles(under: Repo.golden.appendingPathComponent("grammar"))
            + Repo.dclFiles(under: Repo.golden.appendingPathComponent("format"))
        let comments = ["/* c */", "// c\n", "\n// own line\n", "/* multi\n line */", " /* x */ ", "//\n", "/**/"]
        var valid = 0
        for url in files {
            let original = Repo.bytes(url)
            let tokens = Self.tokenRanges(original)
            guard !tokens.isEmpty else { continue }
            for _ in 0..<5 {
                var bytes = original
                let offsets = (0...rng.below(4)).map { _ -> Int in
                    let t = rng.pick(tokens)
                    return rng.below(2) == 0 ? t.lowerBound : t.upperBound
                }
                for p in offsets.sorted(by: >) { bytes.insert(contentsOf: Array(rng.pick(comments).utf8), at: p) }
                guard !Parsed(bytes: bytes).engine.hasErrors else { continue }
                valid += 1
                if let problem = Self.exercise(bytes) {
                    Issue.record("\(Repo.relative(url)) with comments: \(problem)\ninput: \(Self.describe(bytes))")
                    return
                }
            }
        }
        #expect(valid > 250)
    }

    // MARK: Specific monsters

    /// Runs `body` on a new thread with the platform's default stack size (no `stackSize` set)
    /// and returns its result: recursion depth, not the test runner's stack, is what is tested.
    static func onThread<T>(stackSize: Int? = nil, _ body: @escaping () -> T) -> T {
        let box = ThreadResult<T>()
        let thread = Thread {
            box.value = body()
            box.done.signal()
        }
        if let size = stackSize { thread.stackSize = size }
        thread.start()
        box.done.wait()
        return box.value!
    }

    /// The codes reported for `text`, parsed, printed, span-checked and rendered on a thread.
    static func codes(deep text: String, stackSize: Int? = nil) -> [String] {
        onThread(stackSize: stackSize) {
            let p = Parsed(text)
            _ = p.dump
            _ = DiagnosticRenderer(sources: p.sources).render(p.diagnostics)
            let v = p.spanViolations
            return v.isEmpty ? p.codes : ["span violations: \(v.prefix(2))"]
        }
    }

    /// 100 000 levels of each way to nest (built here: the test runner prints arguments).
    static func deep(_ name: String, levels n: Int = 100_000) -> String {
        func r(_ s: String, _ k: Int = n) -> String { String(repeating: s, count: k) }
        switch name {
        case "parentheses": return "let x = " + r("(") + "1" + r(")")
        case "brackets": return "let x = " + r("[") + r("]")
        case "records": return "let x = " + r("{a: ") + "1" + r("}")
        case "blocks": return r("if a {\n") + r("}\n")
        case "field blocks": return "role r {" + r("a {") + r("}", n + 1)
        case "minus": return "let x = " + r("-") + "1"
        case "not": return "let x = " + r("not ") + "a"
        case "power": return "let x = " + r("2 ** ") + "2"
        case "members": return "let x = a" + r(".b")
        case "calls": return "let x = f" + r("()")
        case "else if": return "let x = if a { 1 }" + r(" else if a { 1 }") + " else { 2 }"
        case "types": return "let x: " + r("list[") + "int" + r("]") + " = 1"
        case "interpolations": return "let x = " + r("\"{") + "1"
        default: return ""
        }
    }

    @Test(arguments: ["parentheses", "brackets", "records", "blocks", "field blocks", "minus", "not", "power",
                      "members", "calls", "else if", "types", "interpolations"])
    func nestingIsRefused(name: String) {
        let codes = Self.codes(deep: Self.deep(name))
        #expect(codes.first == "E0030", "\(name): \(codes.prefix(5))")
        #expect(codes.filter { $0 == "E0030" }.count == 1, "\(name): reported once, \(codes.prefix(5))")
    }

    /// On a small stack (a macOS secondary thread's 512 KB) the depth limit shrinks so that the
    /// parser and every pass over the tree still fit: no construct may crash any of them.
    @Test(arguments: ["parentheses", "brackets", "records", "blocks", "field blocks", "minus", "not", "power",
                      "members", "calls", "else if", "types", "interpolations", "sum"])
    func smallStacksAreSafe(name: String) {
        let text = name == "sum" ? "let x = " + String(repeating: "1 + ", count: 5_000) + "1" : Self.deep(name, levels: 5_000)
        let codes = Self.onThread(stackSize: 512 * 1024) { () -> [String] in
            let p = Parsed(text)
            _ = p.dump
            _ = p.spanViolations
            _ = DiagnosticRenderer(sources: p.sources).render(p.diagnostics)
            return p.codes
        }
        #expect(codes.first == "E0030", "\(name): \(codes.prefix(5))")
        #expect(codes.filter { $0 == "E0030" }.count == 1)
    }

    /// Just under the (smaller) limit of a small stack, a valid program also formats.
    @Test func smallStacksFormatWhatTheyParse() {
        let ok = Self.onThread(stackSize: 512 * 1024) { () -> Bool in
            let limit = StackGuard.depthLimit()
            var all = true
            for n in [limit - 2, limit / 2] {
                let blocks = Parsed(String(repeating: "if a {\n", count: n) + String(repeating: "}\n", count: n))
                let sum = Parsed("let x = " + String(repeating: "1 + ", count: n - 2) + "1")
                for p in [blocks, sum] {
                    guard p.errors.isEmpty else { all = false; continue }
                    _ = p.dump
                    _ = SourceFormatter.format(p.program, source: p.file)
                }
            }
            return all
        }
        #expect(ok)
    }

    @Test func nestingJustUnderTheLimitIsFine() {
        let n = SyntaxLimits.maxNesting - 1
        #expect(Self.codes(deep: "let x = " + String(repeating: "(", count: n - 1) + "1" + String(repeating: ")", count: n - 1)) == [])
        #expect(Self.codes(deep: String(repeating: "if a {\n", count: n) + String(repeating: "}\n", count: n)) == [])
    }

    @Test func tenMegabyteLines() {
        let tenMB = 10_000_000
        // A 10 MB string literal and a 10 MB comment: valid.
        #expect(Self.codes(deep: "let s = \"" + String(repeating: "a", count: tenMB) + "\"\n") == [])
        #expect(Self.codes(deep: "let s = 1 // " + String(repeating: "c", count: tenMB) + "\nlet t = 2") == [])
        // A 10 MB chain of additions nests too deep for the tree walkers: refused, once.
        #expect(Self.codes(deep: "let y = " + String(repeating: "1 + ", count: tenMB / 4) + "1\n") == ["E0030"])
        // A 10 MB line of garbage: one error per run of bad characters, capped at the limit.
        #expect(Self.codes(deep: String(repeating: "@ x ", count: tenMB / 4)).count == 20)
        // A flat list of 300 000 elements (1 MB; 10 MB takes too long in debug builds): valid, not deep.
        #expect(Self.codes(deep: "let x = [" + String(repeating: "1, ", count: 300_000) + "]\n") == [])
    }

    @Test func cutOffAtTheEndOfTheFile() {
        #expect(Parsed("let s = \"abc").codes == ["E0004"])
        #expect(Parsed("let s = \"abc {f(").codes == ["E0004"])
        #expect(Parsed("let s = \"abc\\").codes == ["E0004"])
        #expect(Parsed("let s = 1 /* abc").codes == ["E0005"])
        #expect(Parsed("let s = 1 /* a /* b */").codes == ["E0005"])
        #expect(Parsed("model m { features { relu").codes == ["E0026"])
        #expect(Parsed("let x = 1e").codes == ["E0009"])
        #expect(Parsed(bytes: Array("let s = \"".utf8) + [0xE2, 0x82]).codes == ["E0004", "E0001"])
    }

    @Test func invalidUTF8Everywhere() {
        var rng = TestRandom(seed: 0xBAD)
        let base = Array(Repo.read(Repo.samples.appendingPathComponent("dc_ccl.dcl")).utf8)
        for _ in 0..<200 {
            var bytes = base
            for _ in 0..<5 { bytes.insert(UInt8(0x80 + rng.below(0x80)), at: rng.below(bytes.count)) }
            let p = Parsed(bytes: bytes)
            #expect(p.codes.contains("E0001"))
            #expect(p.spanViolations == [])
        }
    }
}
