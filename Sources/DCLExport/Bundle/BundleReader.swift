// Opening a `.dclb` and verifying it, entirely in memory and under `BundleLimits`.
//
// Order of checks, cheapest and most fundamental first: the zip structure (ZipDirectory); the
// manifest's presence, size, CRC-32, JSON, format name and version, then its schema; the
// manifest against the archive (every entry listed exists with the listed size, nothing
// unlisted is present, every model's files are listed, every tensor claim fits the caps) —
// all before any other entry is read. Then each entry is read (inflated under its declared
// size), CRC-32 and SHA-256 checked; and, if every checksum holds, `weights.safetensors` is
// parsed and matched tensor by tensor against the manifest, and every model's graph text and
// ONNX file are parsed and checked against the manifest and the weights (BundleModelCheck).

import DCLGraph
import DCLTensor
import Foundation

/// A checksum that did not match.
public struct ChecksumFailure: Sendable, Hashable, CustomStringConvertible {
    public var entry: String
    /// "sha-256" (against the manifest) or "crc-32" (against the zip directory).
    public var algorithm: String
    public var expected: String
    public var found: String

    public var description: String {
        "entry '\(entry)': \(algorithm) expected \(expected), found \(found)"
    }
}

/// Reads and verifies bundles.
public struct BundleReader: Sendable {
    public var limits: BundleLimits

    public init(limits: BundleLimits = .standard) { self.limits = limits }

    /// Opens the bundle at `path` and verifies it; throws on the first problem (all checksum
    /// failures are reported together).
    public func read(path: String) throws -> BundleContents {
        try read(source: try FileSource(path: path), requireChecksums: true)
    }

    /// Opens a bundle held in memory and verifies it.
    public func read(bytes: [UInt8]) throws -> BundleContents {
        try read(source: MemorySource(bytes: bytes), requireChecksums: true)
    }

    /// Opens the bundle at `path` like `read(path:)` but returns checksum failures in
    /// `BundleContents.checksumFailures` instead of throwing (for `dcl inspect`, which shows
    /// the manifest and then which entries fail). Every other problem still throws.
    public func inspect(path: String) throws -> BundleContents {
        try read(source: try FileSource(path: path), requireChecksums: false)
    }

    func read(source: ByteSource, requireChecksums: Bool) throws -> BundleContents {
        let directory = try ZipDirectory.read(source, limits: limits)
        var byName: [String: ZipEntry] = [:]
        for e in directory.entries { byName[e.name] = e }

        // The manifest: present, small, intact.
        guard let manifestEntry = byName[manifestEntryName] else {
            throw ExportError(.missingEntry, entry: manifestEntryName, "the bundle has no manifest")
        }
        guard manifestEntry.uncompressedSize <= limits.maxManifestBytes else {
            throw ExportError(.tooLarge, entry: manifestEntryName, "declares \(manifestEntry.uncompressedSize) bytes, more than the \(limits.maxManifestBytes)-byte cap")
        }
        let manifestBytes = try ZipDirectory.contents(of: manifestEntry, from: source)
        let manifestCRC = CRC32.checksum(manifestBytes)
        guard manifestCRC == manifestEntry.crc32 else {
            throw ExportError(.checksumMismatch, entry: manifestEntryName,
                              "checksum mismatch: crc-32 expected \(hex32(manifestEntry.crc32)), found \(hex32(manifestCRC))")
        }
        let manifest = try decodeManifest(manifestBytes)
        try validate(manifest, against: byName)

        // Every other entry, each checked against its CRC-32 and its manifest SHA-256.
        var data: [String: [UInt8]] = [:]
        var failures: [ChecksumFailure] = []
        for listed in manifest.entries {
            let entry = byName[listed.name]!
            let bytes = try ZipDirectory.contents(of: entry, from: source)
            let crc = CRC32.checksum(bytes)
            if crc != entry.crc32 {
                failures.append(ChecksumFailure(entry: entry.name, algorithm: "crc-32", expected: hex32(entry.crc32), found: hex32(crc)))
            }
            let sha = SHA256.hexDigest(bytes)
            if sha != listed.sha256 {
                failures.append(ChecksumFailure(entry: entry.name, algorithm: "sha-256", expected: listed.sha256, found: sha))
            }
            data[entry.name] = bytes
        }
        if requireChecksums, let first = failures.first {
            throw checksumError(failures, first: first)
        }

        var weights: SafeTensorsFile?
        var graphs: [String: Graph] = [:]
        if failures.isEmpty {
            do {
                weights = try SafeTensorsFile.decodeWeights(data[weightsEntryName]!)
            } catch let e as ExportError {
                throw e.inEntry(weightsEntryName)
            }
            try match(manifest, weights!)
            graphs = try checkModels(manifest, data: data, weights: weights!)
        }
        let archive = directory.entries.map {
            ArchiveEntryInfo(name: $0.name, size: $0.uncompressedSize, storedSize: $0.compressedSize, deflated: $0.isDeflated)
        }
        return BundleContents(manifest: manifest, manifestJSON: manifestBytes, archiveEntries: archive,
                              checksumFailures: failures, data: data, weights: weights, graphs: graphs)
    }

    // MARK: Manifest

    private struct VersionProbe: Decodable {
        var format: String?
        var format_version: Int?
    }

    private func decodeManifest(_ bytes: [UInt8]) throws -> BundleManifest {
        let json = Data(bytes)
        let probe: VersionProbe
        do {
            probe = try JSONDecoder().decode(VersionProbe.self, from: json)
        } catch {
            throw ExportError(.manifest, entry: manifestEntryName, "not a JSON object: \(describeDecodingError(error))")
        }
        guard probe.format == bundleFormatName else {
            throw ExportError(.manifest, entry: manifestEntryName, "format is \(probe.format.map { "'\($0)'" } ?? "missing"), expected '\(bundleFormatName)'")
        }
        guard let version = probe.format_version else {
            throw ExportError(.manifest, entry: manifestEntryName, "format_version is missing")
        }
        guard version == bundleFormatVersion else {
            throw ExportError(.unsupportedVersion, entry: manifestEntryName,
                              "bundle format version \(version) is not supported, expected \(bundleFormatVersion)\(version > bundleFormatVersion ? " (written by a newer dcl?)" : "")")
        }
        do {
            return try JSONDecoder().decode(BundleManifest.self, from: json)
        } catch {
            throw ExportError(.manifest, entry: manifestEntryName, "does not follow the schema: \(describeDecodingError(error))")
        }
    }

    /// The manifest against the archive and the caps, before reading any other entry.
    private func validate(_ m: BundleManifest, against archive: [String: ZipEntry]) throws {
        func bad(_ message: String) -> ExportError { ExportError(.manifest, entry: manifestEntryName, message) }
        var listed: Set<String> = []
        for e in m.entries {
            try validateEntryName(e.name)
            guard e.name != manifestEntryName else { throw bad("lists itself among the checksummed entries") }
            guard listed.insert(e.name).inserted else { throw bad("lists entry '\(e.name)' twice") }
            guard let z = archive[e.name] else {
                throw ExportError(.missingEntry, entry: e.name, "the manifest lists this entry but the archive does not hold it")
            }
            guard z.uncompressedSize == e.bytes else {
                throw ExportError(.archive, entry: e.name, "the manifest says \(e.bytes) bytes, the archive holds \(z.uncompressedSize)")
            }
            guard e.sha256.count == 64, e.sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw bad("the sha256 of entry '\(e.name)' is not 64 lowercase hex digits")
            }
        }
        for name in archive.keys.sorted() where name != manifestEntryName && !listed.contains(name) {
            throw ExportError(.unexpectedEntry, entry: name, "the archive holds an entry the manifest does not list")
        }
        guard m.weights.entry == weightsEntryName else { throw bad("weights entry is '\(m.weights.entry)', expected '\(weightsEntryName)'") }
        guard listed.contains(weightsEntryName) else {
            throw ExportError(.missingEntry, entry: weightsEntryName, "the bundle has no weights")
        }
        guard ["f32", "f16", "int8"].contains(m.weights.storage) else {
            throw bad("weight storage '\(m.weights.storage)', expected 'f32', 'f16' or 'int8'")
        }

        try validateManifestText(m)
        var models: Set<String> = []
        for model in m.models {
            try validateManifestModel(model)
            guard models.insert(model.name).inserted else { throw bad("lists model '\(model.name)' twice") }
            for file in [model.graph] + (model.onnx.map { [$0] } ?? []) where !listed.contains(file) {
                throw ExportError(.missingEntry, entry: file, "model '\(model.name)' needs this entry but the manifest does not list it")
            }
            guard model.params >= 0, model.flopsPerSample >= 0, model.peakMemoryBytes >= 0 else {
                throw bad("model '\(model.name)' has a negative metric")
            }
            for t in model.tensors {
                let bytesPer = ["F32": 4, "I32": 4, "F16": 2, "I8": 1][t.stored]
                guard let bytesPer else { throw bad("tensor '\(t.key)' has stored dtype '\(t.stored)', expected F32, I32, F16 or I8") }
                var size = bytesPer
                for d in t.shape {
                    let (p, overflow) = size.multipliedReportingOverflow(by: d)
                    guard d >= 0, !overflow, p <= limits.maxEntryBytes else {
                        throw ExportError(.tooLarge, entry: manifestEntryName,
                                          "tensor '\(t.key)' claims shape \(t.shape), more than the \(limits.maxEntryBytes)-byte cap")
                    }
                    size = p
                }
            }
        }
        for p in m.patterns ?? [] {
            for (part, model) in p.models.sorted(by: { $0.key < $1.key }) where !models.contains(model) {
                throw bad("pattern '\(p.name)' names model '\(model)' as its \(part), but the bundle has no such model")
            }
        }
        for limit in m.budget.limits where limit.met != (limit.measured <= limit.limit) {
            throw bad("budget '\(limit.metric.rawValue)' says met = \(limit.met) but measures \(limit.measured) against \(limit.limit)")
        }
        guard m.budget.met == m.budget.limits.allSatisfy(\.met) else {
            throw bad("the budget's overall 'met' disagrees with its limits")
        }
    }

    /// Every manifest tensor is in the safetensors file with its dtype and shape, and nothing
    /// else is.
    private func match(_ m: BundleManifest, _ w: SafeTensorsFile) throws {
        func bad(_ message: String) -> ExportError { ExportError(.safetensors, entry: weightsEntryName, message) }
        var expected: Set<String> = []
        for model in m.models {
            for t in model.tensors {
                guard let e = w[t.key] else { throw bad("the manifest lists tensor '\(t.key)' but the file does not hold it") }
                guard e.dtype.rawValue == t.stored, e.shape == t.shape else {
                    throw bad("tensor '\(t.key)' is \(e.dtype.rawValue) \(e.shape), the manifest says \(t.stored) \(t.shape)")
                }
                expected.insert(t.key)
                if t.stored == "I8" {
                    guard let key = t.scaleKey, let s = w[key] else { throw bad("int8 tensor '\(t.key)' has no scale tensor") }
                    let channels = t.axis.map { a in a >= 0 && a < t.shape.count ? t.shape[a] : -1 }
                    guard s.dtype == .f32, s.shape == (channels.map { [$0] } ?? []) else {
                        throw bad("scale '\(key)' is \(s.dtype.rawValue) \(s.shape), expected F32 \(channels.map { "[\($0)]" } ?? "[]")")
                    }
                    expected.insert(key)
                }
            }
        }
        if let extra = w.entries.map(\.name).sorted().first(where: { !expected.contains($0) }) {
            throw bad("the file holds tensor '\(extra)', which the manifest does not list")
        }
    }
}

/// One error for all checksum failures: the first failing entry is the error's entry; other
/// entries are named in the message.
private func checksumError(_ failures: [ChecksumFailure], first: ChecksumFailure) -> ExportError {
    func detail(_ f: ChecksumFailure) -> String { "\(f.algorithm) expected \(f.expected), found \(f.found)" }
    let own = failures.filter { $0.entry == first.entry }.map(detail).joined(separator: "; ")
    let others = Set(failures.map(\.entry)).subtracting([first.entry]).sorted()
    let tail = others.isEmpty ? "" : " (also failing: " + others.map { "'\($0)'" }.joined(separator: ", ") + ")"
    return ExportError(.checksumMismatch, entry: first.entry, "checksum mismatch: " + own + tail)
}

/// Eight lowercase hex digits.
func hex32(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 8 - s.count) + s
}
