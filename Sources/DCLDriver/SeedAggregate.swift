// `dcl run --seeds`: the tables of every seed's run folded into one table each. A number that
// differs between seeds becomes `mean ± h`, h the half-width of the 95 % Student-t interval of
// the mean (StudentT.swift); a number that is the same in every seed (a device count, a
// parameter count) prints as it is. Everything else — titles, column names, the number of
// tables and rows, every text cell — must be the same in every seed: a table whose rows
// depend on the seed cannot be averaged cell by cell, and the error says where it differs.

import DCLCompiler
import DCLText
import Foundation

/// What one seed's run left: its tables and printed records, and how long it took.
struct SeedRun {
    let seed: UInt64
    let seconds: Double
    let tables: [BuiltTable]
    let records: [PrintedRecord]
    /// Every `print` in order (for the folded summary).
    var printed: [PrintedItem] = []
    /// The `claim(…)`s made, in order (ClaimVerdicts.swift judges them).
    var claims: [MadeClaim] = []
}

/// One cell of an aggregated table.
enum AggregateCell {
    /// The same value in every seed (nil: an empty cell).
    case same(Value?)
    /// A number that varied: each seed's value in seed order, their mean and 95 % half-width.
    case varied(values: [Double], mean: Double, halfWidth: Double)
}

struct AggregatedTable {
    let title: String?
    let columns: [String]
    let digits: Int
    let rows: [[AggregateCell]]

    /// The table as `table(…)` lays it out, varied numbers as `mean ± h` with the table's digits.
    var text: String {
        let cells = rows.map { row in
            row.map { cell -> String in
                switch cell {
                case .same(let v): return v.map { tableCell($0, digits: digits) } ?? ""
                case .varied(_, let mean, let h):
                    return String(format: "%.\(digits)f", mean) + " ± " + String(format: "%.\(digits)f", h)
                }
            }
        }
        return TextTable.render(title: title, header: columns, cells: cells)
    }

    /// Whether any cell of column `j` varied between seeds.
    func varies(column j: Int) -> Bool {
        rows.contains { row in
            if j < row.count, case .varied = row[j] { return true }
            return false
        }
    }
}

/// A cell as `table(…)` prints it: floats with `digits` decimals, everything else as `print` shows it.
func tableCell(_ v: Value, digits: Int) -> String {
    if case .float(let f) = v { return String(format: "%.\(digits)f", f) }
    return v.displayString
}

enum SeedAggregate {
    struct Mismatch: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    static func tables(_ runs: [SeedRun]) throws -> [AggregatedTable] {
        guard let first = runs.first else { return [] }
        for r in runs.dropFirst() where r.tables.count != first.tables.count {
            throw Mismatch(message: "seed \(first.seed) printed \(count(first.tables.count)) and seed \(r.seed) printed \(count(r.tables.count)); "
                + "every seed must print the same tables")
        }
        return try first.tables.indices.map { i in try table(i, runs) }
    }

    private static func count(_ n: Int) -> String { n == 1 ? "1 table" : "\(n) tables" }

    private static func table(_ i: Int, _ runs: [SeedRun]) throws -> AggregatedTable {
        let base = runs[0].tables[i], seed0 = runs[0].seed
        let name = "table \(i + 1)" + (base.title.map { " (\(quotedForMessage($0)))" } ?? "")
        func mismatch(_ what: String) -> Mismatch {
            Mismatch(message: "\(name): \(what); only numbers may differ between seeds")
        }
        for r in runs.dropFirst() {
            let t = r.tables[i]
            if t.title != base.title {
                throw mismatch("the title is \(shown(base.title)) in seed \(seed0) but \(shown(t.title)) in seed \(r.seed)")
            }
            if t.columns != base.columns {
                throw mismatch("the columns are \(base.columns) in seed \(seed0) but \(t.columns) in seed \(r.seed)")
            }
            if t.rows.count != base.rows.count {
                throw mismatch("\(base.rows.count) rows in seed \(seed0) but \(t.rows.count) in seed \(r.seed)")
            }
        }
        var rows: [[AggregateCell]] = []
        for (ri, baseRow) in base.rows.enumerated() {
            var row: [AggregateCell] = []
            for (ci, baseCell) in baseRow.enumerated() {
                let column = ci < base.columns.count && !base.columns[ci].isEmpty ? "column `\(base.columns[ci])`" : "column \(ci + 1)"
                let cells = runs.map { $0.tables[i].rows[ri][ci] }
                if let numbers = numeric(cells) {
                    if numbers.allSatisfy({ $0 == numbers[0] || ($0.isNaN && numbers[0].isNaN) }) {
                        row.append(.same(baseCell))
                    } else {
                        let mean = numbers.reduce(0, +) / Double(numbers.count)
                        row.append(.varied(values: numbers, mean: mean, halfWidth: StudentT.halfWidth95(numbers)))
                    }
                    continue
                }
                let text0 = cells[0].map { tableCell($0, digits: base.digits) }
                for (r, c) in zip(runs, cells).dropFirst() {
                    let text = c.map { tableCell($0, digits: base.digits) }
                    guard text == text0 else {
                        throw mismatch("row \(ri + 1), \(column) is \(shown(text0)) in seed \(seed0) but \(shown(text)) in seed \(r.seed)")
                    }
                }
                row.append(.same(baseCell))
            }
            rows.append(row)
        }
        return AggregatedTable(title: base.title, columns: base.columns, digits: base.digits, rows: rows)
    }

    /// Every seed's cell as a number, or nil if any is not an int or a float.
    private static func numeric(_ cells: [Value?]) -> [Double]? {
        var out: [Double] = []
        for c in cells {
            switch c {
            case .int(let n)?: out.append(Double(n))
            case .float(let f)?: out.append(f)
            default: return nil
            }
        }
        return out
    }

    private static func shown(_ s: String?) -> String { s.map(quotedForMessage) ?? "empty" }

    private static func quotedForMessage(_ s: String) -> String { quoted(s, .message(limit: 80)) }
}
