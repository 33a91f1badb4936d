// What a deployed run (`dcl serve` with device hosts) sends to devices, and the error for work
// it cannot place. The service sends `train` and `evaluate` on data of one device — its own
// part as its role declares it (`d.train` in `for d in ROLE`), or data made from it by steps
// its host can repeat (DeviceDerivation: seeded transforms, cloud samples joined to it, CoDA's
// filters). Device-side work on anything else (a whole fleet at once, several devices' data
// mixed, a transform the host cannot repeat) is refused rather than computed where the data
// may not be.

import DCLCompiler
import DCLDiagnostics
import DCLSema

enum Deployment {
    static let simulateHint = "run without `--deploy` to simulate it in one process"

    /// `train`/`evaluate` on device data that is not one device's own part.
    static func unplaced(_ what: String, origin: String, span: SourceSpan) -> RuntimeError {
        RuntimeError(RuntimeCode.deployment,
                     "\(what) on `\(origin)` cannot be sent to a device host: it is not data of one device that its host can make (its part, `d.train` or `d.test` of `for d in ROLE`, with transforms such as `take`, `with_negatives` or `++` cloud data)",
                     at: span, hint: simulateHint)
    }

    /// Any other call given device data.
    static func inService(_ what: String, origin: String, span: SourceSpan) -> RuntimeError {
        RuntimeError(RuntimeCode.deployment,
                     "\(what) on `\(origin)` would read device data in the service's process; a deployed run sends only `train` and `evaluate` on one device's data (and CoDA's retrieval) to device hosts",
                     at: span, hint: simulateHint)
    }
}

extension Deployment {
    /// Whether a call is one the service sends to device hosts (`evaluate` of a model or a
    /// plug-in, which place their data themselves).
    static func sendsToDevices(_ b: Builtin, _ args: BoundArguments, subject: Value?) -> Bool {
        switch b {
        case .model(.evaluate): return true
        case .transform(let t):
            // A transform the device's host repeats on its own copy (DeviceDerivation): the
            // result is device data with its recipe; work on it goes to the host.
            guard DataBuiltins.isRepeatableOnDevice(t), case .dataset(let d)? = subject else { return false }
            return !d.holdsDeviceSamples || d.deviceHome != nil
        default: return false
        }
    }

    /// Refuses a call that would compute on device data in the service's process.
    static func refuseDeviceData(_ what: String, in args: BoundArguments, subject: Value?, sendable: Bool, span: SourceSpan) throws {
        guard !sendable else { return }
        for v in [subject].compactMap({ $0 }) + args.values.values {
            if let origin = deviceOrigin(v) { throw inService("`\(what)`", origin: origin, span: span) }
        }
    }

    /// The origin of device-side data in `v` (looking into lists and records one level).
    static func deviceOrigin(_ v: Value) -> String? {
        switch v {
        case .dataset(let d) where d.holdsDeviceSamples: return d.origin
        case .clients(let c) where c.side == .device: return c.origin
        case .client(let c) where c.side == .device: return c.origin
        case .list(let xs): return xs.lazy.compactMap { v -> String? in if case .list = v { return nil }; return deviceOrigin(v) }.first
        default: return nil
        }
    }
}
