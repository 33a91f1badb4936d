// `dcl run --out DIR`: results.json and one CSV per printed table, written after the run.
//
// The files are replaced together: they go into a staging directory that then takes DIR's
// place (OutputDirectorySwap, as `dcl compile` does with bundles — a reader sees the old set
// or the new one, and other files in DIR are kept), or, where the swap does not apply, each
// file is written atomically in place. CSV follows RFC 4180: CRLF line ends, a field with a
// comma, quote, CR or LF quoted, quotes doubled; numbers at full precision (the printed table
// rounds them to its digits).

import DCLCompiler
import DCLTensor
import DCLText
import Foundation

enum ResultsFiles {
    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Checks `--out` before the run, so a mistake costs no training: an existing file is
    /// refused; a missing directory is created (with its parents).
    static func prepare(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw Failure(message: "--out \(path): that is a file, not a directory; give a directory for results.json and the CSV files (it is created if missing)")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw Failure(message: "--out \(path): cannot create the directory: \(error.localizedDescription)")
        }
    }

    /// Writes `files` (name → bytes) into `directory`.
    static func write(_ files: [(String, Data)], into directory: String) throws {
        do {
            if let swap = try OutputDirectorySwap.begin(directory) {
                do {
                    for (name, data) in files { try writeAtomically(data, to: swap.path(of: name)) }
                    try swap.commit()
                } catch {
                    swap.abandon()
                    throw error
                }
            } else {
                for (name, data) in files { try writeAtomically(data, to: directory + "/" + name) }
            }
        } catch {
            throw Failure(message: "--out \(directory): cannot write the results: \(error)")
        }
    }

    // MARK: CSV

    /// A table as CSV: the header, then one line per row.
    static func csv(header: [String], rows: [[String]]) -> Data {
        var out = ""
        for line in [header] + rows { out += line.map { csvField($0) }.joined(separator: ",") + "\r\n" }
        return Data(out.utf8)
    }

    /// A cell for CSV: numbers at full precision, text as is, an empty cell for none.
    static func csvCell(_ v: Value?) -> String {
        switch v {
        case nil, .none?: return ""
        case .float(let f)?: return f.isNaN ? "nan" : f.isInfinite ? (f < 0 ? "-inf" : "inf") : "\(f)"
        case let v?: return v.displayString
        }
    }

    static func csv(_ t: BuiltTable) -> Data {
        csv(header: t.columns, rows: t.rows.map { $0.map(csvCell) })
    }

    /// An aggregated table: a column whose numbers varied between seeds becomes two, `C`
    /// (the mean) and `C_ci95` (the half-width); the other columns are as in each seed.
    static func csv(_ t: AggregatedTable) -> Data {
        let varied = t.columns.indices.map { t.varies(column: $0) }
        var header: [String] = []
        for (j, c) in t.columns.enumerated() {
            header.append(c)
            if varied[j] { header.append(c + "_ci95") }
        }
        let rows = t.rows.map { row -> [String] in
            var out: [String] = []
            for (j, cell) in row.enumerated() {
                switch cell {
                case .same(let v):
                    out.append(csvCell(v))
                    if j < varied.count, varied[j] { out.append("") }
                case .varied(_, let mean, let h):
                    out.append(csvCell(.float(mean)))
                    out.append(csvCell(.float(h)))
                }
            }
            return out
        }
        return csv(header: header, rows: rows)
    }

    // MARK: Names

    /// File names for tables: the title in lowercase with runs of anything but letters and
    /// digits as `-` (at most 60 characters), `table-N` for an untitled one; a name already
    /// taken gets `-2`, `-3`, ….
    static func slugs(_ titles: [String?]) -> [String] {
        var taken = Set<String>(["results"])
        return titles.enumerated().map { i, title in
            var slug = ""
            for ch in (title ?? "").lowercased().unicodeScalars {
                if ch.isASCII, CharacterSet.alphanumerics.contains(ch) {
                    slug.unicodeScalars.append(ch)
                } else if !slug.isEmpty, !slug.hasSuffix("-") {
                    slug += "-"
                }
                if slug.count >= 60 { break }
            }
            while slug.hasSuffix("-") { slug.removeLast() }
            if slug.isEmpty { slug = "table-\(i + 1)" }
            var name = slug, k = 2
            while !taken.insert(name).inserted {
                name = "\(slug)-\(k)"
                k += 1
            }
            return name
        }
    }
}
