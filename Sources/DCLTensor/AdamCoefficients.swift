// One Adam/AdamW step's coefficients, computed once per step and applied to any number of
// spans. A lazy (row-sparse) update applies them to every touched row of an embedding table:
// working them out per row (two `pow` calls in double precision) cost more than the update of
// a 16-float row itself. Every span gets the very same coefficients, so splitting the update
// into spans — chunks for threads, rows for the sparse path — changes no bit.

import Foundation

struct AdamCoefficients {
    let stepSize: F16, invSqrtBc2: F16
    let b1: F16, b2: F16, ob1: F16, ob2: F16
    let e: F16, gs: F16, l2: F16, shrink: F16

    /// `step` is the 1-based update number used for bias correction.
    init(lr: Float, step: Int, beta1: Float, beta2: Float, eps: Float, weightDecay: Float, decoupled: Bool, gradScale: Float) {
        let bc1 = 1 - Float(pow(Double(beta1), Double(step)))
        let bc2 = 1 - Float(pow(Double(beta2), Double(step)))
        stepSize = F16(repeating: lr / bc1)
        invSqrtBc2 = F16(repeating: 1 / bc2.squareRoot())
        b1 = F16(repeating: beta1)
        b2 = F16(repeating: beta2)
        ob1 = F16(repeating: 1 - beta1)
        ob2 = F16(repeating: 1 - beta2)
        e = F16(repeating: eps)
        gs = F16(repeating: gradScale)
        l2 = F16(repeating: decoupled ? 0 : weightDecay)
        shrink = F16(repeating: decoupled ? 1 - lr * weightDecay : 1)
    }

    @inline(__always) func update(_ pv: F16, _ gv: F16, _ mv: F16, _ vv: F16) -> (F16, F16, F16) {
        let p0 = pv * shrink
        let gg = gv * gs + l2 * pv
        let nm = b1 * mv + ob1 * gg
        let nv = b2 * vv + ob2 * gg * gg
        let denom = vsqrt(nv) * invSqrtBc2 + e
        return (p0 - stepSize * nm / denom, nm, nv)
    }

    /// Updates `count` parameters with their gradients and moments, in place.
    @inline(__always)
    func apply(param p: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
               v: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let (np, nm, nv) = update(UnsafeRawPointer(p + i).loadUnaligned(as: F16.self),
                                      UnsafeRawPointer(g + i).loadUnaligned(as: F16.self),
                                      UnsafeRawPointer(m + i).loadUnaligned(as: F16.self),
                                      UnsafeRawPointer(v + i).loadUnaligned(as: F16.self))
            UnsafeMutableRawPointer(p + i).storeBytes(of: np, as: F16.self)
            UnsafeMutableRawPointer(m + i).storeBytes(of: nm, as: F16.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: nv, as: F16.self)
            i += 16
        }
        if i < count {
            var pv = F16(), gv = F16(), mv = F16(), vv = F16()
            for q in 0..<(count - i) { pv[q] = p[i + q]; gv[q] = g[i + q]; mv[q] = m[i + q]; vv[q] = v[i + q] }
            let (np, nm, nv) = update(pv, gv, mv, vv)
            for q in 0..<(count - i) { p[i + q] = np[q]; m[i + q] = nm[q]; v[i + q] = nv[q] }
        }
    }
}
