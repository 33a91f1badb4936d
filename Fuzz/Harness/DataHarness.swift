// Fuzz harness: the data loaders behind `mnist(…)`, `idx(…)`, `npy(…)`, `csv(…)` and
// `movielens(…)` — IDX (raw or gzip), NPY (raw or gzip), CSV tables and MovieLens ratings with
// optional movie genres — through their public, path-taking entry points, so the file reading and
// gzip detection are fuzzed too.
//
// The first byte picks the loader (its value mod 4); the rest is one file, or two files (images
// and labels, x and y, ratings and movies) separated by "\n@@file\n".

import DCLData
import DCLTensor

private let fileMarker = Array("\n@@file\n".utf8)

extension FuzzHarness {
    /// One `fuzz-data` input; its files are written to `scratch` (the process's scratch directory
    /// by default).
    public static func data(_ input: [UInt8], scratch: String? = nil) {
        guard let selector = input.first else { return }
        let files = Fuzz.split(Array(input.dropFirst()), separator: fileMarker)
        let first = Fuzz.scratchFile("a", files[0], in: scratch)
        let second = files.count > 1 ? Fuzz.scratchFile("b", files[1], in: scratch) : nil

        switch selector % 4 {
        case 0:
            _ = try? DataLoader.idxTensor(first)
            _ = try? DataLoader.idxTensor(first, as: .float32)
            _ = try? DataLoader.idx(images: first, labels: second)
        case 1:
            _ = try? NPY.read(first)
            _ = try? DataLoader.npy(x: first, y: second)
        case 2:
            _ = try? DataLoader.csv(first)
            if let d = try? DataLoader.csv(bytes: files[0], path: "fuzz.csv", label: nil),
               let width = try? d.shape(of: "x").last {
                // Every row reshaped to [1, width], as `csv(…, shape: [1, w])` asks.
                _ = try? DataLoader.csv(first, label: nil, shape: [1, width])
            }
        default:
            _ = try? DataLoader.movieLens(ratings: first, movies: second)
        }
    }
}
