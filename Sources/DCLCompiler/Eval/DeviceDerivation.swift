// How a data set on the device side was made from one device's own part, step by step, so that a
// deployed run can send work on it to that device's host: the host holds the part and repeats
// the steps itself (the same transforms with the same bound arguments and seeds, the cloud
// samples the service sends down), and the service checks the result's fingerprint. The samples
// of the part never travel; cloud samples may go down, never up.
//
// The in-process run keeps the same record (it costs a few small values per transform) so that
// both runs take one path through the interpreter.

import DCLData
import DCLSema
import DCLTensor

public indirect enum DeviceDerivation {
    /// One device's own part of its role's data (`d.train` in `for d in ROLE`).
    case part(DeviceDataLocation)
    /// A transform written after `|>`, with every argument as it was bound (defaults filled in,
    /// and a random transform's seed drawn and written down), applied to what `base` derives.
    case transform(DeviceDerivation, TransformBuiltin, [(name: String, value: Value)])
    /// Data sets joined in this order (`a ++ b`, a retrieval's local + kept samples).
    case concat([DeviceDerivation])
    /// Cloud samples sent down to a device (CoDA's retrieved candidates).
    case cloud(Dataset)
    /// A sample classifier's training set on a device (CoDA's fine filter): the features of the
    /// device's `local` samples (label 1) against the cloud `candidates` (label 0), read through
    /// the cloud model's item `embeddings` (a [items, dim] table) when there is one.
    case sampleClassifier(local: DeviceDerivation, candidates: Dataset, embeddings: Tensor?, device: Int)

    /// Which device's data this reads.
    public enum Home: Equatable {
        /// Only cloud samples: the service may read it like any cloud data.
        case cloud
        /// One device of a role: work on it runs on that device's host.
        case device(role: String, index: Int)
        /// Several devices' data mixed: no host holds it.
        case several
    }

    public var home: Home {
        switch self {
        case .part(let l): return .device(role: l.role, index: l.device)
        case .transform(let base, _, _): return base.home
        case .cloud: return .cloud
        case .sampleClassifier(let local, _, _, _): return local.home
        case .concat(let parts):
            var home = Home.cloud
            for p in parts {
                switch (home, p.home) {
                case (_, .cloud): continue
                case (.cloud, let h): home = h
                case (.device(let r, let i), .device(let r2, let i2)) where r == r2 && i == i2: continue
                default: return .several
                }
            }
            return home
        }
    }

    /// The part itself, when this is one device's own part without any step.
    public var ownPart: DeviceDataLocation? {
        if case .part(let l) = self { return l }
        return nil
    }
}

extension DataValue {
    /// The device whose data this is, when work on it can be sent to that device's host.
    public var deviceHome: (role: String, index: Int)? {
        guard side == .device, case .device(let role, let index)? = derivation?.home else { return nil }
        return (role, index)
    }

    /// Whether this holds samples of some device (not only cloud samples sent down to one).
    public var holdsDeviceSamples: Bool {
        guard side == .device else { return false }
        if let derivation, derivation.home == .cloud { return false }
        return true
    }

    /// How this data set is reached from the cloud side when it joins device data: its own
    /// derivation, or its samples sent down when it is cloud data.
    public var derivationForDevice: DeviceDerivation? {
        if let derivation { return derivation }
        return side == .device ? nil : .cloud(dataset)
    }
}
