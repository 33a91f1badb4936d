import Foundation
import Testing
@testable import DCLData
import DCLTensor

/// Tokenizes `text` into records of field strings (with the line each record starts on).
private func records(_ text: String, path: String = "t.csv") throws -> [(line: Int, fields: [String])] {
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBufferPointer { buf in
        var r = CSVReader(buf, path: path)
        var out: [(Int, [String])] = []
        while try r.next() { out.append((r.recordLine, (0..<r.fields.count).map { r.text($0) })) }
        return out
    }
}

@Suite struct CSVReaderTests {
    @Test func plainRecordsWithLFAndCRLF() throws {
        let r = try records("a,b\r\n1,2\n3,4")
        #expect(r.map(\.fields) == [["a", "b"], ["1", "2"], ["3", "4"]])
        #expect(r.map(\.line) == [1, 2, 3])
    }

    @Test func quotedFieldsWithCommasQuotesAndNewlines() throws {
        let r = try records("id,title\n1,\"Heat, the \"\"movie\"\"\"\n2,\"two\nlines\"\n3,x\n")
        #expect(r.map(\.fields) == [["id", "title"], ["1", "Heat, the \"movie\""], ["2", "two\nlines"], ["3", "x"]])
        // The record after a quoted line break starts on the right line.
        #expect(r.map(\.line) == [1, 2, 3, 5])
    }

    @Test func emptyFieldsBlankLinesAndBOM() throws {
        let r = try records("\u{FEFF}a,b,c\n\n,,\n\"\",x,\n")
        #expect(r.map(\.fields) == [["a", "b", "c"], ["", "", ""], ["", "x", ""]])
        #expect(r.map(\.line) == [1, 3, 4])
    }

    @Test func unterminatedQuoteNamesWhereItOpened() {
        expectDataError(.malformed, path: "t.csv", line: 2, contains: "unterminated") {
            _ = try records("a,b\n1,\"open\n2,3\n")
        }
    }

    @Test func textAfterClosingQuoteIsAnError() {
        let e = expectDataError(.malformed, path: "t.csv", line: 2, contains: "after a closing quote") {
            _ = try records("a,b\n1,\"x\"y\n")
        }
        #expect(e?.column == 6)
    }
}

@Suite struct CSVLoaderTests {
    let dir = TempDir()

    @Test func loadsFeaturesLabelsAndShape() throws {
        let p = dir.write("t.csv", text: "f0,label,f1,f2,f3\n1,0,2,3,4\n5.5,2,-6,7e1,8\n")
        let d = try DataLoader.csv(p, label: "label", shape: [1, 2, 2])
        #expect(d.count == 2)
        #expect(try d.column("x").shape == [2, 1, 2, 2])
        #expect(try d.column("x").floats == [1, 2, 3, 4, 5.5, -6, 70, 8])
        #expect(try d.labels() == [0, 2])
        #expect(d.classCount == 3)
        #expect(d.featureNames["x"] == ["f0", "f1", "f2", "f3"])
        #expect(d.source.contains(p))
    }

    @Test func withoutLabelEveryColumnIsAFeature() throws {
        let p = dir.write("t.csv", text: "a,b\n1,2\n3,4\n")
        let d = try DataLoader.csv(p, label: nil)
        #expect(d.columnNames == ["x"])
        #expect(try d.column("x").shape == [2, 2])
    }

    @Test func shippedDigitsMatchItsReadme() throws {
        let d = try DataLoader.csv(examplesData + "/digits/digits.csv", label: "label", shape: [1, 8, 8])
        #expect(d.count == 1797)
        #expect(try d.shape(of: "x") == [1797, 1, 8, 8])
        #expect(try d.labelHistogram() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        let x = try d.column("x").floats
        #expect(x.min() == 0 && x.max() == 16)
        // First row of the file: 0,0,5,13,9,1,0,0,…
        #expect(Array(x.prefix(6)) == [0, 0, 5, 13, 9, 1])
    }

    @Test func fastFloatPathAgreesWithTheStandardLibrary() {
        for s in ["0", "16", "4.0", "3.5", "-0.125", "1677721", "16777217", "0.1", "123.456789", "1e-3", "2.5E+2", "007", "8388609.5"] {
            let parsed = Array(s.utf8).withUnsafeBufferPointer { NumberParsing.float($0) }
            #expect(parsed == Float(s), "\(s)")
        }
        for bad in ["", "-", ".", "nan", "inf", "1e99", "0x10", "1,2", "1.2.3", "e5", "1e", "--1", "1-2", " "] {
            #expect(Array(bad.utf8).withUnsafeBufferPointer { NumberParsing.float($0) } == nil, "\(bad)")
        }
    }

    // MARK: Errors: each names the file, and the line (and column) where it applies.

    @Test func missingFile() {
        let p = dir.path("absent.csv")
        expectDataError(.fileNotFound, path: p, contains: "no such file") { _ = try DataLoader.csv(p) }
    }

    @Test func directoryInsteadOfFile() {
        expectDataError(.io, path: dir.url.path, contains: "directory") { _ = try DataLoader.csv(dir.url.path) }
    }

    @Test func permissionDenied() throws {
        let p = dir.write("locked.csv", text: "a,label\n1,0\n")
        if isRoot {
            // Root reads anything; check the errno mapping the loader uses instead.
            let e = FileBytes.openError(p, EACCES)
            #expect(e.kind == .permissionDenied && e.description == "\(p): permission denied")
        } else {
            chmod(p, 0)
            expectDataError(.permissionDenied, path: p) { _ = try DataLoader.csv(p) }
        }
    }

    @Test func wrongFieldCountNamesTheLine() {
        let p = dir.write("t.csv", text: "a,b,label\n1,2,0\n1,2\n")
        expectDataError(.fieldCount, path: p, line: 3, contains: "expected 3 fields as in the header, found 2") {
            _ = try DataLoader.csv(p)
        }
    }

    @Test func nonNumericValueNamesLineColumnAndField() {
        let p = dir.write("t.csv", text: "a,b,label\n1,2,0\n1,x7,1\n")
        let e = expectDataError(.notNumeric, path: p, line: 3, contains: "column \"b\": expected a finite number, found \"x7\"") {
            _ = try DataLoader.csv(p)
        }
        #expect(e?.column == 3)
        #expect(e?.description.hasPrefix("\(p):3:3: ") == true)
    }

    @Test func emptyFieldIsNotAZero() {
        let p = dir.write("t.csv", text: "a,label\n,0\n")
        expectDataError(.notNumeric, path: p, line: 2, contains: "found an empty field") { _ = try DataLoader.csv(p) }
    }

    @Test func negativeAndTooLargeLabels() {
        let p = dir.write("neg.csv", text: "a,label\n1,0\n1,-1\n")
        expectDataError(.labelOutOfRange, path: p, line: 3, contains: "label -1 is out of range") { _ = try DataLoader.csv(p) }
        let q = dir.write("big.csv", text: "a,label\n1,0\n1,10\n")
        expectDataError(.labelOutOfRange, path: q, line: 3, contains: "expected 0..<10") { _ = try DataLoader.csv(q, classes: 10) }
        let huge = dir.write("huge.csv", text: "a,label\n1,2000000000\n")
        expectDataError(.labelOutOfRange, path: huge, line: 2, contains: "expected 0..<1048576") { _ = try DataLoader.csv(huge) }
        let f = dir.write("frac.csv", text: "a,label\n1,2.5\n")
        expectDataError(.notNumeric, path: f, line: 2, contains: "expected an integer label") { _ = try DataLoader.csv(f) }
    }

    @Test func missingLabelColumnListsTheColumns() {
        let p = dir.write("t.csv", text: "a,b\n1,2\n")
        expectDataError(.missingColumn, path: p, line: 1, contains: "no label column \"label\"") { _ = try DataLoader.csv(p) }
    }

    @Test func emptyFileHeaderOnlyAndBadShape() {
        let e = dir.write("e.csv", text: "")
        expectDataError(.malformed, path: e, line: 1, contains: "empty file") { _ = try DataLoader.csv(e) }
        let h = dir.write("h.csv", text: "a,label\n")
        expectDataError(.malformed, path: h, contains: "at least one data row") { _ = try DataLoader.csv(h) }
        let s = dir.write("s.csv", text: "a,b,label\n1,2,0\n")
        expectDataError(.badShape, path: s, contains: "does not fit 2 feature columns") { _ = try DataLoader.csv(s, shape: [3]) }
    }

    @Test func duplicateHeaderName() {
        let p = dir.write("t.csv", text: "a,a,label\n1,2,0\n")
        expectDataError(.malformed, path: p, line: 1, contains: "duplicate column \"a\"") { _ = try DataLoader.csv(p) }
    }
}
