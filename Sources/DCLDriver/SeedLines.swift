// `dcl run --seeds`' closing summary: the script's printed output once, in the order it was
// printed, folded over the seeds — each table as SeedAggregate folded it, and each printed
// line with the numbers that differ between seeds as `mean ± h` (95 % Student t), written with
// as many decimals as the script printed. A number inside a word (`conv2d`) is text. A line
// whose text (numbers aside) differs between seeds is shown once per seed instead. When the
// seeds printed different sequences (a loop ran a seed-dependent number of times) nothing but
// the tables can be lined up, and the caller prints only those. The lines `claim(…)` printed are
// left out: the claims section after the summary judges them from full-precision numbers.

import Foundation

enum SeedLines {
    /// The folded output, one entry per `print`; nil if the seeds' prints do not line up.
    static func fold(_ runs: [SeedRun], tables: [AggregatedTable]) -> [String]? {
        guard let first = runs.first, runs.allSatisfy({ $0.printed.count == first.printed.count }) else { return nil }
        var out: [String] = []
        for (k, item) in first.printed.enumerated() {
            switch item {
            case .table(let i):
                for r in runs {
                    guard case .table(let j) = r.printed[k], j == i, i < tables.count else { return nil }
                }
                out.append(tables[i].text)
            case .claim:
                // Judged, with full-precision intervals, in the claims section that follows.
                for r in runs {
                    guard case .claim = r.printed[k] else { return nil }
                }
            case .line:
                var lines: [String] = []
                for r in runs {
                    guard case .line(let l) = r.printed[k] else { return nil }
                    lines.append(l)
                }
                out.append(foldLine(lines) ?? zip(runs, lines).map { "[seed \($0.seed)] " + $1 }.joined(separator: "\n"))
            }
        }
        return out
    }

    /// `lines` (one per seed) as one line, or nil if they differ in more than numbers.
    static func foldLine(_ lines: [String]) -> String? {
        let parts = lines.map(split)
        guard let texts = parts.first?.texts, parts.allSatisfy({ $0.texts == texts }) else { return nil }
        var out = texts[0]
        for n in 0..<(texts.count - 1) {
            let spelled = parts.map { $0.numbers[n] }
            if spelled.allSatisfy({ $0 == spelled[0] }) {
                out += spelled[0]
            } else {
                let values = spelled.compactMap { Double($0) }
                guard values.count == spelled.count else { return nil }
                let mean = values.reduce(0, +) / Double(values.count), h = StudentT.halfWidth95(values)
                if spelled.contains(where: { $0.contains("e") || $0.contains("E") }) {
                    out += String(format: "%.3g ± %.3g", mean, h)
                } else {
                    let decimals = spelled.map { s in s.firstIndex(of: ".").map { s.distance(from: $0, to: s.endIndex) - 1 } ?? 0 }.max() ?? 0
                    out += String(format: "%.\(decimals)f ± %.\(decimals)f", mean, h)
                }
            }
            out += texts[n + 1]
        }
        return out
    }

    /// A line as the text around its numbers (`texts.count == numbers.count + 1`). A number is
    /// digits with an optional `-` in front, fraction and exponent, not preceded by a letter,
    /// digit, `_` or `.`.
    static func split(_ line: String) -> (texts: [String], numbers: [String]) {
        let cs = Array(line)
        var texts: [String] = [], numbers: [String] = []
        var text = "", i = 0
        func isDigit(_ k: Int) -> Bool { k < cs.count && cs[k].isASCII && cs[k].isNumber }
        while i < cs.count {
            let previous: Character? = i > 0 ? cs[i - 1] : nil
            let startsWord = previous.map { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") } ?? true
            let negative = cs[i] == "-" && isDigit(i + 1)
            guard startsWord, isDigit(i) || negative else {
                text.append(cs[i])
                i += 1
                continue
            }
            var j = negative ? i + 1 : i
            while isDigit(j) { j += 1 }
            if j < cs.count, cs[j] == ".", isDigit(j + 1) {
                j += 1
                while isDigit(j) { j += 1 }
            }
            if j < cs.count, cs[j] == "e" || cs[j] == "E" {
                let k = j + 1 < cs.count && (cs[j + 1] == "-" || cs[j + 1] == "+") ? j + 2 : j + 1
                if isDigit(k) {
                    j = k
                    while isDigit(j) { j += 1 }
                }
            }
            texts.append(text)
            numbers.append(String(cs[i..<j]))
            text = ""
            i = j
        }
        texts.append(text)
        return (texts, numbers)
    }
}
