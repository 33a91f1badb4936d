import Testing
@testable import DCLTensor

@Suite struct SeededGeneratorTests {
    @Test func sameSeedSameStream() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
    }

    @Test func differentSeedsDiffer() {
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 2)
        #expect((0..<8).map { _ in a.next() } != (0..<8).map { _ in b.next() })
    }

    @Test func forkIsIndependentOfParentAdvance() {
        let parent = SeededGenerator(seed: 7)
        var f1 = parent.fork("x"), f2 = parent.fork("x"), g = parent.fork("y")
        #expect(f1.next() == f2.next())
        #expect(f1.next() != g.next())
    }

    @Test func boundedIntsStayInRange() {
        var r = SeededGenerator(seed: 3)
        var seen = Set<Int>()
        for _ in 0..<1000 { let v = r.nextInt(below: 7); #expect(v >= 0 && v < 7); seen.insert(v) }
        #expect(seen.count == 7)
    }

    @Test func unitFloatsInHalfOpenInterval() {
        var r = SeededGenerator(seed: 4)
        for _ in 0..<1000 { let v = r.nextUnitFloat(); #expect(v >= 0 && v < 1) }
    }

    @Test func permutationIsAPermutation() {
        var r = SeededGenerator(seed: 5)
        #expect(r.permutation(50).sorted() == Array(0..<50))
    }

    @Test func normalHasRoughlyUnitMoments() {
        var r = SeededGenerator(seed: 6)
        let xs = (0..<20000).map { _ in r.nextNormal() }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
        #expect(abs(mean) < 0.03)
        #expect(abs(variance - 1) < 0.05)
    }
}
