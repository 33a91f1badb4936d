import DCLDiagnostics
import Foundation
import Testing

/// Each `Golden/*.dcl` file states the diagnostics the checker must report, in comments:
///
///     let a = lenett(10)   // error: E0100 unknown name `lenett`
///     // error@+1: E0108 …   (the diagnostic is on the next line)
///     // hint: did you mean `lenet`?   (the hint of the diagnostic just above)
///
/// The test fails on any missing or unexpected diagnostic, or a wrong code, line or message
/// (a message expectation is a prefix of the actual message).
@Suite struct GoldenCheckTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".dcl") }.sorted()
    }

    struct Expectation: CustomStringConvertible {
        /// The file the diagnostic is in, relative to Golden/ (nil: the golden file itself).
        var file: String? = nil
        var line: Int
        var code: String
        var message: String
        var hint: String?
        var description: String { "\(line): \(code) \(message)" + (hint.map { " [hint: \($0)]" } ?? "") }
    }

    static func expectations(in text: String) -> [Expectation] {
        var out: [Expectation] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let r = line.range(of: "// error") else {
                if let h = line.range(of: "// hint: "), !out.isEmpty { out[out.count - 1].hint = String(line[h.upperBound...]) }
                continue
            }
            var rest = line[r.upperBound...]
            var target = i + 1
            if rest.hasPrefix(" in ") {
                // `// error in lib/a.dcl:3: CODE message`
                let spec = rest.dropFirst(4).prefix { $0 != " " }
                let parts = spec.dropLast().split(separator: ":")
                guard parts.count == 2, let ln = Int(parts[1]) else { continue }
                let body = rest.dropFirst(4 + spec.count + 1)
                let code = String(body.prefix { $0 != " " })
                out.append(Expectation(file: String(parts[0]), line: ln, code: code, message: String(body.dropFirst(code.count + 1))))
                continue
            }
            if rest.hasPrefix("@+") || rest.hasPrefix("@-") {
                let sign = rest.hasPrefix("@+") ? 1 : -1
                let n = rest.dropFirst(2).prefix { $0.isNumber }
                target += sign * (Int(n) ?? 0)
                rest = rest.dropFirst(2 + n.count)
            }
            guard rest.hasPrefix(": ") else { continue }
            let body = rest.dropFirst(2)
            let code = String(body.prefix { $0 != " " })
            out.append(Expectation(line: target, code: code, message: String(body.dropFirst(code.count + 1))))
        }
        return out
    }

    @Test(arguments: GoldenCheckTests.files)
    func golden(_ name: String) throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
        let result = check(text, directory: Self.directory.path)
        var expected = Self.expectations(in: text)
        #expect(!expected.isEmpty || text.contains("// expect: clean"), "\(name) states no expectation")
        var unexpected: [String] = []
        for d in result.diagnostics {
            guard let loc = result.sources.location(of: d.span) else {
                unexpected.append("(no location) \(d.code) \(d.message)")
                continue
            }
            let inMain = loc.path.hasSuffix("main.dcl")
            if let i = expected.firstIndex(where: {
                (inMain ? $0.file == nil : $0.file.map { loc.path.hasSuffix("/" + $0) } ?? false)
                    && $0.line == loc.position.line && $0.code == d.code && d.message.hasPrefix($0.message)
            }) {
                if let h = expected[i].hint { #expect(d.hint == h, "\(name):\(loc.position.line) hint") }
                expected.remove(at: i)
            } else {
                unexpected.append("\(loc.position) \(d.code) \(d.message)")
            }
        }
        #expect(unexpected.isEmpty, "\(name): unexpected \(unexpected)")
        #expect(expected.isEmpty, "\(name): missing \(expected)")
    }
}
