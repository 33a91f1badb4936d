// `claim("…", x, above: y)`: a script states what its numbers should show. The run prints the
// claim with this seed's two numbers, as a line `--seeds` folds like any other; the driver then
// judges the claim over the seeds (it holds when the two 95 % intervals do not overlap). Within
// one run the claim evaluates to whether this seed's numbers agree, so a script may branch on it.

import DCLDiagnostics

extension Evaluator {
    func claim(_ a: BoundArguments, span: SourceSpan) throws -> Value {
        let statement = try string(a["statement"], "the claim", span: a.span(of: "statement") ?? span)
        let above = a["above"], below = a["below"]
        if above.isUnknown || below.isUnknown || a["value"].isUnknown { return .unknown }
        let direction: MadeClaim.Direction
        let otherValue: Value
        switch (above, below) {
        case (.none, .none):
            throw RuntimeError(RuntimeCode.type, "`claim` needs `above:` or `below:`, the number the value is claimed to beat", at: span)
        case (_, .none):
            direction = .above
            otherValue = above
        case (.none, _):
            direction = .below
            otherValue = below
        default:
            throw RuntimeError(RuntimeCode.type, "`claim` takes `above:` or `below:`, not both", at: span)
        }
        let value = try double(a["value"], "the claimed value", span: a.span(of: "value") ?? span)
        let other = try double(otherValue, "`\(direction.rawValue)`", span: a.span(of: direction.rawValue) ?? span)
        let made = MadeClaim(statement: statement, value: value, other: other, direction: direction)
        if !checkMode {
            let line = "claim: \(statement): \(Self.claimNumber(value)) \(direction == .above ? ">" : "<") \(Self.claimNumber(other))"
            runObserver?.claimMade(made)
            runObserver?.printed([.string(line)], line: line)
            hooks.emit(line)
        }
        return .bool(direction == .above ? value > other : value < other)
    }

    /// Four decimals, as tables print by default.
    static func claimNumber(_ x: Double) -> String { String(format: "%.4f", x) }
}
