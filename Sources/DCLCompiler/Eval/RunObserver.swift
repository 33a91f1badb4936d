// What `dcl run --out` and `--seeds` need from a run besides its text: the tables the script
// built and the values it printed, as values. The evaluator tells an observer (nil unless the
// driver asks) instead of the driver parsing printed text back — a table's cells keep their
// numbers at full precision, and a printed record keeps its fields.

/// A table built by `table(…)`: the values behind its cells, and the text it returned.
public struct BuiltTable {
    public let title: String?
    /// The header, one name per column (`c0`, `c1`, … for list rows without `columns:`).
    public let columns: [String]
    /// One value per column and row; nil where a record row has no such field.
    public let rows: [[Value?]]
    /// The `digits:` the table was printed with (floats use this many decimals).
    public let digits: Int
    /// The text `table(…)` returned, as `print` shows it.
    public let text: String

    public init(title: String?, columns: [String], rows: [[Value?]], digits: Int, text: String) {
        self.title = title
        self.columns = columns
        self.rows = rows
        self.digits = digits
        self.text = text
    }
}

/// A `claim(…)` a run made: `value` is said to lie above (or below) `other`. One seed shows
/// only this seed's numbers; `dcl run --seeds` judges the claim over all of them.
public struct MadeClaim: Equatable {
    public enum Direction: String, Sendable { case above, below }
    public let statement: String
    public let value: Double
    public let other: Double
    public let direction: Direction

    public init(statement: String, value: Double, other: Double, direction: Direction) {
        self.statement = statement
        self.value = value
        self.other = other
        self.direction = direction
    }
}

/// Told of the tables a run builds and the lines it prints (`Evaluator.runObserver`).
public protocol RunObserver: AnyObject {
    /// `table(…)` returned `table.text`; it may or may not be printed later.
    func tableBuilt(_ table: BuiltTable)
    /// A `print` statement is about to emit `line`, the display text of `values` joined by spaces.
    func printed(_ values: [Value], line: String)
    /// `claim(…)` was made (its line is reported through `printed` as well).
    func claimMade(_ claim: MadeClaim)
}

extension RunObserver {
    public func claimMade(_ claim: MadeClaim) {}
}
