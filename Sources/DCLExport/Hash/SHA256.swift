// SHA-256 for bundle checksums, results documents and data fingerprints: a streaming wrapper
// over swift-crypto's (BoringSSL's, which uses the CPU's SHA instructions where it has them).
// The fleet links swift-crypto for its content addresses and tokens, so the project has one
// SHA-256; this type keeps the byte-array API the exporter and the runtime call.

import Crypto
import Foundation

/// A streaming SHA-256 hasher: `update` any number of times, then `finalize`.
public struct SHA256: Sendable {
    private var inner = Crypto.SHA256()

    public init() {}

    /// Feeds bytes into the hash.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        inner.update(bufferPointer: bytes)
    }

    public mutating func update<D: DataProtocol>(_ data: D) {
        inner.update(data: data)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { inner.update(bufferPointer: $0) }
    }

    /// The 32-byte digest.
    public func finalize() -> [UInt8] {
        Array(inner.finalize())
    }

    /// The digest of `data` in one call.
    public static func hash<D: DataProtocol>(_ data: D) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data)
        return hasher.finalize()
    }

    /// The digest of `data` as 64 lowercase hex digits.
    public static func hexDigest<D: DataProtocol>(_ data: D) -> String {
        hex(hash(data))
    }
}

/// Lowercase hex of `bytes`.
public func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
    return String(decoding: out, as: UTF8.self)
}
