import Foundation
import Testing
@testable import DCLData
import DCLTensor

@Suite struct DatasetTests {
    @Test func constructionChecksRowCounts() throws {
        let a = try Tensor(shape: [3, 2], floats: [0, 1, 2, 3, 4, 5])
        let b = try Tensor(shape: [2], ints: [0, 1])
        #expect(throws: DataError.self) { try Dataset(columns: [("x", a), ("y", b)]) }
        #expect(throws: DataError.self) { try Dataset(columns: [("x", a), ("x", a)]) }
        #expect(throws: DataError.self) { try Dataset(columns: []) }
        #expect(throws: DataError.self) { try Dataset(columns: [("x", Tensor(scalar: 1))]) }
        let d = try Dataset(columns: [("x", a)])
        #expect(d.description == "dataset of 3 samples: x f32[3, 2]")
    }

    @Test func selectionIsAnIndexListUntilGathered() throws {
        let d = try tinyImages(6)
        let s = try d.selecting(rows: [4, 1, 1])
        #expect(s.count == 3)
        #expect(s.baseRows == [4, 1, 1])
        #expect(try s.column("x").floats == [16, 17, 18, 19, 4, 5, 6, 7, 4, 5, 6, 7])
        #expect(try s.labels() == [1, 1, 1])
        // Selections compose: row 0 of `s` is base row 4.
        #expect(try s.selecting(rows: [0]).baseRows == [4])
        #expect(throws: DataError.self) { try s.selecting(rows: [3]) }
        let m = s.materialized()
        #expect(m.baseRows == [0, 1, 2])
        #expect(try m.column("x").bitwiseEqual(s.column("x")))
    }

    @Test func missingColumnErrorListsColumns() throws {
        let d = try tinyImages(2)
        expectDataError(.missingColumn, contains: "no column 'z' in tiny; columns are 'x', 'y'") { _ = try d.column("z") }
    }

    @Test func batchesCoverEveryRowOncePerEpoch() throws {
        let d = try tinyImages(10)
        let seq = try d.batches(size: 4, shuffleSeed: 9, epoch: 0)
        let batches = Array(seq)
        #expect(seq.batchCount == 3 && batches.map(\.count) == [4, 4, 2])
        #expect(batches.flatMap(\.rows).sorted() == Array(0..<10))
        // Each batch's tensors hold exactly its rows.
        for b in batches {
            #expect(b["x"]!.shape == [b.count, 1, 2, 2])
            #expect(b["y"]!.ints == b.rows.map { Int32($0 % 3) })
            #expect(b["x"]!.floats == b.rows.flatMap { r in (0..<4).map { Float(r * 4 + $0) } })
        }
        #expect(Array(try d.batches(size: 4, dropLast: true)).map(\.count) == [4, 4])
        // Oversized batches: one partial batch, or none with dropLast; no index overflow.
        #expect(Array(try d.batches(size: Int.max)).map(\.count) == [10])
        #expect(Array(try d.batches(size: Int.max, dropLast: true)).isEmpty)
        #expect(throws: DataError.self) { try d.batches(size: 0) }
    }

    @Test func epochOrderDependsOnlyOnSeedAndEpoch() throws {
        let d = try tinyImages(50)
        let order = { (seed: UInt64, epoch: Int) in Array(try d.batches(size: 50, shuffleSeed: seed, epoch: epoch)).flatMap(\.rows) }
        #expect(try order(1, 0) == order(1, 0))
        #expect(try order(1, 0) != order(1, 1))
        #expect(try order(1, 0) != order(2, 0))
        #expect(try order(1, 3) == Dataset.epochOrder(count: 50, seed: 1, epoch: 3))
        #expect(Dataset.epochOrder(count: 5, seed: nil, epoch: 7) == [0, 1, 2, 3, 4])
    }

    @Test func columnEditsKeepMetadataAligned() throws {
        var d = try tinyImages(4)
        d.featureNames["y"] = ["label"]
        let r = try d.renamingColumn("y", to: "label")
        #expect(r.columnNames == ["x", "label"] && r.labelColumn == "label" && r.featureNames["label"] == ["label"])
        #expect(try r.labels() == [0, 1, 2, 0])
        expectDataError(.invalidArgument, contains: "a column of that name exists") { _ = try d.renamingColumn("x", to: "y") }
        let s = try d.selectingColumns(["y"])
        #expect(s.columnNames == ["y"] && !s.hasColumn("x"))
        expectDataError(.missingColumn) { _ = try d.selectingColumns(["q"]) }
        // Setting a column on a selection gathers the others first.
        let sel = try d.selecting(rows: [3, 0])
        let z = try sel.settingColumn("z", try Tensor(shape: [2], ints: [7, 8]))
        #expect(try z.column("y").ints == [0, 0] && z.baseRows == [0, 1])
        expectDataError(.invalidArgument, contains: "expected 2 rows") { _ = try sel.settingColumn("z", try Tensor(shape: [3], ints: [1, 2, 3])) }
    }

    @Test func histogramRejectsNegativeLabels() throws {
        let d = try Dataset(columns: [("y", try Tensor(shape: [3], ints: [0, -1, 2]))])
        expectDataError(.invalidArgument, contains: "label -1 in column 'y' is out of range") { _ = try d.labelHistogram() }
        let ok = try Dataset(columns: [("y", try Tensor(shape: [3], ints: [0, 2, 2]))], classCount: 4)
        #expect(try ok.labelHistogram() == [1, 0, 2, 0])
    }

    @Test func vocabularyMapsBothWays() {
        var v = Vocabulary([30, 10, 30, 20])
        #expect(v.ids == [30, 10, 20] && v.count == 3)
        #expect(v.dense(10) == 1 && v.dense(99) == nil)
        #expect(v.original(2) == 20 && v.original(3) == nil && v.original(-1) == nil)
        #expect(v.intern(99) == 3)
    }

    @Test func errorMessagesFollowThePathLineColumnForm() {
        #expect(DataError(.notNumeric, path: "a.csv", line: 3, column: 7, "bad").description == "a.csv:3:7: bad")
        #expect(DataError(.truncated, path: "a.idx", "short").description == "a.idx: short")
        #expect(DataError(.invalidArgument, "take: nope").description == "take: nope")
        #expect(quoted("a\"b\n\u{1}") == "\"a\\\"b\\n\\u{1}\"")
        #expect(quoted(String(repeating: "x", count: 100)).count == 43)
    }
}
