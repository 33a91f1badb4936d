// Parameter initialisers, all drawing from `SeededGenerator`.
//
// `Initializer.tensor(shape:seed:name:)` forks the seed by the parameter's name, so a weight's
// values depend only on (seed, name, initializer) — not on how many parameters were created
// before it. Fan sizes are explicit: the caller (the compiler) knows which axis is "in" for its
// layer, so no layout convention is baked in here.

/// How a parameter's initial values are drawn.
public enum Initializer: Equatable, Hashable, Sendable, CustomStringConvertible {
    case zeros
    case ones
    case constant(Float)
    case uniform(low: Float, high: Float)
    case normal(mean: Float, std: Float)
    /// U(-b, b), b = gain·√(3/fanIn), gain = √(2/(1+a²)). PyTorch's default Linear/Conv weight
    /// init is `negativeSlope` a = √5 (which gives b = 1/√fanIn).
    case kaimingUniform(fanIn: Int, negativeSlope: Float)
    /// N(0, gain/√fanIn), gain = √(2/(1+a²)).
    case kaimingNormal(fanIn: Int, negativeSlope: Float)
    /// U(-b, b), b = gain·√(6/(fanIn+fanOut)).
    case xavierUniform(fanIn: Int, fanOut: Int, gain: Float)
    /// N(0, gain·√(2/(fanIn+fanOut))).
    case xavierNormal(fanIn: Int, fanOut: Int, gain: Float)

    /// Fills `count` floats at `p` with draws from `rng`.
    public func fill(_ p: UnsafeMutablePointer<Float>, count: Int, rng: inout SeededGenerator) {
        func uniform(_ lo: Float, _ hi: Float) {
            for i in 0..<count { p[i] = lo + (hi - lo) * rng.nextUnitFloat() }
        }
        func normal(_ mean: Double, _ std: Double) {
            for i in 0..<count { p[i] = Float(mean + std * rng.nextNormal()) }
        }
        func gain(_ a: Float) -> Double { (2.0 / (1.0 + Double(a) * Double(a))).squareRoot() }
        switch self {
        case .zeros: p.update(repeating: 0, count: count)
        case .ones: p.update(repeating: 1, count: count)
        case .constant(let v): p.update(repeating: v, count: count)
        case .uniform(let lo, let hi): uniform(lo, hi)
        case .normal(let m, let s): normal(Double(m), Double(s))
        case .kaimingUniform(let fanIn, let a):
            let b = Float(gain(a) * (3.0 / Double(max(1, fanIn))).squareRoot())
            uniform(-b, b)
        case .kaimingNormal(let fanIn, let a):
            normal(0, gain(a) / Double(max(1, fanIn)).squareRoot())
        case .xavierUniform(let fi, let fo, let g):
            let b = Float(Double(g) * (6.0 / Double(max(1, fi + fo))).squareRoot())
            uniform(-b, b)
        case .xavierNormal(let fi, let fo, let g):
            normal(0, Double(g) * (2.0 / Double(max(1, fi + fo))).squareRoot())
        }
    }

    /// A new Float32 tensor of `shape` initialised from the generator forked for `name`.
    public func tensor(shape: [Int], seed: UInt64, name: String) throws -> Tensor {
        var t = try Tensor(zeros: shape)
        var rng = SeededGenerator(seed: seed).fork("init/" + name)
        let n = t.count
        t.withMutableFloats { fill($0.baseAddress!, count: n, rng: &rng) }
        return t
    }

    /// IR text form, e.g. `kaiming_uniform(fan_in=784,a=2.236068)`.
    public var description: String {
        switch self {
        case .zeros: return "zeros"
        case .ones: return "ones"
        case .constant(let v): return "constant(value=\(v))"
        case .uniform(let lo, let hi): return "uniform(low=\(lo),high=\(hi))"
        case .normal(let m, let s): return "normal(mean=\(m),std=\(s))"
        case .kaimingUniform(let f, let a): return "kaiming_uniform(fan_in=\(f),a=\(a))"
        case .kaimingNormal(let f, let a): return "kaiming_normal(fan_in=\(f),a=\(a))"
        case .xavierUniform(let fi, let fo, let g): return "xavier_uniform(fan_in=\(fi),fan_out=\(fo),gain=\(g))"
        case .xavierNormal(let fi, let fo, let g): return "xavier_normal(fan_in=\(fi),fan_out=\(fo),gain=\(g))"
        }
    }

    /// Parses `description`.
    public init?(parsing text: String) {
        let name: Substring
        var args: [String: String] = [:]
        if let open = text.firstIndex(of: "(") {
            guard text.hasSuffix(")") else { return nil }
            name = text[..<open]
            let inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
            for part in inner.split(separator: ",") {
                let kv = part.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { return nil }
                args[String(kv[0])] = String(kv[1])
            }
        } else {
            name = Substring(text)
        }
        func f(_ k: String) -> Float? { args[k].flatMap(Float.init) }
        func i(_ k: String) -> Int? { args[k].flatMap { Int($0) } }
        switch name {
        case "zeros": self = .zeros
        case "ones": self = .ones
        case "constant": guard let v = f("value") else { return nil }; self = .constant(v)
        case "uniform": guard let l = f("low"), let h = f("high") else { return nil }; self = .uniform(low: l, high: h)
        case "normal": guard let m = f("mean"), let s = f("std") else { return nil }; self = .normal(mean: m, std: s)
        case "kaiming_uniform": guard let fi = i("fan_in"), let a = f("a") else { return nil }; self = .kaimingUniform(fanIn: fi, negativeSlope: a)
        case "kaiming_normal": guard let fi = i("fan_in"), let a = f("a") else { return nil }; self = .kaimingNormal(fanIn: fi, negativeSlope: a)
        case "xavier_uniform":
            guard let fi = i("fan_in"), let fo = i("fan_out"), let g = f("gain") else { return nil }
            self = .xavierUniform(fanIn: fi, fanOut: fo, gain: g)
        case "xavier_normal":
            guard let fi = i("fan_in"), let fo = i("fan_out"), let g = f("gain") else { return nil }
            self = .xavierNormal(fanIn: fi, fanOut: fo, gain: g)
        default: return nil
        }
    }
}
