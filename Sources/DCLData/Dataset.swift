// The data set value every loader returns and every transform, partitioner and training loop
// consumes: named columns of equal length N (the first dimension of each tensor), plus what is
// known about them (class count, where they came from, per-sample groups, id vocabularies).
//
// Row selections are cheap: a data set is a set of base tensors plus an optional list of row
// indices into them, so shuffling, splitting and partitioning 60,000 images into 100 clients
// copies index lists, not pixels. Contiguous tensors are made on demand — `column(_:)` for a whole
// column, `batches(...)` for a mini-batch at a time — by gathering just the selected rows.

import DCLTensor

/// A table of equally long tensor columns with metadata; a value type (copying is cheap, the
/// tensors are shared copy-on-write).
public struct Dataset: Sendable {
    /// Column names in their declared order.
    public private(set) var columnNames: [String]
    /// Stored columns; all share their first dimension.
    private var base: [String: StoredColumn]
    /// Rows of the base tensors this data set consists of, in order; nil means all of them.
    private var rows: [Int]?
    /// Number of samples (rows).
    public private(set) var count: Int

    /// Number of classes of the label column, when known (loaders infer it as max label + 1
    /// unless told).
    public var classCount: Int?
    /// The column holding class labels (`y` by convention).
    public var labelColumn: String
    /// Where the data came from, for messages: `idx(images: "…", labels: "…") |> scale(0.5)`.
    public var source: String
    /// Per-sample group ids (one per row, in row order): the dense user index for MovieLens,
    /// the client index once partitioned. `groupKind` says which.
    public private(set) var groups: [Int32]?
    /// What `groups` means: "user", "client", …
    public var groupKind: String?
    /// Id vocabularies by column name (MovieLens: "user", "item").
    public var vocabularies: [String: Vocabulary]
    /// Names of the features along a column's last dimension (CSV header names for `x`,
    /// genre names for `genres`), when known.
    public var featureNames: [String: [String]]
    /// Names of the classes, by label id (image folders' sub-folder names, CIFAR-10's classes),
    /// when the source has them.
    public var classNames: [String]?
    /// Image augmentations drawn per training batch (Augment.swift), in the order written.
    public internal(set) var augmentations: [AugmentationStep] = []

    /// A data set from whole tensors. Every tensor needs rank ≥ 1 and the same first dimension.
    public init(columns: [(name: String, tensor: Tensor)], classCount: Int? = nil, labelColumn: String = "y",
                source: String = "tensors", groups: [Int32]? = nil, groupKind: String? = nil) throws {
        try self.init(stored: columns.map { ($0.name, StoredColumn($0.tensor)) }, classCount: classCount,
                      labelColumn: labelColumn, source: source, groups: groups, groupKind: groupKind)
    }

    /// A data set from stored columns (tensors or byte columns), checked like the public one.
    init(stored columns: [(name: String, column: StoredColumn)], classCount: Int? = nil, labelColumn: String = "y",
         source: String = "tensors", groups: [Int32]? = nil, groupKind: String? = nil) throws {
        guard let first = columns.first else {
            throw DataError.argument("dataset", "expected at least one column, found none")
        }
        guard first.column.shape.count >= 1 else {
            throw DataError.argument("dataset", "column '\(first.name)' is a scalar, expected a tensor with a sample dimension")
        }
        let n = first.column.shape[0]
        var base: [String: StoredColumn] = [:]
        var names: [String] = []
        for (name, c) in columns {
            guard !name.isEmpty else { throw DataError.argument("dataset", "column names must not be empty") }
            guard base[name] == nil else { throw DataError.argument("dataset", "duplicate column '\(name)'") }
            guard c.shape.count >= 1, c.shape[0] == n else {
                throw DataError.argument("dataset", "column '\(name)' has shape \(formatShape(c.shape)), expected \(n) rows like column '\(first.name)'")
            }
            base[name] = c
            names.append(name)
        }
        if let groups, groups.count != n {
            throw DataError.argument("dataset", "expected \(n) group ids, found \(groups.count)")
        }
        self.columnNames = names
        self.base = base
        self.rows = nil
        self.count = n
        self.classCount = classCount
        self.labelColumn = labelColumn
        self.source = source
        self.groups = groups
        self.groupKind = groupKind
        self.vocabularies = [:]
        self.featureNames = [:]
        self.classNames = nil
    }

    // MARK: Columns

    /// Whether a column of that name exists.
    public func hasColumn(_ name: String) -> Bool { base[name] != nil }

    /// The shape a column would have if gathered: `[count] + trailing dimensions`.
    public func shape(of name: String) throws -> [Int] {
        var s = augmentedShape(name, stored: try baseColumn(name).shape)
        s[0] = count
        return s
    }

    /// Element type of a column.
    public func dtype(of name: String) throws -> DType { try baseColumn(name).dtype }

    /// A column as a contiguous tensor of shape `[count, …]` (gathers the selected rows when this
    /// data set is a selection; otherwise shares the stored tensor). Augmentations take their
    /// deterministic form (centre crop, no flip): random draws belong to training batches.
    public func column(_ name: String) throws -> Tensor {
        let t = try rawColumn(name)
        guard augmentations.contains(where: { $0.column == name }) else { return t }
        var columns = [name: t]
        applyAugmentations(&columns, baseRows: baseRows, training: nil)
        return columns[name]!
    }

    /// The column's stored values for the selected rows, before augmentations: what value
    /// transforms (scale, normalize) rewrite.
    func rawColumn(_ name: String) throws -> Tensor {
        let c = try baseColumn(name)
        guard let rows else { return c.tensor() }
        return c.gather(rows)
    }

    /// The column, or nil when absent.
    public subscript(_ name: String) -> Tensor? { try? column(name) }

    /// The label column's values as integers. Throws when the column is missing, not Int32, or
    /// not one value per sample.
    public func labels() throws -> [Int32] {
        let c = try baseColumn(labelColumn)
        guard case .tensor(let t) = c.values, t.dtype == .int32, rowLength(t.shape) == 1 else {
            throw DataError.argument("labels", "column '\(labelColumn)' is \(c.dtype.rawValue)\(formatShape(c.shape)), expected one int32 label per sample")
        }
        return intValues(t, rows: rows)
    }

    /// Samples per class of the label column (length `classCount`, or max label + 1).
    /// Negative labels, or labels of DataLimits.maxClasses or more, are an error.
    public func labelHistogram() throws -> [Int] {
        let ys = try labels()
        if let bad = ys.first(where: { $0 < 0 || Int($0) >= DataLimits.maxClasses }) {
            throw DataError.argument("labels", "label \(bad) in column '\(labelColumn)' is out of range 0..<\(DataLimits.maxClasses)")
        }
        let k = max(classCount ?? 0, Int(ys.max() ?? -1) + 1)
        var h = [Int](repeating: 0, count: k)
        for y in ys { h[Int(y)] += 1 }
        return h
    }

    /// For each sample, its row in the underlying stored tensors (identity for a freshly loaded
    /// data set). Two selections with equal `baseRows` over the same source hold the same samples.
    public var baseRows: [Int] { rows ?? Array(0..<count) }

    /// `baseRows[i]` without building the list.
    func baseRow(_ i: Int) -> Int { rows?[i] ?? i }

    /// The stored values a column's rows are selected from (all `baseRows` index into them),
    /// shared, not gathered. Caches of per-sample results key on it.
    public func storedColumn(_ name: String) throws -> StoredColumnIdentity {
        StoredColumnIdentity(column: try baseColumn(name), augmentations: augmentations.filter { $0.column == name })
    }

    // MARK: Rows

    /// The samples at `indices` (rows of this data set, in that order; repeats allowed).
    /// Costs an index list, not a copy of the data.
    public func selecting(rows indices: [Int]) throws -> Dataset {
        for i in indices where i < 0 || i >= count {
            throw DataError.argument("select rows", "row \(i) is out of range 0..<\(count)")
        }
        return selectingUnchecked(indices)
    }

    /// `selecting(rows:)` for indices known to be in range.
    func selectingUnchecked(_ indices: [Int]) -> Dataset {
        var d = self
        if let rows { d.rows = indices.map { rows[$0] } } else { d.rows = indices }
        d.count = indices.count
        if let groups { d.groups = indices.map { groups[$0] } }
        return d
    }

    /// The same samples with every column gathered into its own contiguous tensor.
    public func materialized() -> Dataset {
        guard let rows else { return self }
        var d = self
        for name in columnNames { d.base[name] = base[name]!.selectingRows(rows) }
        d.rows = nil
        return d
    }

    /// Gathers the given rows of every column (rows of this data set, already range-checked).
    func gather(_ indices: [Int]) -> [String: Tensor] {
        let baseIdx = rows.map { r in indices.map { r[$0] } } ?? indices
        var out: [String: Tensor] = [:]
        for name in columnNames { out[name] = base[name]!.gather(baseIdx) }
        return out
    }

    // MARK: Changing columns and groups

    /// Adds a column, or replaces the one of that name (keeping its position). The tensor needs
    /// `count` rows. A selection is materialised first so all columns stay row-aligned.
    public func settingColumn(_ name: String, _ tensor: Tensor) throws -> Dataset {
        guard !name.isEmpty else { throw DataError.argument("set column", "column names must not be empty") }
        guard tensor.rank >= 1, tensor.shape[0] == count else {
            throw DataError.argument("set column", "column '\(name)' has shape \(formatShape(tensor.shape)), expected \(count) rows")
        }
        var d = materialized()
        if d.base[name] == nil { d.columnNames.append(name) }
        d.base[name] = StoredColumn(tensor)
        return d
    }

    /// Adds a column of per-sample values (one row per sample, in order) without gathering the
    /// other columns: the values are scattered into a column as long as the stored ones, at
    /// each sample's stored row. Stored rows no sample selects hold zeros; a stored row two
    /// samples select holds the later sample's values, so use it for values that depend on the
    /// sample alone (a frozen model's outputs).
    public func addingPerSampleColumn(_ name: String, _ tensor: Tensor) throws -> Dataset {
        guard !name.isEmpty, base[name] == nil else {
            throw DataError.argument("add column", name.isEmpty ? "column names must not be empty" : "the data already has a column '\(name)'")
        }
        guard tensor.rank >= 1, tensor.shape[0] == count, tensor.dtype == .float32 else {
            throw DataError.argument("add column", "column '\(name)' has shape \(formatShape(tensor.shape)), expected \(count) float rows")
        }
        guard let rows else { return try settingColumn(name, tensor) }
        let storedRows = columnNames.first.flatMap { base[$0]?.shape[0] } ?? count
        let width = tensor.shape.dropFirst().reduce(1, *)
        var scattered = try Tensor(zeros: [storedRows] + Array(tensor.shape.dropFirst()))
        tensor.withFloats { values in
            scattered.withMutableFloats { out in
                for (i, r) in rows.enumerated() {
                    for j in 0..<width { out[r * width + j] = values[i * width + j] }
                }
            }
        }
        var d = self
        d.columnNames.append(name)
        d.base[name] = StoredColumn(scattered)
        return d
    }

    /// The same rows with a column's stored form replaced by one holding the same number of
    /// stored rows (deferred scaling of a byte column).
    func replacingStoredColumn(_ name: String, with column: StoredColumn) -> Dataset {
        precondition(base[name]?.shape[0] == column.shape[0], "stored column '\(name)' replaced by one of another length")
        var d = self
        d.base[name] = column
        return d
    }

    /// Removes columns; the remaining ones keep their order. Unknown names are an error.
    public func removingColumns(_ names: [String]) throws -> Dataset {
        for n in names { _ = try baseColumn(n) }
        var d = self
        d.columnNames.removeAll { names.contains($0) }
        guard !d.columnNames.isEmpty else {
            throw DataError.argument("remove columns", "expected at least one column to remain, found none")
        }
        for n in names { d.base[n] = nil; d.vocabularies[n] = nil; d.featureNames[n] = nil }
        d.augmentations.removeAll { names.contains($0.column) }
        return d
    }

    /// Keeps only the named columns, in the given order. Unknown or repeated names are an error.
    public func selectingColumns(_ names: [String]) throws -> Dataset {
        guard !names.isEmpty else {
            throw DataError.argument("select", "expected at least one column name, found none")
        }
        guard Set(names).count == names.count else {
            throw DataError.argument("select", "a column is named twice in \(names.map { "'\($0)'" }.joined(separator: ", "))")
        }
        for n in names { _ = try baseColumn(n) }
        var d = try removingColumns(columnNames.filter { !names.contains($0) })
        d.columnNames = names
        return d
    }

    /// Renames a column (metadata keyed by the name follows it).
    public func renamingColumn(_ old: String, to new: String) throws -> Dataset {
        let t = try baseColumn(old)
        guard old != new else { return self }
        guard !new.isEmpty, base[new] == nil else {
            throw DataError.argument("rename", "cannot rename '\(old)' to '\(new)': \(new.isEmpty ? "empty name" : "a column of that name exists")")
        }
        var d = self
        d.base[old] = nil
        d.base[new] = t
        d.columnNames = columnNames.map { $0 == old ? new : $0 }
        if let v = d.vocabularies.removeValue(forKey: old) { d.vocabularies[new] = v }
        if let f = d.featureNames.removeValue(forKey: old) { d.featureNames[new] = f }
        if d.labelColumn == old { d.labelColumn = new }
        for k in d.augmentations.indices where d.augmentations[k].column == old { d.augmentations[k].column = new }
        return d
    }

    /// Sets (or clears) the per-sample group ids.
    public func settingGroups(_ ids: [Int32]?, kind: String?) throws -> Dataset {
        if let ids, ids.count != count {
            throw DataError.argument("groups", "expected \(count) group ids, found \(ids.count)")
        }
        var d = self
        d.groups = ids
        d.groupKind = ids == nil ? nil : kind
        return d
    }

    /// Whether both data sets select from the very same stored tensors (so their union can stay
    /// an index list).
    func sharesStorage(with other: Dataset) -> Bool {
        guard columnNames == other.columnNames else { return false }
        for n in columnNames where !base[n]!.sharesValues(with: other.base[n]!) {
            return false
        }
        return true
    }

    /// Selections of the same stored tensors (see `sharesStorage`) joined as one index list;
    /// metadata comes from `self`, groups are cleared (the caller sets them).
    func joiningRows(of parts: [Dataset]) -> Dataset {
        var d = self
        d.rows = parts.flatMap(\.baseRows)
        d.count = d.rows!.count
        d.groups = nil
        return d
    }

    func baseColumn(_ name: String) throws -> StoredColumn {
        if let c = base[name] { return c }
        let known = columnNames.map { "'\($0)'" }.joined(separator: ", ")
        throw DataError(.missingColumn, "no column '\(name)' in \(source); columns are \(known)")
    }
}

extension Dataset: CustomStringConvertible {
    /// One line: `dataset of 60000 samples: x f32[60000, 1, 28, 28], y i32[60000] (10 classes)`.
    public var description: String {
        let cols = columnNames.map { n -> String in
            let t = base[n]!
            var s = t.shape
            s[0] = count
            return "\(n) \(t.dtype.rawValue)\(formatShape(s))"
        }.joined(separator: ", ")
        var text = "dataset of \(count) samples: \(cols)"
        if let classCount {
            // Class names when the source has them, shortened so a thousand classes stay one line.
            if let names = classNames, !names.isEmpty {
                let shown = names.prefix(10).joined(separator: ", ")
                text += " (\(classCount) classes: \(shown)\(names.count > 10 ? ", …" : ""))"
            } else {
                text += " (\(classCount) classes)"
            }
        }
        if let groupKind, let groups { text += ", \(Set(groups).count) \(groupKind)s" }
        return text
    }
}
