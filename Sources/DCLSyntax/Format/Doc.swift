// A pretty-printing document (after Wadler's "prettier printer" and Prettier's doc IR): text,
// line breaks that become spaces when their group fits on the line, groups, indentation.
//
// The layout is decided group by group, outermost first: a group prints flat if its flat form and
// what follows it up to the next possible break fit in the width; otherwise its `line`s become
// newlines. A line comment forces every group around it to break and always ends its line.

/// A document to lay out.
indirect enum Doc {
    case text(String)
    /// A space when flat, a newline when broken.
    case line
    /// Nothing when flat, a newline when broken.
    case softLine
    /// Always a newline (statements, fields).
    case hardLine
    /// An empty line (at most one is ever printed in a row).
    case blankLine
    case concat([Doc])
    /// Indents the lines started inside by one level.
    case indent(Doc)
    case group(Doc)
    /// `broken` when the enclosing group breaks, else `flat` (e.g. a trailing comma).
    case ifBreak(Doc, flat: Doc)
    /// `// …` — must end its line; does not count towards the width it trails.
    case lineComment(String)

    static let empty = Doc.concat([])

    static func + (a: Doc, b: Doc) -> Doc { .concat([a, b]) }

    /// Elements joined by `separator`.
    static func join(_ docs: [Doc], _ separator: Doc) -> Doc {
        var out: [Doc] = []
        for (i, d) in docs.enumerated() {
            if i > 0 { out.append(separator) }
            out.append(d)
        }
        return .concat(out)
    }
}

/// Lays a `Doc` out in a given width.
struct DocPrinter {
    let width: Int
    let indentUnit: Int

    private struct Command {
        let indent: Int
        let flat: Bool
        let doc: Doc
    }

    /// The laid-out text. Lines carry no trailing spaces.
    func print(_ doc: Doc) -> String {
        var out = ""
        var column = 0
        /// A newline was requested; its indentation is written with the next text.
        var pendingIndent: Int? = 0
        /// A line comment was printed: the next text must start a new line.
        var mustBreak = false
        var blankPending = false
        var stack = [Command(indent: 0, flat: false, doc: doc)]

        func newline(_ indent: Int) {
            if pendingIndent == nil { out += "\n" }
            pendingIndent = indent
            column = indent
            mustBreak = false
        }
        func write(_ s: String, _ indent: Int) {
            if mustBreak { newline(indent) }
            if let p = pendingIndent {
                if blankPending && !out.isEmpty { out += "\n" }
                blankPending = false
                out += String(repeating: " ", count: p)
                pendingIndent = nil
            }
            out += s
            if let nl = s.lastIndex(of: "\n") {
                column = s.distance(from: s.index(after: nl), to: s.endIndex)
            } else {
                column += s.count
            }
        }

        while let c = stack.popLast() {
            switch c.doc {
            case .text(let s):
                if !s.isEmpty { write(s, c.indent) }
            case .line:
                if c.flat && !mustBreak { write(" ", c.indent) } else { newline(c.indent) }
            case .softLine:
                if !c.flat || mustBreak { newline(c.indent) }
            case .hardLine:
                newline(c.indent)
            case .blankLine:
                newline(c.indent)
                blankPending = true
            case .concat(let docs):
                for d in docs.reversed() { stack.append(Command(indent: c.indent, flat: c.flat, doc: d)) }
            case .indent(let d):
                stack.append(Command(indent: c.indent + indentUnit, flat: c.flat, doc: d))
            case .group(let d):
                let flat = c.flat || fits(d, width - column, rest: stack)
                stack.append(Command(indent: c.indent, flat: flat, doc: d))
            case .ifBreak(let broken, let flatDoc):
                stack.append(Command(indent: c.indent, flat: c.flat, doc: c.flat ? flatDoc : broken))
            case .lineComment(let s):
                write(s, c.indent)
                mustBreak = true
            }
        }
        if pendingIndent == nil { out += "\n" }
        return out
    }

    /// Whether `doc` printed flat, followed by `rest` up to its next line break, fits in `room`.
    private func fits(_ doc: Doc, _ room: Int, rest: [Command]) -> Bool {
        var room = room
        var stack: [(Doc, Bool)] = [(doc, true)]
        var restIndex = rest.count
        while room >= 0 {
            guard let (d, flat) = stack.popLast() else {
                if restIndex == 0 { return true }
                restIndex -= 1
                stack.append((rest[restIndex].doc, rest[restIndex].flat))
                continue
            }
            switch d {
            case .text(let s):
                if s.contains("\n") { return !flat }
                room -= s.count
            case .line:
                if flat { room -= 1 } else { return true }
            case .softLine:
                if !flat { return true }
            case .hardLine, .blankLine:
                if flat { return false }
                return true
            case .lineComment:
                return !flat
            case .concat(let docs):
                for x in docs.reversed() { stack.append((x, flat)) }
            case .indent(let x), .group(let x):
                stack.append((x, flat))
            case .ifBreak(let broken, let flatDoc):
                stack.append((flat ? flatDoc : broken, flat))
            }
        }
        return false
    }
}
