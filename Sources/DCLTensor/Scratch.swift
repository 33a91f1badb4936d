// Per-thread scratch memory for kernel drivers (GEMM packing panels, im2col tiles).
//
// Each thread owns one grow-only, 64-byte aligned buffer, so a kernel running on any thread of
// any pool can get packing space without a malloc on the hot path and without coordinating
// with other threads. The buffer is freed when its thread exits.

/// A thread's private scratch buffers. Obtain them with `ThreadScratch.current`.
///
/// Buffers are numbered by `Slot` so that nested users do not clobber each other: a conv
/// kernel keeps its im2col tile in `.im2col` while the GEMM it calls packs into `.gemm`.
public final class ThreadScratch {
    /// Independent buffers per thread.
    public enum Slot: Int, CaseIterable {
        case gemm, im2col, misc
    }

    private var bases = [UnsafeMutableRawPointer?](repeating: nil, count: Slot.allCases.count)
    private var capacities = [Int](repeating: 0, count: Slot.allCases.count)

    /// Returns at least `bytes` bytes of 64-byte aligned memory owned by the calling thread.
    /// The contents are unspecified and are invalidated by the next call for the same slot on
    /// this thread.
    public func bytes(_ bytes: Int, slot: Slot = .misc) -> UnsafeMutableRawPointer {
        let i = slot.rawValue
        if bytes > capacities[i] || bases[i] == nil {
            bases[i]?.deallocate()
            // Grow geometrically so alternating sizes do not reallocate every call.
            capacities[i] = max(bytes, capacities[i] * 2, 1 << 16)
            bases[i] = UnsafeMutableRawPointer.allocate(byteCount: capacities[i], alignment: 64)
        }
        return bases[i]!
    }

    /// Float view of `bytes(count * 4, slot:)`.
    public func floats(_ count: Int, slot: Slot = .misc) -> UnsafeMutablePointer<Float> {
        bytes(count * 4, slot: slot).assumingMemoryBound(to: Float.self)
    }

    deinit { for b in bases { b?.deallocate() } }

    /// The calling thread's scratch buffer.
    public static var current: ThreadScratch { perThread.value }

    private static let perThread = PerThread { ThreadScratch() }
}
