// Fuzz harness: reading a `.dclb` bundle the way `dcl inspect` and `dcl predict` do — the zip
// directory, inflation, the manifest, the safetensors weights, each model's graph text and ONNX
// file — then loading every model and running it on one zero sample.
//
// The first byte picks how the rest is read:
// * even: the rest is a `.dclb` file as is. Mutations mostly break a CRC-32 or a SHA-256, so this
//   mode mainly reaches the zip reader, the inflater and the manifest's checksum.
// * odd: the rest is a *sealed* container — entries written as "\n@@entry NAME\n" then the bytes.
//   The harness fixes `bytes` and `sha256` of each entry listed in `manifest.json` (when it
//   parses as JSON) and zips the entries (stored, with correct CRC-32s), so mutations of the
//   manifest, weights, graph text and ONNX get past the checksums to the parsers behind them.

import DCLExport
import DCLGraph
import DCLTensor
import Foundation

extension FuzzHarness {
    /// One `fuzz-bundle` input.
    public static func bundle(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let rest = Array(input.dropFirst())
        let archive = mode & 1 == 0 ? rest : seal(rest)

        let contents: BundleContents
        do { contents = try BundleReader().read(bytes: archive) } catch { Fuzz.note("read: \(error)"); return }
        _ = renderBundleReport(contents)
        for m in contents.manifest.models {
            do { _ = try contents.onnxModel(of: m.name) } catch { Fuzz.note("onnx \(m.name): \(error)") }
            for t in m.tensors { _ = try? contents.tensor(model: m.name, parameter: t.name) }
            let model: BundleModel
            do { model = try contents.model(named: m.name) } catch { Fuzz.note("model \(m.name): \(error)"); continue }
            runOnZeros(model)
        }
    }
}

/// Runs `model` on one all-zero sample per input, as `dcl predict` would on a one-row file.
private func runOnZeros(_ model: BundleModel) {
    var feeds: [String: Tensor] = [:]
    for (i, s) in model.inputs.enumerated() {
        let shape = [1] + model.sampleShape(ofInput: i)
        // A negative or huge signature is the reader's to reject; skip what we cannot build.
        guard shape.allSatisfy({ $0 >= 0 && $0 <= 1 << 16 }),
              shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) <= 1 << 20,
              let t = try? Tensor(zeros: shape, dtype: model.dtype(ofInput: i)) else { return }
        feeds[s.name] = t
    }
    do { _ = try model.run(feeds); Fuzz.note("ran \(model.name)") } catch { Fuzz.note("run \(model.name): \(error)") }
}

// MARK: Sealing

private let entryMarker = Array("\n@@entry ".utf8)

/// Builds a stored zip whose CRC-32s and manifest checksums match the entries in `container`.
private func seal(_ container: [UInt8]) -> [UInt8] {
    var entries: [(name: String, bytes: [UInt8])] = []
    for part in Fuzz.split(container, separator: entryMarker).dropFirst() {
        guard let nl = part.firstIndex(of: 0x0A) else { continue }
        entries.append((String(decoding: part[..<nl], as: UTF8.self), Array(part[(nl + 1)...])))
    }
    if let i = entries.firstIndex(where: { $0.name == "manifest.json" }) {
        entries[i].bytes = fixedManifest(entries[i].bytes, entries: entries)
    }
    return storedZip(entries)
}

/// The manifest with each listed entry's size and SHA-256 set to those of the container's
/// entry of that name; unchanged if it is not a JSON object with an `entries` array.
private func fixedManifest(_ json: [UInt8], entries: [(name: String, bytes: [UInt8])]) -> [UInt8] {
    guard var root = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any],
          let listed = root["entries"] as? [Any] else { return json }
    root["entries"] = listed.map { item -> Any in
        guard var e = item as? [String: Any], let name = e["name"] as? String,
              let bytes = entries.first(where: { $0.name == name })?.bytes else { return item }
        e["bytes"] = bytes.count
        e["sha256"] = SHA256.hexDigest(bytes)
        return e
    }
    guard let out = try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]) else { return json }
    return Array(out)
}

/// A minimal zip archive: every entry stored (method 0), dated 1980-01-01.
private func storedZip(_ entries: [(name: String, bytes: [UInt8])]) -> [UInt8] {
    var out: [UInt8] = [], directory: [UInt8] = []
    func u16(_ v: Int, _ b: inout [UInt8]) { b += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    func u32(_ v: UInt32, _ b: inout [UInt8]) { for s in stride(from: 0, to: 32, by: 8) { b.append(UInt8((v >> UInt32(s)) & 0xFF)) } }
    for e in entries {
        let name = Array(e.name.utf8), crc = crc32(e.bytes), size = UInt32(truncatingIfNeeded: e.bytes.count)
        let offset = UInt32(truncatingIfNeeded: out.count)
        u32(0x0403_4B50, &out); u16(20, &out); u16(0, &out); u16(0, &out); u16(0, &out); u16(0x21, &out)
        u32(crc, &out); u32(size, &out); u32(size, &out); u16(name.count, &out); u16(0, &out)
        out += name + e.bytes
        u32(0x0201_4B50, &directory); u16(20, &directory); u16(20, &directory); u16(0, &directory); u16(0, &directory)
        u16(0, &directory); u16(0x21, &directory); u32(crc, &directory); u32(size, &directory); u32(size, &directory)
        u16(name.count, &directory); u16(0, &directory); u16(0, &directory); u16(0, &directory); u16(0, &directory)
        u32(0, &directory); u32(offset, &directory)
        directory += name
    }
    let directoryOffset = UInt32(truncatingIfNeeded: out.count)
    out += directory
    u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(entries.count, &out); u16(entries.count, &out)
    u32(UInt32(truncatingIfNeeded: directory.count), &out); u32(directoryOffset, &out); u16(0, &out)
    return out
}

private let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
}

private func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
}
