// A strict reader of a zip archive's structure (PKWARE APPNOTE 6.3): the end-of-central-
// directory record (and its ZIP64 form), the central directory, and each entry's local header.
//
// Why dcl parses zip itself instead of reading through ZIPFoundation's `Archive`: on Linux,
// ZIPFoundation's inflate loop keeps asking its file for more input after end-of-file, so a
// deflate stream that never ends spins forever; its in-memory archive traps on an offset past
// the end; and it takes declared sizes on trust. Here every offset and size is checked against
// the file and the `BundleLimits` before a byte is read, and inflation (Inflate.swift) is fed
// exactly the entry's compressed bytes.
//
// Checks: one EOCD whose comment runs exactly to the end of the file; single disk; central
// directory inside the file and ending before the EOCD; the entry count it declares; no
// encryption; only stored and deflate; safe, unique names; each local header agreeing with its
// central record (name, method, CRC-32, sizes) and its data lying before the central
// directory; no two entries' bytes overlapping (overlap is how a "non-recursive" zip bomb
// multiplies its data); declared sizes within the caps and — for deflate — within the
// compression-ratio cap.

/// One file entry of a zip archive, validated.
struct ZipEntry: Sendable, Equatable {
    var name: String
    /// 0 = stored, 8 = deflate.
    var method: UInt16
    var crc32: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int
    /// Offset of the entry's (compressed) data.
    var dataOffset: Int

    var isDeflated: Bool { method == 8 }
}

/// The validated entry table of an archive.
struct ZipDirectory {
    var entries: [ZipEntry]

    private static let eocdSignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64RecordSignature: UInt32 = 0x0606_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50

    /// Reads and validates the structure of the archive in `source`.
    static func read(_ source: ByteSource, limits: BundleLimits) throws -> ZipDirectory {
        guard source.size <= limits.maxArchiveBytes else {
            throw ExportError(.tooLarge, "the archive is \(source.size) bytes, more than the \(limits.maxArchiveBytes)-byte cap")
        }
        let (cdOffset, cdSize, count, cdEnd) = try findCentralDirectory(source, limits: limits)
        guard count <= limits.maxEntries else {
            throw ExportError(.tooLarge, "the archive declares \(count) entries, more than the \(limits.maxEntries)-entry cap")
        }
        guard cdSize <= limits.maxDirectoryBytes else {
            throw ExportError(.tooLarge, "the central directory is \(cdSize) bytes, more than the \(limits.maxDirectoryBytes)-byte cap")
        }
        guard cdOffset <= cdEnd, cdSize <= cdEnd - cdOffset else {
            throw ExportError(.archive, "the central directory (\(cdSize) bytes at offset \(cdOffset)) overlaps the end record at \(cdEnd)")
        }
        let cd = try source.read(at: cdOffset, count: cdSize)

        var entries: [ZipEntry] = []
        var names: Set<String> = []
        var position = 0
        var total = 0
        for index in 0..<count {
            var entry = try parseCentralRecord(cd, at: &position, index: index)
            guard names.insert(entry.name).inserted else {
                throw ExportError(.duplicateEntry, entry: entry.name, "the archive holds this entry more than once")
            }
            try checkSizes(entry, limits: limits)
            let (sum, overflow) = total.addingReportingOverflow(entry.uncompressedSize)
            guard !overflow, sum <= limits.maxTotalBytes else {
                throw ExportError(.tooLarge, "the entries declare more than \(limits.maxTotalBytes) uncompressed bytes together")
            }
            total = sum
            entry.dataOffset = try checkLocalHeader(entry, source: source, cdOffset: cdOffset)
            entries.append(entry)
        }
        guard position == cd.count else {
            throw ExportError(.archive, "the central directory has \(cd.count - position) bytes after its \(count) declared entries")
        }
        try checkNoOverlap(entries)
        return ZipDirectory(entries: entries)
    }

    // MARK: End of central directory

    /// Locates the central directory: (offset, size, entry count, offset it must end by).
    private static func findCentralDirectory(_ source: ByteSource, limits: BundleLimits) throws -> (Int, Int, Int, Int) {
        let size = source.size
        guard size >= 22 else {
            throw ExportError(.archive, "not a zip archive: \(size) bytes is too short for an end-of-central-directory record")
        }
        // The EOCD is the last 22 bytes plus a comment of at most 65535 bytes.
        let tailLength = min(size, 22 + 0xFFFF)
        let tailStart = size - tailLength
        let tail = try source.read(at: tailStart, count: tailLength)
        var found: Int?
        var i = tailLength - 22
        while i >= 0 {
            if le32(tail, i) == eocdSignature && Int(le16(tail, i + 20)) == tailLength - i - 22 {
                found = i
                break
            }
            i -= 1
        }
        guard let e = found else {
            let head = try source.read(at: 0, count: min(4, size))
            if head.count == 4 && le32(head, 0) == localSignature {
                throw ExportError(.truncated, "the archive has no end-of-central-directory record: the file is truncated")
            }
            throw ExportError(.archive, "not a zip archive: no end-of-central-directory record")
        }
        let eocdOffset = tailStart + e
        let disk = le16(tail, e + 4), cdDisk = le16(tail, e + 6)
        let onDisk = le16(tail, e + 8), total16 = le16(tail, e + 10)
        let cdSize32 = le32(tail, e + 12), cdOffset32 = le32(tail, e + 16)
        guard disk == 0 || disk == 0xFFFF, cdDisk == 0 || cdDisk == 0xFFFF, onDisk == total16 else {
            throw ExportError(.unsupported, "multi-disk (spanned) archives are not supported")
        }
        let needsZip64 = total16 == 0xFFFF || cdSize32 == 0xFFFF_FFFF || cdOffset32 == 0xFFFF_FFFF
        guard needsZip64 else {
            return (Int(cdOffset32), Int(cdSize32), Int(total16), eocdOffset)
        }
        // ZIP64: a 20-byte locator right before the EOCD points at the 56-byte ZIP64 record.
        guard eocdOffset >= 20 else { throw ExportError(.archive, "the ZIP64 end-of-central-directory locator is missing") }
        let locator = try source.read(at: eocdOffset - 20, count: 20)
        guard le32(locator, 0) == zip64LocatorSignature else {
            throw ExportError(.archive, "the ZIP64 end-of-central-directory locator is missing")
        }
        let recordOffset = try checkedInt(le64(locator, 8), "ZIP64 record offset")
        guard eocdOffset - 20 >= 56, recordOffset <= eocdOffset - 20 - 56 else {
            throw ExportError(.archive, "the ZIP64 end-of-central-directory record at \(recordOffset) is not before its locator")
        }
        let record = try source.read(at: recordOffset, count: 56)
        guard le32(record, 0) == zip64RecordSignature else {
            throw ExportError(.archive, "no ZIP64 end-of-central-directory record at offset \(recordOffset)")
        }
        guard le32(record, 16) == 0, le32(record, 20) == 0, le64(record, 24) == le64(record, 32) else {
            throw ExportError(.unsupported, "multi-disk (spanned) archives are not supported")
        }
        let count = try checkedInt(le64(record, 32), "entry count")
        let cdSize = try checkedInt(le64(record, 40), "central directory size")
        let cdOffset = try checkedInt(le64(record, 48), "central directory offset")
        return (cdOffset, cdSize, count, recordOffset)
    }

    // MARK: Central directory records

    private static func parseCentralRecord(_ cd: [UInt8], at position: inout Int, index: Int) throws -> ZipEntry {
        let p = position
        guard cd.count - p >= 46, le32(cd, p) == centralSignature else {
            throw ExportError(.archive, "central directory record \(index + 1) is missing or cut short")
        }
        let flags = le16(cd, p + 8)
        let method = le16(cd, p + 10)
        let crc = le32(cd, p + 16)
        var compressed = UInt64(le32(cd, p + 20))
        var uncompressed = UInt64(le32(cd, p + 24))
        let nameLength = Int(le16(cd, p + 28)), extraLength = Int(le16(cd, p + 30)), commentLength = Int(le16(cd, p + 32))
        let diskStart = le16(cd, p + 34)
        var localOffset = UInt64(le32(cd, p + 42))
        let variable = nameLength + extraLength + commentLength
        guard cd.count - p - 46 >= variable else {
            throw ExportError(.archive, "central directory record \(index + 1) runs past the end of the directory")
        }
        let nameBytes = cd[(p + 46)..<(p + 46 + nameLength)]
        let extra = Array(cd[(p + 46 + nameLength)..<(p + 46 + nameLength + extraLength)])
        position = p + 46 + variable

        guard let name = String(validating: nameBytes, as: UTF8.self) else {
            throw ExportError(.unsafeEntryName, "entry name of record \(index + 1) is not valid UTF-8")
        }
        // A directory entry ("models/") is checked for safety without its slash, then refused.
        try validateEntryName(name.hasSuffix("/") ? String(name.dropLast()) : name)
        if name.hasSuffix("/") {
            throw ExportError(.unexpectedEntry, entry: name, "directory entries are not part of a bundle")
        }
        guard flags & 0x41 == 0 else { throw ExportError(.unsupported, entry: name, "the entry is encrypted") }
        guard method == 0 || method == 8 else {
            throw ExportError(.unsupported, entry: name, "compression method \(method), expected 0 (stored) or 8 (deflate)")
        }

        // ZIP64 extended information (header 0x0001) holds, in order, only the fields whose
        // 32-bit slot is 0xFFFFFFFF.
        if uncompressed == 0xFFFF_FFFF || compressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF || diskStart == 0xFFFF {
            guard let z = zip64Field(extra) else {
                throw ExportError(.archive, entry: name, "sizes are marked ZIP64 but the ZIP64 extra field is missing")
            }
            var q = 0
            func next() throws -> UInt64 {
                guard z.count - q >= 8 else { throw ExportError(.archive, entry: name, "the ZIP64 extra field is too short") }
                defer { q += 8 }
                return le64(z, q)
            }
            if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
            if compressed == 0xFFFF_FFFF { compressed = try next() }
            if localOffset == 0xFFFF_FFFF { localOffset = try next() }
        }
        guard diskStart == 0 || diskStart == 0xFFFF else {
            throw ExportError(.unsupported, entry: name, "the entry starts on disk \(diskStart) of a spanned archive")
        }
        return ZipEntry(name: name, method: method, crc32: crc,
                        compressedSize: try checkedInt(compressed, "compressed size", entry: name),
                        uncompressedSize: try checkedInt(uncompressed, "uncompressed size", entry: name),
                        localHeaderOffset: try checkedInt(localOffset, "local header offset", entry: name),
                        dataOffset: 0)
    }

    /// The payload of the ZIP64 extra field in an extra-field block, if present.
    private static func zip64Field(_ extra: [UInt8]) -> [UInt8]? {
        var q = 0
        while extra.count - q >= 4 {
            let id = le16(extra, q), length = Int(le16(extra, q + 2))
            guard extra.count - q - 4 >= length else { return nil }
            if id == 0x0001 { return Array(extra[(q + 4)..<(q + 4 + length)]) }
            q += 4 + length
        }
        return nil
    }

    private static func checkSizes(_ e: ZipEntry, limits: BundleLimits) throws {
        guard e.uncompressedSize <= limits.maxEntryBytes else {
            throw ExportError(.tooLarge, entry: e.name, "declares \(e.uncompressedSize) uncompressed bytes, more than the \(limits.maxEntryBytes)-byte cap")
        }
        if e.isDeflated {
            if e.uncompressedSize > limits.ratioExemptBytes {
                let (bound, overflow) = e.compressedSize.multipliedReportingOverflow(by: limits.maxCompressionRatio)
                guard overflow || e.uncompressedSize <= bound else {
                    throw ExportError(.tooLarge, entry: e.name, "compression ratio \(e.uncompressedSize / max(1, e.compressedSize)):1 exceeds the \(limits.maxCompressionRatio):1 cap (a zip bomb?)")
                }
            }
        } else if e.compressedSize != e.uncompressedSize {
            throw ExportError(.archive, entry: e.name, "stored entry declares \(e.compressedSize) stored bytes but \(e.uncompressedSize) uncompressed bytes")
        }
    }

    // MARK: Local headers

    /// Checks the entry's local header and returns the offset of its data.
    private static func checkLocalHeader(_ e: ZipEntry, source: ByteSource, cdOffset: Int) throws -> Int {
        guard e.localHeaderOffset <= cdOffset, cdOffset - e.localHeaderOffset >= 30 else {
            throw ExportError(.archive, entry: e.name, "the local header offset \(e.localHeaderOffset) is not before the central directory")
        }
        let header = try source.read(at: e.localHeaderOffset, count: 30)
        guard le32(header, 0) == localSignature else {
            throw ExportError(.archive, entry: e.name, "no local file header at offset \(e.localHeaderOffset)")
        }
        let nameLength = Int(le16(header, 26)), extraLength = Int(le16(header, 28))
        let nameStart = e.localHeaderOffset + 30
        guard cdOffset - nameStart >= nameLength + extraLength else {
            throw ExportError(.archive, entry: e.name, "the local header runs into the central directory")
        }
        let localName = try source.read(at: nameStart, count: nameLength)
        guard localName.elementsEqual(e.name.utf8) else {
            throw ExportError(.archive, entry: e.name, "the local header names a different entry ('\(String(decoding: localName, as: UTF8.self))')")
        }
        guard le16(header, 8) == e.method else {
            throw ExportError(.archive, entry: e.name, "the local header's compression method \(le16(header, 8)) differs from the central directory's \(e.method)")
        }
        let localExtra = try source.read(at: nameStart + nameLength, count: extraLength)
        try checkLocalSizes(e, header: header, extra: localExtra)
        let dataOffset = nameStart + nameLength + extraLength
        guard e.compressedSize <= cdOffset - dataOffset else {
            throw ExportError(.truncated, entry: e.name, "declares \(e.compressedSize) bytes of data but only \(cdOffset - dataOffset) lie before the central directory")
        }
        return dataOffset
    }

    /// The local header's CRC-32 and sizes must be the central directory's: a reader that
    /// trusts the local header (many streaming unzippers do) must not see another file than
    /// dcl checks. With bit 3 set (a data descriptor follows the data) the local fields may be
    /// zero; a 0xFFFFFFFF size defers to the local ZIP64 extra field, which must then agree.
    private static func checkLocalSizes(_ e: ZipEntry, header: [UInt8], extra: [UInt8]) throws {
        let flags = le16(header, 6)
        let crc = le32(header, 14), compressed = le32(header, 18), uncompressed = le32(header, 22)
        if flags & 0x0008 != 0 && crc == 0 && compressed == 0 && uncompressed == 0 { return }
        guard crc == e.crc32 else {
            throw ExportError(.archive, entry: e.name, "the local header's crc-32 \(hex32(crc)) differs from the central directory's \(hex32(e.crc32))")
        }
        let zip64 = zip64Field(extra) ?? []
        var q = 0
        func size(_ field: UInt32, _ what: String, _ central: Int) throws {
            var value = UInt64(field)
            if field == 0xFFFF_FFFF {
                guard zip64.count - q >= 8 else {
                    throw ExportError(.archive, entry: e.name, "the local header marks its \(what) size ZIP64 but has no ZIP64 extra field for it")
                }
                value = le64(zip64, q)
                q += 8
            }
            guard value == UInt64(central) else {
                throw ExportError(.archive, entry: e.name, "the local header's \(what) size \(value) differs from the central directory's \(central)")
            }
        }
        // The ZIP64 extra field holds the uncompressed size first, then the compressed one.
        try size(uncompressed, "uncompressed", e.uncompressedSize)
        try size(compressed, "compressed", e.compressedSize)
    }

    private static func checkNoOverlap(_ entries: [ZipEntry]) throws {
        let sorted = entries.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.dataOffset + a.compressedSize > b.localHeaderOffset {
            throw ExportError(.archive, entry: b.name, "the entry's bytes overlap those of '\(a.name)'")
        }
    }

    private static func checkedInt(_ v: UInt64, _ what: String, entry: String? = nil) throws -> Int {
        guard v <= UInt64(Int.max) else { throw ExportError(.tooLarge, entry: entry, "\(what) \(v) is out of range") }
        return Int(v)
    }
}

// MARK: Little-endian field access (callers check the bounds first)

@inline(__always) func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
@inline(__always) func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
}
@inline(__always) func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }
