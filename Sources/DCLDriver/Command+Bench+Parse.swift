// `dcl bench parse`: times lexing and parsing a generated program of N lines (release builds;
// median of several runs) and reports lines/s, bytes/s and peak RSS, to set beside CPython's
// `ast.parse` on a file of the same length (shared/bench-ref/ast_bench.py).

import ArgumentParser
import DCLBench
import DCLDiagnostics
import DCLSyntax
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dcl bench parse` — the syntax layer's speed.
public struct BenchParse: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Time lexing and parsing a generated dcl program."
    )
    @OptionGroup var options: BenchParseOptions
    public init() {}
    public func run() throws { try options.run() }
}

public struct BenchParseOptions: ParsableArguments {
    @Option(help: "Lines in the generated program.")
    var lines: Int = 50_000

    @Option(help: "Timed runs; the median is reported.")
    var repeats: Int = 7

    @Flag(help: "Print the results as one JSON object.")
    var json = false

    @Option(help: "Also write the generated program to this file.")
    var write: String?

    public init() {}

    func run() throws {
        guard lines > 0, repeats > 0 else { throw ValidationError("--lines and --repeats must be positive") }
        let text = BenchmarkSource.program(lines: lines)
        if let path = write { try AtomicFile.replace(path, with: Array(text.utf8)) }
        let sources = SourceManager()
        let file = sources.add(path: "<bench>", text: text)
        let lineCount = file.lineCount - (text.hasSuffix("\n") ? 1 : 0)

        // One untimed run warms caches and checks the program is valid.
        let check = DiagnosticEngine()
        let program = Parser.parse(file, diagnostics: check)
        guard !check.hasErrors else {
            throw BenchError("the generated program has syntax errors:\n" + DiagnosticRenderer(sources: sources).render(check.sorted))
        }
        let items = program.items.count
        let tokens = Lexer.lex(file, diagnostics: DiagnosticEngine()).tokens.count

        var lexTimes: [Double] = [], parseTimes: [Double] = []
        for _ in 0..<repeats {
            let t0 = now()
            let lexed = Lexer.lex(file, diagnostics: DiagnosticEngine())
            let t1 = now()
            let parsed = Parser.parse(file, lexed: lexed, diagnostics: DiagnosticEngine())
            let t2 = now()
            lexTimes.append(t1 - t0)
            parseTimes.append(t2 - t0)
            withExtendedLifetime(parsed) {}
        }
        // Parse + check: loading (with the StdLib import), the checker, and check-mode shape
        // elaboration of every model — what `dcl check` does.
        var checkTimes: [Double] = []
        for _ in 0..<repeats {
            let t0 = now()
            let c = Pipeline.load(path: "<bench>", text: Array(text.utf8))
            if let p = c.program, !c.diagnostics.hasErrors { Pipeline.checkShapes(p, diagnostics: c.diagnostics) }
            let t1 = now()
            guard !c.diagnostics.hasErrors else {
                throw BenchError("the generated program does not check:\n" + DiagnosticRenderer(sources: c.sources).render(c.diagnostics.sorted))
            }
            checkTimes.append(t1 - t0)
        }
        let checked = median(checkTimes)
        let lex = median(lexTimes), total = median(parseTimes)
        let bytes = Double(file.bytes.count)
        let rss = peakRSS()
        if json {
            print("{\"lines\":\(lineCount),\"bytes\":\(file.bytes.count),\"tokens\":\(tokens),\"items\":\(items),"
                + "\"repeats\":\(repeats),\"lex_ms\":\(ms(lex)),\"lex_parse_ms\":\(ms(total)),"
                + "\"parse_check_ms\":\(ms(checked)),\"lines_per_s\":\(Int(Double(lineCount) / checked)),"
                + "\"parse_lines_per_s\":\(Int(Double(lineCount) / total)),\"bytes_per_s\":\(Int(bytes / total)),"
                + "\"lex_lines_per_s\":\(Int(Double(lineCount) / lex)),\"peak_rss_bytes\":\(rss)}")
        } else {
            print("dcl lex+parse: \(lineCount) lines, \(String(format2(bytes / 1e6))) MB, \(tokens) tokens")
            print("  lex        median \(ms(lex)) ms -> \(Int(Double(lineCount) / lex / 1000)) klines/s")
            print("  lex+parse  median \(ms(total)) ms -> \(Int(Double(lineCount) / total / 1000)) klines/s, \(format2(bytes / total / 1e6)) MB/s")
            print("  parse+check median \(ms(checked)) ms -> \(Int(Double(lineCount) / checked / 1000)) klines/s (names, types, placement, budgets, shapes)")
            print("  peak RSS   \(format2(Double(rss) / 1_048_576)) MiB")
        }
    }

    func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    func ms(_ s: Double) -> String { format2(s * 1000) }
    func format2(_ x: Double) -> String { String(Double(Int((x * 100).rounded())) / 100) }

    /// Peak resident set size of this process, in bytes.
    func peakRSS() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #endif
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
