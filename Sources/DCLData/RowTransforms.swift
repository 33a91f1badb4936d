// Transforms that choose rows: shuffle, take, drop, train/test split, filter by label, concat.
// All are index-list operations (no sample is copied) and every random one takes a seed.

import DCLTensor

/// A number of samples, given as a count or as a fraction of the data set.
public enum Amount: Sendable, Hashable, CustomStringConvertible {
    case count(Int)
    case fraction(Double)

    /// The number of samples this amount means for a data set of `total` samples. A fraction
    /// rounds to the nearest count (half away from zero), so `take(f)` and `drop(f)` partition
    /// the data set exactly.
    public func resolve(total: Int, op: String) throws -> Int {
        switch self {
        case .count(let n):
            guard n >= 0 && n <= total else {
                throw DataError.argument(op, "expected a count in 0...\(total), found \(n)")
            }
            return n
        case .fraction(let f):
            guard f.isFinite && f >= 0 && f <= 1 else {
                throw DataError.argument(op, "expected a fraction in 0...1, found \(f)")
            }
            return Int((f * Double(total)).rounded())
        }
    }

    public var description: String {
        switch self {
        case .count(let n): return String(n)
        case .fraction(let f): return String(f)
        }
    }
}

extension Dataset {
    /// The samples in a seeded random order.
    public func shuffled(seed: UInt64) -> Dataset {
        var rng = SeededGenerator(seed: seed).fork("shuffle")
        var d = selectingUnchecked(rng.permutation(count))
        d.source += " |> shuffle(seed: \(seed))"
        return d
    }

    /// The first samples.
    public func taking(_ amount: Amount) throws -> Dataset {
        let k = try amount.resolve(total: count, op: "take")
        var d = selectingUnchecked(Array(0..<k))
        d.source += " |> take(\(amount))"
        return d
    }

    /// All but the first samples.
    public func dropping(_ amount: Amount) throws -> Dataset {
        let k = try amount.resolve(total: count, op: "drop")
        var d = selectingUnchecked(Array(k..<count))
        d.source += " |> drop(\(amount))"
        return d
    }

    /// A seeded train/test split; both parts keep the data set's row order. With `stratified`,
    /// each class is split separately (round(testFraction × class size) test samples per class),
    /// so both parts keep the label distribution.
    public func split(testFraction: Double, seed: UInt64, stratified: Bool = false) throws -> (train: Dataset, test: Dataset) {
        guard testFraction.isFinite && testFraction >= 0 && testFraction <= 1 else {
            throw DataError.argument("split", "expected a test fraction in 0...1, found \(testFraction)")
        }
        let rng = SeededGenerator(seed: seed).fork("split")
        var isTest = [Bool](repeating: false, count: count)
        if stratified {
            let ys = try labels()
            var byClass: [Int32: [Int]] = [:]
            for (i, y) in ys.enumerated() { byClass[y, default: []].append(i) }
            for y in byClass.keys.sorted() {
                var members = byClass[y]!
                var r = rng.fork("class \(y)")
                r.shuffle(&members)
                let k = Int((testFraction * Double(members.count)).rounded())
                for i in members.prefix(k) { isTest[i] = true }
            }
        } else {
            var r = rng
            let perm = r.permutation(count)
            let k = Int((testFraction * Double(count)).rounded())
            for i in perm.prefix(k) { isTest[i] = true }
        }
        var train = selectingUnchecked(isTest.indices.filter { !isTest[$0] })
        var test = selectingUnchecked(isTest.indices.filter { isTest[$0] })
        let how = "split(test: \(testFraction), seed: \(seed)\(stratified ? ", stratified" : ""))"
        train.source += " |> \(how).train"
        test.source += " |> \(how).test"
        return (train, test)
    }

    /// The samples whose label is in `labels`. Labels keep their values (and `classCount`).
    public func filtering(labels keep: Set<Int32>) throws -> Dataset {
        let ys = try labels()
        var d = selectingUnchecked(ys.indices.filter { keep.contains(ys[$0]) })
        d.source += " |> filter(labels: \(keep.sorted()))"
        return d
    }

    /// Concatenates data sets with the same columns (names, dtypes, trailing shapes). Selections
    /// of the same stored tensors stay an index list; otherwise the rows are copied. Groups are
    /// kept when every part has them; id vocabularies must agree.
    public static func concatenate(_ parts: [Dataset]) throws -> Dataset {
        guard let first = parts.first else {
            throw DataError.argument("concat", "expected at least one data set, found none")
        }
        for (i, p) in parts.enumerated().dropFirst() {
            guard Set(p.columnNames) == Set(first.columnNames) else {
                throw DataError.argument("concat", "data set \(i + 1) has columns \(p.columnNames), expected \(first.columnNames)")
            }
            for n in first.columnNames {
                let a = try first.baseColumn(n), b = try p.baseColumn(n)
                guard a.dtype == b.dtype, Array(a.shape.dropFirst()) == Array(b.shape.dropFirst()) else {
                    throw DataError.argument("concat", "column '\(n)' of data set \(i + 1) is \(b.dtype.rawValue)\(formatShape([p.count] + b.shape.dropFirst())), expected \(a.dtype.rawValue)\(formatShape([p.count] + a.shape.dropFirst()))")
                }
            }
            for (n, v) in first.vocabularies where p.vocabularies[n] != v {
                throw DataError.argument("concat", "column '\(n)' of data set \(i + 1) uses a different id vocabulary")
            }
            // Augmentations are drawn per stored row; parts with other ones cannot share a list.
            guard p.augmentations.map(\.augmentation) == first.augmentations.map(\.augmentation)
                    && p.augmentations.map(\.column) == first.augmentations.map(\.column) else {
                throw DataError.argument("concat", "data set \(i + 1) has different augmentations (random_crop, hflip) than data set 1; concatenate first, then augment")
            }
        }
        var out: Dataset
        if parts.allSatisfy({ $0.sharesStorage(with: first) }) {
            out = first.joiningRows(of: parts)
        } else {
            let columns = try first.columnNames.map { n in (name: n, tensor: concatRows(try parts.map { try $0.rawColumn(n) })) }
            out = try Dataset(columns: columns, labelColumn: first.labelColumn)
            out.augmentations = first.augmentations
            out.vocabularies = first.vocabularies
            out.featureNames = first.featureNames
        }
        out.classCount = parts.compactMap(\.classCount).max()
        out.classNames = parts.allSatisfy({ $0.classNames == first.classNames }) ? first.classNames : nil
        out.labelColumn = first.labelColumn
        if parts.allSatisfy({ $0.groups != nil && $0.groupKind == first.groupKind }) {
            out = try out.settingGroups(parts.flatMap { $0.groups! }, kind: first.groupKind)
        } else {
            out = try out.settingGroups(nil, kind: nil)
        }
        out.source = "concat(" + parts.map(\.source).joined(separator: ", ") + ")"
        return out
    }
}
