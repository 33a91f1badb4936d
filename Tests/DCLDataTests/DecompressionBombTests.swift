// Decompression bombs: small gzip files whose content is far larger than their header declares.
// A loader must read the header from the first inflated bytes and stop inflating one byte past
// the declared size — what a file costs in memory is then what its header says (and within the
// caps), not what it inflates to.

import Foundation
import Testing
@testable import DCLData
import DCLTensor

@Suite struct DecompressionBombTests {
    let dir = TempDir()

    /// An IDX header for `dims` of unsigned bytes.
    static func idxHeader(_ dims: [Int]) -> [UInt8] {
        var h: [UInt8] = [0, 0, 0x08, UInt8(dims.count)]
        for d in dims { h += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
        return h
    }

    /// 64 MiB of zeros after a header declaring 10 MNIST images (16 + 7840 bytes), gzipped to
    /// about 64 KB.
    static let idxBomb: [UInt8] = Gzip.deflate(idxHeader([10, 28, 28]) + [UInt8](repeating: 0, count: 64 << 20), level: 9)
    static let idxDeclared = 16 + 10 * 28 * 28

    @Test func anIDXBombStopsOneBytePastTheDeclaredSize() throws {
        #expect(Self.idxBomb.count < 200_000)
        let path = dir.write("bomb-images.gz", Self.idxBomb)
        expectDataError(.malformed, path: path,
                        contains: "longer than the \(Self.idxDeclared) bytes its header declares (inflating stopped after \(Self.idxDeclared + 1) bytes)") {
            _ = try DataLoader.idxTensor(path)
        }
        expectDataError(.malformed, path: path, contains: "longer than") { _ = try DataLoader.idx(images: path) }
        // The header was judged from its own 16 bytes, not from the inflated whole.
        var largestPrefix = 0
        expectDataError(.malformed, path: path) {
            _ = try FileBytes.readMaybeGzip(path) { prefix in
                largestPrefix = max(largestPrefix, prefix.count)
                return try IDX.declaredSize(prefix, path: path)
            }
        }
        #expect(largestPrefix == 16)
    }

    @Test func theInflaterNeverAllocatesMoreThanItIsAskedFor() throws {
        let reader = try GzipReader(ByteBuffer(Self.idxBomb), path: "bomb.gz")
        try reader.inflate(upTo: 16)
        #expect(reader.output.count == 16)
        #expect(try IDX.declaredSize(reader.output.bytes, path: "bomb.gz") == .total(Self.idxDeclared))
        try reader.inflate(upTo: Self.idxDeclared + 1)
        #expect(reader.output.count == Self.idxDeclared + 1)
        #expect(reader.peakCapacity <= Self.idxDeclared + 1)
        #expect(!reader.isFinished)
    }

    @Test func anNPYBombStopsOneBytePastTheDeclaredSize() throws {
        let header = NPY.encode(try Tensor(shape: [2], floats: [1, 2]))  // 128-byte header + 8 bytes
        let bomb = Gzip.deflate(header + [UInt8](repeating: 0, count: 16 << 20), level: 9)
        let path = dir.write("bomb.npy.gz", bomb)
        expectDataError(.malformed, path: path, contains: "longer than the \(header.count) bytes its header declares (inflating stopped after \(header.count + 1) bytes)") {
            _ = try NPY.read(path)
        }
        // The same array gzipped honestly still loads.
        let honest = dir.write("ok.npy.gz", Gzip.deflate(header))
        #expect(try NPY.read(honest).floats == [1, 2])
    }

    @Test func aHeaderDeclaringMoreThanTheCapsFailsBeforeInflating() throws {
        // 2^48 bytes declared: over the tensor cap, refused from the header alone.
        let huge = dir.write("huge.gz", Gzip.deflate(Self.idxHeader([65536, 65536, 65536]) + [1, 2, 3]))
        expectDataError(.badShape, path: huge, contains: "cannot hold shape [65536, 65536, 65536]") { _ = try DataLoader.idxTensor(huge) }
        // Within the tensor cap but over the file cap (here 1 MiB): 10,000 images declared.
        let path = dir.write("over.gz", Gzip.deflate(Self.idxHeader([10_000, 28, 28]) + [1, 2, 3]))
        expectDataError(.tooLarge, path: path, contains: "header declares 7840016 bytes of content, more than the limit of 1048576 bytes") {
            _ = try FileBytes.readMaybeGzip(path, limit: 1 << 20) { try IDX.declaredSize($0, path: path) }
        }
    }

    @Test func shortOrTruncatedContentIsStillReportedAsTruncated() throws {
        // A complete gzip stream whose content is shorter than its header declares.
        let short = dir.write("short.gz", Gzip.deflate(Self.idxHeader([10, 28, 28]) + [UInt8](repeating: 1, count: 100)))
        expectDataError(.truncated, path: short, contains: "only 100 bytes follow the header") { _ = try DataLoader.idxTensor(short) }
        // Content ending inside the header.
        let headerOnly = dir.write("header.gz", Gzip.deflate([0, 0, 0x08, 3, 0, 0]))
        expectDataError(.truncated, path: headerOnly, contains: "16-byte header") { _ = try DataLoader.idxTensor(headerOnly) }
    }

    @Test func fileCapsComeFromResourceLimitsAndHoldForEndlessFiles() throws {
        #expect(DataLimits.maxBytes == ResourceLimits.current.maxFileBytes)
        // /dev/zero never ends: read with a cap, not until memory runs out.
        guard FileManager.default.fileExists(atPath: "/dev/zero") else { return }
        expectDataError(.tooLarge, path: "/dev/zero", contains: "more than the limit of 65536 bytes") {
            _ = try FileBytes.read("/dev/zero", limit: 1 << 16)
        }
        // A regular file over the cap is refused from its size, before reading.
        let big = dir.write("big.csv", [UInt8](repeating: 0x31, count: 70_000))
        expectDataError(.tooLarge, path: big, contains: "file holds 70000 bytes, more than the limit of 65536") {
            _ = try FileBytes.read(big, limit: 1 << 16)
        }
    }
}
