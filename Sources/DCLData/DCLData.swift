// DCLData — the data layer: loading files into data sets, transforming them, and partitioning
// them over simulated devices. What a `.dcl` script's data expressions evaluate to.
//
//   idx(images: "…", labels: "…") |> scale(1/255) |> partition(label_subset(3), clients: 20, seed: 1)
//   └ DataLoader.idx(images:labels:)  └ Dataset.scaled(by:)  └ Dataset.partition(_:clients:seed:testFraction:)
//
// Map of the module (one idea per file):
//   Dataset.swift           the value: named tensor columns + a row selection + metadata
//   Batches.swift           seeded mini-batch iteration, gathering rows per batch
//   Gather.swift            row gather / concat kernels
//   Vocabulary.swift        original ids ↔ dense indices (MovieLens users, movies)
//   Transforms.swift        scale, normalize, one-hot (rewrite values)
//   RowTransforms.swift     shuffle, take, drop, split, filter, concat (choose rows)
//   Federated.swift         per-client train/test data sets, histograms, single-client batches
//   Partition.swift         the partition driver, per-client test split, by-user time split
//   PartitionSchemes.swift  iid, label_subset, dirichlet, class_groups assignment rules
//   CSVReader.swift         RFC 4180 tokenizer with line/column positions
//   NumberParsing.swift     numbers straight from bytes
//   CSVLoader.swift         csv(path, label:, shape:)
//   IDX.swift, IDXLoader.swift  MNIST's IDX format and idx(images:labels:)
//   NPY.swift, NPYHeader.swift  .npy read/write and npy(x:y:)
//   MovieLens.swift         movielens(ratings:movies:)
//   CIFAR.swift             cifar10(dir, split:) from CIFAR-10's binary batches
//   ImageFolder.swift       images(dir, size:, channels:): one PNG sub-folder per class
//   PNG.swift, PNGPixels.swift  our PNG decoder: chunks, CRC, inflate; unfilter, unpack, Adam7
//   Augment.swift           random_crop, hflip: seeded, drawn per training batch
//   FileBytes.swift, Gzip.swift  whole-file reads and zlib inflation, with size caps
//   DataError.swift         the error value: `path:line:column: message`

import DCLTensor

/// Entry points that read files into `Dataset`s: `csv`, `idx`, `npy`, `movieLens`, `cifar10`, `images`.
public enum DataLoader {}

/// Size caps every loader applies. A header that claims more than the cap, or more than the file
/// actually holds, is an error before anything of that size is allocated.
public enum DataLimits {
    /// The most bytes any one file (or its decompressed content) may hold:
    /// `ResourceLimits.current.maxFileBytes` (8 GiB unless `DCL_MAX_FILE_BYTES` says otherwise).
    public static var maxBytes: Int { ResourceLimits.current.maxFileBytes }
    /// The most classes a label column may have: 2^20. Labels come from files, and a label of
    /// two billion would otherwise mean a two-billion-wide histogram or one-hot matrix.
    public static let maxClasses = 1 << 20
}
