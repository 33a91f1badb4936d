// The generic table loader: a CSV file with a header row, one numeric feature per column and an
// optional integer label column, such as the UCI digits file (`p0..p63,label`).
//
// Result: `x` Float32 [N, F] (or [N] + shape when a per-row shape is given, e.g. [1, 8, 8]) with
// the header names as `featureNames["x"]`, and `y` Int32 [N] when a label column is named.

import DCLTensor

extension DataLoader {
    /// Loads a CSV table. `label` names the label column (nil: no labels, every column is a
    /// feature); `shape` reshapes each row's features (its element count must equal the number
    /// of feature columns); `classes` bounds the labels to 0..<classes (default: max label + 1).
    public static func csv(_ path: String, label: String? = "label", shape: [Int]? = nil,
                           classes: Int? = nil) throws -> Dataset {
        let buffer = try FileBytes.read(path)
        return try withExtendedLifetime(buffer) {
            try parseCSVTable(buffer.bytes, path: path, label: label, shape: shape, classes: classes)
        }
    }

    /// `csv(...)` over bytes already in memory; `path` is used in messages.
    public static func csv(bytes: [UInt8], path: String, label: String? = "label", shape: [Int]? = nil,
                           classes: Int? = nil) throws -> Dataset {
        try bytes.withUnsafeBufferPointer {
            try parseCSVTable($0, path: path, label: label, shape: shape, classes: classes)
        }
    }

    static func parseCSVTable(_ bytes: UnsafeBufferPointer<UInt8>, path: String, label: String?,
                              shape: [Int]?, classes: Int?, limits: ResourceLimits = .current) throws -> Dataset {
        try checkClassCount(classes, op: "csv")
        var reader = CSVReader(bytes, path: path)
        guard try reader.next() else {
            throw DataError(.malformed, path: path, line: 1, "empty file, expected a header row")
        }
        let header = (0..<reader.fields.count).map { reader.text($0) }
        var seen = Set<String>()
        for (i, name) in header.enumerated() where !seen.insert(name).inserted {
            throw reader.error(.malformed, field: i, "duplicate column \(quoted(name)) in the header")
        }

        var labelIndex: Int? = nil
        if let label {
            guard let li = header.firstIndex(of: label) else {
                throw DataError(.missingColumn, path: path, line: reader.recordLine,
                                "no label column \(quoted(label)) in the header; columns are \(header.prefix(8).map { quoted($0) }.joined(separator: ", "))\(header.count > 8 ? ", …" : "")")
            }
            labelIndex = li
        }
        let featureIndices = header.indices.filter { $0 != labelIndex }
        let f = featureIndices.count
        guard f > 0 else {
            throw DataError(.missingColumn, path: path, line: reader.recordLine, "expected at least one feature column besides the label, found none")
        }
        var rowShape = [f]
        if let shape {
            let n = try? elementCount(shape)
            guard let n, n == f, !shape.isEmpty else {
                throw DataError(.badShape, path: path, "shape \(formatShape(shape)) does not fit \(f) feature columns per row")
            }
            rowShape = shape
        }

        let width = header.count
        // The features become one Float32 tensor: stop reading once they could not fit it,
        // rather than after building an array of that size.
        let maxTensorBytes = limits.maxTensorBytes
        let maxElements = maxTensorBytes / 4
        var features: [Float] = []
        var labels: [Int32] = []
        var rows = 0
        while try reader.next() {
            guard reader.fields.count == width else {
                throw reader.recordError(.fieldCount, "expected \(width) fields as in the header, found \(reader.fields.count)")
            }
            for i in featureIndices {
                guard let v = NumberParsing.float(reader.raw(i)) else {
                    throw reader.error(.notNumeric, field: i, "column \(quoted(header[i])): expected a finite number, found \(describeField(reader, i))")
                }
                features.append(v)
            }
            if features.count > maxElements {
                throw reader.recordError(.tooLarge, "\(rows + 1) rows of \(f) features need more than \(ResourceLimits.describe(bytes: maxTensorBytes)), the limit for one tensor (DCL_MAX_TENSOR_BYTES)")
            }
            if let li = labelIndex {
                guard let v = NumberParsing.label(reader.raw(li)), v >= Int64(Int32.min), v <= Int64(Int32.max) else {
                    throw reader.error(.notNumeric, field: li, "column \(quoted(header[li])): expected an integer label, found \(describeField(reader, li))")
                }
                if v < 0 || v >= Int64(classes ?? DataLimits.maxClasses) {
                    let range = "0..<\(classes ?? DataLimits.maxClasses)"
                    throw reader.error(.labelOutOfRange, field: li, "column \(quoted(header[li])): label \(v) is out of range, expected \(range)")
                }
                labels.append(Int32(v))
            }
            rows += 1
        }
        guard rows > 0 else {
            throw DataError(.malformed, path: path, line: reader.recordLine + 1, "expected at least one data row after the header, found none")
        }

        var columns: [(name: String, tensor: Tensor)] = [("x", try namingFile(path) { try Tensor(shape: [rows] + rowShape, floats: features) })]
        var classCount: Int? = nil
        if labelIndex != nil {
            columns.append(("y", try namingFile(path) { try Tensor(shape: [rows], ints: labels) }))
            classCount = classes ?? Int(labels.max()!) + 1
        }
        var source = "csv(\(quotedPath(path))"
        if let label { source += ", label: \(quoted(label))" }
        if let shape { source += ", shape: \(formatShape(shape))" }
        source += ")"
        var d = try Dataset(columns: columns, classCount: classCount, source: source)
        d.featureNames["x"] = featureIndices.map { header[$0] }
        return d
    }

    /// A field's text for a message: quoted, or "an empty field".
    static func describeField(_ reader: CSVReader, _ i: Int) -> String {
        let t = reader.text(i)
        return t.isEmpty ? "an empty field" : quoted(t)
    }
}
