// The Student-t quantile behind `dcl run --seeds`' intervals, against published table values
// and the closed forms for 1 and 2 degrees of freedom.

import Foundation
import Testing
@testable import DCLDriver

@Suite struct StudentTTests {
    /// Two-sided 95 % critical values, t(0.975, df), from standard tables.
    @Test(arguments: [(1.0, 12.7062047), (2, 4.3026527), (4, 2.7764451), (9, 2.2621572), (30, 2.0422725), (100, 1.9839715)])
    func quantileMatchesTables(_ df: Double, _ expected: Double) {
        let t = StudentT.quantile(0.975, df: df)
        #expect(abs(t - expected) < 1e-6, "t(0.975, \(df)) = \(t)")
    }

    @Test func closedFormsForOneAndTwoDegreesOfFreedom() {
        for p in [0.6, 0.9, 0.975, 0.995, 0.9995] {
            let cauchy = tan(Double.pi * (p - 0.5))
            #expect(abs(StudentT.quantile(p, df: 1) - cauchy) <= 1e-9 * max(1, cauchy))
            let two = (2 * p - 1) / (2 * p * (1 - p)).squareRoot()
            #expect(abs(StudentT.quantile(p, df: 2) - two) <= 1e-9 * max(1, two))
        }
    }

    @Test func largeDegreesOfFreedomApproachTheNormal() {
        #expect(abs(StudentT.quantile(0.975, df: 1e7) - 1.959964) < 1e-5)
    }

    @Test func quantileInvertsTheCDFAndIsSymmetric() {
        for df in [1.0, 3, 7.5, 50] {
            for p in [0.01, 0.2, 0.5, 0.8, 0.99] {
                let t = StudentT.quantile(p, df: df)
                #expect(abs(StudentT.cdf(t, df: df) - p) < 1e-12)
                #expect(abs(StudentT.quantile(1 - p, df: df) + t) < 1e-9)
            }
        }
    }

    @Test func outsideTheDomainIsNaN() {
        #expect(StudentT.quantile(0, df: 3).isNaN)
        #expect(StudentT.quantile(1, df: 3).isNaN)
        #expect(StudentT.quantile(0.5, df: 0).isNaN)
        #expect(StudentT.halfWidth95([1]).isNaN)
    }

    /// 1…5: mean 3, sample standard deviation √2.5, so h = t(0.975, 4) · √2.5 / √5.
    @Test func halfWidthOfFiveValues() {
        let h = StudentT.halfWidth95([1, 2, 3, 4, 5])
        #expect(abs(h - 2.7764451 * (2.5 / 5).squareRoot()) < 1e-6)
        #expect(StudentT.halfWidth95([0.5, 0.5, 0.5]) == 0)
    }
}
