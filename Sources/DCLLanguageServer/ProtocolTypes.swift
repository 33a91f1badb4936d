// The LSP structures this server reads and writes (a subset of the specification, 3.17), as
// Codable values of our own. Optional fields are omitted when nil (synthesised encoding uses
// `encodeIfPresent`).

public struct Position: Codable, Hashable, Sendable, Comparable {
    /// 0-based line.
    public var line: Int
    /// 0-based column in UTF-16 code units (the LSP default encoding).
    public var character: Int
    public init(line: Int, character: Int) { self.line = line; self.character = character }
    public static func < (a: Position, b: Position) -> Bool { (a.line, a.character) < (b.line, b.character) }
}

public struct Range: Codable, Hashable, Sendable {
    public var start: Position
    public var end: Position
    public init(start: Position, end: Position) { self.start = start; self.end = end }
}

public struct Location: Codable, Hashable, Sendable {
    public var uri: String
    public var range: Range
    public init(uri: String, range: Range) { self.uri = uri; self.range = range }
}

public struct TextDocumentIdentifier: Codable, Sendable { public var uri: String }

public struct TextDocumentItem: Codable, Sendable {
    public var uri: String
    public var languageId: String?
    public var version: Int
    public var text: String
}

public struct DidOpenParams: Codable, Sendable { public var textDocument: TextDocumentItem }

public struct VersionedTextDocumentIdentifier: Codable, Sendable {
    public var uri: String
    public var version: Int?
}

public struct ContentChange: Codable, Sendable {
    /// Absent: the change replaces the whole text.
    public var range: Range?
    public var text: String
    public init(range: Range?, text: String) { self.range = range; self.text = text }
}

public struct DidChangeParams: Codable, Sendable {
    public var textDocument: VersionedTextDocumentIdentifier
    public var contentChanges: [ContentChange]
}

public struct DidCloseParams: Codable, Sendable { public var textDocument: TextDocumentIdentifier }

public struct PositionParams: Codable, Sendable {
    public var textDocument: TextDocumentIdentifier
    public var position: Position
}

public struct RangeParams: Codable, Sendable {
    public var textDocument: TextDocumentIdentifier
    public var range: Range
}

public struct DocumentParams: Codable, Sendable { public var textDocument: TextDocumentIdentifier }

public struct RenameParams: Codable, Sendable {
    public var textDocument: TextDocumentIdentifier
    public var position: Position
    public var newName: String
}

public struct CancelParams: Codable, Sendable { public var id: RequestID }

// MARK: - Results

public struct DiagnosticRelatedInformation: Codable, Hashable, Sendable {
    public var location: Location
    public var message: String
}

public struct LSPDiagnostic: Codable, Hashable, Sendable {
    public var range: Range
    /// 1 error, 2 warning, 3 information, 4 hint.
    public var severity: Int
    public var code: String
    public var source: String
    public var message: String
    public var relatedInformation: [DiagnosticRelatedInformation]?
}

public struct PublishDiagnosticsParams: Codable, Sendable {
    public var uri: String
    public var version: Int?
    public var diagnostics: [LSPDiagnostic]
}

public struct MarkupContent: Codable, Hashable, Sendable {
    public var kind: String
    public var value: String
    public init(markdown: String) { kind = "markdown"; value = markdown }
}

public struct Hover: Codable, Sendable {
    public var contents: MarkupContent
    public var range: Range?
}

public struct InlayHint: Codable, Sendable, Equatable {
    public var position: Position
    public var label: String
    /// 1 type, 2 parameter.
    public var kind: Int
    public var paddingLeft: Bool
}

public struct CompletionItem: Codable, Sendable, Equatable {
    public var label: String
    /// LSP CompletionItemKind: 3 function, 6 variable, 7 class, 9 module, 10 property, 14 keyword, 17 file, 19 folder.
    public var kind: Int
    public var detail: String?
    public var documentation: MarkupContent?
    public var insertText: String?
    public var sortText: String?
}

public struct CompletionList: Codable, Sendable {
    public var isIncomplete: Bool
    public var items: [CompletionItem]
}

public struct DocumentSymbol: Codable, Sendable {
    public var name: String
    public var detail: String?
    /// LSP SymbolKind: 5 class, 6 method, 12 function, 13 variable, 14 constant, 2 module, 8 field, 23 struct.
    public var kind: Int
    public var range: Range
    public var selectionRange: Range
    public var children: [DocumentSymbol]?
}

public struct TextEdit: Codable, Sendable, Equatable {
    public var range: Range
    public var newText: String
}

public struct WorkspaceEdit: Codable, Sendable {
    public var changes: [String: [TextEdit]]
}

public struct PrepareRenameResult: Codable, Sendable {
    public var range: Range
    public var placeholder: String
}
