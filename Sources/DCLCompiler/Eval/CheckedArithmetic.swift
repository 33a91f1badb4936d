// Integer arithmetic on script values. Script integers are 64-bit and user-controlled, and Swift
// traps on overflow, so every operation here either gives the exact result or throws E0503 at the
// expression — `-(-9223372036854775807 - 1)`, `div(-9223372036854775807 - 1, -1)`, `floor(1e300)`
// and `2 ** 64` are errors, never crashes.

import DCLDiagnostics
import DCLTensor

/// The message hint every overflow shares.
let integerRangeHint = "integers are 64-bit, from -9223372036854775808 to 9223372036854775807"

extension Evaluator {
    func overflowError(_ what: String, at span: SourceSpan) -> RuntimeError {
        RuntimeError(RuntimeCode.value, "integer overflow in \(what)", at: span, hint: integerRangeHint)
    }

    /// The result of a `…ReportingOverflow` operation, or an overflow error.
    func checked(_ r: (partialValue: Int, overflow: Bool), _ what: String, at span: SourceSpan) throws -> Int {
        if r.overflow { throw overflowError(what, at: span) }
        return r.partialValue
    }

    /// A float rounded (by `rule`) to an int, or an error if it is not finite or out of range.
    func integer(_ d: Double, rounding rule: FloatingPointRoundingRule, _ what: String, at span: SourceSpan) throws -> Int {
        guard let i = Int(exactly: d.rounded(rule)) else {
            throw RuntimeError(RuntimeCode.value, "\(what) of \(formatFloat(d)) is not a 64-bit integer", at: span, hint: integerRangeHint)
        }
        return i
    }

    /// `base ** exponent` for exponent ≥ 0, by squaring (so `1 ** 9223372036854775807` is quick),
    /// or nil on overflow.
    func integerPower(_ base: Int, _ exponent: Int) -> Int? {
        var result = 1, b = base, e = exponent
        while e > 0 {
            if e & 1 == 1 {
                let (r, o) = result.multipliedReportingOverflow(by: b)
                if o { return nil }
                result = r
            }
            e >>= 1
            if e > 0 {
                // A square that overflows would be multiplied in later (a higher bit is set), so
                // the true result overflows too.
                let (sq, o) = b.multipliedReportingOverflow(by: b)
                if o { return nil }
                b = sq
            }
        }
        return result
    }

    /// Floored division and modulo (the sign of the divisor), defined for every pair except a
    /// zero divisor; `Int.min` by -1 is an overflow for the quotient and 0 for the remainder.
    func flooredDivision(_ x: Int, _ y: Int, span: SourceSpan) throws -> Int {
        let q = try checked(x.dividedReportingOverflow(by: y), "`div`", at: span)
        return (x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q
    }

    func flooredRemainder(_ x: Int, _ y: Int) -> Int {
        if y == -1 { return 0 }            // `Int.min % -1` traps in Swift
        let r = x % y
        return r != 0 && (r < 0) != (y < 0) ? r + y : r
    }

    /// Throws E0507 when a list or string built by the script would exceed its cap
    /// (`ResourceLimits.maxListLength` / `maxStringBytes`): `s = s ++ s` in a loop doubles.
    func checkListLength(_ n: Int, at span: SourceSpan) throws {
        let limit = ResourceLimits.current.maxListLength
        guard n <= limit else {
            throw RuntimeError(RuntimeCode.limit, "a list of \(n) elements is over the limit of \(limit) (DCL_MAX_LIST_LENGTH)", at: span)
        }
    }

    /// Counts one loop iteration or call in check mode; throws E0507 past
    /// `ResourceLimits.maxCheckSteps`. A run is not bounded: it is the program.
    func countCheckStep(at span: SourceSpan) throws {
        guard checkMode else { return }
        checkSteps += 1
        let limit = checkStepLimit
        guard checkSteps <= limit else {
            throw RuntimeError(RuntimeCode.limit, "`dcl check` stopped after evaluating \(limit) loop iterations and calls (an endless or very long loop?)", at: span,
                               hint: "check mode evaluates top-level code without data to learn shapes; `dcl run` has no such limit, and DCL_MAX_CHECK_STEPS raises it")
        }
    }

    func checkStringLength(_ bytes: Int, at span: SourceSpan) throws {
        let limit = ResourceLimits.current.maxStringBytes
        guard bytes <= limit else {
            throw RuntimeError(RuntimeCode.limit, "a string of \(ResourceLimits.describe(bytes: bytes)) is over the limit of \(ResourceLimits.describe(bytes: limit)) (DCL_MAX_STRING_BYTES)", at: span)
        }
    }
}
