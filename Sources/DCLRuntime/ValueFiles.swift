// `save VALUE to "x.csv"` and `save VALUE to "x.npy"`: script lists as files other tools read.
// * CSV (RFC 4180, `\n` line ends): a list of records is a table (header from the first
//   record's fields; every row must have the same fields), a list of lists is rows without a
//   header, a list of scalars is one column. Fields holding `,`, `"`, line breaks or edge
//   spaces are quoted by DCLText's `csv` style. Floats are written in their shortest form that
//   reads back exactly.
// * .npy (version 1.0, through DCLData's writer): a rectangular nest of numbers; all ints give
//   `<i4` (each must fit in 32 bits), otherwise `<f4`, as dcl's tensors hold them.
// Both are written atomically.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLTensor
import DCLText
import Foundation

enum ValueFiles {
    enum Format: String { case csv, npy }

    static func format(of path: String) -> Format? {
        let name = (path as NSString).lastPathComponent.lowercased()
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".npy") { return .npy }
        return nil
    }

    static func save(_ value: DCLCompiler.Value, to path: String, span: SourceSpan) throws {
        guard case .list(let items) = value else {
            throw RuntimeError(RuntimeCode.type, "only lists can be saved as .csv or .npy, found \(value.kindName)", at: span)
        }
        let bytes: [UInt8]
        switch format(of: path) {
        case .csv?: bytes = Array(try csv(items, span: span).utf8)
        case .npy?: bytes = NPY.encode(try tensor(items, span: span))
        case nil:
            throw RuntimeError(RuntimeCode.value, "a list is saved as `.csv` or `.npy`, chosen by the path's extension", at: span)
        }
        do { try writeAtomically(Data(bytes), to: path) } catch {
            throw RuntimeError(RuntimeCode.io, "cannot save to `\(escaped(path, QuoteStyle.message(limit: 80)))`: \(error)", at: span)
        }
    }

    // MARK: CSV

    static func csv(_ items: [DCLCompiler.Value], span: SourceSpan) throws -> String {
        var lines: [String] = []
        if case .record(let first)? = items.first {
            lines.append(first.keys.map { csvField($0) }.joined(separator: ","))
            for (i, item) in items.enumerated() {
                guard case .record(let r) = item, r.keys == first.keys else {
                    throw RuntimeError(RuntimeCode.value, "row \(i) of the table does not have the fields of row 0 (\(first.keys.joined(separator: ", ")))",
                                       at: span)
                }
                lines.append(try r.fields.map { try cell($0.1, span: span) }.joined(separator: ","))
            }
        } else {
            for item in items {
                if case .list(let row) = item {
                    lines.append(try row.map { try cell($0, span: span) }.joined(separator: ","))
                } else {
                    lines.append(try cell(item, span: span))
                }
            }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    static func cell(_ v: DCLCompiler.Value, span: SourceSpan) throws -> String {
        switch v {
        case .int(let i): return String(i)
        case .float(let f): return f.isFinite ? "\(f)" : (f.isNaN ? "nan" : f < 0 ? "-inf" : "inf")
        case .bool(let b): return b ? "true" : "false"
        case .none: return ""
        case .string(let s), .option(let s): return csvField(s)
        case .bytes(let b): return String(b)
        default:
            throw RuntimeError(RuntimeCode.type, "a CSV cell holds a number, string, bool or none, found \(v.kindName)", at: span)
        }
    }

    // MARK: .npy

    /// A rectangular nest of numbers as a tensor (shape from the nesting).
    static func tensor(_ items: [DCLCompiler.Value], span: SourceSpan) throws -> Tensor {
        var shape: [Int] = []
        var probe = DCLCompiler.Value.list(items)
        while case .list(let xs) = probe {
            shape.append(xs.count)
            guard let f = xs.first else { break }
            probe = f
        }
        var flat: [DCLCompiler.Value] = []
        func walk(_ v: DCLCompiler.Value, depth: Int, index: String) throws {
            if depth == shape.count {
                guard v.numeric != nil else {
                    throw RuntimeError(RuntimeCode.type, "an .npy array holds numbers, found \(v.kindName) at \(index.isEmpty ? "the top" : index)", at: span)
                }
                flat.append(v)
                return
            }
            guard case .list(let xs) = v, xs.count == shape[depth] else {
                throw RuntimeError(RuntimeCode.shape, "an .npy array must be rectangular: \(index.isEmpty ? "the list" : index) is not a list of \(shape[depth])",
                                   at: span)
            }
            for (i, x) in xs.enumerated() { try walk(x, depth: depth + 1, index: index + "[\(i)]") }
        }
        try walk(.list(items), depth: 0, index: "")
        do {
            if flat.allSatisfy({ if case .int = $0 { return true }; return false }), !flat.isEmpty {
                let ints = try flat.enumerated().map { i, v -> Int32 in
                    guard case .int(let x) = v, let y = Int32(exactly: x) else {
                        throw RuntimeError(RuntimeCode.value, "element \(i) (\(v.displayString)) does not fit the .npy file's 32-bit ints", at: span)
                    }
                    return y
                }
                return try Tensor(shape: shape, ints: ints)
            }
            return try Tensor(shape: shape, floats: flat.map { Float($0.numeric!) })
        } catch let e as TensorError {
            throw RuntimeError(RuntimeCode.limit, "the array to save: \(e.message)", at: span)
        }
    }
}
