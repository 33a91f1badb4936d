// `for i, x in …` enumerates whatever `for x in …` iterates — clients and a device role too,
// as `for i, x in list` always did (issue #13).

import DCLCompiler
import Foundation
import Testing

@Suite struct EnumerationTests {
    @Test func enumeratingClientsAndDevicesGivesIndexAndItem() throws {
        let dir = try temporaryDirectory(files: ["toy.csv": syntheticCSV(rows: 40, features: 4, classes: 2, seed: 5)])
        let r = try runScript("""
        data d = csv("toy.csv", label: "label")
        let parts = d |> partition(iid(), clients: 3, test: 0.5, seed: 1)
        for i, c in parts { print i, c.index }
        role device[2] { data: d |> partition(iid(), test: 0.5, seed: 1) }
        for i, dev in device { print i, dev.index }
        for i, ch in "ab" { print i, ch }
        """, directory: dir)
        #expect(r.output == ["0 0", "1 1", "2 2", "0 0", "1 1", "0 a", "1 b"])
    }
}
