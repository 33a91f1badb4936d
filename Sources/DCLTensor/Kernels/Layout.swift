// Data movement: permute (transpose), concat, slice, pad, broadcast, channel shuffle.
//
// None of these computes anything, so threading never affects values; they parallelise over
// outer rows when the copy is large.

/// Data-movement kernels on raw buffers (element type Float32 or Int32: both are 4 bytes, so
/// the kernels move `UInt32` words and serve either).
public enum Layout {
    typealias Word = UInt32

    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }

    /// Calls `body(outer index, offsets…)` for every combination of `dims`, in row-major order,
    /// with the running offset for each stride set.
    @inline(__always)
    static func odometer(_ dims: [Int], _ strideSets: [[Int]], _ body: (Int, [Int]) -> Void) {
        let total = dims.reduce(1, *)
        if total == 0 { return }
        var idx = [Int](repeating: 0, count: dims.count)
        var offs = [Int](repeating: 0, count: strideSets.count)
        for t in 0..<total {
            body(t, offs)
            var d = dims.count - 1
            while d >= 0 {
                idx[d] += 1
                for s in 0..<strideSets.count { offs[s] += strideSets[s][d] }
                if idx[d] < dims[d] { break }
                for s in 0..<strideSets.count { offs[s] -= strideSets[s][d] * dims[d] }
                idx[d] = 0
                d -= 1
            }
        }
    }

    /// `out = permute(x, perm)`: `out.shape[i] = shape[perm[i]]`.
    public static func permute(_ x: UnsafeRawPointer, _ shape: [Int], perm: [Int], _ out: UnsafeMutableRawPointer) {
        let src = x.assumingMemoryBound(to: Word.self), dst = out.assumingMemoryBound(to: Word.self)
        let inStrides = strides(shape)
        // Output dims with their input strides, size-1 dims dropped, mergeable dims merged.
        var dims: [Int] = [], st: [Int] = []
        for p in perm where shape[p] != 1 {
            if let last = dims.last, st.last! == inStrides[p] * shape[p] {
                dims[dims.count - 1] = last * shape[p]
                st[st.count - 1] = inStrides[p]
            } else {
                dims.append(shape[p]); st.append(inStrides[p])
            }
        }
        let total = shape.reduce(1, *)
        if total == 0 { return }
        if dims.isEmpty || (dims.count == 1 && st[0] == 1) {
            dst.update(from: src, count: total)
            return
        }
        if st.last! == 1 {
            // Contiguous runs: copy row by row.
            let inner = dims.last!
            let outer = Array(dims.dropLast()), os = Array(st.dropLast())
            odometer(outer, [os]) { t, offs in (dst + t * inner).update(from: src + offs[0], count: inner) }
            return
        }
        // Find the output dim that is contiguous in the input; transpose it with the last dim.
        guard let p = st.firstIndex(of: 1) else {
            odometer(dims, [st]) { t, offs in dst[t] = src[offs[0]] }
            return
        }
        let outStrides = strides(dims)
        let rows = dims[p], cols = dims.last!, colStride = st.last!, rowOutStride = outStrides[p]
        var outerDims: [Int] = [], outerIn: [Int] = [], outerOut: [Int] = []
        for d in 0..<(dims.count - 1) where d != p {
            outerDims.append(dims[d]); outerIn.append(st[d]); outerOut.append(outStrides[d])
        }
        odometer(outerDims, [outerIn, outerOut]) { _, offs in
            transpose2D(src + offs[0], colStride, dst + offs[1], rowOutStride, rows, cols)
        }
    }

    /// dst[r*ldd + c] = src[c*lds + r] for r < rows, c < cols (src is contiguous in r).
    static func transpose2D(_ src: UnsafePointer<Word>, _ lds: Int, _ dst: UnsafeMutablePointer<Word>, _ ldd: Int,
                            _ rows: Int, _ cols: Int) {
        let fs = UnsafeRawPointer(src).assumingMemoryBound(to: Float.self)
        let fd = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: Float.self)
        var c = 0
        while c + 16 <= cols {
            var r = 0
            while r + 16 <= rows {
                var t = Transpose16.load(fs + c * lds + r, lds, 16)
                Transpose16.run(&t)
                Transpose16.storeStrided(t, fd + r * ldd + c, stride: ldd)
                r += 16
            }
            while r < rows { for q in c..<(c + 16) { dst[r &* ldd &+ q] = src[q &* lds &+ r] }; r += 1 }
            c += 16
        }
        // Offsets stay inside the tensor the caller sized, so unchecked arithmetic is safe here
        // (the checked form kept this narrow-column loop from being optimised).
        while c < cols { for r in 0..<rows { dst[r &* ldd &+ c] = src[c &* lds &+ r] }; c += 1 }
    }

    /// Concatenates inputs (same shape except along `axis`) into `out`.
    public static func concat(_ inputs: [(UnsafeRawPointer, [Int])], axis: Int, _ out: UnsafeMutableRawPointer) {
        guard let first = inputs.first else { return }
        let outer = first.1[..<axis].reduce(1, *)
        let inner = first.1[(axis + 1)...].reduce(1, *)
        let total = inputs.map { $0.1[axis] }.reduce(0, +) * inner
        let dst = out.assumingMemoryBound(to: Word.self)
        for o in 0..<outer {
            var off = o * total
            for (p, s) in inputs {
                let run = s[axis] * inner
                (dst + off).update(from: p.assumingMemoryBound(to: Word.self) + o * run, count: run)
                off += run
            }
        }
    }

    /// `out = x[starts[i] ..< starts[i] + outShape[i]]` along every axis.
    public static func slice(_ x: UnsafeRawPointer, _ shape: [Int], starts: [Int], outShape: [Int],
                             _ out: UnsafeMutableRawPointer) {
        let src = x.assumingMemoryBound(to: Word.self), dst = out.assumingMemoryBound(to: Word.self)
        if outShape.contains(0) { return }
        let st = strides(shape)
        var base = 0
        for i in 0..<shape.count { base += starts[i] * st[i] }
        guard let inner = outShape.last else { dst[0] = src[0]; return }
        odometer(Array(outShape.dropLast()), [Array(st.dropLast())]) { t, offs in
            (dst + t * inner).update(from: src + base + offs[0], count: inner)
        }
    }

    /// Inverse of `slice`: `out` (shape `outShape`) is zero except the window at `starts`, which
    /// receives `x` (shape `shape`).
    public static func pad(_ x: UnsafeRawPointer, _ shape: [Int], starts: [Int], outShape: [Int],
                           _ out: UnsafeMutableRawPointer) {
        let src = x.assumingMemoryBound(to: Word.self), dst = out.assumingMemoryBound(to: Word.self)
        dst.update(repeating: 0, count: outShape.reduce(1, *))
        if shape.contains(0) { return }
        let st = strides(outShape)
        var base = 0
        for i in 0..<outShape.count { base += starts[i] * st[i] }
        guard let inner = shape.last else { dst[0] = src[0]; return }
        odometer(Array(shape.dropLast()), [Array(st.dropLast())]) { t, offs in
            (dst + base + offs[0]).update(from: src + t * inner, count: inner)
        }
    }

    /// `out = broadcast(x)` from `shape` to `outShape` (numpy rules).
    public static func broadcast(_ x: UnsafeRawPointer, _ shape: [Int], _ out: UnsafeMutableRawPointer, _ outShape: [Int]) {
        let src = x.assumingMemoryBound(to: Word.self), dst = out.assumingMemoryBound(to: Word.self)
        let bs = Elementwise.broadcastStrides(shape, outShape)
        var dims: [Int] = [], st: [Int] = []
        for i in 0..<outShape.count where outShape[i] != 1 {
            if let last = dims.last, st.last! == bs[i] * outShape[i] {
                dims[dims.count - 1] = last * outShape[i]; st[st.count - 1] = bs[i]
            } else { dims.append(outShape[i]); st.append(bs[i]) }
        }
        if outShape.contains(0) { return }
        if dims.isEmpty { dst[0] = src[0]; return }
        let inner = dims.last!, innerStride = st.last!
        odometer(Array(dims.dropLast()), [Array(st.dropLast())]) { t, offs in
            let d = dst + t * inner
            if innerStride == 1 { d.update(from: src + offs[0], count: inner) } else { d.update(repeating: src[offs[0]], count: inner) }
        }
    }

    /// Channel/feature shuffle (ICIIA, ShuffleNet): view `axis` as (P, k), transpose to (k, P),
    /// flatten. `groups` is P; the axis length must be divisible by it.
    public static func shuffle(_ x: UnsafeRawPointer, _ shape: [Int], axis: Int, groups: Int, _ out: UnsafeMutableRawPointer) {
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let n = shape[axis], k = n / groups
        guard inner == 1, n <= shuffleTableLimit else {
            permute(x, [outer, groups, k, inner], perm: [0, 2, 1, 3], out)
            return
        }
        // The last axis shuffled (ICIIA's features): each row is the same small permutation,
        // applied through a table — the general permute walks a 64-wide row as 8×8 scalar
        // transposes with index arithmetic per element.
        let src = x.assumingMemoryBound(to: Word.self), dst = out.assumingMemoryBound(to: Word.self)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(n, 1)) { table in
            for j in 0..<k { for p in 0..<groups { table[j &* groups &+ p] = p &* k &+ j } }
            for o in 0..<outer {
                let s = src + o &* n, d = dst + o &* n
                for t in 0..<n { d[t] = s[table[t]] }
            }
        }
    }

    /// Rows up to this length are shuffled through an index table on the stack.
    static let shuffleTableLimit = 4096
}
