import Foundation
import Testing
@testable import DCLData
import DCLTensor

/// IDX bytes of `n` 2×3 images with pixel value (i * 7 + k) % 256, and labels `i % classes`.
func idxFixture(_ n: Int, classes: Int = 4) throws -> (images: [UInt8], labels: [UInt8]) {
    let x = try Tensor(shape: [n, 2, 3], ints: (0..<(n * 6)).map { Int32($0 * 7 % 256) })
    let y = try Tensor(shape: [n], ints: (0..<n).map { Int32($0 % classes) })
    return (try IDX.encode(x, asBytes: true), try IDX.encode(y, asBytes: true))
}

@Suite struct IDXTests {
    let dir = TempDir()

    @Test func rawAndGzipFilesLoadTheSame() throws {
        let (xi, yi) = try idxFixture(5)
        let raw = try DataLoader.idx(images: dir.write("x.idx", xi), labels: dir.write("y.idx", yi))
        let gz = try DataLoader.idx(images: dir.write("x.gz", Gzip.deflate(xi)), labels: dir.write("y.gz", Gzip.deflate(yi)))
        for d in [raw, gz] {
            #expect(try d.shape(of: "x") == [5, 1, 2, 3])
            #expect(try d.dtype(of: "x") == .float32)
            #expect(try d.column("x").floats == (0..<30).map { Float($0 * 7 % 256) })
            #expect(try d.labels() == [0, 1, 2, 3, 0])
            #expect(d.classCount == 4)
        }
        #expect(try raw.column("x").bitwiseEqual(gz.column("x")))
    }

    @Test func otherElementTypesDecode() throws {
        // i32 big-endian and f32 round-trip through encode/decode.
        let ints = try Tensor(shape: [3], ints: [-5, 0, 70000])
        let floats = try Tensor(shape: [2, 2], floats: [1.5, -2, 0, 1e-3])
        #expect(try IDX.encode(ints).withUnsafeBufferPointer { try IDX.decode($0, path: "i") }.ints == [-5, 0, 70000])
        #expect(try IDX.encode(floats).withUnsafeBufferPointer { try IDX.decode($0, path: "f") }.floats == [1.5, -2, 0, 1e-3])
        // Signed byte (0x09) and 16-bit (0x0B) by hand.
        let i8: [UInt8] = [0, 0, 0x09, 1, 0, 0, 0, 2, 0xFF, 0x7F]
        #expect(try i8.withUnsafeBufferPointer { try IDX.decode($0, path: "b") }.ints == [-1, 127])
        let i16: [UInt8] = [0, 0, 0x0B, 1, 0, 0, 0, 1, 0xFF, 0xFE]
        #expect(try i16.withUnsafeBufferPointer { try IDX.decode($0, path: "s") }.ints == [-2])
    }

    @Test func shippedMNISTTestSetMatchesItsReadme() throws {
        let d = try DataLoader.idx(images: examplesData + "/mnist/t10k-images-idx3-ubyte.gz",
                                   labels: examplesData + "/mnist/t10k-labels-idx1-ubyte.gz")
        #expect(try d.shape(of: "x") == [10000, 1, 28, 28])
        #expect(try d.labelHistogram() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        let x = try d.column("x")
        #expect(x.withFloats { $0.min() } == 0 && x.withFloats { $0.max() } == 255)
        #expect(d.classCount == 10)
    }

    @Test func shippedMNISTTrainLabelsMatchItsReadme() throws {
        let y = try DataLoader.idxTensor(examplesData + "/mnist/train-labels-idx1-ubyte.gz")
        var h = [Int](repeating: 0, count: 10)
        for v in y.ints { h[Int(v)] += 1 }
        #expect(h == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
    }

    // MARK: Errors

    @Test func wrongMagic() {
        let p = dir.write("bad.idx", [1, 2, 8, 1, 0, 0, 0, 1, 5])
        expectDataError(.badMagic, path: p, contains: "found 0x01020801") { _ = try DataLoader.idxTensor(p) }
        let q = dir.write("type.idx", [0, 0, 0x07, 1, 0, 0, 0, 1, 5])
        expectDataError(.badMagic, path: q, contains: "unknown IDX element type 0x07") { _ = try DataLoader.idxTensor(q) }
    }

    @Test func impossibleDimensionCount() {
        let p = dir.write("dims.idx", [0, 0, 8, 0])
        expectDataError(.badShape, path: p, contains: "declares 0 dimensions") { _ = try DataLoader.idxTensor(p) }
        let q = dir.write("dims9.idx", [0, 0, 8, 9] + [UInt8](repeating: 0, count: 36))
        expectDataError(.badShape, path: q, contains: "declares 9 dimensions") { _ = try DataLoader.idxTensor(q) }
    }

    @Test func truncatedHeaderAndData() throws {
        let (xi, _) = try idxFixture(4)
        let p = dir.write("short.idx", Array(xi.prefix(xi.count - 3)))
        expectDataError(.truncated, path: p, contains: "only 21 bytes follow the header") { _ = try DataLoader.idxTensor(p) }
        let h = dir.write("hdr.idx", Array(xi.prefix(10)))
        expectDataError(.truncated, path: h, contains: "16-byte header") { _ = try DataLoader.idxTensor(h) }
        let m = dir.write("tiny.idx", [0, 0])
        expectDataError(.truncated, path: m, contains: "4-byte IDX magic") { _ = try DataLoader.idxTensor(m) }
    }

    @Test func trailingBytesAreNotIgnored() throws {
        let (xi, _) = try idxFixture(2)
        let p = dir.write("long.idx", xi + [0, 0])
        expectDataError(.malformed, path: p, contains: "2 unexpected trailing bytes") { _ = try DataLoader.idxTensor(p) }
    }

    @Test func lyingHeaderDoesNotAllocate() {
        // Claims 4 billion × 65535 × 65535 bytes with a 20-byte file: an error, not an allocation.
        let p = dir.write("lie.idx", [0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 1, 2, 3, 4])
        expectDataError(.truncated, path: p, contains: "too many") { _ = try DataLoader.idxTensor(p) }
        let q = dir.write("lie2.idx", [0, 0, 0x0C, 1, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4])
        expectDataError(.truncated, path: q, contains: "8589934588 bytes of data") { _ = try DataLoader.idxTensor(q) }
    }

    @Test func labelProblems() throws {
        let (xi, _) = try idxFixture(3)
        let images = dir.write("x.idx", xi)
        let y = try Tensor(shape: [3], ints: [0, -2, 1])
        let neg = dir.write("neg.idx", try IDX.encode(y))
        expectDataError(.labelOutOfRange, path: neg, contains: "item 1: label -2 is out of range") {
            _ = try DataLoader.idx(images: images, labels: neg)
        }
        let big = dir.write("big.idx", try IDX.encode(try Tensor(shape: [3], ints: [0, 9, 1]), asBytes: true))
        expectDataError(.labelOutOfRange, path: big, contains: "item 1: label 9 is out of range, expected 0..<5") {
            _ = try DataLoader.idx(images: images, labels: big, classes: 5)
        }
        let few = dir.write("few.idx", try IDX.encode(try Tensor(shape: [2], ints: [0, 1]), asBytes: true))
        expectDataError(.badShape, path: few, contains: "holds 2 labels, expected 3") {
            _ = try DataLoader.idx(images: images, labels: few)
        }
        // Images given as labels and the other way round.
        expectDataError(.badShape, path: images, contains: "expected labels of shape [N]") {
            _ = try DataLoader.idx(images: images, labels: images)
        }
        expectDataError(.badShape, path: few, contains: "expected images of shape [N, rows, cols]") {
            _ = try DataLoader.idx(images: few, labels: few)
        }
    }

    @Test func corruptAndTruncatedGzip() throws {
        let (xi, _) = try idxFixture(50)
        var gz = Gzip.deflate(xi)
        let cut = dir.write("cut.gz", Array(gz.prefix(gz.count / 2)))
        expectDataError(.truncated, path: cut, contains: "gzip stream ends early") { _ = try DataLoader.idxTensor(cut) }
        gz[12] ^= 0xFF
        gz[13] ^= 0x55
        let bad = dir.write("bad.gz", gz)
        expectDataError(.compression, path: bad, contains: "corrupt gzip data") { _ = try DataLoader.idxTensor(bad) }
        let junk = dir.write("junk.gz", Gzip.deflate(xi) + [1, 2, 3])
        expectDataError(.compression, path: junk, contains: "unexpected data after the gzip stream") { _ = try DataLoader.idxTensor(junk) }
    }

    @Test func gzipMembersConcatenateAndTheSizeCapHolds() throws {
        let a: [UInt8] = Array(repeating: 7, count: 1000), b: [UInt8] = Array(0..<200)
        #expect(try Gzip.inflate(Gzip.deflate(a) + Gzip.deflate(b), path: "m.gz") == a + b)
        // A zip bomb in miniature: 1 MB of zeros compresses to ~1 KB; a 64 KB cap stops it.
        let bomb = Gzip.deflate([UInt8](repeating: 0, count: 1 << 20))
        #expect(bomb.count < 4096)
        expectDataError(.tooLarge, path: "bomb.gz", contains: "exceeds the limit of 65536 bytes") {
            _ = try Gzip.inflate(bomb, path: "bomb.gz", limit: 1 << 16)
        }
    }

    @Test func missingIDXFile() {
        let p = dir.path("none.gz")
        expectDataError(.fileNotFound, path: p) { _ = try DataLoader.idx(images: p, labels: p) }
    }
}
