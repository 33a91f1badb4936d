// The reader on broken and hostile bundles: every case ends in an `ExportError` naming the
// problem — never a trap, a hang, or an allocation sized by a lying header.

import Foundation
import Testing
import DCLTensor
@testable import DCLExport

private func read(_ bytes: [UInt8], limits: BundleLimits = .standard) throws -> BundleContents {
    try BundleReader(limits: limits).read(bytes: bytes)
}

@Suite("hostile bundles")
struct HostileBundleTests {
    // MARK: Damaged files

    @Test func truncatedBundles() throws {
        let good = try sampleBundleBytes()
        expectExportError(.truncated, "truncated") { _ = try read(Array(good[0..<(good.count / 2)])) }
        expectExportError(.truncated, "truncated") { _ = try read(Array(good.dropLast(1))) }
        // Every cut point fails cleanly.
        for n in stride(from: 0, to: good.count, by: 13) {
            do { _ = try read(Array(good[0..<n])); Issue.record("a bundle cut at \(n) bytes was accepted") } catch is ExportError {}
        }
    }

    @Test func flippedByteIsAChecksumMismatchNamingTheEntry() throws {
        let good = try sampleBundleBytes()
        let dir = try ZipDirectory.read(MemorySource(bytes: good), limits: .standard)
        for name in ["weights.safetensors", "control.onnx"] {
            let e = dir.entries.first { $0.name == name }!
            var bad = good
            bad[e.dataOffset + e.compressedSize / 2] ^= 0x01
            expectExportError(.checksumMismatch, "entry '\(name)'", "checksum") { _ = try read(bad) }
        }
        // A flipped byte in the deflated manifest: corrupt deflate data or a CRC mismatch.
        let manifest = dir.entries.first { $0.name == "manifest.json" }!
        var bad = good
        bad[manifest.dataOffset + 5] ^= 0x40
        do { _ = try read(bad); Issue.record("accepted") } catch let e as ExportError {
            #expect(e.entry == "manifest.json", "\(e)")
        }
    }

    @Test func sha256MismatchWithAnIntactZip() throws {
        // The graph text changes but the manifest keeps the old hash; the zip CRC is recomputed.
        let bad = try rebuiltSample { list in
            let i = list.firstIndex { $0.0 == "control.graph" }!
            list[i].1[0] ^= 0x20
        }
        expectExportError(.checksumMismatch, "entry 'control.graph'", "sha-256 expected") { _ = try read(bad) }
        // inspect() reports instead of throwing.
        let dir = try makeTemporaryDirectory("hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.dclb")
        try Data(bad).write(to: url)
        let report = try BundleReader().inspect(path: url.path)
        #expect(report.checksumFailures.map(\.entry) == ["control.graph"])
        #expect(report.checksumFailures[0].algorithm == "sha-256")
    }

    @Test func randomDamageNeverTraps() throws {
        let good = try sampleBundleBytes(storage: .int8(perChannel: true))
        var rng = SeededGenerator(seed: 31)
        var accepted = 0
        for _ in 0..<300 {
            var bad = good
            for _ in 0..<(1 + rng.nextInt(below: 3)) { bad[rng.nextInt(below: bad.count)] ^= UInt8(1 + rng.nextInt(below: 255)) }
            do { _ = try read(bad); accepted += 1 } catch is ExportError {}
        }
        // Only damage to bytes no check covers (timestamps, attributes) can pass.
        #expect(accepted < 60)
    }

    @Test func notAZipFile() {
        expectExportError(.archive, "not a zip archive") { _ = try read([]) }
        expectExportError(.archive, "not a zip archive") { _ = try read(Array("just some text, not an archive at all".utf8)) }
        expectExportError(.archive, "not a zip archive") { _ = try read([0x89, 0x50, 0x4E, 0x47] + [UInt8](repeating: 7, count: 100)) }
    }

    // MARK: Manifest

    @Test func unknownFormatVersion() throws {
        let bad = try rebuiltSample { try editManifest(&$0) { $0["format_version"] = 2 } }
        expectExportError(.unsupportedVersion, "entry 'manifest.json'", "version 2", "expected 1") { _ = try read(bad) }
        let noVersion = try rebuiltSample { try editManifest(&$0) { $0["format_version"] = nil } }
        expectExportError(.manifest, "format_version is missing") { _ = try read(noVersion) }
        let otherFormat = try rebuiltSample { try editManifest(&$0) { $0["format"] = "zip" } }
        expectExportError(.manifest, "format is 'zip'") { _ = try read(otherFormat) }
    }

    @Test func malformedManifest() throws {
        let notJSON = try rebuiltSample { list in list[0].1 = Array("{\"format\": \"dcl-bundle\", ".utf8) }
        expectExportError(.manifest, "entry 'manifest.json'", "not a JSON object") { _ = try read(notJSON) }
        let array = try rebuiltSample { list in list[0].1 = Array("[1, 2]".utf8) }
        expectExportError(.manifest, "not a JSON object") { _ = try read(array) }
        let missingKey = try rebuiltSample { try editManifest(&$0) { $0["models"] = nil } }
        expectExportError(.manifest, "does not follow the schema", "models") { _ = try read(missingKey) }
        let wrongType = try rebuiltSample { try editManifest(&$0) { $0["budget"] = "lots" } }
        expectExportError(.manifest, "does not follow the schema", "budget") { _ = try read(wrongType) }
        let deep = try rebuiltSample { list in
            list[0].1 = Array(("{\"format\":\"dcl-bundle\",\"format_version\":1,\"x\":" + String(repeating: "[", count: 100_000)).utf8)
        }
        expectExportError(.manifest) { _ = try read(deep) }
        let lyingBudget = try rebuiltSample { try editManifest(&$0) { m in
            var b = m["budget"] as! [String: Any]
            var limits = b["limits"] as! [[String: Any]]
            limits[1]["met"] = true   // flops: measured 112 against 50
            b["limits"] = limits
            m["budget"] = b
        } }
        expectExportError(.manifest, "budget 'flops' says met = true") { _ = try read(lyingBudget) }
    }

    @Test func manifestClaimingAHugeTensor() throws {
        let bad = try rebuiltSample { try editManifest(&$0) { m in
            var models = m["models"] as! [[String: Any]]
            var tensors = models[0]["tensors"] as! [[String: Any]]
            tensors[0]["shape"] = [100_000, 250_000]    // 10^10 floats: 40 GB
            models[0]["tensors"] = tensors
            m["models"] = models
        } }
        expectExportError(.tooLarge, "tensor 'control/fc1.weight'", "[100000, 250000]") { _ = try read(bad) }
        let overflow = try rebuiltSample { try editManifest(&$0) { m in
            var models = m["models"] as! [[String: Any]]
            var tensors = models[0]["tensors"] as! [[String: Any]]
            tensors[0]["shape"] = [Int.max, 4]
            models[0]["tensors"] = tensors
            m["models"] = models
        } }
        expectExportError(.tooLarge, "control/fc1.weight") { _ = try read(overflow) }
    }

    @Test func safetensorsMustMatchTheManifest() throws {
        // A consistent (checksummed) weights file holding different tensors.
        let other = try SafeTensorsFile.encodeWeights([SafeTensorsEntry(name: "control/fc1.weight", dtype: .f32, shape: [4, 8], bytes: [UInt8](repeating: 0, count: 128))], metadata: [:])
        let bad = try rebuiltSample { try replaceEntryConsistently(&$0, "weights.safetensors", other) }
        expectExportError(.safetensors, "entry 'weights.safetensors'", "'control/fc1.weight' is F32 [4, 8]") { _ = try read(bad) }
        // A safetensors header claiming more than the file holds.
        var lying = littleEndianBytes(UInt64(1) << 40)
        lying += Array("{}".utf8)
        let bad2 = try rebuiltSample { try replaceEntryConsistently(&$0, "weights.safetensors", lying) }
        expectExportError(.tooLarge, "entry 'weights.safetensors'", "header claims") { _ = try read(bad2) }
    }

    // MARK: Entry names

    @Test(arguments: ["../../x", "/etc/passwd", "models\\evil", "a\u{0}b", "C:evil", "a//b", "./x", "x/../../y", "tab\there"])
    func unsafeEntryNames(_ name: String) throws {
        let bad = try rebuiltSample { $0.append((name, Array("payload".utf8))) }
        expectExportError(.unsafeEntryName, "entry name") { _ = try read(bad) }
    }

    @Test func nulIsShownEscaped() throws {
        let bad = try rebuiltSample { $0.append(("a\u{0}b", [1])) }
        expectExportError(.unsafeEntryName, "'a\\u{0}b'", "NUL") { _ = try read(bad) }
    }

    @Test func duplicateAndUnexpectedEntries() throws {
        let duplicate = try rebuiltSample { list in list.append(list[1]) }
        expectExportError(.duplicateEntry, "entry 'weights.safetensors'", "more than once") { _ = try read(duplicate) }
        let extra = try rebuiltSample { $0.append(("notes.txt", Array("hi".utf8))) }
        expectExportError(.unexpectedEntry, "entry 'notes.txt'") { _ = try read(extra) }
        let directory = try rebuiltSample { $0.append(("models/", [])) }
        expectExportError(.unexpectedEntry, "directory") { _ = try read(directory) }
    }

    @Test func missingRequiredEntries() throws {
        let noManifest = try rebuiltSample { $0.removeAll { $0.0 == "manifest.json" } }
        expectExportError(.missingEntry, "entry 'manifest.json'") { _ = try read(noManifest) }
        let noWeights = try rebuiltSample { $0.removeAll { $0.0 == "weights.safetensors" } }
        expectExportError(.missingEntry, "entry 'weights.safetensors'") { _ = try read(noWeights) }
        let noGraph = try rebuiltSample { list in
            list.removeAll { $0.0 == "control.graph" }
            try editManifest(&list) { m in m["entries"] = (m["entries"] as! [[String: Any]]).filter { $0["name"] as? String != "control.graph" } }
        }
        expectExportError(.missingEntry, "entry 'control.graph'", "model 'control' needs") { _ = try read(noGraph) }
    }

    // MARK: Zip structure

    @Test func lyingZipStructures() throws {
        let files = try entries(of: try sampleBundleBytes())
        var raw = files.map { RawZipEntry(name: $0.0, data: $0.1) }
        raw[2].localName = "other.graph"
        expectExportError(.archive, "local header names a different entry") { _ = try read(buildRawZip(raw)) }

        raw = files.map { RawZipEntry(name: $0.0, data: $0.1) }
        raw[1].flags |= 1
        expectExportError(.unsupported, "encrypted") { _ = try read(buildRawZip(raw)) }

        raw = files.map { RawZipEntry(name: $0.0, data: $0.1) }
        raw[1].method = 12
        expectExportError(.unsupported, "compression method 12") { _ = try read(buildRawZip(raw)) }

        raw = files.map { RawZipEntry(name: $0.0, data: $0.1) }
        expectExportError(.archive, "central directory record 6") { _ = try read(buildRawZip(raw, declaredCount: 6)) }

        raw = files.map { RawZipEntry(name: $0.0, data: $0.1) }
        raw[1].uncompressedSize = raw[1].data.count + 1
        expectExportError(.archive, "stored entry declares") { _ = try read(buildRawZip(raw)) }

        raw = files.map { RawZipEntry(name: $0.0, data: $0.1) }
        raw[3].crc = 0xDEAD_BEEF
        expectExportError(.checksumMismatch, "entry 'control.onnx'", "crc-32") { _ = try read(buildRawZip(raw)) }
    }

    @Test func overlappingEntries() throws {
        // Two central records pointing at the same local file (the non-recursive zip bomb trick).
        var zip = buildRawZip([RawZipEntry(name: "a", data: [1, 2, 3]), RawZipEntry(name: "b", data: [1, 2, 3])])
        // Point b's central record (the second) at a's local header (offset 0) and rename a's
        // local header to b's: find "PK\u{1}\u{2}" records and patch the offset field.
        var records: [Int] = []
        for i in 0..<(zip.count - 4) where zip[i] == 0x50 && zip[i + 1] == 0x4B && zip[i + 2] == 1 && zip[i + 3] == 2 { records.append(i) }
        for k in 0..<4 { zip[records[1] + 42 + k] = 0 }
        do { _ = try read(zip); Issue.record("accepted") } catch let e as ExportError {
            #expect(e.kind == .archive, "\(e)")
        }
    }

    // MARK: Zip bombs

    @Test func zipBombs() throws {
        let zeros = [UInt8](repeating: 0, count: 4 << 20)
        let packed = try deflate(zeros)
        #expect(packed.count < zeros.count / 200)
        let ratioBomb = buildRawZip([RawZipEntry(name: "manifest.json", data: packed, method: 8, plain: zeros)])
        expectExportError(.tooLarge, "compression ratio", "zip bomb") { _ = try read(ratioBomb) }

        var small = BundleLimits()
        small.maxEntryBytes = 1 << 20
        let bigClaim = buildRawZip([RawZipEntry(name: "manifest.json", data: Array(packed.prefix(100)), method: 8, uncompressedSize: 3 << 20, plain: [])])
        expectExportError(.tooLarge, "declares 3145728 uncompressed bytes") { _ = try read(bigClaim, limits: small) }

        // A small declared size, a big stream: inflation stops at the first byte past the claim.
        var noRatio = BundleLimits()
        noRatio.maxCompressionRatio = Int.max / 2
        let liar = buildRawZip([RawZipEntry(name: "manifest.json", data: packed, method: 8, uncompressedSize: 1000, plain: zeros)])
        expectExportError(.tooLarge, "inflates to more than its declared 1000 bytes") { _ = try read(liar, limits: noRatio) }

        // Many entries each under the cap, together over the total.
        var total = BundleLimits()
        total.maxTotalBytes = 10_000
        let many = buildRawZip((0..<4).map { RawZipEntry(name: "e\($0)", data: [UInt8](repeating: 1, count: 3000)) })
        expectExportError(.tooLarge, "together") { _ = try read(many, limits: total) }

        var few = BundleLimits()
        few.maxEntries = 3
        expectExportError(.tooLarge, "4 entries") { _ = try read(many, limits: few) }
    }

    @Test func truncatedDeflateStreamEndsInAnErrorNotAHang() throws {
        let text = Array(String(repeating: "{\"format\": \"dcl-bundle\"} ", count: 400).utf8)
        let packed = try deflate(text)
        let cut = Array(packed.prefix(packed.count / 2))
        let zip = buildRawZip([RawZipEntry(name: "manifest.json", data: cut, method: 8, plain: text)])
        do { _ = try read(zip); Issue.record("accepted") } catch let e as ExportError {
            #expect(e.kind == .truncated || e.kind == .compression, "\(e)")
            #expect(e.entry == "manifest.json")
        }
        // A deflate "stored block" claiming 65535 bytes that are not there.
        let lyingBlock: [UInt8] = [0x01, 0xFF, 0xFF, 0x00, 0x00, 0x41, 0x42]
        let zip2 = buildRawZip([RawZipEntry(name: "manifest.json", data: lyingBlock, method: 8, uncompressedSize: 65535, plain: [])])
        expectExportError(.truncated, "manifest.json") { _ = try read(zip2) }
        expectExportError(.compression, "corrupt deflate data") {
            _ = try read(buildRawZip([RawZipEntry(name: "manifest.json", data: [0xFF, 0xFF, 0xFF], method: 8, uncompressedSize: 10, plain: [])]))
        }
    }

    @Test func zip64ArchivesRead() throws {
        let files = try entries(of: try sampleBundleBytes())
        let zip = buildRawZip(files.map { RawZipEntry(name: $0.0, data: $0.1) }, zip64: true)
        let bundle = try read(zip)
        #expect(bundle.archiveEntries.count == files.count)
        #expect(try bundle.graphText(of: "control").hasPrefix("graph {"))
        // The same archive with the ZIP64 locator damaged.
        var bad = zip
        let locator = bad.count - 22 - 20
        bad[locator] ^= 0xFF
        expectExportError(.archive, "ZIP64") { _ = try read(bad) }
    }

    @Test func deflatedEntriesWrittenByZIPFoundationRead() throws {
        let text = Array(String(repeating: "dcl ", count: 5000).utf8)
        let zip = buildRawZip([RawZipEntry(name: "x", data: try deflate(text), method: 8, plain: text)])
        let dir = try ZipDirectory.read(MemorySource(bytes: zip), limits: .standard)
        #expect(try ZipDirectory.contents(of: dir.entries[0], from: MemorySource(bytes: zip)) == text)
    }
}
