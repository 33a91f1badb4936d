// Seeded image augmentations: `random_crop(32, padding: 4)` and `hflip(p: 0.5)`. They are
// recorded on the data set, not applied when written: every training batch draws them afresh,
// so each epoch sees other crops and flips of the same images (as torchvision's transforms do),
// while the data set itself stays the stored images plus an index list.
//
// Randomness: sample `row` (its row in the stored column, so a crop does not depend on which
// batch or which position the sample lands in) in epoch `e` of a training with seed `t` draws
// from `SeededGenerator(seed: s(e, t), stream: row)`, where `s` mixes the augmentation's own seed
// with `t` and `e`. The draws are a function of (seed, training seed, epoch, sample) only: the
// same bytes for any batch size and any thread count.
//
// Outside training — `evaluate`, `predict`, reading the column — an augmentation takes its
// deterministic form, like Keras's preprocessing layers at inference: the crop is the centre
// window of the padded image (with a crop as large as the image, the image itself), and no image
// is flipped. Crops change the column's shape to [N, C, height, width] in both forms.
//
// Value transforms written after an augmentation (`scale`, `normalize`) act on the stored
// images and carry the crop's padding value along (padding 0 scaled and normalised as a pixel
// would be), so `random_crop(…) |> normalize(…)` equals normalising the padded crop, as
// torchvision's RandomCrop → Normalize does.

import DCLTensor

/// One augmentation of an image column [N, C, H, W].
public enum ImageAugmentation: Sendable, Equatable {
    /// A `height` × `width` window of the image padded by `padding` pixels on every side with
    /// `fill` (one value, or one per channel).
    case randomCrop(height: Int, width: Int, padding: Int, fill: [Float])
    /// Mirrors the image left to right with probability `probability`.
    case horizontalFlip(probability: Double)
}

/// An augmentation recorded on a data set: what, on which column, with which seed.
public struct AugmentationStep: Sendable, Equatable {
    public var augmentation: ImageAugmentation
    public internal(set) var column: String
    public let seed: UInt64
}

extension Dataset {
    /// Adds a random crop of `height` × `width` from the image padded by `padding` zeros.
    public func randomCropped(height: Int, width: Int, padding: Int = 0, seed: UInt64, column: String = "x") throws -> Dataset {
        let s = try imageShape(column, op: "random_crop")
        guard height > 0, width > 0 else {
            throw DataError.argument("random_crop", "expected a positive crop size, found \(height) × \(width)")
        }
        // Padding beyond any image size only makes windows of zeros; the cap keeps the padded
        // size's arithmetic far from overflow.
        guard padding >= 0, padding <= 1 << 16 else {
            throw DataError.argument("random_crop", "expected padding in 0...65536, found \(padding)")
        }
        guard height <= s[2] + 2 * padding, width <= s[3] + 2 * padding else {
            throw DataError.argument("random_crop", "a \(height) × \(width) crop does not fit column '\(column)''s \(s[2]) × \(s[3]) images padded by \(padding) (at most \(s[2] + 2 * padding) × \(s[3] + 2 * padding))")
        }
        _ = try checkedElementCount([count, s[1], height, width], path: "random_crop")
        var d = self
        d.augmentations.append(AugmentationStep(augmentation: .randomCrop(height: height, width: width, padding: padding, fill: [0]),
                                                column: column, seed: seed))
        d.source += " |> random_crop(\(height == width ? "\(height)" : "[\(height), \(width)]"), padding: \(padding))"
        return d
    }

    /// Adds a random left-right mirror of each image with probability `probability`.
    public func horizontallyFlipped(probability: Double, seed: UInt64, column: String = "x") throws -> Dataset {
        _ = try imageShape(column, op: "hflip")
        guard probability.isFinite, probability >= 0, probability <= 1 else {
            throw DataError.argument("hflip", "expected a probability in 0...1, found \(probability)")
        }
        var d = self
        d.augmentations.append(AugmentationStep(augmentation: .horizontalFlip(probability: probability), column: column, seed: seed))
        d.source += " |> hflip(p: \(probability))"
        return d
    }

    /// The shape of an image column as augmentations see it ([N, C, H, W] after earlier crops),
    /// or an error naming the augmentation.
    private func imageShape(_ column: String, op: String) throws -> [Int] {
        let s = try shape(of: column)
        guard s.count == 4, try dtype(of: column) == .float32 else {
            throw DataError.argument(op, "expected column '\(column)' to hold images f32[N, C, H, W], found \(try dtype(of: column).rawValue)\(formatShape(s))")
        }
        return s
    }

    /// Rows of this data set gathered (like `gather`) with the augmentations applied: drawn for
    /// `training`'s seed and epoch, or in their deterministic form when it is nil.
    func gatherAugmented(_ indices: [Int], training: (seed: UInt64, epoch: Int)?) -> [String: Tensor] {
        var out = gather(indices)
        guard !augmentations.isEmpty else { return out }
        let base = indices.map { baseRow($0) }
        applyAugmentations(&out, baseRows: base, training: training)
        return out
    }

    /// A column's per-sample shape after its crops (the stored shape when it has none).
    func augmentedShape(_ column: String, stored: [Int]) -> [Int] {
        var s = stored
        for step in augmentations where step.column == column {
            if case .randomCrop(let h, let w, _, _) = step.augmentation { s[2] = h; s[3] = w }
        }
        return s
    }

    /// Applies the augmentations to gathered columns. `baseRows` are the samples' stored rows;
    /// `training` is the training's seed and epoch, or nil for the deterministic form.
    func applyAugmentations(_ columns: inout [String: Tensor], baseRows: [Int], training: (seed: UInt64, epoch: Int)?) {
        for step in augmentations {
            guard let t = columns[step.column] else { continue }
            var epochSeed: UInt64 = 0
            if let training {
                var g = SeededGenerator(seed: step.seed).fork("augment \(training.seed) epoch \(training.epoch)")
                epochSeed = g.next()
            }
            func generator(_ i: Int) -> SeededGenerator { SeededGenerator(seed: epochSeed, stream: UInt64(baseRows[i])) }
            switch step.augmentation {
            case .randomCrop(let h, let w, let padding, let fill):
                columns[step.column] = Self.crop(t, height: h, width: w, padding: padding, fill: fill) { i, rangeY, rangeX in
                    guard training != nil else { return (rangeY / 2, rangeX / 2) }
                    var g = generator(i)
                    let top = g.nextInt(below: rangeY + 1)
                    return (top, g.nextInt(below: rangeX + 1))
                }
            case .horizontalFlip(let p):
                guard training != nil else { continue }
                var out = t
                let s = t.shape, plane = s[2] * s[3], width = s[3], sample = s[1] * plane
                out.withMutableFloats { v in
                    for i in 0..<s[0] {
                        var g = generator(i)
                        guard g.nextUnitDouble() < p else { continue }
                        for row in stride(from: i * sample, to: (i + 1) * sample, by: width) {
                            v[row..<(row + width)].reverse()
                        }
                    }
                }
                columns[step.column] = out
            }
        }
    }

    /// `[B, C, H, W]` → `[B, C, height, width]`: for sample i, the window at (top, left) =
    /// `origin(i, H + 2p − height, W + 2p − width)` of the image padded by `padding` with `fill`.
    static func crop(_ t: Tensor, height: Int, width: Int, padding: Int, fill: [Float],
                     origin: (Int, Int, Int) -> (Int, Int)) -> Tensor {
        let s = t.shape, (b, c, ih, iw) = (s[0], s[1], s[2], s[3])
        // The output is no larger per sample than the shape checked when the crop was added.
        var out = try! Tensor(zeros: [b, c, height, width], dtype: .float32)
        t.withFloats { src in
            out.withMutableFloats { dst in
                for i in 0..<b {
                    let (top, left) = origin(i, ih + 2 * padding - height, iw + 2 * padding - width)
                    for ch in 0..<c {
                        let f = fill.count == c ? fill[ch] : fill[0]
                        let srcPlane = (i * c + ch) * ih * iw, dstPlane = (i * c + ch) * height * width
                        for y in 0..<height {
                            let sy = top + y - padding
                            for x in 0..<width {
                                let sx = left + x - padding
                                dst[dstPlane + y * width + x] = sy >= 0 && sy < ih && sx >= 0 && sx < iw
                                    ? src[srcPlane + sy * iw + sx] : f
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The crops' padding values after `value ↦ transform(value, channel)` (scale, normalize),
    /// so padded pixels stay what the transformed image's would be.
    func transformingPadding(_ column: String, channels: Int, _ transform: (Float, Int) -> Float) -> Dataset {
        var d = self
        for (k, step) in augmentations.enumerated() where step.column == column {
            guard case .randomCrop(let h, let w, let p, let fill) = step.augmentation else { continue }
            // A global transform (one channel) maps each padding value alike; a per-channel one
            // first spreads a single padding value over the channels.
            let full = channels == 1 || fill.count == channels ? fill : [Float](repeating: fill[0], count: channels)
            d.augmentations[k].augmentation = .randomCrop(height: h, width: w, padding: p,
                                                          fill: full.enumerated().map { transform($0.element, channels == 1 ? 0 : $0.offset) })
        }
        return d
    }
}
