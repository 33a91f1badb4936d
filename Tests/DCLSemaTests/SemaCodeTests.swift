// The checker's codes are one typed list (SemaCode.swift): each is documented, each documented
// checker code is in the list, and DCLSema writes no raw "E0…" literal that could drift.

import DCLSema
import Foundation
import Testing

@Suite struct SemaCodeTests {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    @Test func everyCodeIsDocumentedAndEveryDocumentedCodeIsACase() throws {
        let docs = try String(contentsOf: Self.root.appendingPathComponent("docs/diagnostics.md"), encoding: .utf8)
        let headings = docs.split(separator: "\n").filter { $0.hasPrefix("### E0") }.map { String($0.dropFirst(4).prefix(5)) }
        for code in SemaCode.allCases {
            #expect(headings.contains(code.code), "docs/diagnostics.md has no `### \(code.code)` heading for SemaCode.\(code)")
        }
        // Checker codes are E0100–E0405; E0406– are `dcl compile`'s bundle codes, E05xx run time.
        let checkerRange = headings.filter { $0 >= "E0100" && $0 <= "E0405" }
        for h in checkerRange {
            #expect(SemaCode(rawValue: h) != nil, "docs/diagnostics.md documents \(h), which SemaCode does not list")
        }
        #expect(Set(SemaCode.allCases.map(\.code)).count == SemaCode.allCases.count)
    }

    @Test func semaWritesNoRawCodes() throws {
        let dir = Self.root.appendingPathComponent("Sources/DCLSema")
        let files = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" && $0.lastPathComponent != "SemaCode.swift" }
        #expect(files.count > 10)
        let literal = try Regex(#""E0\d{3}""#)
        for f in files {
            let text = try String(contentsOf: f, encoding: .utf8)
            #expect(text.firstMatch(of: literal) == nil, "\(f.lastPathComponent) writes a raw diagnostic code; use SemaCode")
        }
    }
}
