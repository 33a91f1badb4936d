// The generated Swift code in Sources/DCLFleetProto must come from the .proto files as they are
// now. Scripts/generate-proto.sh records each .proto file's SHA-256 in PROTO_SHA256; this test
// recomputes them (no protoc needed, so it runs in CI) and fails on any difference.

import Crypto
import Foundation
import Testing

private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct ProtoDriftTests {
    @Test func generatedCodeMatchesEveryProtoFile() throws {
        let protoRoot = repositoryRoot.appendingPathComponent("Proto")
        let recordFile = repositoryRoot.appendingPathComponent("Sources/DCLFleetProto/PROTO_SHA256")
        let recorded = try String(contentsOf: recordFile, encoding: .utf8)
        var expected: [String: String] = [:]
        for line in recorded.split(separator: "\n") where !line.isEmpty {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            try #require(parts.count == 2, "malformed line in PROTO_SHA256: \(line)")
            expected[String(parts[1])] = String(parts[0])
        }
        var actual: [String: String] = [:]
        let walker = try #require(FileManager.default.enumerator(atPath: protoRoot.path))
        for case let path as String in walker where path.hasSuffix(".proto") {
            let bytes = try Data(contentsOf: protoRoot.appendingPathComponent(path))
            actual[path] = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        }
        #expect(!actual.isEmpty, "no .proto files under Proto/")
        for (path, hash) in actual.sorted(by: { $0.key < $1.key }) {
            #expect(expected[path] == hash, "\(path) changed since its Swift code was generated: run Scripts/generate-proto.sh")
        }
        for path in expected.keys.sorted() where actual[path] == nil {
            #expect(Bool(false), "\(path) is listed in PROTO_SHA256 but gone: run Scripts/generate-proto.sh")
        }
    }
}
