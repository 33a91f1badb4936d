// `--seeds` syntax: ranges (inclusive), lists, and every way to get it wrong.

import Testing
@testable import DCLDriver

@Suite struct SeedListTests {
    @Test func rangesAreInclusiveAndListsKeepTheirOrder() throws {
        #expect(try SeedList.parse("0..4").seeds == [0, 1, 2, 3, 4])
        #expect(try SeedList.parse(" 7 .. 8 ").seeds == [7, 8])
        #expect(try SeedList.parse("0,3,7").seeds == [0, 3, 7])
        #expect(try SeedList.parse("9, 2").seeds == [9, 2])
        #expect(try SeedList.parse("0..999").seeds.count == SeedList.maxCount)
        #expect(try SeedList.parse("18446744073709551614..18446744073709551615").seeds == [UInt64.max - 1, .max])
        #expect(try SeedList.parse("2,3,4").description == "2..4")
        #expect(try SeedList.parse("0,3,7").description == "0,3,7")
    }

    @Test(arguments: [
        ("", "--seeds is empty"),
        ("4..0", "the range is empty (4 is above 0)"),
        ("0..1000", "that is 1001 runs; at most 1000 seeds"),
        ("0..18446744073709551615", "at most 1000 seeds"),
        ("1,1", "seed 1 is listed twice"),
        ("a..3", "`a` is not a seed"),
        ("-1..2", "`-1` is not a seed"),
        ("1,,2", "nothing is not a seed"),
        ("0..", "nothing is not a seed"),
        ("3", "one seed gives no confidence interval"),
        ("5..5", "run one seed with --seed 5"),
        ("99999999999999999999,1", "is not a seed"),
    ])
    func mistakesSayWhatIsWrong(_ text: String, _ message: String) {
        do {
            _ = try SeedList.parse(text)
            Issue.record("`\(text)` was accepted")
        } catch let e as SeedList.Failure {
            #expect(e.message.contains(message), "\(e.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aListOverTheCapIsRefused() {
        let text = (0...1000).map(String.init).joined(separator: ",")
        #expect(throws: SeedList.Failure.self) { try SeedList.parse(text) }
    }
}
