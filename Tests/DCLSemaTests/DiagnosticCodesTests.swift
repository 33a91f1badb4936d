import Foundation
import Testing

@Suite struct DiagnosticCodesTests {
    /// Every code the checker, compiler and runtime can emit has a section in docs/diagnostics.md.
    @Test func everyCodeIsDocumented() throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let docs = try String(contentsOf: root.appendingPathComponent("docs/diagnostics.md"), encoding: .utf8)
        let regex = try NSRegularExpression(pattern: "\"(E0[1-5][0-9]{2})\"")
        var codes = Set<String>()
        for dir in ["DCLSema", "DCLCompiler", "DCLRuntime", "DCLDriver"] {
            let base = root.appendingPathComponent("Sources/" + dir)
            for case let f as String in FileManager.default.enumerator(atPath: base.path)! where f.hasSuffix(".swift") {
                let text = try String(contentsOf: base.appendingPathComponent(f), encoding: .utf8)
                for m in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    codes.insert(String(text[Range(m.range(at: 1), in: text)!]))
                }
            }
        }
        #expect(codes.count > 30)
        for c in codes.sorted() { #expect(docs.contains("### \(c) "), "docs/diagnostics.md has no section for \(c)") }
    }
}
