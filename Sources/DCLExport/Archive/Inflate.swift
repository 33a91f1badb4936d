// Reading an entry's bytes, inflating deflated entries under a hard cap.
//
// Inflation uses ZIPFoundation's public `Data.decompress` (zlib on Linux, Compression on
// Apple platforms) but feeds it itself: the whole compressed entry as one chunk, and a thrown
// "truncated" error if the inflater asks for more — so a stream that never reaches its final
// block ends in an error instead of the endless loop ZIPFoundation's own file reader falls into
// at end-of-file. The consumer refuses to grow the output past the entry's declared size, which
// the directory has already checked against the caps, so a zip bomb is stopped at the first
// byte beyond its claim, whatever the claim was.

import Foundation
import ZIPFoundation

extension ZipDirectory {
    /// The entry's uncompressed bytes (exactly its declared size, or an error).
    static func contents(of entry: ZipEntry, from source: ByteSource) throws -> [UInt8] {
        let stored = try source.read(at: entry.dataOffset, count: entry.compressedSize)
        guard entry.isDeflated else { return stored }
        return try inflate(stored, declaredSize: entry.uncompressedSize, entry: entry.name)
    }
}

/// Inflates a raw deflate stream whose uncompressed size is declared as `declaredSize`.
func inflate(_ compressed: [UInt8], declaredSize: Int, entry: String) throws -> [UInt8] {
    guard !compressed.isEmpty else {
        throw ExportError(.compression, entry: entry, "the deflate stream is empty")
    }
    let input = Data(compressed)
    var output = [UInt8]()
    // The claim is within the caps but still only a claim: reserve what the input can
    // plausibly give and let the array grow if the data really is that large.
    output.reserveCapacity(min(declaredSize, max(1 << 16, input.count * 16)))
    var served = false
    do {
        _ = try Data.decompress(
            size: Int64(input.count), bufferSize: input.count, skipCRC32: true,
            provider: { _, _ in
                guard !served else {
                    throw ExportError(.truncated, entry: entry, "the deflate stream ends before its final block")
                }
                served = true
                return input
            },
            consumer: { chunk in
                guard chunk.count <= declaredSize - output.count else {
                    throw ExportError(.tooLarge, entry: entry, "inflates to more than its declared \(declaredSize) bytes (a zip bomb?)")
                }
                output.append(contentsOf: chunk)
            })
    } catch let e as ExportError {
        throw e
    } catch {
        throw ExportError(.compression, entry: entry, "corrupt deflate data")
    }
    guard output.count == declaredSize else {
        throw ExportError(.truncated, entry: entry, "inflates to \(output.count) bytes, expected the declared \(declaredSize)")
    }
    return output
}
