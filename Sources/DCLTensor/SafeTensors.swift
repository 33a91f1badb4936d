// safetensors reading and writing (https://huggingface.co/docs/safetensors).
//
// Layout: 8-byte little-endian header length N, N bytes of JSON header
//   {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …,
//    "__metadata__": {"key": "value"}}
// then the byte buffer; offsets are relative to the buffer start.
//
// Reading trusts nothing: the header length is checked against the file size (and a 100 MB
// cap) before anything is allocated; every entry's dtype, shape and offsets are validated
// (shape × dtype size must equal the byte range, ranges must lie inside the buffer, must not
// overlap, and must cover it without holes, as the reference implementation requires). Any
// violation is a thrown `TensorError`, never a trap.
//
// Writing is atomic: a temporary file in the destination directory is written, fsynced and
// renamed over the destination, so a crash leaves either the old file or the new one.

import Foundation

/// Element types a safetensors entry may hold here.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32", i32 = "I32", f16 = "F16", i8 = "I8"

    public var byteSize: Int {
        switch self {
        case .f32, .i32: return 4
        case .f16: return 2
        case .i8: return 1
        }
    }
}

/// One named tensor in a safetensors file, as raw little-endian bytes.
public struct SafeTensorsEntry: Equatable, Sendable {
    public var name: String
    public var dtype: SafeTensorsDType
    public var shape: [Int]
    public var bytes: [UInt8]

    public init(name: String, dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) throws {
        let n = try elementCount(shape, op: "safetensors")
        guard n * dtype.byteSize == bytes.count else {
            throw TensorError("safetensors", "entry '\(name)': \(dtype.rawValue)\(formatShape(shape)) needs \(n * dtype.byteSize) bytes, got \(bytes.count)")
        }
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An F32 or I32 entry holding `tensor` as is.
    public init(name: String, tensor: Tensor) {
        self.name = name
        dtype = tensor.dtype == .float32 ? .f32 : .i32
        shape = tensor.shape
        bytes = Array(UnsafeRawBufferPointer(start: tensor.storage.bytes, count: tensor.byteCount))
    }

    /// An F16 entry with `tensor`'s values rounded to half precision.
    public init(name: String, float16From tensor: Tensor) throws {
        guard tensor.dtype == .float32 else { throw TensorError("safetensors", "F16 entry '\(name)' needs a float32 tensor") }
        var out = [UInt8](repeating: 0, count: tensor.count * 2)
        tensor.withFloats { src in
            for i in 0..<src.count {
                let h = Float16(src[i]).bitPattern
                out[2 * i] = UInt8(h & 0xFF)
                out[2 * i + 1] = UInt8(h >> 8)
            }
        }
        try self.init(name: name, dtype: .f16, shape: tensor.shape, bytes: out)
    }

    /// An I8 entry (quantised weights).
    public init(name: String, int8 values: [Int8], shape: [Int]) throws {
        try self.init(name: name, dtype: .i8, shape: shape, bytes: values.map { UInt8(bitPattern: $0) })
    }

    /// The entry as an engine tensor: F32 and I32 as is, F16 widened to float32, I8 widened to int32.
    public func tensor() throws -> Tensor {
        switch dtype {
        case .f32, .i32:
            let t = try Tensor(zeros: shape, dtype: dtype == .f32 ? .float32 : .int32)
            bytes.withUnsafeBytes { src in
                if !bytes.isEmpty { t.storage.bytes.copyMemory(from: src.baseAddress!, byteCount: bytes.count) }
            }
            return t
        case .f16:
            var floats = [Float](repeating: 0, count: bytes.count / 2)
            for i in 0..<floats.count {
                floats[i] = Float(Float16(bitPattern: UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8))
            }
            return try Tensor(shape: shape, floats: floats)
        case .i8:
            return try Tensor(shape: shape, ints: bytes.map { Int32(Int8(bitPattern: $0)) })
        }
    }

    /// The values of an I8 entry.
    public var int8Values: [Int8] { bytes.map { Int8(bitPattern: $0) } }
}

/// A parsed safetensors file: entries in file order plus the `__metadata__` strings.
public struct SafeTensorsFile: Sendable {
    public var entries: [SafeTensorsEntry]
    public var metadata: [String: String]

    public init(entries: [SafeTensorsEntry], metadata: [String: String] = [:]) {
        self.entries = entries
        self.metadata = metadata
    }

    /// The entry called `name`, if any.
    public subscript(name: String) -> SafeTensorsEntry? { entries.first { $0.name == name } }

    /// All entries as engine tensors, by name.
    public func tensors() throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for e in entries { out[e.name] = try e.tensor() }
        return out
    }

    /// Largest header accepted when reading.
    public static let maxHeaderBytes = 100 << 20

    /// Parses a whole file's bytes.
    public static func decode(_ data: Data) throws -> SafeTensorsFile {
        func fail(_ m: String) -> TensorError { TensorError("safetensors", m) }
        guard data.count >= 8 else { throw fail("file is \(data.count) bytes, shorter than the 8-byte header length") }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= UInt64(maxHeaderBytes) else { throw fail("header length \(n) exceeds the \(maxHeaderBytes)-byte limit") }
        guard n <= UInt64(data.count - 8) else { throw fail("header length \(n) exceeds the file size \(data.count)") }
        let headerLen = Int(n)
        let header = data.subdata(in: data.startIndex + 8 ..< data.startIndex + 8 + headerLen)
        guard header.first == UInt8(ascii: "{") else { throw fail("header does not start with '{'") }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: header) } catch { throw fail("header is not valid JSON") }
        guard let object = json as? [String: Any] else { throw fail("header is not a JSON object") }
        let bufferStart = 8 + headerLen
        let bufferSize = data.count - bufferStart
        var metadata: [String: String] = [:]
        var pending: [(name: String, dtype: SafeTensorsDType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in object {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw fail("__metadata__ value for '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw fail("entry '\(name)' is not an object") }
            guard let dt = info["dtype"] as? String else { throw fail("entry '\(name)' has no dtype") }
            guard let dtype = SafeTensorsDType(rawValue: dt) else { throw fail("entry '\(name)' has unsupported dtype '\(dt)'") }
            guard let shapeAny = info["shape"] as? [Any] else { throw fail("entry '\(name)' has no shape") }
            var shape: [Int] = []
            for d in shapeAny {
                guard let num = d as? NSNumber, let v = Int(exactly: num.doubleValue), v >= 0, v <= 1 << 40 else {
                    throw fail("entry '\(name)' has an invalid dimension in its shape")
                }
                shape.append(v)
            }
            guard let offs = info["data_offsets"] as? [Any], offs.count == 2,
                  let b = (offs[0] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }),
                  let e = (offs[1] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }) else {
                throw fail("entry '\(name)' has invalid data_offsets")
            }
            guard b >= 0, b <= e, e <= bufferSize else {
                throw fail("entry '\(name)' data_offsets [\(b), \(e)] lie outside the \(bufferSize)-byte buffer")
            }
            let count = try elementCount(shape, op: "safetensors")
            let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, bytes == e - b else {
                throw fail("entry '\(name)': \(dt)\(formatShape(shape)) needs \(count * dtype.byteSize) bytes but data_offsets span \(e - b)")
            }
            pending.append((name, dtype, shape, b, e))
        }
        pending.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for p in pending {
            guard p.begin >= cursor else { throw fail("entry '\(p.name)' overlaps the previous entry") }
            guard p.begin == cursor else { throw fail("the byte buffer has a hole before entry '\(p.name)'") }
            cursor = p.end
        }
        guard cursor == bufferSize else { throw fail("the byte buffer has \(bufferSize - cursor) unindexed trailing bytes") }
        let entries = try pending.map { p in
            try SafeTensorsEntry(name: p.name, dtype: p.dtype, shape: p.shape,
                                 bytes: [UInt8](data[(data.startIndex + bufferStart + p.begin)..<(data.startIndex + bufferStart + p.end)]))
        }
        return SafeTensorsFile(entries: entries, metadata: metadata)
    }

    /// Reads and parses the file at `path`.
    public static func read(path: String) throws -> SafeTensorsFile {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw TensorError("safetensors", "cannot read '\(path)': \(error.localizedDescription)")
        }
        return try decode(data)
    }

    /// The file's bytes: entries in the given order, header padded with spaces to 8 bytes.
    public func encode() throws -> Data {
        var names = Set<String>()
        for e in entries {
            guard e.name != "__metadata__", names.insert(e.name).inserted else {
                throw TensorError("safetensors", "duplicate or reserved entry name '\(e.name)'")
            }
        }
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let kv = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{" + kv.joined(separator: ",") + "}")
        }
        var offset = 0
        for e in entries {
            let shape = e.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(e.name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + e.bytes.count)]}")
            offset += e.bytes.count
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while (headerBytes.count % 8) != 0 { headerBytes.append(UInt8(ascii: " ")) }
        var out = Data(capacity: 8 + headerBytes.count + offset)
        var len = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for e in entries { out.append(contentsOf: e.bytes) }
        return out
    }

    /// Writes the file atomically (temporary file in the same directory, fsync, rename).
    public func write(path: String) throws {
        try writeAtomically(try encode(), to: path)
    }
}

/// A JSON string literal for `s`.
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}

/// Writes `data` to `path` so that readers see either the old file or the complete new one.
/// A symbolic link at `path` is written through (its target is replaced, the link kept), and
/// temporaries left by killed writers of the same file are removed (see AtomicWrite.swift).
public func writeAtomically(_ data: Data, to requested: String) throws {
    let path = AtomicWrite.resolvedDestination(requested)
    AtomicWrite.removeStaleTemporaries(of: path)
    let dir = AtomicWrite.directory(of: path)
    let tmp = AtomicWrite.temporaryPath(for: path)
    let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw TensorError("write", "cannot create '\(tmp)': \(String(cString: strerror(errno)))") }
    var ok = false
    defer {
        if !ok { unlink(tmp) }
    }
    let written = data.withUnsafeBytes { buf -> Bool in
        var off = 0
        while off < buf.count {
            let r = Foundation.write(fd, buf.baseAddress! + off, buf.count - off)
            if r <= 0 { return false }
            off += r
        }
        return true
    }
    guard written, fsync(fd) == 0 else {
        close(fd)
        throw TensorError("write", "cannot write '\(tmp)': \(String(cString: strerror(errno)))")
    }
    close(fd)
    guard rename(tmp, path) == 0 else { throw TensorError("write", "cannot rename to '\(path)': \(String(cString: strerror(errno)))") }
    ok = true
    // Persist the rename itself.
    let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY)
    if dfd >= 0 { _ = fsync(dfd); close(dfd) }
}
