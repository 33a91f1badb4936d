// `dcl run --seeds`: which seeds to run. `A..B` is every seed from A to B inclusive (`0..4` is
// five runs — the count people mean when they say "seeds 0 to 4"); `A,B,C` lists them. At least
// two (a confidence interval needs two samples; one run is `--seed`), at most
// `SeedList.maxCount`, no seed twice.

import Foundation

struct SeedList: Equatable {
    /// Runs are in-process and sequential: a thousand keeps a typo (`0..100000`) from
    /// starting a day-long job.
    static let maxCount = 1000

    let seeds: [UInt64]

    struct Failure: Error, Equatable, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    static func parse(_ text: String) throws -> SeedList {
        let t = text.trimmingCharacters(in: .whitespaces)
        let example = "write a range like `0..4` (five seeds, 0 to 4 inclusive) or a list like `0,3,7`"
        guard !t.isEmpty else { throw Failure(message: "--seeds is empty; \(example)") }
        func number(_ s: Substring) throws -> UInt64 {
            let s = s.trimmingCharacters(in: .whitespaces)
            guard !s.isEmpty, s.allSatisfy(\.isASCII), s.allSatisfy(\.isNumber), let n = UInt64(s) else {
                let shown = s.isEmpty ? "nothing" : "`\(s)`"
                throw Failure(message: "--seeds \(text): \(shown) is not a seed (a whole number from 0 to \(UInt64.max)); \(example)")
            }
            return n
        }
        var seeds: [UInt64]
        if let dots = t.range(of: "..") {
            let lo = try number(t[..<dots.lowerBound]), hi = try number(t[dots.upperBound...])
            guard lo <= hi else {
                throw Failure(message: "--seeds \(text): the range is empty (\(lo) is above \(hi)); write the smaller seed first, e.g. `\(hi)..\(lo)`")
            }
            // hi - lo + 1 overflows for 0..UInt64.max; either way it is over the cap.
            let (span, overflow) = (hi - lo).addingReportingOverflow(1)
            guard !overflow, span <= UInt64(maxCount) else {
                throw Failure(message: "--seeds \(text): that is \(overflow ? "more than \(UInt64.max)" : String(span)) runs; at most \(maxCount) seeds")
            }
            seeds = Array(lo...hi)
        } else {
            seeds = try t.split(separator: ",", omittingEmptySubsequences: false).map(number)
            guard seeds.count <= maxCount else {
                throw Failure(message: "--seeds: \(seeds.count) seeds; at most \(maxCount)")
            }
            var seen = Set<UInt64>()
            for s in seeds where !seen.insert(s).inserted {
                throw Failure(message: "--seeds \(text): seed \(s) is listed twice; give each seed once")
            }
        }
        guard seeds.count >= 2 else {
            throw Failure(message: "--seeds \(text): one seed gives no confidence interval; give at least two, or run one seed with --seed \(seeds[0])")
        }
        return SeedList(seeds: seeds)
    }

    /// `0..4` for consecutive seeds, `0,3,7` otherwise (for headers and results.json).
    var description: String {
        if let f = seeds.first, let l = seeds.last, seeds == Array(f...l) { return "\(f)..\(l)" }
        return seeds.map(String.init).joined(separator: ",")
    }
}
