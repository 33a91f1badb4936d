import DCLDiagnostics
import DCLSema
import DCLStdLib
import Testing

@Suite struct StdLibCheckTests {
    /// Every StdLib module checks without a diagnostic.
    @Test(arguments: StdLib.moduleNames)
    func moduleChecksClean(_ module: String) {
        let r = check("import \(module)\n")
        #expect(describe(r) == [], "\(module)")
    }
}
