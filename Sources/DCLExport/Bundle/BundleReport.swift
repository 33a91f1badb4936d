// The human-readable report `dcl inspect` prints: the manifest as tables (role, models,
// budget, weight storage, entries with sizes and checksum status). Kept here, next to the
// manifest it renders, so it is tested with the bundle code; the driver only prints it.

import Foundation

/// Renders `contents` as the text `dcl inspect` shows.
public func renderBundleReport(_ contents: BundleContents) -> String {
    let m = contents.manifest
    var out: [String] = []
    out.append("bundle '\(m.bundle)' for role '\(m.role.name)' (\(m.role.kind.rawValue)), format \(m.formatVersion), written by dcl \(m.dclVersion)")
    var storage = m.weights.storage
    if let g = m.weights.int8Granularity { storage += " (\(g.replacingOccurrences(of: "_", with: " ")))" }
    out.append("weights: \(m.weights.entry), \(storage), \(m.weights.tensorCount) tensor\(m.weights.tensorCount == 1 ? "" : "s")")

    out.append("")
    out.append("models")
    var rows = [["name", "inputs", "outputs", "params", "FLOPs/sample", "peak memory", "ONNX"]]
    for model in m.models {
        rows.append([model.name, model.inputs.map(signature).joined(separator: ", "),
                     model.outputs.map(signature).joined(separator: ", "), formatCount(model.params),
                     formatCount(model.flopsPerSample), formatBytes(model.peakMemoryBytes), model.onnx ?? "-"])
    }
    out += table(rows)
    for model in m.models {
        if let e = model.quantizationError {
            out.append("  \(model.name): \(storage) round-trip error max abs \(formatDecimal(e.maxAbsError)), max relative \(formatDecimal(e.maxRelativeError * 100))%, rms \(formatDecimal(e.rmsError))")
        }
        if let o = model.outputError {
            out.append("  \(model.name): outputs on a probe batch move by max abs \(formatDecimal(o.maxAbsError)), max relative \(formatDecimal(o.maxRelativeError * 100))%, rms \(formatDecimal(o.rmsError))")
        }
    }

    if let patterns = m.patterns, !patterns.isEmpty {
        out.append("")
        out.append("patterns")
        for p in patterns {
            let parts = p.models.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let settings = p.settings.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            out.append("  \(p.kind) '\(p.name)': \(parts)" + (settings.isEmpty ? "" : "; \(settings)"))
        }
    }

    out.append("")
    if m.budget.limits.isEmpty {
        out.append("budget: none declared")
    } else {
        out.append("budget: \(m.budget.met ? "met" : "OVER")")
        var b = [["limit", "declared", "measured", "status"]]
        for l in m.budget.limits {
            let f: (Int) -> String = l.metric.isBytes ? formatBytes : formatCount
            b.append([l.metric.rawValue, f(l.limit), f(l.measured), l.met ? "met" : "OVER"])
        }
        out += table(b)
    }

    out.append("")
    out.append("entries")
    let hashes = Dictionary(m.entries.map { ($0.name, $0.sha256) }, uniquingKeysWith: { a, _ in a })
    var e = [["name", "size", "stored", "sha-256", "check"]]
    for a in contents.archiveEntries {
        let failed = contents.checksumFailures.filter { $0.entry == a.name }.map(\.algorithm)
        let sha = hashes[a.name].map { String($0.prefix(16)) + "…" } ?? "(crc-32 only)"
        e.append([a.name, formatBytes(a.size), formatBytes(a.storedSize) + (a.deflated ? " deflated" : ""), sha,
                  failed.isEmpty ? "ok" : "FAILED (" + failed.joined(separator: ", ") + ")"])
    }
    out += table(e)
    out.append("")
    if contents.checksumFailures.isEmpty {
        out.append("checksums: all \(contents.archiveEntries.count) entries verified")
    } else {
        let names = Set(contents.checksumFailures.map(\.entry)).sorted()
        out.append("checksums: \(names.count) entr\(names.count == 1 ? "y fails" : "ies fail"): " + names.map { "'\($0)'" }.joined(separator: ", "))
    }
    return out.joined(separator: "\n")
}

private func signature(_ s: BundleManifest.Signature) -> String {
    "\(s.name): \(s.dtype)[" + s.shape.map(\.description).joined(separator: ", ") + "]"
}

/// Left-aligned columns, two spaces apart, indented by two; trailing spaces trimmed.
private func table(_ rows: [[String]]) -> [String] {
    let widths = (0..<(rows.first?.count ?? 0)).map { c in rows.map { $0[c].count }.max() ?? 0 }
    return rows.map { row in
        var line = "  "
        for (c, cell) in row.enumerated() {
            line += cell
            if c < row.count - 1 { line += String(repeating: " ", count: widths[c] - cell.count + 2) }
        }
        return line
    }
}

/// 1234567 → "1,234,567".
func formatCount(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
}

/// Bytes in binary units: "512 B", "1.5 KiB", "2.0 MiB".
func formatBytes(_ n: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(n), unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
}

/// Four significant digits ("0.003102", "3.1e-05").
func formatDecimal(_ x: Double) -> String { String(format: "%.4g", x) }
