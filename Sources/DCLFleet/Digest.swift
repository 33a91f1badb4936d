// Content addresses and secrets: SHA-256 of blobs, and the random tokens that authenticate hosts
// and devices (the store keeps only their SHA-256, so a leaked database grants nothing).

import Crypto
import Foundation

/// A blob's content address: its SHA-256 and its size.
public struct BlobRef: Hashable, Sendable {
    /// 32 bytes.
    public var sha256: [UInt8]
    public var size: Int

    public init(sha256: [UInt8], size: Int) {
        self.sha256 = sha256
        self.size = size
    }

    public init(of bytes: [UInt8]) {
        self.init(sha256: Digest.sha256(bytes), size: bytes.count)
    }

    /// The hash in lowercase hex (messages, logs).
    public var hex: String { Digest.hex(sha256) }
}

public enum Digest {
    public static let hashBytes = 32

    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lowercase or uppercase hex of an even length; nil for anything else.
    static func unhex(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// A fresh secret: 256 bits from the system's cryptographic generator, hex-encoded. Not
    /// seeded on purpose: a token an attacker could reproduce from a seed would be no secret.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Whether `token` has the form `newToken` gives: 64 lowercase hex digits (32 random bytes).
    static func isWellFormedToken(_ token: String) -> Bool {
        token.utf8.count == 64 && token.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The SHA-256 of a token's text, as stored and compared.
    static func tokenHash(_ token: String) -> [UInt8] { sha256(Array(token.utf8)) }

    /// Equality whose time does not depend on where two equal-length values first differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
