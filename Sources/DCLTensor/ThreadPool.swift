// A small fixed-size thread pool for kernel drivers.
//
// Why not GCD: `DispatchQueue.concurrentPerform` costs several microseconds per call and may
// oversubscribe when other work is queued; a training step of a small MLP is ~40 kernel calls
// of 10-100 µs each, so per-call overhead matters. Kernels do not call the pool directly: they
// go through the driver in Parallel.swift, which decides whether a job pays for a split.
//
// Waiting is bounded in *time*, never in iterations, and never yields: after a job a worker
// polls for the next one for `workerSpinNanoseconds` (so back-to-back kernels find it awake),
// reading the monotonic clock every `pausesPerClockRead` pause hints, and then parks on a
// condition variable (futex-backed in glibc), so an idle process uses no CPU. An earlier version
// spun 20,000 iterations, 18,000 of them `sched_yield`: that is milliseconds, not microseconds,
// and made `sched_yield` 89 % of a training run's system time (issue #10). The caller's wait for
// workers still inside a job is bounded the same way: it polls for `callerSpinNanoseconds`, then
// blocks on a condition variable that the last worker out signals.
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
// workers inside. On a machine where another process holds a core, a descheduled (or parked)
// worker then costs nothing instead of a whole scheduler time slice per kernel call.

import CSpin
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
    /// Generations wrap inside the ticket's 42 upper bits (a worker compares for equality only).
    private static let genMask = (1 << 42) - 1
    private var generation = 0
    private let nextIndex = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    /// Workers parked on `wake`; the caller signals only when this is non-zero.
    private let sleepers = Atomic<Int>(0)
    /// Set while the caller is (about to be) blocked on `done`.
    private let callerWaiting = Atomic<Bool>(false)
    private let shuttingDown = Atomic<Bool>(false)
    private var job: Job?
    // Heap-allocated so their addresses stay fixed (a stored property's address is not).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let done = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var workers: [pthread_t] = []

    /// How long a worker polls for the next job before it parks. Kernels of one training step
    /// follow each other within a few microseconds, so 50 µs keeps a worker awake through a
    /// step's kernel sequence, while a process that stops issuing jobs stops burning a core
    /// after 50 µs (Parallel.swift derives its split threshold from the cost of both cases).
    static let workerSpinNanoseconds: UInt64 = 50_000
    /// How long the caller polls for the workers still inside a job before it blocks. They are
    /// finishing their last index (a few µs by the driver's chunking); longer means one of them
    /// was descheduled, and then the caller should give its core away.
    static let callerSpinNanoseconds: UInt64 = 20_000
    /// Pause hints between clock reads: a pause is ~10-140 cycles, a vDSO clock read ~20-50 ns,
    /// so the clock costs under 1 % of the spin and the deadline is overshot by under ~20 µs.
    static let pausesPerClockRead = 128

    /// Tests set this so that the driver splits every job it is handed, however small: the
    /// parallel paths of every kernel can then be checked against one thread on small inputs.
    let splitsEveryJob: Bool

    /// Creates a pool; `threads` is clamped to at least 1.
    public convenience init(threads: Int) {
        self.init(threads: threads, splitsEveryJob: false)
    }

    init(threads: Int, splitsEveryJob: Bool) {
        self.splitsEveryJob = splitsEveryJob
        threadCount = max(1, threads)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(done, nil)
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
        generation = (generation + 1) & Self.genMask
        ticket.store(generation << Self.genShift | Self.closedBit, ordering: .sequentiallyConsistent)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        for t in workers { pthread_join(t, nil) }
        pthread_cond_destroy(done)
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        done.deallocate()
        wake.deallocate()
        mutex.deallocate()
    }

    /// Worker threads that are alive (fewer than `threadCount - 1` only if thread creation failed).
    var workerCount: Int { workers.count }

    /// True if at least one worker is parked (waking it costs a system call and tens of µs).
    var hasParkedWorkers: Bool { sleepers.load(ordering: .relaxed) > 0 }

    /// Calls `body(i)` for every `i` in `0..<count`, spread over the pool's threads, and returns
    /// when all calls have finished. Indices are claimed dynamically; `body` must not depend on
    /// which thread runs it. Kernels use the cost-aware driver (Parallel.swift) instead.
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
            generation = (generation + 1) & Self.genMask
            // Sequentially consistent with the sleepers check below and the worker's re-check
            // under the mutex: either we see a sleeper and signal, or it sees the new ticket.
            ticket.store(generation << Self.genShift, ordering: .sequentiallyConsistent)
            let parked = sleepers.load(ordering: .sequentiallyConsistent)
            if parked > 0 {
                // Wake only as many workers as there are indices beyond the caller's first.
                pthread_mutex_lock(mutex)
                if count - 1 >= parked {
                    pthread_cond_broadcast(wake)
                } else {
                    for _ in 0..<(count - 1) { pthread_cond_signal(wake) }
                }
                pthread_mutex_unlock(mutex)
            }
            runIndices(escaping, count)
            // Close the job to latecomers, then wait for the workers already inside.
            var t = ticket.load(ordering: .acquiring)
            while true {
                let (closed, now) = ticket.compareExchange(expected: t, desired: t | Self.closedBit, ordering: .acquiringAndReleasing)
                if closed { break }
                t = now
            }
            if t & Self.activeMask != 0 { waitForWorkersInside() }
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

    /// Polls until no worker is inside the closed job, for at most `callerSpinNanoseconds`, then
    /// blocks on `done` until the last worker out signals it.
    private func waitForWorkersInside() {
        let start = monotonicNanoseconds()
        var pauses = 0
        while ticket.load(ordering: .acquiring) & Self.activeMask != 0 {
            dcl_cpu_relax()
            pauses += 1
            if pauses % Self.pausesPerClockRead == 0 && monotonicNanoseconds() &- start >= Self.callerSpinNanoseconds {
                // Dekker pair with `leaveJob`: we publish `callerWaiting` and then read the
                // ticket; the worker updates the ticket and then reads `callerWaiting` (all
                // sequentially consistent), so either we see zero workers or it sees us waiting.
                pthread_mutex_lock(mutex)
                callerWaiting.store(true, ordering: .sequentiallyConsistent)
                while ticket.load(ordering: .sequentiallyConsistent) & Self.activeMask != 0 {
                    pthread_cond_wait(done, mutex)
                }
                callerWaiting.store(false, ordering: .relaxed)
                pthread_mutex_unlock(mutex)
                return
            }
        }
    }

    /// A worker's exit from a job: the last one out wakes a caller blocked in `waitForWorkersInside`.
    /// A signal that arrives after the caller moved on only makes it re-check its predicate.
    private func leaveJob() {
        let after = ticket.subtract(1, ordering: .sequentiallyConsistent).newValue
        if after & Self.activeMask == 0 && callerWaiting.load(ordering: .sequentiallyConsistent) {
            pthread_mutex_lock(mutex)
            pthread_cond_signal(done)
            pthread_mutex_unlock(mutex)
        }
    }

    /// Returns the first ticket of a generation other than `seen`: polls for
    /// `workerSpinNanoseconds`, then parks on `wake`.
    private func nextTicket(after seen: Int) -> Int {
        let start = monotonicNanoseconds()
        var pauses = 0
        while true {
            let t = ticket.load(ordering: .acquiring)
            if t >> Self.genShift != seen { return t }
            dcl_cpu_relax()
            pauses += 1
            if pauses % Self.pausesPerClockRead == 0 && monotonicNanoseconds() &- start >= Self.workerSpinNanoseconds { break }
        }
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while ticket.load(ordering: .sequentiallyConsistent) >> Self.genShift == seen {
            pthread_cond_wait(wake, mutex)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
        return ticket.load(ordering: .acquiring)
    }

    private func workerLoop() {
        var seen = 0
        while true {
            var t = nextTicket(after: seen)
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
            leaveJob()
        }
    }
}

/// Hands the pool to a worker's start routine without retaining it: a worker must not keep its
/// pool alive, and `deinit` joins every worker before the pool's memory goes away.
private final class WorkerBox {
    unowned(unsafe) let pool: ThreadPool
    init(pool: ThreadPool) { self.pool = pool }
}

/// CLOCK_MONOTONIC in nanoseconds (a vDSO call on Linux: no system call).
@inline(__always) func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

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
