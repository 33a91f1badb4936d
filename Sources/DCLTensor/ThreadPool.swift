// A small fixed-size thread pool for kernel drivers.
//
// Why not GCD: `DispatchQueue.concurrentPerform` costs several microseconds per call and may
// oversubscribe when other work is queued; a training step of a small MLP is ~40 kernel calls
// of 10-100 µs each, so per-call overhead matters. Workers spin briefly after each job (so
// back-to-back kernels find them awake) and then sleep on a condition variable (so an idle
// process does not burn the cores other engineers' builds need).
//
// Determinism: the pool only decides *which thread* runs an index, never how a result is
// summed. Kernels partition work so each output element is computed by exactly one index with
// a fixed summation order; results are therefore identical for every thread count.
//
// Re-entrancy: a `parallelFor` issued while the pool is already running a job (a nested call
// from inside a body, or a second caller thread such as a concurrently running test) runs its
// indices inline on the calling thread. That is always correct, because of the property above.
//
// Late workers: the caller never waits for a worker that has not started on the job. Workers
// must "enter" a job through one atomic ticket (generation, closed flag, count of workers
// inside); when the caller runs out of indices it closes the ticket and waits only for the
// workers inside. On a machine where another process holds a core, a descheduled worker then
// costs nothing instead of a whole scheduler time slice per kernel call.

import Synchronization
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A fixed set of worker threads that execute `parallelFor` jobs. The calling thread takes part
/// in every job, so a pool of `threadCount` threads starts `threadCount - 1` workers.
public final class ThreadPool: @unchecked Sendable {
    /// Number of threads (including the caller) a job is spread over.
    public let threadCount: Int

    private struct Job {
        var body: (Int) -> Void
        var count: Int
    }

    /// generation << 21 | closed << 20 | workers inside the job.
    private let ticket = Atomic<Int>(0)
    private static let activeMask = (1 << 20) - 1
    private static let closedBit = 1 << 20
    private static let genShift = 21
    private var generation = 0
    private let nextIndex = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    private let shuttingDown = Atomic<Bool>(false)
    private var job: Job?
    // Heap-allocated so their addresses stay fixed (a stored property's address is not).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var workers: [pthread_t] = []

    /// Spin iterations a worker waits for the next job before sleeping (~50-100 µs). After the
    /// first `yieldAfter` iterations each spin also yields the core, so a spinning thread does
    /// not starve the thread it waits for when both share a core (another process busy).
    private static let spinLimit = 20_000
    private static let yieldAfter = 2_000

    /// Creates a pool; `threads` is clamped to at least 1.
    public init(threads: Int) {
        threadCount = max(1, threads)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        for _ in 1..<threadCount {
            let box = Unmanaged.passRetained(WorkerBox(pool: self))
            var tid = pthread_t()
            let rc = pthread_create(&tid, nil, { raw in
                let box = Unmanaged<WorkerBox>.fromOpaque(raw!).takeRetainedValue()
                box.pool.workerLoop()
                return nil
            }, box.toOpaque())
            if rc == 0 { workers.append(tid) } else { box.release() }
        }
    }

    deinit {
        shuttingDown.store(true, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex)
        generation += 1
        ticket.store(generation << Self.genShift | Self.closedBit, ordering: .sequentiallyConsistent)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        for t in workers { pthread_join(t, nil) }
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        wake.deallocate()
        mutex.deallocate()
    }

    /// Calls `body(i)` for every `i` in `0..<count`, spread over the pool's threads, and returns
    /// when all calls have finished. Indices are claimed dynamically; `body` must not depend on
    /// which thread runs it.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if count == 1 || workers.isEmpty
            || !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            job = Job(body: escaping, count: count)
            nextIndex.store(0, ordering: .relaxed)
            generation += 1
            // Sequentially consistent with the sleepers check below and the worker's re-check
            // under the mutex: either we see a sleeper and signal, or it sees the new ticket.
            ticket.store(generation << Self.genShift, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(wake)
                pthread_mutex_unlock(mutex)
            }
            runIndices(escaping, count)
            // Close the job to latecomers, then wait for the workers already inside.
            var t = ticket.load(ordering: .acquiring)
            while true {
                let (done, now) = ticket.compareExchange(expected: t, desired: t | Self.closedBit, ordering: .acquiringAndReleasing)
                if done { break }
                t = now
            }
            var waits = 0
            while ticket.load(ordering: .acquiring) & Self.activeMask != 0 {
                waits += 1
                if waits > Self.yieldAfter { sched_yield() } else { spinPause() }
            }
            job = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// Splits `0..<total` into `parts` contiguous ranges of near-equal size and runs them in
    /// parallel. Empty ranges are skipped.
    public func parallelRanges(_ total: Int, parts: Int, _ body: (Range<Int>) -> Void) {
        let p = max(1, min(parts, total))
        parallelFor(p) { i in
            let lo = total * i / p, hi = total * (i + 1) / p
            if lo < hi { body(lo..<hi) }
        }
    }

    private func runIndices(_ body: (Int) -> Void, _ count: Int) {
        while true {
            let i = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= count { return }
            body(i)
        }
    }

    private func workerLoop() {
        var seen = 0
        while true {
            var spins = 0
            var t = ticket.load(ordering: .acquiring)
            while t >> Self.genShift == seen {
                if spins < Self.spinLimit {
                    spins += 1
                    if spins > Self.yieldAfter { sched_yield() } else { spinPause() }
                } else {
                    pthread_mutex_lock(mutex)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while ticket.load(ordering: .sequentiallyConsistent) >> Self.genShift == seen {
                        pthread_cond_wait(wake, mutex)
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(mutex)
                }
                t = ticket.load(ordering: .acquiring)
            }
            seen = t >> Self.genShift
            if shuttingDown.load(ordering: .acquiring) { return }
            // Enter the job if it is still open.
            var entered = false
            while t >> Self.genShift == seen && t & Self.closedBit == 0 {
                let (done, now) = ticket.compareExchange(expected: t, desired: t + 1, ordering: .acquiringAndReleasing)
                if done { entered = true; break }
                t = now
            }
            guard entered else { continue }
            if let j = job { runIndices(j.body, j.count) }
            ticket.subtract(1, ordering: .releasing)
        }
    }
}

/// Hands the pool to a worker's start routine without retaining it: a worker must not keep its
/// pool alive, and `deinit` joins every worker before the pool's memory goes away.
private final class WorkerBox {
    unowned(unsafe) let pool: ThreadPool
    init(pool: ThreadPool) { self.pool = pool }
}

/// Swift exposes no `pause` instruction; the atomic load in each spin loop keeps it honest.
@inline(__always) private func spinPause() {}

extension ThreadPool {
    /// The pool every kernel uses unless handed another one. Its size is the one piece of
    /// global configuration in the engine: set it once at start-up (`dcl --threads`).
    public static var shared: ThreadPool {
        get { sharedPool.withLock { $0 } }
    }

    /// A pool that runs everything on the calling thread (for kernels that parallelise at an
    /// outer level and call inner kernels serially).
    public static let serial = ThreadPool(threads: 1)

    /// Replaces the shared pool with one of `threads` threads (no-op if the size is unchanged).
    public static func configureShared(threads: Int) {
        sharedPool.withLock { pool in
            if pool.threadCount != max(1, threads) { pool = ThreadPool(threads: threads) }
        }
    }

    /// Default size: `DCL_THREADS` if set, else the number of online cores.
    static var defaultThreadCount: Int {
        if let s = getenv("DCL_THREADS"), let n = Int(String(cString: s)), n > 0 { return n }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

private let sharedPool = Mutex<ThreadPool>(ThreadPool(threads: ThreadPool.defaultThreadCount))
