import DCLGraph
import Testing

@Suite struct ValueTableTests {
    @Test func entriesAreFoundCountedRemovedAndListedInIdOrder() {
        var t = ValueTable<String>()
        for i in [5, 0, 3] { t[ValueID(i)] = "v\(i)" }
        // Graph text may number a value near Int32.max: held without a slot per smaller id.
        t[ValueID(2_147_483_000)] = "far"
        t[ValueID(70_000)] = "mid"
        #expect(t.count == 5)
        #expect(t[ValueID(3)] == "v3" && t[ValueID(4)] == nil && t[ValueID(2_147_483_000)] == "far" && t[ValueID(70_000)] == "mid")
        #expect(t.keys.map(\.raw) == [0, 3, 5, 70_000, 2_147_483_000])
        t[ValueID(3)] = nil
        t[ValueID(3)] = nil
        t[ValueID(2_147_483_000)] = nil
        #expect(t.count == 3 && t[ValueID(3)] == nil)
        #expect(t.map(\.value) == ["v0", "v5", "mid"])
        // Growing past an id held aside keeps it, in order.
        for i in 6..<20_000 { t[ValueID(i)] = "x" }
        #expect(t[ValueID(70_000)] == "mid" && t.count == 3 + 19_994)
        #expect(t.keys.last?.raw == 70_000 && t.keys.count == t.count)
    }
}
