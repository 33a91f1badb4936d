// The one threading driver every kernel uses: split a job over the pool only when it pays.
//
// A kernel states how much work it has — a count of items and the cost of one item in units of
// its kernel family — and the driver turns that into estimated nanoseconds, decides how many
// threads the work pays for, and cuts it into chunks. Kernels never call `parallelFor` with
// thresholds of their own.
//
// Where the threshold comes from (measured on this 2-vCPU KVM machine, Zen 1 EPYC, with other
// builds running; `ThreadPool` with a 50 µs worker spin, empty 2-index jobs, medians):
//   * a worker still polling: ~0.1-0.25 µs per job for the caller, and the worker joins
//     within ~1 µs;
//   * a parked worker: the caller's futex wake costs ~15 µs (the IPI to an idle vCPU is a VM
//     exit) and the worker arrives 17-50 µs after the job starts.
// With two threads, W ns of work, a caller-side cost c and a worker arriving at time a, the
// caller finishes at about (a + c + W) / 2, which beats W only when W > a + c. For a parked
// worker that is W > ~65 µs; with a 2× margin for noise each thread must get ≥ 60 µs. For a
// polling worker break-even is W > ~1 µs; we ask each thread to get ≥ 4 µs so that the handoff
// and the chunk claims stay under ~10 % even when the other core is busy. Which case applies is
// read from the pool at the moment of the call (are any workers parked?). A medium kernel after
// an idle stretch therefore runs inline and leaves the workers asleep; once a large kernel has
// woken them, the medium kernels that follow within 50 µs split.
//
// Chunks: a job that splits is cut into up to 8 chunks per thread of at least ~2 µs each, claimed
// dynamically, so a worker that arrives late still takes a share of what is left, and an
// atomic chunk claim (~50-100 ns) stays a few percent of a chunk.
//
// Determinism: the driver only chooses where chunk boundaries fall and which thread runs a
// chunk. Kernels whose results depend on a partition (blocked reductions, dropout streams) cut
// their work into fixed blocks themselves and hand the driver whole blocks as items.

/// What a kernel's inner loop does per unit of work, and what one unit costs on one core. The
/// figures are estimates for this class of machine (AVX2, ~2 GHz, shared memory bandwidth),
/// meant to be right within 2× — the thresholds they feed are 2× margins too.
public enum KernelFamily: Sendable {
    /// Vectorised arithmetic streaming through memory (add, scale, optimiser updates); unit: one
    /// element written. ~8 lanes a cycle when cached, ~1 ns from DRAM: 0.25 ns.
    case elementwise
    /// Vectorised exp, log, tanh, sigmoid or a random draw per element; unit: one element
    /// (a 16-lane polynomial is ~30 cycles): 1 ns.
    case transcendental
    /// Vectorised sums or maxima; unit: one element read: 0.15 ns.
    case reduction
    /// Copying rows at data-dependent addresses (gather, scatter-add); unit: one float moved: 0.3 ns.
    case gather
    /// Register-blocked multiply-adds (GEMM and the kernels built on it); unit: one multiply-add.
    /// `dcl bench gemm --threads 1` runs at 11.5 GFLOP/s here under load: 0.17 ns; unloaded ~0.1.
    case gemm
    /// Scalar loops with strided or branchy access (pooling windows, depthwise convolution,
    /// normalisation statistics); unit: one scalar multiply-add or compare: 0.5 ns.
    case direct

    /// Estimated single-core cost of one unit of work.
    public var nanosecondsPerUnit: Double {
        switch self {
        case .elementwise: return 0.25
        case .transcendental: return 1
        case .reduction: return 0.15
        case .gather: return 0.3
        case .gemm: return 0.1
        case .direct: return 0.5
        }
    }
}

extension ThreadPool {
    /// Work each thread must get for a split to pay while every worker is polling.
    static let minNanosecondsPerThreadAwake: Double = 4_000
    /// Work each thread must get for a split to pay when a worker must first be woken.
    static let minNanosecondsPerThreadParked: Double = 60_000
    /// Smallest chunk worth a separate claim.
    static let minNanosecondsPerChunk: Double = 2_000
    /// Chunks per thread at most (late workers take a share of what is left).
    static let maxChunksPerThread = 8

    /// How many threads (1 ... `threadCount`) `units` units of `family` work pay for; 1 means
    /// run on the calling thread.
    public func threads(forWork units: Double, _ family: KernelFamily) -> Int {
        if threadCount == 1 || workerCount == 0 || !(units > 0) { return 1 }
        if splitsEveryJob { return threadCount }
        let ns = units * family.nanosecondsPerUnit
        let perThread = hasParkedWorkers ? Self.minNanosecondsPerThreadParked : Self.minNanosecondsPerThreadAwake
        let t = ns / perThread
        return t >= Double(threadCount) ? threadCount : max(1, Int(t))
    }

    /// Runs `body` over contiguous ranges covering `0..<count`, each item costing `costPerItem`
    /// units of `family`; in parallel when the total pays for it, else as one range on the
    /// calling thread. Range boundaries fall on multiples of `alignment` (16 keeps 16-lane loops
    /// on whole vectors). `body` must give each item the same result whatever range holds it.
    public func parallelRanges(_ count: Int, costPerItem: Int, family: KernelFamily, alignment: Int = 1,
                               _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let units = Double(count) * Double(max(0, costPerItem))
        let total = units * family.nanosecondsPerUnit
        let align = max(1, alignment)
        let blocks = count / align + (count % align == 0 ? 0 : 1)
        let t = threads(forWork: units, family)
        if t == 1 || blocks == 1 {
            body(0..<count)
            return
        }
        let wanted = min(Int(min(total / Self.minNanosecondsPerChunk, Double(Int.max / 2))), Self.maxChunksPerThread * t)
        let chunks = min(blocks, max(t, wanted))
        parallelFor(chunks) { c in
            let lo = blocks * c / chunks * align, hi = min(count, blocks * (c + 1) / chunks * align)
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Runs `body(row)` for every row in `0..<rows`, each costing `costPerRow` units of `family`;
    /// in parallel when the total pays for it. Rows must be independent.
    public func parallelRows(_ rows: Int, costPerRow: Int, family: KernelFamily, _ body: (Int) -> Void) {
        parallelRanges(rows, costPerItem: costPerRow, family: family) { r in
            for i in r { body(i) }
        }
    }

    /// Runs `body(task, innerPool)` for every task in `0..<count`, each costing `costPerTask`
    /// units of `family`, for kernels whose tasks call other kernels (a GEMM per image or per
    /// matrix). Tasks are spread over the pool, each with `.serial` inside, when the total pays
    /// for a split and the tasks divide evenly enough over the threads (≥ 75 % busy) or are each
    /// too small to split on their own; otherwise they run one after another with this pool
    /// inside, where each inner kernel decides for itself.
    public func parallelTasks(_ count: Int, costPerTask: Double, family: KernelFamily, _ body: (Int, ThreadPool) -> Void) {
        if count <= 0 { return }
        let t = threads(forWork: Double(count) * costPerTask, family)
        if t > 1 && count >= t {
            let rounds = (count + t - 1) / t
            let balanced = 4 * count >= 3 * t * rounds
            if balanced || threads(forWork: costPerTask, family) == 1 {
                parallelFor(count) { i in body(i, .serial) }
                return
            }
        }
        for i in 0..<count { body(i, self) }
    }
}
