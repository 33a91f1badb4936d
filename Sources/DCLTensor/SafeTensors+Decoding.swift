// Reading a safetensors file, which may be hostile (a bundle from anywhere, a checkpoint from a
// crashed run). Nothing is trusted and nothing is allocated by an untrusted number:
// * the header length is checked against the bytes present and a cap before it is parsed;
// * the header must start with '{' and be a JSON object of tensor entries (`dtype` string,
//   `shape` and `data_offsets` integer arrays) and an optional `__metadata__` string map;
// * dtypes must be ones this codec reads; shape × dtype size is computed with checked
//   arithmetic and must equal the entry's byte range;
// * the ranges must lie in the buffer and tile it without gaps or overlaps, as the reference
//   implementation requires.
// Every violation is a thrown `SafeTensorsError` with a kind, never a trap. Entries keep no
// copy: their bytes are slices of the file's buffer.

import Foundation

extension SafeTensorsFile {
    /// Largest header accepted when reading.
    public static let maxHeaderBytes = 100 << 20

    /// Parses and validates a whole file held in `bytes`; entries come in file order.
    public static func decode(_ bytes: [UInt8], maxHeaderBytes: Int = maxHeaderBytes) throws -> SafeTensorsFile {
        guard bytes.count >= 8 else {
            throw SafeTensorsError(.malformed, "file of \(bytes.count) bytes is too short for the 8-byte header length")
        }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << UInt64(8 * i) }
        guard n <= UInt64(maxHeaderBytes) else {
            throw SafeTensorsError(.tooLarge, "header claims \(n) bytes, more than the \(maxHeaderBytes)-byte cap")
        }
        guard n <= UInt64(bytes.count - 8) else {
            throw SafeTensorsError(.truncated, "header claims \(n) bytes but only \(bytes.count - 8) follow")
        }
        let headerEnd = 8 + Int(n)
        let raw: [String: HeaderValue]
        do {
            raw = try JSONDecoder().decode([String: HeaderValue].self, from: Data(bytes[8..<headerEnd]))
        } catch {
            throw SafeTensorsError(.malformed, "header is not valid safetensors JSON: \(describeDecodingError(error))")
        }
        // The reference implementation also refuses leading whitespace.
        guard bytes[8] == UInt8(ascii: "{") else { throw SafeTensorsError(.malformed, "header does not start with '{'") }
        let dataLength = bytes.count - headerEnd
        var entries: [SafeTensorsEntry] = []
        var ranges: [String: Range<Int>] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in raw {
            switch value {
            case .metadata(let m):
                guard name == "__metadata__" else { throw SafeTensorsError(.malformed, "entry '\(name)' is not a tensor") }
                metadata = m
            case .tensor(let dtypeName, let shape, let offsets):
                guard name != "__metadata__" else { throw SafeTensorsError(.malformed, "'__metadata__' must map strings to strings") }
                guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                    throw SafeTensorsError(.unsupported, "tensor '\(name)' has dtype '\(dtypeName)', expected one of F32, I32, F16, I8")
                }
                guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength else {
                    throw SafeTensorsError(.malformed, "tensor '\(name)' has data_offsets \(offsets), outside the \(dataLength)-byte buffer")
                }
                let size = try byteCount(shape, dtype, name: name)
                guard size == offsets[1] - offsets[0] else {
                    throw SafeTensorsError(.malformed, "tensor '\(name)': \(dtype.rawValue) \(formatShape(shape)) needs \(size) bytes, its offsets span \(offsets[1] - offsets[0])")
                }
                ranges[name] = offsets[0]..<offsets[1]
                entries.append(SafeTensorsEntry(name: name, dtype: dtype, shape: shape,
                                                bytes: bytes[(headerEnd + offsets[0])..<(headerEnd + offsets[1])]))
            }
        }
        // File order; the name breaks ties between empty tensors so the order is deterministic.
        entries.sort { a, b in
            let ra = ranges[a.name]!, rb = ranges[b.name]!
            return (ra.lowerBound, ra.upperBound, a.name) < (rb.lowerBound, rb.upperBound, b.name)
        }
        // The ranges must tile the buffer exactly.
        var cursor = 0
        for e in entries {
            let r = ranges[e.name]!
            guard r.lowerBound == cursor else {
                throw SafeTensorsError(.malformed, r.lowerBound < cursor
                    ? "tensor '\(e.name)' overlaps the tensor before it"
                    : "the data buffer has a gap before tensor '\(e.name)'")
            }
            cursor = r.upperBound
        }
        guard cursor == dataLength else {
            throw SafeTensorsError(.malformed, "the data buffer has \(dataLength - cursor) bytes no tensor uses")
        }
        return SafeTensorsFile(entries: entries, metadata: metadata)
    }

    /// Parses a whole file held in `data` (copied once into the buffer the entries share).
    public static func decode(_ data: Data) throws -> SafeTensorsFile {
        try decode([UInt8](data))
    }

    /// Reads and parses the file at `path`.
    public static func read(path: String) throws -> SafeTensorsFile {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw SafeTensorsError(.io, "cannot read '\(path)': \(error.localizedDescription)")
        }
        return try decode(data)
    }
}

/// One value of the header object: a tensor description or the metadata map.
private enum HeaderValue: Decodable {
    case tensor(dtype: String, shape: [Int], offsets: [Int])
    case metadata([String: String])

    private enum Keys: String, CodingKey { case dtype, shape, data_offsets }

    init(from decoder: Decoder) throws {
        if let m = try? decoder.singleValueContainer().decode([String: String].self) {
            self = .metadata(m)
            return
        }
        let c = try decoder.container(keyedBy: Keys.self)
        self = .tensor(dtype: try c.decode(String.self, forKey: .dtype),
                       shape: try c.decode([Int].self, forKey: .shape),
                       offsets: try c.decode([Int].self, forKey: .data_offsets))
    }
}

/// A short, lowercase description of a `JSONDecoder` error, for messages about hostile JSON
/// (this codec's header, the bundle manifest).
public func describeDecodingError(_ error: Error) -> String {
    switch error {
    case DecodingError.dataCorrupted(let c):
        let text = c.debugDescription.lowercased()
        return text.hasSuffix(".") ? String(text.dropLast()) : text
    case DecodingError.keyNotFound(let k, let c): return "missing key '\(k.stringValue)'\(path(c))"
    case DecodingError.typeMismatch(let t, let c): return "expected \(t)\(path(c))"
    case DecodingError.valueNotFound(let t, let c): return "expected \(t)\(path(c)), found null"
    default: return String(describing: error)
    }
}

private func path(_ c: DecodingError.Context) -> String {
    let p = c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    return p.isEmpty ? "" : " at '\(p)'"
}
