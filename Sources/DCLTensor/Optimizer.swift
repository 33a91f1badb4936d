// Optimiser update rules, learning-rate schedules and global-norm gradient clipping.
//
// Updates follow PyTorch's definitions (torch.optim.SGD / Adam / AdamW, dampening 0) so that
// hyper-parameters from the papers' code carry over unchanged. Every update is elementwise, so
// threading cannot change it; the clipping norm is a chunked, fixed-order sum.

/// An optimiser and its hyper-parameters (the learning rate comes from the schedule).
public enum OptimizerKind: Equatable, Hashable, Sendable {
    /// p ← p - lr·g', g' = g + wd·p, with momentum buffer b ← μb + g' and Nesterov g' + μb.
    case sgd(momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0)
    /// Adam with L2 weight decay added to the gradient.
    case adam(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0)
    /// AdamW: decoupled weight decay p ← p·(1 - lr·wd) before the Adam step.
    case adamw(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01)

    /// Names of the per-parameter state buffers (each shaped like the parameter).
    public var stateNames: [String] {
        switch self {
        case .sgd(let m, _, _): return m != 0 ? ["momentum"] : []
        case .adam, .adamw: return ["adam_m", "adam_v"]
        }
    }
}

/// A learning-rate schedule: the rate used for update number `step` (0-based).
public indirect enum LRSchedule: Equatable, Hashable, Sendable, CustomStringConvertible {
    case constant(Float)
    /// base·gamma^⌊step/every⌋.
    case step(base: Float, every: Int, gamma: Float)
    /// Cosine from base to `minimum` over `total` steps, then `minimum`.
    case cosine(base: Float, total: Int, minimum: Float)
    /// Linear from base to `end` over `total` steps, then `end`.
    case linear(base: Float, end: Float, total: Int)
    /// Linear warm-up over `steps` updates ((step+1)/steps of the following schedule's first
    /// rate), then `then` restarted at step 0.
    case warmup(steps: Int, then: LRSchedule)

    /// The learning rate for 0-based update number `step`.
    public func rate(at step: Int) -> Float {
        switch self {
        case .constant(let r): return r
        case .step(let base, let every, let gamma):
            return base * Float(pow(Double(gamma), Double(step / max(1, every))))
        case .cosine(let base, let total, let minimum):
            if step >= total { return minimum }
            let t = Double(step) / Double(max(1, total))
            return minimum + (base - minimum) * Float(0.5 * (1 + cos(Double.pi * t)))
        case .linear(let base, let end, let total):
            if step >= total { return end }
            return base + (end - base) * Float(step) / Float(max(1, total))
        case .warmup(let steps, let then):
            if step < steps { return then.rate(at: 0) * Float(step + 1) / Float(steps) }
            return then.rate(at: step - steps)
        }
    }

    /// IR text form, e.g. `warmup(100,cosine(0.001,1000,0))`.
    public var description: String {
        switch self {
        case .constant(let r): return "constant(\(r))"
        case .step(let b, let e, let g): return "step(\(b),\(e),\(g))"
        case .cosine(let b, let t, let m): return "cosine(\(b),\(t),\(m))"
        case .linear(let b, let e, let t): return "linear(\(b),\(e),\(t))"
        case .warmup(let s, let then): return "warmup(\(s),\(then))"
        }
    }

    /// Parses `description`.
    public init?(parsing text: String) {
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else { return nil }
        let name = text[..<open]
        let inner = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        if name == "warmup" {
            guard let comma = inner.firstIndex(of: ","), let s = Int(inner[..<comma]),
                  let then = LRSchedule(parsing: String(inner[inner.index(after: comma)...])) else { return nil }
            self = .warmup(steps: s, then: then)
            return
        }
        let a = inner.split(separator: ",").map(String.init)
        func f(_ i: Int) -> Float? { i < a.count ? Float(a[i]) : nil }
        func n(_ i: Int) -> Int? { i < a.count ? Int(a[i]) : nil }
        switch name {
        case "constant": guard a.count == 1, let r = f(0) else { return nil }; self = .constant(r)
        case "step": guard a.count == 3, let b = f(0), let e = n(1), let g = f(2) else { return nil }; self = .step(base: b, every: e, gamma: g)
        case "cosine": guard a.count == 3, let b = f(0), let t = n(1), let m = f(2) else { return nil }; self = .cosine(base: b, total: t, minimum: m)
        case "linear": guard a.count == 3, let b = f(0), let e = f(1), let t = n(2) else { return nil }; self = .linear(base: b, end: e, total: t)
        default: return nil
        }
    }
}

/// Optimiser update kernels on raw buffers (in place).
public enum OptimizerKernels {
    /// One SGD update of `count` parameters. `buf` is the momentum buffer (nil without
    /// momentum); `first` marks the first update, when PyTorch sets the buffer to the gradient.
    public static func sgd(param p: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, buffer: UnsafeMutablePointer<Float>?,
                           count: Int, lr: Float, momentum: Float, nesterov: Bool, weightDecay: Float,
                           gradScale: Float, first: Bool, pool: ThreadPool = .serial) {
        // Elementwise: chunks can run on any thread without changing a bit.
        Activations.chunked(count, .elementwise, cost: 2, pool) { lo, n in
            sgdSerial(param: p + lo, grad: g + lo, buffer: buffer.map { $0 + lo }, count: n, lr: lr, momentum: momentum,
                      nesterov: nesterov, weightDecay: weightDecay, gradScale: gradScale, first: first)
        }
    }

    static func sgdSerial(param p: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, buffer: UnsafeMutablePointer<Float>?,
                          count: Int, lr: Float, momentum: Float, nesterov: Bool, weightDecay: Float,
                          gradScale: Float, first: Bool) {
        let lrv = splat(lr), wd = splat(weightDecay), mu = splat(momentum), gs = splat(gradScale)
        var i = 0
        @inline(__always) func step(_ gv: F16, _ pv: F16, _ bv: F16) -> (F16, F16) {
            var d = gv * gs + wd * pv
            var nb = bv
            if buffer != nil {
                nb = first ? d : mu * bv + d
                d = nesterov ? d + mu * nb : nb
            }
            return (pv - lrv * d, nb)
        }
        while i + 16 <= count {
            let pv = UnsafeRawPointer(p + i).loadUnaligned(as: F16.self)
            let gv = UnsafeRawPointer(g + i).loadUnaligned(as: F16.self)
            let bv = buffer.map { UnsafeRawPointer($0 + i).loadUnaligned(as: F16.self) } ?? F16()
            let (np, nb) = step(gv, pv, bv)
            UnsafeMutableRawPointer(p + i).storeBytes(of: np, as: F16.self)
            if let buffer { UnsafeMutableRawPointer(buffer + i).storeBytes(of: nb, as: F16.self) }
            i += 16
        }
        if i < count {
            var pv = F16(), gv = F16(), bv = F16()
            for q in 0..<(count - i) { pv[q] = p[i + q]; gv[q] = g[i + q]; bv[q] = buffer?[i + q] ?? 0 }
            let (np, nb) = step(gv, pv, bv)
            for q in 0..<(count - i) { p[i + q] = np[q]; buffer?[i + q] = nb[q] }
        }
    }

    /// One Adam/AdamW update; `step` is the 1-based update number used for bias correction.
    public static func adam(param p: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>,
                            m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count: Int,
                            lr: Float, step: Int, beta1: Float, beta2: Float, eps: Float, weightDecay: Float,
                            decoupled: Bool, gradScale: Float, pool: ThreadPool = .serial) {
        let c = AdamCoefficients(lr: lr, step: step, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                                 decoupled: decoupled, gradScale: gradScale)
        Activations.chunked(count, .elementwise, cost: 4, pool) { lo, n in
            c.apply(param: p + lo, grad: g + lo, m: m + lo, v: v + lo, count: n)
        }
    }

    /// The factor min(1, maxNorm / (‖g‖ + 1e-6)) for the global norm ‖g‖ over all gradients,
    /// summed tensor by tensor in the given order (PyTorch's `clip_grad_norm_`).
    public static func clipFactor(_ grads: [(UnsafePointer<Float>, Int)], maxNorm: Float, pool: ThreadPool = .shared) -> Float {
        var total: Float = 0
        for (p, n) in grads { total += Reduction.sumOfSquares(p, n, pool: pool) }
        let norm = total.squareRoot()
        return min(1, maxNorm / (norm + 1e-6))
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
