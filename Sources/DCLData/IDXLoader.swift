// Loading MNIST-style image/label file pairs into a data set: images become a Float32 column
// [N, 1, rows, cols] holding the raw 0…255 values (scaling is a transform, so the loader never
// guesses; byte images stay bytes in memory until rows are gathered, see StoredColumn), labels
// Int32 [N]. The two files must agree on N and labels must be in range.

import DCLTensor

extension DataLoader {
    /// Reads one IDX file (gzip or raw) as a tensor; integer element types become Int32 unless
    /// `as: .float32` is given.
    public static func idxTensor(_ path: String, as dtype: DType? = nil) throws -> Tensor {
        let buffer = try FileBytes.readMaybeGzip(path) { try IDX.declaredSize($0, path: path) }
        return try withExtendedLifetime(buffer) { try IDX.decode(buffer.bytes, path: path, as: dtype) }
    }

    /// Loads an image file and a label file in IDX format (each gzip or raw).
    ///
    /// - `images`: rank 3 `[N, rows, cols]` becomes `x` [N, 1, rows, cols]; rank 2 `[N, F]` and
    ///   rank 4 `[N, C, H, W]` are kept as they are.
    /// - `labels`: rank 1 `[N]` of an integer type, each in 0..<classes.
    /// - `classes`: the class count; default: the largest label + 1.
    public static func idx(images: String, labels: String? = nil, classes: Int? = nil) throws -> Dataset {
        try checkClassCount(classes, op: "idx")
        let buffer = try FileBytes.readMaybeGzip(images) { try IDX.declaredSize($0, path: images) }
        var x = try withExtendedLifetime(buffer) { try IDX.decodeStored(buffer.bytes, path: images) }
        switch x.shape.count {
        case 3: x = try x.reshaped([x.shape[0], 1, x.shape[1], x.shape[2]])
        case 2, 4: break
        default:
            throw DataError(.badShape, path: images, "expected images of shape [N, rows, cols], found \(formatShape(x.shape))")
        }
        var columns: [(name: String, column: StoredColumn)] = [("x", x)]
        var classCount: Int? = nil
        var source = "idx(images: \(quotedPath(images))"
        if let labels {
            let (y, k) = try labelTensor(labels, classes: classes)
            guard y.shape[0] == x.shape[0] else {
                throw DataError(.badShape, path: labels, "holds \(y.shape[0]) labels, expected \(x.shape[0]) to match the images in \(quotedPath(images))")
            }
            columns.append(("y", StoredColumn(y)))
            classCount = k
            source += ", labels: \(quotedPath(labels))"
        }
        return try Dataset(stored: columns, classCount: classCount, source: source + ")")
    }

    /// Reads an IDX label file, checks rank and range, and returns the labels with the class count.
    static func labelTensor(_ path: String, classes: Int?) throws -> (Tensor, Int) {
        let buffer = try FileBytes.readMaybeGzip(path) { try IDX.declaredSize($0, path: path) }
        let y: Tensor = try withExtendedLifetime(buffer) {
            let h = try IDX.header(buffer.bytes, path: path)
            if h.isFloat {
                throw DataError(.unsupported, path: path, "labels are floating-point (IDX type 0x\(String(h.type, radix: 16))), expected an integer type")
            }
            return try IDX.decode(buffer.bytes, path: path, as: .int32)
        }
        guard y.rank == 1 || (y.rank == 2 && y.shape[1] == 1) else {
            throw DataError(.badShape, path: path, "expected labels of shape [N], found \(formatShape(y.shape))")
        }
        let flat = try y.reshaped([y.shape[0]])
        let k = try checkLabels(flat, path: path, classes: classes)
        return (flat, k)
    }

    /// Checks every label is in 0..<classes (0..<DataLimits.maxClasses when classes is nil) and
    /// returns the class count. Errors name the item (0-based) since binary files have no lines.
    static func checkLabels(_ y: Tensor, path: String, classes: Int?) throws -> Int {
        try y.withInts { buf in
            var maxLabel: Int32 = -1
            for (i, v) in buf.enumerated() {
                if v < 0 || Int(v) >= classes ?? DataLimits.maxClasses {
                    let range = "0..<\(classes ?? DataLimits.maxClasses)"
                    throw DataError(.labelOutOfRange, path: path, "item \(i): label \(v) is out of range, expected \(range)")
                }
                maxLabel = max(maxLabel, v)
            }
            return classes ?? Int(maxLabel) + 1
        }
    }

    /// Validates a class count given by the caller.
    static func checkClassCount(_ classes: Int?, op: String) throws {
        if let classes, classes <= 0 || classes > DataLimits.maxClasses {
            throw DataError.argument(op, "expected a class count in 1...\(DataLimits.maxClasses), found \(classes)")
        }
    }
}
