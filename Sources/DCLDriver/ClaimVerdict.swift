// `dcl run --seeds`' judgement of the script's `claim(…)`s: per claim, the claimed value and
// the number it should beat as mean ± 95 % half-width (Student t) over the seeds, and a verdict
// — it holds when the two intervals do not overlap in the claimed direction, is contradicted
// when they do not overlap the other way, and is not shown when they overlap. Claims are
// matched by position; seeds that made different claims are not judged.

import DCLCompiler
import Foundation

struct ClaimVerdict {
    enum Outcome: String {
        case holds
        case notShown = "not shown"
        case contradicted
    }

    let statement: String
    let direction: MadeClaim.Direction
    let values: [Double]
    let others: [Double]
    let mean: Double, halfWidth: Double
    let otherMean: Double, otherHalfWidth: Double
    let outcome: Outcome

    init(statement: String, direction: MadeClaim.Direction, values: [Double], others: [Double]) {
        self.statement = statement
        self.direction = direction
        self.values = values
        self.others = others
        mean = values.reduce(0, +) / Double(values.count)
        otherMean = others.reduce(0, +) / Double(others.count)
        halfWidth = values.count > 1 ? StudentT.halfWidth95(values) : .infinity
        otherHalfWidth = others.count > 1 ? StudentT.halfWidth95(others) : .infinity
        let (lo, hi) = (mean - halfWidth, mean + halfWidth)
        let (otherLo, otherHi) = (otherMean - otherHalfWidth, otherMean + otherHalfWidth)
        let above = lo > otherHi, below = hi < otherLo
        switch direction {
        case .above: outcome = above ? .holds : below ? .contradicted : .notShown
        case .below: outcome = below ? .holds : above ? .contradicted : .notShown
        }
    }

    /// `holds         ours beats theirs: 0.9512 ± 0.0040 > 0.9421 ± 0.0031`
    var line: String {
        let sign = direction == .above ? ">" : "<"
        // A side that is the same in every seed (a fixed threshold) is shown without ±.
        let side = { (m: Double, h: Double) in h == 0 ? String(format: "%.4f", m) : String(format: "%.4f ± %.4f", m, h) }
        var text = "\(outcome.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0))\(statement): "
            + "\(side(mean, halfWidth)) \(sign) \(side(otherMean, otherHalfWidth))"
        switch outcome {
        case .holds: break
        case .notShown: text += " (the intervals overlap)"
        case .contradicted: text += " (the intervals do not overlap, the other way round)"
        }
        return text
    }

    /// Verdicts for the claims every seed made in the same order; nil if the seeds' claims do
    /// not line up (a claim made under a seed-dependent condition).
    static func judge(_ runs: [SeedRun]) -> [ClaimVerdict]? {
        guard let first = runs.first else { return [] }
        for r in runs {
            guard r.claims.count == first.claims.count,
                  zip(r.claims, first.claims).allSatisfy({ $0.statement == $1.statement && $0.direction == $1.direction })
            else { return nil }
        }
        return first.claims.indices.map { i in
            ClaimVerdict(statement: first.claims[i].statement, direction: first.claims[i].direction,
                         values: runs.map { $0.claims[i].value }, others: runs.map { $0.claims[i].other })
        }
    }

    /// The closing section `--seeds` prints (empty when the script makes no claim).
    static func section(_ runs: [SeedRun]) -> [String] {
        guard runs.contains(where: { !$0.claims.isEmpty }) else { return [] }
        guard let verdicts = judge(runs) else {
            return ["", "claims: the seeds made different claims (a claim under a seed-dependent condition); not judged"]
        }
        return ["", "claims over \(runs.count) seeds (holds: the 95% intervals do not overlap in the claimed direction)"]
            + verdicts.map { "  " + $0.line }
    }
}
