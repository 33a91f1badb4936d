// CIFAR-10 in its official binary version: data_batch_1.bin … data_batch_5.bin (train) and
// test_batch.bin (test), each a run of 3073-byte records — one label byte (0…9), then the
// 32 × 32 red plane, green plane and blue plane (CHW, row-major). Images stay bytes in memory
// (as MNIST's IDX bytes do, see StoredColumn) and become Float32 0…255 when rows are gathered;
// `scale(1/255)` is deferred the same way, so the values equal a Float32 path's bit for bit.
//
// The train split needs all five batch files: a directory with only some of them is an error
// naming the first missing file, not a silently smaller data set (an experiment on 20 % of
// CIFAR-10 would report numbers nobody could compare). Files may hold any whole number of
// records, so tests and subsets made with `head -c` load as the full files do.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DCLTensor

extension DataLoader {
    /// Bytes of one record: the label, then 3 × 32 × 32 pixels.
    static let cifarRecordBytes = 1 + cifarImageBytes
    static let cifarImageBytes = 3 * 32 * 32
    /// The class names, in label order (batches.meta.txt of the official archive).
    public static let cifar10ClassNames = ["airplane", "automobile", "bird", "cat", "deer",
                                           "dog", "frog", "horse", "ship", "truck"]

    /// The files of a split, in the order their records are concatenated.
    public static func cifar10Files(split: String) throws -> [String] {
        switch split {
        case "train": return (1...5).map { "data_batch_\($0).bin" }
        case "test": return ["test_batch.bin"]
        default: throw DataError.argument("cifar10", "expected split \"train\" or \"test\", found \(quoted(split))")
        }
    }

    /// Loads a CIFAR-10 split from `dir`: `x` [N, 3, 32, 32] (0…255, kept as bytes), `y` i32[N],
    /// 10 classes with their names.
    public static func cifar10(_ dir: String, split: String = "train") throws -> Dataset {
        let names = try cifar10Files(split: split)
        let paths = names.map { dir.hasSuffix("/") ? dir + $0 : dir + "/" + $0 }
        // Sizes first, so the pixels are allocated once and each file is read, checked, copied
        // and released in turn: the peak is the pixels plus one file, not the pixels plus all.
        var records: [Int] = []
        for path in paths {
            var st = stat()
            guard stat(path, &st) == 0 else {
                let e = FileBytes.openError(path, errno)
                guard e.kind == .fileNotFound else { throw e }
                throw DataError(.fileNotFound, path: path, "no such file: the CIFAR-10 \(split) split is \(names.joined(separator: ", ")) from the binary version of the data set")
            }
            records.append(try cifarRecordCount(Int(st.st_size), path: path))
        }
        let total = records.reduce(0, +)  // each count ≤ file size / 3073: no overflow
        // The images as one byte column; its Float32 form must fit a tensor like any loaded column.
        let shape = [total, 3, 32, 32]
        let n = try checkedElementCount(shape, path: dir)
        let pixels = TensorStorage(overwrittenByteCount: max(n, 1))
        var labels = [Int32]()
        labels.reserveCapacity(total)
        var row = 0
        for (path, expected) in zip(paths, records) {
            let buffer = try FileBytes.read(path)
            // The file may have changed since it was measured: the count read is what counts.
            guard try cifarRecordCount(buffer.count, path: path) == expected else {
                throw DataError(.io, path: path, "changed size while being read (\(expected) records before, \(buffer.count / cifarRecordBytes) now)")
            }
            let src = buffer.bytes
            try checkCIFARLabels(src, records: expected, path: path)
            for r in 0..<expected {
                let start = r * cifarRecordBytes
                labels.append(Int32(src[start]))
                (pixels.bytes + row * cifarImageBytes).copyMemory(from: src.baseAddress! + start + 1, byteCount: cifarImageBytes)
                row += 1
            }
        }
        var d = try Dataset(stored: [("x", StoredColumn(bytes: pixels, shape: shape)),
                                     ("y", StoredColumn(try Tensor(shape: [total], ints: labels)))],
                            classCount: 10, source: "cifar10(\(quotedPath(dir)), split: \"\(split)\")")
        d.classNames = cifar10ClassNames
        return d
    }

    /// Records in a file of `bytes` bytes: a whole, positive number of them, or an error.
    private static func cifarRecordCount(_ bytes: Int, path: String) throws -> Int {
        let (records, partial) = bytes.quotientAndRemainder(dividingBy: cifarRecordBytes)
        guard partial == 0 else {
            throw DataError(.truncated, path: path, "holds \(bytes) bytes, not a whole number of \(cifarRecordBytes)-byte records (1 label byte + 3 × 32 × 32 pixels): record \(records) is cut off after \(partial) bytes (truncated?)")
        }
        guard records > 0 else { throw DataError(.truncated, path: path, "holds no records (empty file)") }
        return records
    }

    /// Every record's label byte must be a class 0…9; the error names the record (0-based).
    private static func checkCIFARLabels(_ b: UnsafeBufferPointer<UInt8>, records: Int, path: String) throws {
        for r in 0..<records where b[r * cifarRecordBytes] > 9 {
            throw DataError(.labelOutOfRange, path: path, "record \(r) (byte \(r * cifarRecordBytes)): label \(b[r * cifarRecordBytes]) is out of range, expected 0..<10 (is this the binary version of CIFAR-10?)")
        }
    }
}
