// Rename of a name defined in this document (a local of a body, or a top-level declaration or
// binding), in this document. Built-ins, keywords and names from imports are refused by
// `prepareRename` and `rename` alike, as is a new name that is not an identifier or is a
// reserved word. Argument labels (`f(x: 1)`) and members (`a.x`) are left as they are.

import DCLSyntax

extension LanguageServer {
    func prepareRename(_ p: PositionParams, _ s: DocumentState) throws -> PrepareRenameResult? {
        let (nav, n, _) = try renameTarget(p.position, s)
        _ = nav
        return PrepareRenameResult(range: s.document.lines.range(Int(n.span.start), Int(n.span.end)), placeholder: n.name)
    }

    func rename(_ p: RenameParams, _ s: DocumentState) throws -> WorkspaceEdit {
        guard Renaming.isIdentifier(p.newName) else {
            throw ResponseError(ErrorCode.invalidParams, "`\(p.newName)` is not a valid name")
        }
        if Lexicon.table.contains(where: { $0.text == p.newName && $0.lists.contains(.keyword) }) {
            throw ResponseError(ErrorCode.invalidParams, "`\(p.newName)` is a reserved word")
        }
        let (nav, _, d) = try renameTarget(p.position, s)
        guard let spans = nav.occurrences(of: d) else { throw ResponseError(ErrorCode.requestFailed, "this name cannot be renamed here") }
        let edits = spans.map { TextEdit(range: s.document.lines.range(Int($0.start), Int($0.end)), newText: p.newName) }
        return WorkspaceEdit(changes: [s.document.uri: edits])
    }

    private func renameTarget(_ position: Position, _ s: DocumentState) throws -> (Navigator, NameAtCursor, Definition) {
        guard let nav = Navigator(s.analysis) else { throw ResponseError(ErrorCode.requestFailed, "the document could not be analysed") }
        let offset = s.document.lines.offset(of: position)
        guard let n = nav.name(at: offset) else {
            if let t = nav.tokens.first(where: { $0.kind.isKeyword && Int($0.start) <= offset && offset <= Int($0.end) }) {
                throw ResponseError(ErrorCode.requestFailed, "`\(nav.text(t))` is a keyword and cannot be renamed")
            }
            throw ResponseError(ErrorCode.requestFailed, "there is no name here to rename")
        }
        guard let d = nav.resolve(n, at: offset) else {
            throw ResponseError(ErrorCode.requestFailed, "`\(n.name)` is not defined in this document")
        }
        switch d {
        case .builtin: throw ResponseError(ErrorCode.requestFailed, "`\(n.name)` is a built-in and cannot be renamed")
        case .importAlias: throw ResponseError(ErrorCode.requestFailed, "`\(n.name)` is an import alias; rename it at the import")
        case .topLevel(_, let m, _) where m !== nav.main:
            throw ResponseError(ErrorCode.requestFailed, "`\(n.name)` is defined in `\(m.name)`, not in this document")
        default: return (nav, n, d)
        }
    }
}

enum Renaming {
    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}
