// The `initialize` result: what this server offers.

enum Capabilities {
    static let initializeResult: JSON = .object([
        "capabilities": .object([
            "positionEncoding": .string("utf-16"),
            // Open/close notifications and incremental changes (2).
            "textDocumentSync": .object(["openClose": .bool(true), "change": .number(2)]),
            "hoverProvider": .bool(true),
            "inlayHintProvider": .bool(true),
            "completionProvider": .object(["triggerCharacters": .array([".", "\"", "(", ","].map { .string($0) })]),
            "definitionProvider": .bool(true),
            "documentSymbolProvider": .bool(true),
            "documentFormattingProvider": .bool(true),
            "renameProvider": .object(["prepareProvider": .bool(true)]),
        ]),
        "serverInfo": .object(["name": .string("dcl")]),
    ])
}
