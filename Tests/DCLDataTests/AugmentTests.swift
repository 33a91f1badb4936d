import Testing
@testable import DCLData
import DCLTensor

/// `n` images [C, H, W] whose values are 1 + their flat index (so 0 marks padding).
private func images(_ n: Int, c: Int = 2, h: Int = 4, w: Int = 5) throws -> Dataset {
    let x = try Tensor(shape: [n, c, h, w], floats: (0..<(n * c * h * w)).map { Float($0 + 1) })
    return try Dataset(columns: [("x", x), ("y", try Tensor(shape: [n], ints: (0..<n).map { Int32($0 % 2) }))], classCount: 2)
}

/// All training batches of an epoch concatenated in row order of the data set.
private func trainingView(_ d: Dataset, batch: Int, epoch: Int, seed: UInt64 = 99) throws -> [Float] {
    var byRow: [Int: [Float]] = [:]
    for b in try d.batches(BatchOptions(size: batch, shuffleSeed: 5, epoch: epoch, augmentSeed: seed)) {
        let x = b["x"]!.floats, width = x.count / b.count
        for (i, r) in b.rows.enumerated() { byRow[r] = Array(x[(i * width)..<((i + 1) * width)]) }
    }
    return (0..<d.count).flatMap { byRow[$0]! }
}

@Suite struct AugmentTests {
    @Test func sameSeedSameBytesAnyBatchSize() throws {
        let d = try images(12).randomCropped(height: 4, width: 5, padding: 2, seed: 7).horizontallyFlipped(probability: 0.5, seed: 8)
        let a = try trainingView(d, batch: 4, epoch: 0)
        #expect(try trainingView(d, batch: 4, epoch: 0) == a)
        #expect(try trainingView(d, batch: 5, epoch: 0) == a)   // batch size does not change a sample's draw
        #expect(try trainingView(d, batch: 12, epoch: 0) == a)
        #expect(try trainingView(d, batch: 4, epoch: 1) != a)   // each epoch draws afresh
        #expect(try trainingView(d, batch: 4, epoch: 0, seed: 100) != a)  // and each training
        let other = try images(12).randomCropped(height: 4, width: 5, padding: 2, seed: 70).horizontallyFlipped(probability: 0.5, seed: 8)
        #expect(try trainingView(other, batch: 4, epoch: 0) != a)
        // A selection keeps each sample's draws: they follow the stored row, not the position.
        let picked = try d.selecting(rows: [5, 2])
        let width = 2 * 4 * 5
        #expect(try trainingView(picked, batch: 2, epoch: 0) == Array(a[(5 * width)..<(6 * width)]) + Array(a[(2 * width)..<(3 * width)]))
    }

    @Test func cropWithPaddingPlacesZerosAndShiftsExactly() throws {
        let d = try images(40, c: 1, h: 3, w: 3).randomCropped(height: 3, width: 3, padding: 1, seed: 1)
        let x = try trainingView(d, batch: 40, epoch: 0)
        var seen = Set<[Int]>()
        for i in 0..<40 {
            let got = Array(x[(i * 9)..<(i * 9 + 9)])
            // Find the offset (dy, dx) in -1...1 that explains the window: every value is the
            // source pixel at (y + dy, x + dx), or 0 where that lies in the padding.
            let matches = (-1...1).flatMap { dy in (-1...1).map { dx in [dy, dx] } }.filter { o in
                (0..<3).allSatisfy { y in (0..<3).allSatisfy { xx in
                    let sy = y + o[0], sx = xx + o[1]
                    let want: Float = sy >= 0 && sy < 3 && sx >= 0 && sx < 3 ? Float(i * 9 + sy * 3 + sx + 1) : 0
                    return got[y * 3 + xx] == want
                } }
            }
            #expect(matches.count == 1, "sample \(i): \(got)")
            if let m = matches.first { seen.insert(m) }
        }
        #expect(seen.count == 9)  // 40 samples reach all nine offsets
    }

    @Test func flipIsAnExactMirror() throws {
        let base = try images(30, c: 2, h: 2, w: 3)
        let x = try trainingView(try base.horizontallyFlipped(probability: 0.5, seed: 3), batch: 7, epoch: 2)
        let original = try base.column("x").floats
        var flipped = 0
        for i in 0..<30 {
            let s = Array(x[(i * 12)..<(i * 12 + 12)]), o = Array(original[(i * 12)..<(i * 12 + 12)])
            let mirror = stride(from: 0, to: 12, by: 3).flatMap { o[$0..<($0 + 3)].reversed() }
            #expect(s == o || s == mirror)
            if s == mirror { flipped += 1 }
        }
        #expect(flipped > 5 && flipped < 25)
        #expect(try trainingView(try base.horizontallyFlipped(probability: 1, seed: 3), batch: 30, epoch: 0)
                == stride(from: 0, to: 360, by: 3).flatMap { original[$0..<($0 + 3)].reversed() })
        #expect(try trainingView(try base.horizontallyFlipped(probability: 0, seed: 3), batch: 30, epoch: 0) == original)
    }

    @Test func outsideTrainingCropsTheCentreAndNeverFlips() throws {
        let base = try images(3, c: 1, h: 4, w: 4)
        let same = try base.randomCropped(height: 4, width: 4, padding: 4, seed: 1).horizontallyFlipped(probability: 1, seed: 2)
        #expect(try same.column("x").floats == base.column("x").floats)
        var evaluated: [Float] = []
        for b in try same.batches(size: 2) { evaluated += b["x"]!.floats }
        #expect(evaluated == (try base.column("x").floats))
        let small = try base.randomCropped(height: 2, width: 2, seed: 1)
        #expect(try small.shape(of: "x") == [3, 1, 2, 2])
        #expect(Array(try small.column("x").floats.prefix(4)) == [6, 7, 10, 11])  // the centre of 1…16
        #expect(try trainingView(small, batch: 3, epoch: 0).count == 12)
    }

    @Test func normalizeAfterCropNormalizesThePadding() throws {
        let stats = Normalization(mean: [10, 20], std: [2, 4])
        let d = try images(6, c: 2, h: 2, w: 2).randomCropped(height: 2, width: 2, padding: 2, seed: 4).normalized(stats)
        let x = try trainingView(d, batch: 6, epoch: 0)
        // Padding is a 0 pixel normalised: (0 − 10) / 2 = −5 in channel 0, (0 − 20) / 4 = −5 too;
        // real pixels are (v − m) / s of their stored values 1…48.
        let originals = Set(try images(6, c: 2, h: 2, w: 2).normalized(stats).column("x").floats)
        #expect(x.allSatisfy { $0 == -5 || originals.contains($0) })
        #expect(x.contains(-5))
        #expect(try d.scaled(by: 2).augmentations.first?.augmentation == .randomCrop(height: 2, width: 2, padding: 2, fill: [-10, -10]))
    }

    /// Caches of per-sample model outputs key on the stored column; a crop changes what the
    /// model sees, so it must change the key too.
    @Test func augmentationsArePartOfTheStoredIdentity() throws {
        let d = try images(3)
        let cropped = try d.randomCropped(height: 2, width: 2, seed: 1)
        #expect(try d.storedColumn("x").isSame(as: d.selecting(rows: [2, 0]).storedColumn("x")))
        #expect(try !d.storedColumn("x").isSame(as: cropped.storedColumn("x")))
        #expect(try cropped.storedColumn("x").isSame(as: d.randomCropped(height: 2, width: 2, seed: 9).storedColumn("x")))
        #expect(try d.storedColumn("y").isSame(as: cropped.storedColumn("y")))
    }

    /// Partitioned data keeps its augmentations; client batches draw them only for training.
    @Test func clientBatchesDrawAugmentationsWhenTraining() throws {
        let d = try images(20).horizontallyFlipped(probability: 0.5, seed: 2)
        let fed = try d.partition(.iid, clients: 4, seed: 1, testFraction: 0.2)
        func xs(augment: Bool, epoch: Int = 0) throws -> [Float] {
            try fed.clientBatches(.train, size: 2, seed: 7, epoch: epoch, augment: augment).flatMap { $0.batch["x"]!.floats }
        }
        let plain = try xs(augment: false), drawn = try xs(augment: true)
        #expect(plain.count == drawn.count && plain != drawn)
        #expect(try xs(augment: true) == drawn)
        #expect(try xs(augment: true, epoch: 1) != drawn)
        // The same rows in the same order, flipped or not, sample by sample.
        let width = 2 * 4 * 5
        for i in 0..<(plain.count / width) {
            let p = Array(plain[(i * width)..<((i + 1) * width)]), q = Array(drawn[(i * width)..<((i + 1) * width)])
            #expect(q == p || q == stride(from: 0, to: width, by: 5).flatMap { p[$0..<($0 + 5)].reversed() })
        }
    }

    @Test func badArgumentsAreErrors() throws {
        let d = try images(2)
        expectDataError(.invalidArgument, contains: "a 9 × 9 crop does not fit column 'x''s 4 × 5 images padded by 2") {
            _ = try d.randomCropped(height: 9, width: 9, padding: 2, seed: 0)
        }
        expectDataError(.invalidArgument, contains: "expected a positive crop size") { _ = try d.randomCropped(height: 0, width: 3, seed: 0) }
        expectDataError(.invalidArgument, contains: "expected padding in 0...65536") { _ = try d.randomCropped(height: 3, width: 3, padding: -1, seed: 0) }
        expectDataError(.invalidArgument, contains: "expected a probability in 0...1, found 1.5") { _ = try d.horizontallyFlipped(probability: 1.5, seed: 0) }
        let flat = try Dataset(columns: [("x", try Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]))])
        expectDataError(.invalidArgument, contains: "to hold images f32[N, C, H, W], found f32[2, 3]") { _ = try flat.horizontallyFlipped(probability: 0.5, seed: 0) }
    }

    @Test func concatenationKeepsMatchingAugmentationsOnly() throws {
        let d = try images(4).horizontallyFlipped(probability: 0.5, seed: 1)
        let parts = try d.split(testFraction: 0.5, seed: 0)
        #expect(try Dataset.concatenate([parts.train, parts.test]).augmentations == d.augmentations)
        expectDataError(.invalidArgument, contains: "different augmentations") { _ = try Dataset.concatenate([d, try images(4)]) }
    }
}
