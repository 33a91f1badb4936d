// `dcl pool import`'s reader: samples streamed from a CSV file a piece at a time give what a
// whole-file read gives, wherever the pieces cut; every bad row is refused with its place.

import Foundation
import Testing
@testable import DCLData

@Suite struct RatingsStreamTests {
    let dir = TempDir()

    /// Every sample of the file, read with pieces of `chunk` bytes.
    func read(_ path: String, _ layout: RatingsLayout = .movieLens, chunk: Int = 1 << 20) throws -> (RatingsBatch, [Int64], [Int64]) {
        let s = try RatingsStream(path: path, layout: layout, chunkBytes: chunk)
        var all = RatingsBatch()
        while let b = try s.next(limit: 3) {
            all.user += b.user; all.item += b.item; all.rating += b.rating; all.label += b.label; all.time += b.time
        }
        return (all, s.users.ids, s.items.ids)
    }

    @Test func sameSamplesAsTheMovieLensLoaderWhereverPiecesEnd() throws {
        // CRLF line ends, a quoted field with a line break and a quote, a blank line, a BOM.
        let text = "\u{FEFF}userId,movieId,rating,timestamp,tag\r\n10,100,4.0,1000,\"a\r\nb\"\r\n\r\n20,200,1.5,2000,\"say \"\"hi\"\"\"\r\n10,300,5,3000,x\n30,100,2.0,4000,"
        let path = dir.write("r.csv", text: text)
        let whole = try DataLoader.movieLens(ratings: path)
        for chunk in [1, 2, 3, 5, 7, 16, 64, 1 << 20] {
            let (b, users, items) = try read(path, chunk: chunk)
            #expect(b.user == (try whole.column("user").ints), "chunk \(chunk)")
            #expect(b.item == (try whole.column("item").ints), "chunk \(chunk)")
            #expect(b.rating == (try whole.column("rating").floats), "chunk \(chunk)")
            #expect(b.time == (try whole.column("time").ints).map(Int64.init), "chunk \(chunk)")
            #expect(users == [10, 20, 30] && items == [100, 200, 300], "chunk \(chunk)")
        }
    }

    @Test func headerlessTabSeparatedWithLabels() throws {
        let path = dir.write("c.tsv", text: "7\t70\t1\n8\t80\t0\n7\t80\t1\n")
        let layout = RatingsLayout(user: .position(1), item: .position(2), rating: nil, label: .position(3), time: nil, header: false, separator: 0x09)
        let (b, users, items) = try read(path, layout, chunk: 4)
        #expect(b.user == [0, 1, 0] && b.item == [0, 1, 1] && b.label == [1, 0, 1] && b.rating.isEmpty && b.time.isEmpty)
        #expect(users == [7, 8] && items == [70, 80])
    }

    /// The error for `text` (read with small pieces, so errors past the first piece count too).
    func error(_ text: String, _ layout: RatingsLayout = .movieLens) -> String {
        let path = dir.write("bad.csv", text: text)
        do {
            _ = try read(path, layout, chunk: 5)
            return "no error"
        } catch {
            return "\(error)".replacingOccurrences(of: dir.url.path + "/", with: "")
        }
    }

    @Test func badRowsSayWhatAndWhere() {
        let h = "userId,movieId,rating,timestamp\n"
        #expect(error(h + "1,2,3.0,4\nx,2,3.0,4\n") == "bad.csv:3:1: column \"userId\": expected an integer id, found \"x\"")
        #expect(error(h + "1,2,3.0,4\n1,2,,4\n") == "bad.csv:3:5: column \"rating\" (rating): expected a finite number, found an empty field")
        #expect(error(h + "1,2,nan,4\n") == "bad.csv:2:5: column \"rating\" (rating): expected a finite number, found \"nan\"")
        #expect(error(h + "1,2,3.0,9999999999\n")
            == "bad.csv:2:9: column \"timestamp\" (timestamp): value 9999999999 does not fit in int32 seconds")
        #expect(error(h + "1,2,3.0\n") == "bad.csv:2: expected 4 fields as in the header, found 3")
        #expect(error(h + "1,2,3.0,\"4\n") == "bad.csv:2:9: unterminated quoted field, expected a closing '\"' before the end of the file")
        #expect(error(h) == "bad.csv:2: expected at least one sample after the header, found none")
        #expect(error("") == "bad.csv:1: empty file, expected a header")
        #expect(error("user,movie\n1,2\n") == "bad.csv:1: no user column \"userId\" in the header, found \"user,movie\"")
        #expect(error("userId;movieId\n1;2\n")
            == "bad.csv:1: no user column \"userId\" in the header, found \"userId;movieId\" (one column: is the file separated by another character?)")
        let labels = RatingsLayout(user: .name("u"), item: .name("i"), rating: nil, label: .name("clicked"), time: nil)
        #expect(error("u,i,clicked\n1,2,1\n1,3,2\n", labels) == "bad.csv:3:5: column \"clicked\" (label): expected 0 or 1, found \"2\"")
        let headerless = RatingsLayout(user: .position(1), item: .position(5), rating: .position(2), label: nil, time: nil, header: false)
        #expect(error("1,2,3\n", headerless) == "bad.csv:1: the layout needs 5 columns, the first row has 3")
        let named = RatingsLayout(user: .name("u"), item: .position(2), rating: .position(3), label: nil, time: nil, header: false)
        #expect(error("1,2,3\n", named) == "bad.csv: the user column is named \"u\", but the file has no header: give its position (1, 2, …)")
    }

    @Test func missingFileAndDirectory() {
        #expect(throws: DataError.self) { try RatingsStream(path: dir.url.appendingPathComponent("none.csv").path, layout: .movieLens) }
        #expect(throws: DataError.self) { try RatingsStream(path: dir.url.path, layout: .movieLens) }
    }
}
