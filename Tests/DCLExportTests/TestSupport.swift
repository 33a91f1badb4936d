// Shared helpers for the export tests: temporary directories, a seeded random source, a
// bare-bones zip builder that can write the hostile archives the real writer refuses to, and an
// .npy writer. The Python cross-check runner is DCLPythonChecks, shared with the driver tests.

@_exported import DCLPythonChecks  // runPython, pythonChecksAvailable, pythonScriptsDirectory
import Foundation
import Testing
import DCLTensor
@testable import DCLExport
import DCLTestScratch

/// A fresh empty directory under the system temporary directory.
func makeTemporaryDirectory(_ label: String = "dclexport") throws -> URL {
    try TestScratch.directory(label)
}

/// A float tensor of seeded uniform values in [-scale, scale).
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) throws -> Tensor {
    var rng = SeededGenerator(seed: seed)
    let n = try elementCount(shape)
    return try Tensor(shape: shape, floats: (0..<n).map { _ in (rng.nextUnitFloat() * 2 - 1) * scale })
}

/// Runs `error` through `body` and checks it is an `ExportError` of `kind` whose description
/// contains every fragment.
func expectExportError(_ kind: ExportErrorKind, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation,
                       _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected a '\(kind.rawValue)' error, but nothing was thrown", sourceLocation: sourceLocation)
    } catch let e as ExportError {
        #expect(e.kind == kind, "got \(e.kind): \(e)", sourceLocation: sourceLocation)
        for f in fragments {
            #expect(e.description.contains(f), "'\(e)' does not mention '\(f)'", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected an ExportError, got \(error)", sourceLocation: sourceLocation)
    }
}

// MARK: A raw zip builder for hostile archives

/// One entry of a hand-built archive; every header field can be made to lie.
struct RawZipEntry {
    var name: String
    var data: [UInt8]
    var method: UInt16 = 0
    var uncompressedSize: Int? = nil
    var crc: UInt32? = nil
    var localName: String? = nil
    var flags: UInt16 = 0x0800
    /// For a deflated entry: the plain bytes (its CRC and default uncompressed size).
    var plain: [UInt8]? = nil
}

/// Builds a zip archive byte by byte (PKWARE APPNOTE layout), without any validation. With
/// `zip64`, every central record keeps its sizes and offset in a ZIP64 extra field and the end
/// record defers to a ZIP64 end record, as writers do for archives past 4 GiB.
func buildRawZip(_ entries: [RawZipEntry], declaredCount: Int? = nil, zip64: Bool = false) -> [UInt8] {
    var out: [UInt8] = []
    var central: [UInt8] = []
    func u16(_ v: Int, _ a: inout [UInt8]) { a += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    func u32(_ v: UInt32, _ a: inout [UInt8]) { a += littleEndianBytes(v) }
    for e in entries {
        let offset = out.count
        let nameBytes = Array(e.name.utf8)
        let localNameBytes = Array((e.localName ?? e.name).utf8)
        let crc = e.crc ?? CRC32.checksum(e.plain ?? e.data)
        let usize = UInt32(truncatingIfNeeded: e.uncompressedSize ?? e.plain?.count ?? e.data.count)
        u32(0x0403_4B50, &out); u16(20, &out); u16(Int(e.flags), &out); u16(Int(e.method), &out)
        u16(0, &out); u16(33, &out); u32(crc, &out); u32(UInt32(e.data.count), &out); u32(usize, &out)
        u16(localNameBytes.count, &out); u16(0, &out); out += localNameBytes; out += e.data

        let big: UInt32 = 0xFFFF_FFFF
        u32(0x0201_4B50, &central); u16(45, &central); u16(45, &central); u16(Int(e.flags), &central)
        u16(Int(e.method), &central); u16(0, &central); u16(33, &central); u32(crc, &central)
        u32(zip64 ? big : UInt32(e.data.count), &central); u32(zip64 ? big : usize, &central); u16(nameBytes.count, &central)
        u16(zip64 ? 28 : 0, &central); u16(0, &central); u16(0, &central); u16(0, &central); u32(0, &central)
        u32(zip64 ? big : UInt32(offset), &central); central += nameBytes
        if zip64 {
            u16(1, &central); u16(24, &central)
            central += littleEndianBytes(UInt64(usize)) + littleEndianBytes(UInt64(e.data.count)) + littleEndianBytes(UInt64(offset))
        }
    }
    let cdOffset = out.count
    out += central
    let n = declaredCount ?? entries.count
    if zip64 {
        let recordOffset = out.count
        u32(0x0606_4B50, &out); out += littleEndianBytes(UInt64(44)); u16(45, &out); u16(45, &out)
        u32(0, &out); u32(0, &out)
        out += littleEndianBytes(UInt64(n)) + littleEndianBytes(UInt64(n))
        out += littleEndianBytes(UInt64(central.count)) + littleEndianBytes(UInt64(cdOffset))
        u32(0x0706_4B50, &out); u32(0, &out); out += littleEndianBytes(UInt64(recordOffset)); u32(1, &out)
        u32(0x0605_4B50, &out); u16(0xFFFF, &out); u16(0xFFFF, &out); u16(0xFFFF, &out); u16(0xFFFF, &out)
        u32(0xFFFF_FFFF, &out); u32(0xFFFF_FFFF, &out); u16(0, &out)
        return out
    }
    u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(n, &out); u16(n, &out)
    u32(UInt32(central.count), &out); u32(UInt32(cdOffset), &out); u16(0, &out)
    return out
}

/// Raw deflate of `bytes` (ZIPFoundation's encoder, which the bundle writer uses too).
func deflate(_ bytes: [UInt8]) throws -> [UInt8] {
    var out = Data()
    _ = try Data.compress(size: Int64(bytes.count), bufferSize: 1 << 16, provider: { pos, size in
        Data(bytes[Int(pos)..<min(bytes.count, Int(pos) + size)])
    }, consumer: { out.append($0) })
    return [UInt8](out)
}

// MARK: .npy files for the Python cross-check

/// Writes a little-endian .npy (version 1.0) file of float32 or int64 values.
func writeNPY(_ url: URL, shape: [Int], floats: [Float]? = nil, int64s: [Int64]? = nil) throws {
    let descr = floats != nil ? "<f4" : "<i8"
    let shapeText = shape.isEmpty ? "()" : "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    bytes += littleEndianBytes(UInt16(header.utf8.count))
    bytes += Array(header.utf8)
    if let floats { bytes += rawBytes(of: floats) }
    if let int64s { bytes += rawBytes(of: int64s) }
    try Data(bytes).write(to: url)
}
