// A small safetensors codec for `weights.safetensors` (https://huggingface.co/docs/safetensors).
//
// Internal, and a second codec beside the engine's `SafeTensorsFile` (DCLTensor) for the same
// format: this one reads a bundle entry without copying it, aligns tensors by element size and
// reports typed `ExportError` kinds (truncated, too large, unsupported) that bundle
// verification relies on. Folding the two into one codec with those properties is open work.
//
// Layout: an 8-byte little-endian header length N, N bytes of JSON
//   {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]}, …}
// padded with spaces to a multiple of 8, then the data buffer; offsets are relative to it.
//
// Writing is deterministic: metadata first, then tensors sorted by element size (largest
// first, so every tensor starts at a multiple of its element size) and name.
// Reading trusts nothing: the header length is checked against the bytes present and a cap
// before anything is parsed; every tensor's shape × dtype size must equal its byte range,
// ranges must lie in the buffer, and must tile it without gaps or overlaps (as the reference
// implementation requires).

import Foundation

/// Element types `weights.safetensors` holds.
enum SafetensorsDType: String, Sendable, CaseIterable, Codable {
    case f32 = "F32", i32 = "I32", f16 = "F16", i8 = "I8"

    var byteSize: Int {
        switch self {
        case .f32, .i32: return 4
        case .f16: return 2
        case .i8: return 1
        }
    }
}

/// One tensor to write: raw little-endian bytes.
struct SafetensorsTensor {
    var name: String
    var dtype: SafetensorsDType
    var shape: [Int]
    var bytes: [UInt8]
}

/// A tensor's place in a parsed file.
struct SafetensorsEntry: Sendable, Equatable {
    var name: String
    var dtype: SafetensorsDType
    var shape: [Int]
    /// Byte range within `SafetensorsFile.data`.
    var range: Range<Int>
}

/// A parsed safetensors file (the data buffer is shared, not copied).
struct SafetensorsFile: Sendable {
    var entries: [String: SafetensorsEntry]
    var metadata: [String: String]
    var data: ArraySlice<UInt8>

    /// The raw bytes of tensor `name`.
    func bytes(of name: String) -> ArraySlice<UInt8>? {
        guard let e = entries[name] else { return nil }
        return data[(data.startIndex + e.range.lowerBound)..<(data.startIndex + e.range.upperBound)]
    }

    // MARK: Writing

    /// Encodes `tensors` with `metadata`; throws on duplicate names or byte counts that do not
    /// match shape and dtype.
    static func encode(_ tensors: [SafetensorsTensor], metadata: [String: String]) throws -> [UInt8] {
        var seen: Set<String> = []
        for t in tensors {
            guard t.name != "__metadata__" else { throw ExportError(.safetensors, "tensor name '__metadata__' is reserved") }
            guard seen.insert(t.name).inserted else { throw ExportError(.safetensors, "tensor '\(t.name)' is written twice") }
            let n = try checkedCount(t.shape, t.dtype, name: t.name)
            guard n == t.bytes.count else {
                throw ExportError(.safetensors, "tensor '\(t.name)': \(t.dtype.rawValue) \(t.shape) needs \(n) bytes, found \(t.bytes.count)")
            }
        }
        let ordered = tensors.sorted { a, b in
            a.dtype.byteSize != b.dtype.byteSize ? a.dtype.byteSize > b.dtype.byteSize : a.name < b.name
        }
        var header = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            fields.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for t in ordered {
            let end = offset + t.bytes.count
            let shape = t.shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonString(t.name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += fields.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }

        var out = [UInt8]()
        out.reserveCapacity(8 + headerBytes.count + offset)
        out.append(contentsOf: littleEndianBytes(UInt64(headerBytes.count)))
        out.append(contentsOf: headerBytes)
        for t in ordered { out.append(contentsOf: t.bytes) }
        return out
    }

    // MARK: Reading

    /// Parses and validates a safetensors file held in `bytes`.
    static func decode(_ bytes: [UInt8], maxHeaderBytes: Int = 100 << 20) throws -> SafetensorsFile {
        guard bytes.count >= 8 else {
            throw ExportError(.safetensors, "file of \(bytes.count) bytes is too short for the 8-byte header length")
        }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << UInt64(8 * i) }
        guard n <= UInt64(maxHeaderBytes) else {
            throw ExportError(.tooLarge, "safetensors header claims \(n) bytes, more than the \(maxHeaderBytes)-byte cap")
        }
        guard n <= UInt64(bytes.count - 8) else {
            throw ExportError(.truncated, "safetensors header claims \(n) bytes but only \(bytes.count - 8) follow")
        }
        let headerEnd = 8 + Int(n)
        let raw: [String: HeaderValue]
        do {
            raw = try JSONDecoder().decode([String: HeaderValue].self, from: Data(bytes[8..<headerEnd]))
        } catch {
            throw ExportError(.safetensors, "header is not valid safetensors JSON: \(describe(error))")
        }
        let dataLength = bytes.count - headerEnd
        var entries: [String: SafetensorsEntry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in raw {
            switch value {
            case .metadata(let m):
                guard name == "__metadata__" else { throw ExportError(.safetensors, "entry '\(name)' is not a tensor") }
                metadata = m
            case .tensor(let dtypeName, let shape, let offsets):
                guard name != "__metadata__" else { throw ExportError(.safetensors, "'__metadata__' must map strings to strings") }
                guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                    throw ExportError(.unsupported, "tensor '\(name)' has dtype '\(dtypeName)', expected one of F32, I32, F16, I8")
                }
                guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength else {
                    throw ExportError(.safetensors, "tensor '\(name)' has data_offsets \(offsets), outside the \(dataLength)-byte buffer")
                }
                let size = try checkedCount(shape, dtype, name: name)
                guard size == offsets[1] - offsets[0] else {
                    throw ExportError(.safetensors, "tensor '\(name)': \(dtype.rawValue) \(shape) needs \(size) bytes, its offsets span \(offsets[1] - offsets[0])")
                }
                entries[name] = SafetensorsEntry(name: name, dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
            }
        }
        // The ranges must tile the buffer exactly.
        var cursor = 0
        for e in entries.values.sorted(by: { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }) {
            guard e.range.lowerBound == cursor else {
                throw ExportError(.safetensors, e.range.lowerBound < cursor
                    ? "tensor '\(e.name)' overlaps the tensor before it"
                    : "the data buffer has a gap before tensor '\(e.name)'")
            }
            cursor = e.range.upperBound
        }
        guard cursor == dataLength else {
            throw ExportError(.safetensors, "the data buffer has \(dataLength - cursor) bytes no tensor uses")
        }
        return SafetensorsFile(entries: entries, metadata: metadata, data: bytes[headerEnd...])
    }

    /// Bytes of a tensor, with negative dimensions and overflow rejected.
    static func checkedCount(_ shape: [Int], _ dtype: SafetensorsDType, name: String) throws -> Int {
        var n = dtype.byteSize
        for d in shape {
            guard d >= 0 else { throw ExportError(.safetensors, "tensor '\(name)' has negative dimension \(d)") }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw ExportError(.tooLarge, "tensor '\(name)' with shape \(shape) is too large")
            }
            n = p
        }
        return n
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

/// A JSON string literal for `s` (quotes, backslashes and control characters escaped).
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20:
            out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

/// A short, lowercase description of a decoding error.
func describe(_ error: Error) -> String {
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
