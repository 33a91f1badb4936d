// The text layout of `table(…)`, shared with `dcl run --seeds` (whose aggregated tables must
// look like the tables each seed printed): a title line, the header, a rule of dashes, then the
// rows; two spaces between columns, numbers right-aligned, other text left-aligned, no
// trailing spaces.

import Foundation

public enum TextTable {
    /// Whether a cell is right-aligned: a number, a percentage, or an aggregated
    /// `mean ± half-width`.
    static func isNumeric(_ cell: String) -> Bool {
        if Double(cell.replacingOccurrences(of: "%", with: "")) != nil { return true }
        let parts = cell.components(separatedBy: " ± ")
        return parts.count == 2 && parts.allSatisfy { Double($0) != nil }
    }

    /// The table's lines joined by newlines (no newline at the end).
    public static func render(title: String?, header: [String], cells: [[String]]) -> String {
        let ncols = max(header.count, cells.map(\.count).max() ?? 0)
        let header = (0..<ncols).map { $0 < header.count ? header[$0] : "" }
        var widths = header.map(\.count)
        for row in cells { for (i, c) in row.enumerated() where i < ncols { widths[i] = max(widths[i], c.count) } }
        func line(_ row: [String]) -> String {
            (0..<ncols).map { i in
                let c = i < row.count ? row[i] : ""
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return isNumeric(c) ? pad + c : c + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out: [String] = []
        if let t = title { out.append(t) }
        out.append(line(header))
        out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        out.append(contentsOf: cells.map(line))
        return out.joined(separator: "\n")
    }
}
