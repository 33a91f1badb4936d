import Foundation
import Testing
@testable import DCLData
import DCLTensor

@Suite struct TransformTests {
    @Test func scaleIsPureAndRecordsItself() throws {
        let d = try tinyImages(2)
        let s = try d.scaled(by: 0.5)
        #expect(try s.column("x").floats == [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5])
        #expect(try d.column("x").floats == [0, 1, 2, 3, 4, 5, 6, 7])  // input untouched
        #expect(s.source == "tiny |> scale(0.5)")
        expectDataError(.invalidArgument, contains: "column 'y' is i32, expected f32") { _ = try d.scaled(by: 2, column: "y") }
    }

    @Test func normalizePerChannelAndGlobal() throws {
        // Two samples, two channels of two values: channel 0 = {1, 3, 5, 7}, channel 1 = {10, 10, 10, 10}.
        let x = try Tensor(shape: [2, 2, 2], floats: [1, 3, 10, 10, 5, 7, 10, 10])
        let d = try Dataset(columns: [("x", x)])
        let stats = try d.normalizationStats(perChannel: true)
        #expect(stats.mean == [4, 10])
        #expect(abs(stats.std[0] - 5.0.squareRoot().asFloat) < 1e-6)
        #expect(stats.std[1] == 1)  // constant channel: std 1, no division by zero
        let (n, _) = try d.normalizedFromData()
        let v = try n.column("x").floats
        #expect(abs(v[0] + 3 / 5.0.squareRoot().asFloat) < 1e-6 && v[2] == 0)
        let g = try d.normalizationStats(perChannel: false)
        #expect(g.mean == [7])
        let applied = try d.normalized(Normalization(mean: [1], std: [2]))
        #expect(try applied.column("x").floats == [0, 1, 4.5, 4.5, 2, 3, 4.5, 4.5])
        expectDataError(.invalidArgument, contains: "expected 3 channels") { _ = try d.normalized(Normalization(mean: [0, 0, 0], std: [1, 1, 1])) }
        expectDataError(.invalidArgument, contains: "positive finite std") { _ = try d.normalized(Normalization(mean: [0], std: [0])) }
    }

    @Test func takeAndDropPartitionTheData() throws {
        let d = try tinyImages(7)
        let t = try d.taking(.fraction(0.5)), r = try d.dropping(.fraction(0.5))
        #expect(t.baseRows == [0, 1, 2, 3] && r.baseRows == [4, 5, 6])
        #expect(try d.taking(.count(2)).baseRows == [0, 1])
        expectDataError(.invalidArgument, contains: "take: expected a count in 0...7, found 8") { _ = try d.taking(.count(8)) }
        expectDataError(.invalidArgument, contains: "drop: expected a fraction in 0...1, found 1.5") { _ = try d.dropping(.fraction(1.5)) }
    }

    @Test func shuffleIsSeeded() throws {
        let d = try tinyImages(20)
        #expect(d.shuffled(seed: 4).baseRows == d.shuffled(seed: 4).baseRows)
        #expect(d.shuffled(seed: 4).baseRows != d.shuffled(seed: 5).baseRows)
        #expect(d.shuffled(seed: 4).baseRows.sorted() == Array(0..<20))
    }

    @Test func splitIsSeededDisjointAndOptionallyStratified() throws {
        let d = try tinyImages(30, classes: 3)
        let (a, b) = try d.split(testFraction: 0.2, seed: 1)
        #expect(a.count == 24 && b.count == 6)
        #expect(Set(a.baseRows).isDisjoint(with: b.baseRows) && Set(a.baseRows + b.baseRows).count == 30)
        #expect(try d.split(testFraction: 0.2, seed: 1).test.baseRows == b.baseRows)
        #expect(try d.split(testFraction: 0.2, seed: 2).test.baseRows != b.baseRows)
        let (_, st) = try d.split(testFraction: 0.2, seed: 1, stratified: true)
        #expect(try st.labelHistogram() == [2, 2, 2])
    }

    @Test func oneHotFilterAndConcat() throws {
        let d = try tinyImages(4, classes: 3)
        let o = try d.oneHot()
        #expect(try o.column("y").shape == [4, 3])
        #expect(try o.column("y").floats == [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0])
        let f = try d.filtering(labels: [0])
        #expect(f.baseRows == [0, 3] && f.classCount == 3)
        // Two selections of the same storage stay an index list.
        let c = try Dataset.concatenate([f, try d.selecting(rows: [1])])
        #expect(try c.baseRows == [0, 3, 1] && c.labels() == [0, 0, 1])
        // Different storage: rows are copied.
        let e = try Dataset.concatenate([d, try tinyImages(2, classes: 5)])
        #expect(try e.count == 6 && e.classCount == 5 && e.labels() == [0, 1, 2, 0, 0, 1])
        expectDataError(.invalidArgument, contains: "column 'x' of data set 2") {
            _ = try Dataset.concatenate([d, try Dataset(columns: [("x", try Tensor(zeros: [1, 3])), ("y", try Tensor(shape: [1], ints: [0]))])])
        }
        expectDataError(.invalidArgument, contains: "label 3, expected 0..<3") {
            _ = try Dataset(columns: [("y", try Tensor(shape: [1], ints: [3]))], classCount: 3).oneHot()
        }
    }
}

extension Double {
    var asFloat: Float { Float(self) }
}
