// Incremental edits in UTF-16 positions, with text that is not ASCII.

import DCLLanguageServer
import Testing

struct TextDocumentTests {
    @Test func utf16PositionsAndIncrementalEdits() {
        // `é` is 2 UTF-8 bytes and 1 UTF-16 unit; `𝛼` is 4 bytes and 2 units (a surrogate pair).
        var d = TextDocument(uri: "file:///u.dcl", version: 1, text: "// é𝛼 x\nlet y = 1\n")
        #expect(d.lines.offset(of: Position(line: 0, character: 3)) == 3)  // before é
        #expect(d.lines.offset(of: Position(line: 0, character: 4)) == 5)  // after é
        #expect(d.lines.offset(of: Position(line: 0, character: 6)) == 9)  // after 𝛼
        #expect(d.lines.offset(of: Position(line: 0, character: 5)) == 5)  // inside the pair: its start
        #expect(d.lines.position(of: 9) == Position(line: 0, character: 6))
        // Replace `x` (after the emoji) and insert on the next line.
        d.apply([ContentChange(range: DCLLanguageServer.Range(start: Position(line: 0, character: 7), end: Position(line: 0, character: 8)), text: "zé"),
                 ContentChange(range: DCLLanguageServer.Range(start: Position(line: 1, character: 4), end: Position(line: 1, character: 5)), text: "𝛽𝛾")],
                version: 2)
        #expect(d.text == "// é𝛼 zé\nlet 𝛽𝛾 = 1\n")
        #expect(d.version == 2)
        // Past the end of a line clamps to its end; past the last line to the end of the text.
        #expect(d.lines.offset(of: Position(line: 1, character: 99)) == d.lines.lineEnd(1))
        #expect(d.lines.offset(of: Position(line: 99, character: 0)) == d.bytes.count)
        // A full replacement.
        d.apply([ContentChange(range: nil, text: "print 1")], version: 3)
        #expect(d.text == "print 1")
    }

    @Test func fileURIs() {
        #expect(DocumentURI.path(of: "file:///tmp/a%20b/%C3%A9.dcl") == "/tmp/a b/é.dcl")
        #expect(DocumentURI.path(of: "file://localhost/tmp/x.dcl") == "/tmp/x.dcl")
        #expect(DocumentURI.path(of: "untitled:Untitled-1") == nil)
        #expect(DocumentURI.uri(forPath: "/tmp/a b/é.dcl") == "file:///tmp/a%20b/%C3%A9.dcl")
    }
}
