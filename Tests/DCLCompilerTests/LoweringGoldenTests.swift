import DCLCompiler
import DCLGraph
import Foundation
import Testing

/// The inference graph every StdLib backbone lowers to, pinned as text snapshots
/// (`Snapshots/NAME.graph`; refresh with `DCL_UPDATE_SNAPSHOTS=1 swift test`). A change in
/// lowering, naming or shape inference shows up here as a readable diff. Each snapshot also
/// round-trips through the graph parser.
@Suite struct LoweringGoldenTests {
    static let cases: [(String, String)] = [
        ("lenet", "import std.vision\nlet m = lenet(10)"),
        ("mlp", "import std.nn\nlet m = mlp(shape: [784], hidden: [256, 128], classes: 10)"),
        ("resnet8", "import std.vision\nlet m = resnet(depth: 8, width: 8, classes: 10)"),
        ("mobilenet", "import std.vision\nlet m = mobilenet(width: 8, classes: 10)"),
        ("vit", "import std.vision\nlet m = vit(patch: 7, dim: 32, depth: 1, heads: 4, classes: 10)"),
        ("iciia_head", "import std.iciia\nmodel f { input x: [32]; iciia_head(10, layers: 1, heads: 4, partitions: 4) }\nlet m = f"),
        ("ctr", "import std.rec\nlet m = ctr(users: 5, items: 7, dim: 4, hidden: [8])"),
        ("split_device", "import std.vision\nsplit s = vertical(lenet(10), device_width: 1 / 8)\nlet m = s.device"),
    ]

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    @Test(arguments: LoweringGoldenTests.cases.map(\.0))
    func lowering(_ name: String) throws {
        let source = Self.cases.first { $0.0 == name }!.1
        let r = try runScript(source)
        guard case .model(let m)? = r.value("m") else {
            Issue.record("`m` is not a model")
            return
        }
        let text = GraphPrinter.print(try m.forward(training: false))
        let reparsed = GraphPrinter.print(try GraphParser.parse(text))
        #expect(reparsed == text, "\(name): print → parse → print differs")
        let url = Self.directory.appendingPathComponent("\(name).graph")
        if ProcessInfo.processInfo.environment["DCL_UPDATE_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(text == expected, "\(name): lowering changed; rerun with DCL_UPDATE_SNAPSHOTS=1 if intended")
    }
}
