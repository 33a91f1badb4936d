// Student's t distribution, for the 95 % confidence intervals of `dcl run --seeds`: the
// half-width of the interval around a mean of n runs is t(0.975, n − 1) · s / √n. The quantile
// is computed (n is whatever --seeds gives, up to 1000), not read from a table: the CDF through
// the regularized incomplete beta function, inverted by bisection.
//
//   P(T ≤ t) = 1 − ½ · I_{ν/(ν+t²)}(ν/2, ½)   for t ≥ 0
//
// I_x(a, b) is evaluated with its continued fraction (Abramowitz & Stegun 26.5.8) by the
// modified Lentz method, on the side of x where the fraction converges quickly.

import Foundation

enum StudentT {
    /// P(T ≤ t) with `df` degrees of freedom (df > 0).
    static func cdf(_ t: Double, df: Double) -> Double {
        guard df > 0, !t.isNaN else { return .nan }
        if t.isInfinite { return t > 0 ? 1 : 0 }
        let tail = 0.5 * regularizedBeta(df / (df + t * t), a: df / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The `p`-quantile (0 < p < 1) with `df` degrees of freedom; NaN outside that domain.
    static func quantile(_ p: Double, df: Double) -> Double {
        guard df > 0, p > 0, p < 1 else { return .nan }
        if p == 0.5 { return 0 }
        if p < 0.5 { return -quantile(1 - p, df: df) }
        // Bracket the root, then halve the bracket until it is as narrow as a Double allows:
        // the CDF is monotone, so bisection cannot miss (Newton steps can, in the heavy tails
        // of df = 1).
        var lo = 0.0, hi = 1.0
        while cdf(hi, df: df) < p {
            lo = hi
            hi *= 2
            if hi > 1e300 { return .infinity }
        }
        for _ in 0..<2000 {
            let mid = (lo + hi) / 2
            guard mid > lo, mid < hi else { break }
            if cdf(mid, df: df) < p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// The half-width of the two-sided 95 % interval of the mean of `values` (NaN for fewer
    /// than two values).
    static func halfWidth95(_ values: [Double]) -> Double {
        let n = Double(values.count)
        guard values.count >= 2 else { return .nan }
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        return quantile(0.975, df: n - 1) * variance.squareRoot() / n.squareRoot()
    }

    /// I_x(a, b), the regularized incomplete beta function.
    static func regularizedBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let front = exp(logPowers - logBeta)
        // The fraction converges fast for x < (a + 1) / (a + b + 2); otherwise use the symmetry
        // I_x(a, b) = 1 − I_{1−x}(b, a).
        if x < (a + 1) / (a + b + 2) { return front * continuedFraction(x, a: a, b: b) / a }
        return 1 - front * continuedFraction(1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        func nonZero(_ v: Double) -> Double { abs(v) < tiny ? tiny : v }
        var c = 1.0
        var d = 1 / nonZero(1 - (a + b) * x / (a + 1))
        var h = d
        for i in 1...10_000 {
            let m = Double(i), m2 = 2 * m
            // Even step.
            var term = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 / nonZero(1 + term * d)
            c = nonZero(1 + term / c)
            h *= d * c
            // Odd step.
            term = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 / nonZero(1 + term * d)
            c = nonZero(1 + term / c)
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }
}
