// The generated Swift code of each Proto/ subtree must come from its .proto files as they are
// now: Proto/dcl → Sources/DCLFleetProto, Proto/onnx → Sources/DCLONNXProto (the table in
// Scripts/generate-proto.sh). The script records each .proto file's SHA-256 in the target's
// PROTO_SHA256; this test recomputes them (no protoc needed, so it runs in CI) and fails on any
// difference, on a .proto file no target generates, and on a listed file that is gone.

import Crypto
import Foundation
import Testing

private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The subtrees of Proto/ and the targets generated from them (as in Scripts/generate-proto.sh).
private let generatedTargets: [(subtree: String, target: String)] = [
    ("dcl", "Sources/DCLFleetProto"),
    ("onnx", "Sources/DCLONNXProto"),
]

@Suite struct ProtoDriftTests {
    /// "<sha256>  <path under Proto/>" lines of a target's PROTO_SHA256.
    private func recorded(in target: String) throws -> [String: String] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent(target).appendingPathComponent("PROTO_SHA256"),
                              encoding: .utf8)
        var hashes: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.isEmpty {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            try #require(parts.count == 2, "malformed line in \(target)/PROTO_SHA256: \(line)")
            hashes[String(parts[1])] = String(parts[0])
        }
        return hashes
    }

    /// SHA-256 of every .proto file under Proto/, keyed by its path under Proto/.
    private func protoFiles() throws -> [String: String] {
        let protoRoot = repositoryRoot.appendingPathComponent("Proto")
        var hashes: [String: String] = [:]
        let walker = try #require(FileManager.default.enumerator(atPath: protoRoot.path))
        for case let path as String in walker where path.hasSuffix(".proto") {
            let bytes = try Data(contentsOf: protoRoot.appendingPathComponent(path))
            hashes[path] = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        }
        return hashes
    }

    @Test(arguments: generatedTargets.map(\.target))
    func generatedCodeMatchesEveryProtoFile(target: String) throws {
        let subtree = try #require(generatedTargets.first { $0.target == target }?.subtree)
        let expected = try recorded(in: target)
        let actual = try protoFiles().filter { $0.key.hasPrefix(subtree + "/") }
        #expect(!actual.isEmpty, "no .proto files under Proto/\(subtree)")
        for (path, hash) in actual.sorted(by: { $0.key < $1.key }) {
            #expect(expected[path] == hash, "\(path) changed since \(target) was generated: run Scripts/generate-proto.sh")
        }
        for path in expected.keys.sorted() where actual[path] == nil {
            #expect(Bool(false), "\(path) is listed in \(target)/PROTO_SHA256 but gone from Proto/\(subtree): run Scripts/generate-proto.sh")
        }
    }

    @Test func everyProtoFileBelongsToAGeneratedTarget() throws {
        for path in try protoFiles().keys.sorted() {
            #expect(generatedTargets.contains { path.hasPrefix($0.subtree + "/") },
                    "Proto/\(path) is in no subtree that Scripts/generate-proto.sh generates")
        }
    }
}
