import Foundation
import Testing
@testable import DCLData
@testable import DCLPlot
import DCLTensor

/// `n` CIFAR-10 records: label (first + i) % 10, pixel k of record i = (i * 31 + k) % 256.
func cifarRecords(_ n: Int, first: Int = 0) -> [UInt8] {
    var out: [UInt8] = []
    for i in 0..<n {
        out.append(UInt8((first + i) % 10))
        out += (0..<3072).map { UInt8((i * 31 + $0) % 256) }
    }
    return out
}

/// Writes an RGB PNG whose pixel p has channel c = (seed + p * 3 + c) % 256.
@discardableResult
func writeRGB(_ dir: TempDir, _ name: String, width: Int, height: Int, seed: Int) throws -> [UInt8] {
    let rgb = (0..<(width * height * 3)).map { UInt8((seed + $0) % 256) }
    dir.write(name, try PNGEncoder.encode(width: width, height: height, rgb: rgb))
    return rgb
}

@Suite struct CIFARTests {
    let dir = TempDir()

    func writeTrain(_ counts: [Int]) {
        for (b, n) in counts.enumerated() { dir.write("data_batch_\(b + 1).bin", cifarRecords(n, first: b)) }
    }

    @Test func trainConcatenatesTheFiveBatchesAsBytes() throws {
        writeTrain([2, 1, 1, 1, 3])
        let d = try DataLoader.cifar10(dir.url.path, split: "train")
        #expect(d.count == 8)
        #expect(try d.shape(of: "x") == [8, 3, 32, 32])
        #expect(try d.labels() == [0, 1, 1, 2, 3, 4, 5, 6])
        #expect(d.classCount == 10 && d.classNames?[3] == "cat")
        let x = try d.column("x").floats
        #expect(Array(x[0..<4]) == [0, 1, 2, 3])
        #expect(x[3072 + 5] == Float((31 + 5) % 256))  // record 1 of batch 1
        #expect(x[2 * 3072] == 0)                       // record 0 of batch 2
        // Bytes stay bytes: scale(1/255) equals scaling a Float32 copy bit for bit.
        let scaled = try d.scaled(by: 1 / 255).column("x")
        let reference = try Dataset(columns: [("x", try d.column("x"))]).scaled(by: 1 / 255).column("x")
        #expect(scaled.bitwiseEqual(reference))
        #expect(try d.baseColumn("x").isBytes)
        // normalize is deferred too, per channel, and equals the Float32 path bit for bit —
        // also on a selection, and with a scale written after it (which then copies to Float32).
        let stats = Normalization(mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26])
        let floatCopy = try Dataset(columns: [("x", try d.column("x"))])
        let lazy = try d.scaled(by: 1 / 255).normalized(stats)
        #expect(try lazy.baseColumn("x").isBytes)
        #expect(try lazy.column("x").bitwiseEqual(floatCopy.scaled(by: 1 / 255).normalized(stats).column("x")))
        let picked = try lazy.selecting(rows: [6, 1, 1])
        #expect(try picked.column("x").bitwiseEqual(floatCopy.scaled(by: 1 / 255).normalized(stats).selecting(rows: [6, 1, 1]).column("x")))
        #expect(try lazy.scaled(by: 2).column("x").bitwiseEqual(floatCopy.scaled(by: 1 / 255).normalized(stats).scaled(by: 2).column("x")))
        let global = Normalization(mean: [100], std: [50])
        #expect(try d.normalized(global).column("x").bitwiseEqual(floatCopy.normalized(global).column("x")))
    }

    @Test func testSplitReadsTestBatch() throws {
        dir.write("test_batch.bin", cifarRecords(4, first: 7))
        let d = try DataLoader.cifar10(dir.url.path + "/", split: "test")
        #expect(try d.labels() == [7, 8, 9, 0])
        #expect(d.source == "cifar10(\"\(dir.url.path)/\", split: \"test\")")
    }

    @Test func errorsNameTheFileAndRecord() throws {
        writeTrain([1, 1, 1, 1])  // data_batch_5.bin missing
        expectDataError(.fileNotFound, path: dir.path("data_batch_5.bin"), contains: "data_batch_1.bin, data_batch_2.bin") {
            _ = try DataLoader.cifar10(dir.url.path, split: "train")
        }
        dir.write("data_batch_5.bin", Array(cifarRecords(2).dropLast(100)))
        expectDataError(.truncated, path: dir.path("data_batch_5.bin"), contains: "record 1 is cut off after 2973 bytes") {
            _ = try DataLoader.cifar10(dir.url.path, split: "train")
        }
        var bad = cifarRecords(3)
        bad[2 * 3073] = 12
        dir.write("data_batch_5.bin", bad)
        expectDataError(.labelOutOfRange, path: dir.path("data_batch_5.bin"), contains: "record 2 (byte 6146): label 12 is out of range") {
            _ = try DataLoader.cifar10(dir.url.path, split: "train")
        }
        dir.write("data_batch_5.bin", [])
        expectDataError(.truncated, contains: "holds no records") { _ = try DataLoader.cifar10(dir.url.path, split: "train") }
        expectDataError(.invalidArgument, contains: "expected split \"train\" or \"test\", found \"valid\"") {
            _ = try DataLoader.cifar10(dir.url.path, split: "valid")
        }
        expectDataError(.fileNotFound, path: dir.path("nowhere/test_batch.bin")) { _ = try DataLoader.cifar10(dir.path("nowhere"), split: "test") }
    }
}

@Suite struct ImageFolderTests {
    let dir = TempDir()

    func mkdir(_ name: String) throws {
        try FileManager.default.createDirectory(atPath: dir.path(name), withIntermediateDirectories: true)
    }

    @Test func classesAreSortedFoldersAndPixelsArePlanar() throws {
        try mkdir("dog"); try mkdir("cat"); try mkdir(".hidden")
        let cat1 = try writeRGB(dir, "cat/b.png", width: 3, height: 2, seed: 0)
        let cat0 = try writeRGB(dir, "cat/a.png", width: 3, height: 2, seed: 100)
        try writeRGB(dir, "dog/x.png", width: 3, height: 2, seed: 50)
        dir.write("cat/.DS_Store", [1, 2, 3])
        dir.write("README.txt", text: "files beside the class folders are ignored")
        try writeRGB(dir, ".hidden/z.png", width: 9, height: 9, seed: 1)
        let d = try DataLoader.images(dir.url.path, size: [2, 3])
        #expect(d.classNames == ["cat", "dog"])
        #expect(try d.labels() == [0, 0, 1])
        #expect(try d.shape(of: "x") == [3, 3, 2, 3])
        let x = try d.column("x").floats
        // Sample 0 is cat/a.png (sorted), channel c of pixel p at c * 6 + p.
        for p in 0..<6 { for c in 0..<3 { #expect(x[c * 6 + p] == Float(cat0[p * 3 + c])) } }
        for p in 0..<6 { for c in 0..<3 { #expect(x[18 + c * 6 + p] == Float(cat1[p * 3 + c])) } }
        #expect(d.description.contains("(2 classes: cat, dog)"))
    }

    @Test func grayAndColourConvert() throws {
        try mkdir("a")
        var gray = PNGFixture(width: 2, height: 1, bitDepth: 8, colorType: 0, values: [10, 200])
        gray.filters = [0]
        dir.write("a/g.png", try gray.encoded())
        dir.write("a/c.png", try PNGEncoder.encode(width: 2, height: 1, rgb: [255, 0, 0, 10, 20, 30]))
        let rgb = try DataLoader.images(dir.url.path, channels: 3).column("x").floats
        // c.png first (sorted): planar RGB; then g.png repeated over three channels.
        #expect(rgb == [255, 10, 0, 20, 0, 30, 10, 200, 10, 200, 10, 200])
        let one = try DataLoader.images(dir.url.path, channels: 1).column("x").floats
        // Pillow's convert("L"): (255·19595 + 32768) >> 16 = 76; (10·19595 + 20·38470 + 30·7471 + 32768) >> 16 = 18.
        #expect(one == [76, 18, 10, 200])
    }

    @Test func mistakesAreClearErrors() throws {
        expectDataError(.fileNotFound, path: dir.path("missing"), contains: "no such folder") { _ = try DataLoader.images(dir.path("missing")) }
        expectDataError(.badShape, path: dir.url.path, contains: "holds no class folders") { _ = try DataLoader.images(dir.url.path) }
        try mkdir("a"); try mkdir("b")
        try writeRGB(dir, "a/1.png", width: 4, height: 4, seed: 0)
        expectDataError(.badShape, path: dir.path("b"), contains: "class folder 'b' holds no images") { _ = try DataLoader.images(dir.url.path) }
        try writeRGB(dir, "b/1.png", width: 5, height: 4, seed: 0)
        expectDataError(.badShape, path: dir.path("b/1.png"), contains: "image is 4 × 5 (height × width), expected 4 × 4 like the first image, \"\(dir.path("a/1.png"))\"; images are not resized") {
            _ = try DataLoader.images(dir.url.path)
        }
        expectDataError(.badShape, path: dir.path("a/1.png"), contains: "expected 8 × 8 as given by size: [8, 8]") { _ = try DataLoader.images(dir.url.path, size: [8, 8]) }
        try writeRGB(dir, "b/1.png", width: 4, height: 4, seed: 0)
        dir.write("b/2.jpg", [0xFF, 0xD8, 0xFF, 0xE0])
        expectDataError(.unsupported, path: dir.path("b/2.jpg"), contains: "is a JPEG file") { _ = try DataLoader.images(dir.url.path) }
        dir.write("b/2.jpg", Array("hello".utf8))
        expectDataError(.unsupported, path: dir.path("b/2.jpg"), contains: "is not a PNG file") { _ = try DataLoader.images(dir.url.path) }
        try FileManager.default.removeItem(atPath: dir.path("b/2.jpg"))
        try mkdir("b/nested")
        expectDataError(.unsupported, path: dir.path("b/nested"), contains: "is a folder inside class folder 'b'") { _ = try DataLoader.images(dir.url.path) }
        try FileManager.default.removeItem(atPath: dir.path("b/nested"))
        #expect(try DataLoader.images(dir.url.path).count == 2)
        expectDataError(.invalidArgument, contains: "expected channels 1 (gray) or 3 (RGB), found 2") { _ = try DataLoader.images(dir.url.path, channels: 2) }
        expectDataError(.invalidArgument, contains: "expected size [height, width]") { _ = try DataLoader.images(dir.url.path, size: [4]) }
        expectDataError(.io, path: dir.path("a/1.png"), contains: "is a file, expected a folder") { _ = try DataLoader.images(dir.path("a/1.png")) }
    }
}
