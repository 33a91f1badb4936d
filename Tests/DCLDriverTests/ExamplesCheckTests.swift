// Every shipped example passes `dcl check` (static checks plus check-mode elaboration), the same
// path the command takes. Check mode loads no data, so this is cheap and catches examples that
// only fail when a value is unknown (as a retrieval policy built from data is).

import DCLDiagnostics
import Foundation
import Testing
@testable import DCLDriver

extension DriverTests {
    @Test func everyExampleChecksClean() throws {
        let dirs = ["Examples", "Examples/bench"]
        var files: [String] = []
        for d in dirs {
            let url = repositoryRoot.appendingPathComponent(d)
            let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".dcl") }.sorted()
            files += names.map { url.appendingPathComponent($0).path }
        }
        #expect(files.count >= 5)
        for f in files {
            let checked = Pipeline.load(path: f)
            let program = try #require(checked.program, "\(f) could not be read")
            if !checked.diagnostics.hasErrors {
                Pipeline.checkShapes(program, diagnostics: checked.diagnostics)
            }
            let errors = checked.diagnostics.diagnostics.filter { $0.severity == .error }
            #expect(errors.isEmpty, "\(f): \(errors.map(\.message))")
        }
    }
}
