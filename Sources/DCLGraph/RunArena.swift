// Arena memory for executor runs: borrowed for the duration of one run, not owned by a plan.
//
// Why: a plan is compiled per binding of the graph's symbols (each batch size), and a model's
// inference executor lives as long as the model. When every plan owned its arena, evaluating
// 100 devices whose data sizes differ kept 100 arenas alive per model — ICIIA's example peaked
// at 4.6 GB, 2.3 GB of it arenas of plans that would never run again. A run needs its arena only
// while it runs (outputs are copied out, parameters live in the store), so each thread keeps one
// grow-only buffer that every run on that thread borrows: memory is the largest single run's
// arena, whatever the number of devices, batch sizes or models.
//
// Nesting: a run started while this thread's buffer is borrowed (nothing does that today, but a
// kernel or a hook could) gets a private buffer freed when it ends, so correctness never depends
// on runs being flat. Kernels write every element they produce (the executor's `poisonArena`
// tests prove it), so a buffer's stale contents from another run are never read.

import DCLTensor

/// A thread's reusable arena buffer. Use `RunArena.withBuffer`.
final class RunArena {
    private var base: UnsafeMutableRawPointer?
    private var capacity = 0
    private var borrowed = false

    /// Bytes currently held by this thread's buffer (for tests and `--profile`).
    static var currentCapacity: Int { current.capacity }

    /// Calls `body` with at least `bytes` bytes of 64-byte aligned memory of unspecified content,
    /// valid until `body` returns.
    static func withBuffer<R>(_ bytes: Int, _ body: (UnsafeMutableRawPointer) throws -> R) rethrows -> R {
        let arena = current
        if arena.borrowed {
            let private_ = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64)
            defer { private_.deallocate() }
            return try body(private_)
        }
        arena.borrowed = true
        defer { arena.borrowed = false }
        return try body(arena.reserve(bytes))
    }

    /// Drops this thread's buffer (the next run allocates again).
    static func releaseCurrent() {
        let arena = current
        guard !arena.borrowed else { return }
        arena.base?.deallocate()
        arena.base = nil
        arena.capacity = 0
    }

    private func reserve(_ bytes: Int) -> UnsafeMutableRawPointer {
        if let base, bytes <= capacity { return base }
        base?.deallocate()
        // A quarter of headroom: batch sizes that creep up one by one reallocate a few times,
        // not once per size. No zero fill — pages are touched only when a kernel writes them.
        let grown = capacity > Int.max / 2 ? Int.max : capacity + capacity / 4
        capacity = max(bytes, grown, 1 << 16)
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
        return base!
    }

    deinit { base?.deallocate() }

    private static var current: RunArena { perThread.value }

    private static let perThread = PerThread { RunArena() }
}
