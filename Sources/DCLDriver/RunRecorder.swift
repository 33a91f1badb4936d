// What one run printed, kept as values for `dcl run --out` (results.json, CSV) and `--seeds`
// (aggregation): every table the script printed, in order, and every record or metrics value
// it printed. The evaluator reports tables when they are built and lines when they are printed
// (RunObserver); a table counts once a `print` shows its text.

import DCLCompiler
import Foundation

/// A printed record or metrics value (`print evaluate(net, on: test)`, `print {acc: a}`).
struct PrintedRecord {
    /// The other values of the same `print`, as text (`print "test", m` gives "test").
    let label: String
    let value: Value
    /// The whole printed line.
    let line: String
}

/// One `print` of a run, in order: a line as printed, a held-back table (by its index), or the
/// line a `claim(…)` printed (`--seeds` judges claims in a section of their own).
enum PrintedItem: Equatable {
    case line(String)
    case table(Int)
    case claim(String)
}

final class RunRecorder: RunObserver {
    private(set) var tables: [BuiltTable] = []
    /// Every `print`, in order (SeedLines folds them).
    private(set) var printed: [PrintedItem] = []
    private(set) var records: [PrintedRecord] = []
    private(set) var claims: [MadeClaim] = []
    /// Tables built and not yet printed, by text (a later identical text replaces the entry:
    /// the values are the same).
    private var built: [String: BuiltTable] = [:]
    /// With `holdTables`: the line of the table print just recorded, which the output should
    /// not show (`--seeds` prints each table once, at the end).
    private var heldBack: String?
    let holdTables: Bool

    init(holdTables: Bool) { self.holdTables = holdTables }

    /// The claim whose line is printed next.
    private var claimPending = false

    func claimMade(_ claim: MadeClaim) {
        claims.append(claim)
        claimPending = true
    }

    func tableBuilt(_ table: BuiltTable) {
        built[table.text] = table
    }

    func printed(_ values: [Value], line: String) {
        if claimPending {
            claimPending = false
            printed.append(.claim(line))
            return
        }
        var labels: [String] = []
        var found: [Value] = []
        var held = false
        for v in values {
            switch v {
            case .string(let s):
                if let t = built[s] {
                    tables.append(t)
                    // Only a print of the table alone is held back; one mixed with other
                    // values prints as it is (the table still goes to results.json).
                    if holdTables, values.count == 1 {
                        heldBack = line
                        held = true
                    }
                } else {
                    labels.append(s)
                }
            case .record, .metrics:
                found.append(v)
            default:
                labels.append(v.displayString)
            }
        }
        printed.append(held ? .table(tables.count - 1) : .line(line))
        let label = labels.joined(separator: " ").trimmingCharacters(in: .whitespaces)
        for v in found { records.append(PrintedRecord(label: label, value: v, line: line)) }
    }

    /// Whether `line` is the table print just held back (and should not be shown).
    func takeHeldBack(_ line: String) -> Bool {
        guard let h = heldBack, h == line else { return false }
        heldBack = nil
        return true
    }
}
