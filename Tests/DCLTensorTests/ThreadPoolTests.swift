import Testing
@testable import DCLTensor

/// Plain counters, one per index: the pool promises each index runs exactly once, so no two
/// threads touch the same slot (a double run would show up as a 2).
final class Slots: @unchecked Sendable {
    let p: UnsafeMutablePointer<Int>
    let count: Int
    init(_ n: Int) { count = n; p = .allocate(capacity: max(1, n)); p.initialize(repeating: 0, count: max(1, n)) }
    deinit { p.deallocate() }
    var values: [Int] { Array(UnsafeBufferPointer(start: p, count: count)) }
}

@Suite struct ThreadPoolTests {
    @Test func everyIndexRunsExactlyOnce() {
        let pool = ThreadPool(threads: 3)
        for count in [0, 1, 2, 7, 1000] {
            let hits = Slots(count)
            for _ in 0..<50 { pool.parallelFor(count) { i in hits.p[i] += 1 } }
            #expect(hits.values.allSatisfy { $0 == 50 })
        }
    }

    @Test func nestedAndConcurrentCallersAreSafe() async {
        let pool = ThreadPool(threads: 2)
        await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let outer = Slots(8)
                    for _ in 0..<200 {
                        pool.parallelFor(8) { i in
                            // Nested: runs inline on the thread that owns slot i.
                            pool.parallelFor(4) { j in outer.p[i] += j }
                        }
                    }
                    return outer.values.reduce(0, +)
                }
            }
            for await t in group { #expect(t == 200 * 8 * 6) }
        }
    }

    @Test func rangesCoverTheInterval() {
        let pool = ThreadPool(threads: 2)
        let seen = Slots(103)
        pool.parallelRanges(103, parts: 5) { r in for i in r { seen.p[i] += 1 } }
        #expect(seen.values.allSatisfy { $0 == 1 })
    }

    @Test func poolsShutDownCleanly() {
        for _ in 0..<20 {
            let p = ThreadPool(threads: 3)
            p.parallelFor(10) { _ in }
        }
    }
}
