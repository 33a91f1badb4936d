// A minimal S-expression value, used to print trees (the AST dump) in a form that is easy to
// write by hand in a test and to diff.

import DCLText

/// An atom or a parenthesised list.
public indirect enum SExpr: Equatable, Sendable, CustomStringConvertible {
    case atom(String)
    case list([SExpr])

    /// Convenience for `(head children…)`.
    public static func node(_ head: String, _ children: [SExpr]) -> SExpr { .list([.atom(head)] + children) }

    /// One line: `(let x (+ 1 2))`.
    public var flat: String {
        var out = ""
        writeFlat(into: &out)
        return out
    }

    public var description: String { flat }

    func writeFlat(into out: inout String) {
        switch self {
        case .atom(let a):
            out += a
        case .list(let items):
            out += "("
            for (i, item) in items.enumerated() {
                if i > 0 { out += " " }
                item.writeFlat(into: &out)
            }
            out += ")"
        }
    }

    /// Indented over several lines where a list does not fit in `width` columns: leading atoms
    /// stay on the opening line, every other child gets its own line.
    public func pretty(width: Int = 100) -> String {
        var out = ""
        writePretty(into: &out, indent: 0, width: width)
        return out
    }

    func writePretty(into out: inout String, indent: Int, width: Int) {
        let oneLine = flat
        guard case .list(let items) = self, indent + oneLine.count > width else {
            out += oneLine
            return
        }
        out += "("
        var i = 0
        while i < items.count, case .atom(let a) = items[i] {
            if i > 0 { out += " " }
            out += a
            i += 1
        }
        let pad = String(repeating: " ", count: indent + 2)
        for child in items[i...] {
            out += "\n" + pad
            child.writePretty(into: &out, indent: indent + 2, width: width)
        }
        out += ")"
    }

    /// A string literal as an atom, with `"` `\` and control characters escaped.
    public static func quoted(_ s: String) -> SExpr { .atom(DCLText.quoted(s, .sexpr)) }
}
