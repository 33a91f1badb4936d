// Seeded inverted dropout.
//
// The mask for element i depends only on (seed, step, i): the tensor is cut into fixed blocks of
// `block` elements and block b draws from `SeededGenerator(seed:stream:)` with stream (step, b).
// Blocks can be generated on any thread in any order and the mask is the same bytes.

/// Dropout kernel on raw buffers.
public enum Dropout {
    static let block = 4096

    /// y = x · mask, mask[i] = (u_i ≥ p) / (1 - p), u_i uniform in [0, 1). Writes the mask too
    /// (the backward pass multiplies by it). p must be in [0, 1).
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
                               count: Int, p: Float, seed: UInt64, step: UInt64, pool: ThreadPool = .shared) {
        let keep = 1 / (1 - p)
        let blocks = (count + block - 1) / block
        let body: (Int) -> Void = { b in
            var g = SeededGenerator(seed: seed, stream: step &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(b))
            let lo = b * block, hi = min(count, lo + block)
            for i in lo..<hi {
                let m: Float = g.nextUnitFloat() >= p ? keep : 0
                mask[i] = m
                y[i] = x[i] * m
            }
        }
        // One random draw per element; blocks are the fixed unit of work, whatever the threads.
        pool.parallelRows(blocks, costPerRow: block, family: .transcendental, body)
    }
}
