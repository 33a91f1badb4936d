// SHA-256 against the FIPS 180-4 example vectors (NIST CSRC "SHA256.pdf", "SHA256ShortMsg")
// and against Python's hashlib on seeded random data of many lengths.

import Foundation
import Testing
import DCLTensor
@testable import DCLExport

@Suite("SHA-256")
struct SHA256Tests {
    @Test func nistVectors() {
        #expect(SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hexDigest(Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8))
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        // SHA256ShortMsg, Len = 8: Msg = d3.
        #expect(SHA256.hexDigest([0xD3]) == "28969cdfa74a12c82f3bad960b0b000aca2ac329deea5c2328ebc6f2ba9802c1")
    }

    @Test func oneMillionAs() {
        let digest = SHA256.hexDigest([UInt8](repeating: 0x61, count: 1_000_000))
        #expect(digest == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func streamingMatchesOneShotAtEverySplit() {
        var rng = SeededGenerator(seed: 7)
        let data = (0..<300).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let whole = SHA256.hash(data)
        for split in [0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 299, 300] {
            var h = SHA256()
            h.update(Array(data[..<split]))
            h.update(Array(data[split...]))
            #expect(h.finalize() == whole, "split at \(split)")
        }
        // Byte-at-a-time updates too.
        var h = SHA256()
        for b in data { h.update([b]) }
        #expect(h.finalize() == whole)
    }

    @Test func matchesPythonHashlibOnRandomData() throws {
        guard pythonHas(["hashlib"], for: "the hashlib cross-check") else { return }
        let dir = try makeTemporaryDirectory("sha")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededGenerator(seed: 2024)
        var expected: [String] = []
        // Lengths around the padding boundaries and a few larger ones.
        let lengths = [0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4097, 65_537]
        for (i, n) in lengths.enumerated() {
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            try Data(bytes).write(to: dir.appendingPathComponent("\(i).bin"))
            expected.append("\(i).bin \(SHA256.hexDigest(bytes))")
        }
        let script = """
        import hashlib, os, sys
        d = sys.argv[1]
        for name in sorted(os.listdir(d), key=lambda s: int(s.split('.')[0])):
            print(name, hashlib.sha256(open(os.path.join(d, name), 'rb').read()).hexdigest())
        """
        let (status, output) = try runPython(["-c", script, dir.path])
        #expect(status == 0, "\(output)")
        #expect(output.split(separator: "\n").map(String.init) == expected)
    }
}
