// The caps a bundle reader enforces before it allocates or inflates anything. Every size in
// an archive header or a manifest is a claim by whoever made the file; these bound what a
// claim can cost.

/// Size caps for reading a bundle. The defaults fit any real dcl bundle (an ONNX file cannot
/// exceed 2 GiB, protobuf's limit) while keeping a hostile file from exhausting memory.
public struct BundleLimits: Sendable, Hashable {
    /// The archive file itself.
    public var maxArchiveBytes: Int = 8 << 30
    /// Entries in the central directory.
    public var maxEntries: Int = 1024
    /// The central directory's size.
    public var maxDirectoryBytes: Int = 16 << 20
    /// One entry's uncompressed size.
    public var maxEntryBytes: Int = 2 << 30
    /// All entries' uncompressed sizes together.
    public var maxTotalBytes: Int = 4 << 30
    /// `manifest.json`'s size.
    public var maxManifestBytes: Int = 16 << 20
    /// Uncompressed ÷ compressed size of a deflated entry (deflate itself tops out near 1032).
    public var maxCompressionRatio: Int = 200
    /// Entries smaller than this are exempt from the ratio cap (a short run of spaces
    /// compresses 100× and harms no one).
    public var ratioExemptBytes: Int = 1 << 20

    public init() {}

    /// The default caps.
    public static let standard = BundleLimits()
}
