// `images`, `cifar10`, `random_crop` and `hflip` from a script, on files the tests write: an
// image folder of two classes a small network can tell apart (bright top half or bright bottom
// half — neither flips nor small shifts change which), and a tiny CIFAR-10 binary file.

import DCLRuntime
import Foundation
@testable import DCLPlot
import Testing

@Suite struct ImageScriptTests {
    /// `perClass` 8 × 8 RGB images per class with seeded noise.
    static func folder(perClass: Int = 12) throws -> String {
        let dir = try temporaryDirectory()
        var state: UInt64 = 1
        func noise() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 59)  // 0…31
        }
        for (name, brightTop) in [("top", true), ("bottom", false)] {
            try FileManager.default.createDirectory(atPath: "\(dir)/imgs/\(name)", withIntermediateDirectories: true)
            for i in 0..<perClass {
                var rgb: [UInt8] = []
                for y in 0..<8 {
                    for _ in 0..<8 {
                        let bright = (y < 4) == brightTop
                        for _ in 0..<3 { rgb.append(UInt8((bright ? 200 : 40) + noise())) }
                    }
                }
                let png = try PNGEncoder.encode(width: 8, height: 8, rgb: rgb)
                try Data(png).write(to: URL(fileURLWithPath: "\(dir)/imgs/\(name)/\(String(format: "%03d", i)).png"))
            }
        }
        return dir
    }

    static let script = """
    let pictures = images("imgs", size: [8, 8]) |> scale(1 / 255)
    print pictures
    let augmented = pictures |> random_crop(8, padding: 2) |> hflip(p: 0.5) |> normalize(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25])
    model net {
      input x: [3, 8, 8]
      features { flatten |> linear(16) |> relu }
      head { linear(2) }
    }
    train net on augmented { epochs: 6, batch: 8, optimizer: adam(lr: 0.01), log: "none" }
    let r = evaluate(net, on: pictures |> normalize(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]))
    print "{r.accuracy:.3f}"
    save net to "net.safetensors"
    """

    @Test func augmentedTrainingLearnsAndIsReproducible() throws {
        let dir = try Self.folder()
        let a = try runScript(Self.script, directory: dir, seed: 3, threads: 1)
        #expect(a.output[0] == "dataset of 24 samples: x f32[24, 3, 8, 8], y i32[24] (2 classes: bottom, top)")
        #expect(Double(a.output[1])! >= 0.9, "accuracy \(a.output[1])")
        let w1 = try Data(contentsOf: URL(fileURLWithPath: dir + "/net.safetensors"))
        _ = try runScript(Self.script, directory: dir, seed: 3, threads: 2)
        let w2 = try Data(contentsOf: URL(fileURLWithPath: dir + "/net.safetensors"))
        _ = try runScript(Self.script, directory: dir, seed: 4, threads: 2)
        let w3 = try Data(contentsOf: URL(fileURLWithPath: dir + "/net.safetensors"))
        #expect(w1 == w2)
        #expect(w1 != w3)
        // Without the augmentations the same seed trains to other weights: they took part.
        _ = try runScript(Self.script.replacingOccurrences(of: "|> random_crop(8, padding: 2) |> hflip(p: 0.5) ", with: ""),
                          directory: dir, seed: 3, threads: 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/net.safetensors")) != w1)
    }

    @Test func cifarFromAScript() throws {
        let dir = try temporaryDirectory()
        var records: [UInt8] = []
        for i in 0..<3 { records.append(UInt8(9 - i)); records += [UInt8](repeating: UInt8(i * 100), count: 3072) }
        try Data(records).write(to: URL(fileURLWithPath: dir + "/test_batch.bin"))
        let r = try runScript("""
        let t = cifar10(".", split: "test") |> scale(1 / 255)
        print t
        print len(t)
        """, directory: dir)
        #expect(r.output == ["dataset of 3 samples: x f32[3, 3, 32, 32], y i32[3] (10 classes: airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck)", "3"])
    }

    @Test func mistakesAreDiagnosticsNamingTheFile() throws {
        let dir = try Self.folder(perClass: 2)
        try Data(try PNGEncoder.encode(width: 9, height: 8, rgb: [UInt8](repeating: 1, count: 216)))
            .write(to: URL(fileURLWithPath: dir + "/imgs/top/zz.png"))
        for (source, message) in [
            ("images(\"nope\")", "nope: no such folder"),
            ("images(\"imgs\")", "imgs/top/zz.png: image is 8 × 9 (height × width), expected 8 × 8"),
            ("images(\"imgs\", channels: 4)", "expected channels 1 (gray) or 3 (RGB), found 4"),
            ("cifar10(\"imgs\")", "imgs/data_batch_1.bin: no such file"),
            ("images(\"imgs/top\")", "holds no class folders"),
        ] {
            do {
                _ = try runScript("let d = \(source)\nprint d", directory: dir)
                Issue.record("\(source) ran without an error")
            } catch let f as ScriptFailure {
                #expect(f.rendered.contains(message), "\(source): \(f.rendered)")
            }
        }
        try FileManager.default.removeItem(atPath: dir + "/imgs/top/zz.png")
        do {
            _ = try runScript("let d = images(\"imgs\", size: [8, 8]) |> random_crop(20, padding: 2)\nprint d", directory: dir)
            Issue.record("an oversized crop ran")
        } catch let f as ScriptFailure {
            #expect(f.rendered.contains("a 20 × 20 crop does not fit column 'x''s 8 × 8 images padded by 2"), "\(f.rendered)")
        }
    }
}
