// Image folders, the way vision data sets are often shipped: `dir/<class>/<image>.png`, one
// sub-folder per class. Class names sorted (by their UTF-8 bytes, as `LC_ALL=C ls` sorts) give
// the label ids 0, 1, …, and the names are kept on the data set. Files are read in sorted order
// too, so the rows' order is the same on every machine.
//
// Decisions, each with its reason:
// - Hidden entries (names starting with ".") are skipped: editors and file browsers leave them.
// - Files directly in `dir` are ignored (a README or a labels list often sits there); only
//   sub-folders are classes. A class folder must hold at least one image; a non-PNG file or a
//   folder inside it is an error naming it — a stray file in a data set is a mistake to fix,
//   not something to silently train without.
// - Every image must have the size given by `size:` (or, without it, the first image's size).
//   Images of another size are refused with both sizes and the file named; resizing would
//   invent pixels by a method the script did not choose.
// - `channels: 3` turns gray into RGB by repeating it; `channels: 1` turns colour into gray with
//   ITU-R 601 weights in the integer form Pillow's convert("L") uses. Alpha is dropped.
// Pixels are kept as bytes [N, C, H, W] and become Float32 0…255 when rows are gathered.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DCLTensor

extension DataLoader {
    /// Loads `dir/<class>/<file>.png` into `x` [N, channels, H, W] (0…255) and `y` i32[N].
    public static func images(_ dir: String, size: [Int]? = nil, channels: Int = 3) throws -> Dataset {
        guard channels == 1 || channels == 3 else {
            throw DataError.argument("images", "expected channels 1 (gray) or 3 (RGB), found \(channels)")
        }
        if let size {
            guard size.count == 2, size.allSatisfy({ $0 > 0 }) else {
                throw DataError.argument("images", "expected size [height, width] of two positive numbers, found \(size)")
            }
        }
        let classes = try listFolder(dir).filter { try isFolder(join(dir, $0)) }
        guard !classes.isEmpty else {
            throw DataError(.badShape, path: dir, "holds no class folders, expected one sub-folder per class (dir/<class>/<image>.png)")
        }
        guard classes.count <= DataLimits.maxClasses else {
            throw DataError(.tooLarge, path: dir, "holds \(classes.count) class folders, more than the limit of \(DataLimits.maxClasses)")
        }
        var expected: (h: Int, w: Int, from: String)? = size.map { ($0[0], $0[1], "as given by size: [\($0[0]), \($0[1])]") }
        var images: [[UInt8]] = []
        var labels: [Int32] = []
        for (label, name) in classes.enumerated() {
            let folder = join(dir, name)
            let files = try listFolder(folder)
            guard !files.isEmpty else {
                throw DataError(.badShape, path: folder, "class folder '\(name)' holds no images")
            }
            for file in files {
                let path = join(folder, file)
                if try isFolder(path) {
                    throw DataError(.unsupported, path: path, "is a folder inside class folder '\(name)', expected PNG image files only")
                }
                let image = try readImage(path)
                if let e = expected {
                    guard image.height == e.h, image.width == e.w else {
                        throw DataError(.badShape, path: path, "image is \(image.height) × \(image.width) (height × width), expected \(e.h) × \(e.w) \(e.from); images are not resized, resize them to one size first")
                    }
                } else {
                    expected = (image.height, image.width, "like the first image, \(quotedPath(path))")
                }
                images.append(planar(image, channels: channels))
                labels.append(Int32(label))
            }
        }
        let (h, w) = (expected!.h, expected!.w)
        let shape = [images.count, channels, h, w]
        let n = try checkedElementCount(shape, path: dir)
        let storage = TensorStorage(overwrittenByteCount: max(n, 1))
        let perImage = channels * h * w
        for (i, im) in images.enumerated() {
            im.withUnsafeBytes { (storage.bytes + i * perImage).copyMemory(from: $0.baseAddress!, byteCount: perImage) }
        }
        var d = try Dataset(stored: [("x", StoredColumn(bytes: storage, shape: shape)),
                                     ("y", StoredColumn(try Tensor(shape: [labels.count], ints: labels)))],
                            classCount: classes.count,
                            source: "images(\(quotedPath(dir))\(size.map { ", size: \($0)" } ?? ""), channels: \(channels))")
        d.classNames = classes
        return d
    }

    /// Reads and decodes one image file; anything but a PNG is an error naming the file.
    static func readImage(_ path: String) throws -> PNGImage {
        let buffer = try FileBytes.read(path)
        return try withExtendedLifetime(buffer) {
            let b = buffer.bytes
            guard PNG.isPNG(b) else {
                let jpeg = b.count >= 2 && b[0] == 0xFF && b[1] == 0xD8
                throw DataError(.unsupported, path: path, jpeg ? "is a JPEG file; image folders hold PNG files only (convert it to PNG)"
                                                               : "is not a PNG file; image folders hold PNG files only")
            }
            return try PNG.decode(b, path: path)
        }
    }

    /// Interleaved 8-bit samples → `channels` planes (CHW), converting gray ↔ colour.
    static func planar(_ im: PNGImage, channels: Int) -> [UInt8] {
        let plane = im.width * im.height
        var out = [UInt8](repeating: 0, count: plane * channels)
        let k = im.channels
        for p in 0..<plane {
            let s = p * k
            if k >= 3 {
                let (r, g, b) = (Int(im.pixels[s]), Int(im.pixels[s + 1]), Int(im.pixels[s + 2]))
                if channels == 3 {
                    out[p] = UInt8(r); out[plane + p] = UInt8(g); out[2 * plane + p] = UInt8(b)
                } else {
                    // Pillow's L = R·299/1000 + G·587/1000 + B·114/1000, in 16-bit fixed point.
                    out[p] = UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
                }
            } else {
                let v = im.pixels[s]
                for c in 0..<channels { out[c * plane + p] = v }
            }
        }
        return out
    }

    /// Visible entries of a folder, sorted by their UTF-8 bytes.
    static func listFolder(_ path: String) throws -> [String] {
        guard let d = opendir(path) else {
            switch errno {
            case ENOENT: throw DataError(.fileNotFound, path: path, "no such folder")
            case ENOTDIR: throw DataError(.io, path: path, "is a file, expected a folder with one sub-folder per class")
            case EACCES, EPERM: throw DataError(.permissionDenied, path: path, "permission denied")
            default: throw DataError(.io, path: path, "cannot open folder: \(String(cString: strerror(errno)))")
            }
        }
        defer { closedir(d) }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Whether `path` is a folder (following symbolic links).
    static func isFolder(_ path: String) throws -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { throw FileBytes.openError(path, errno) }
        return st.st_mode & S_IFMT == S_IFDIR
    }

    static func join(_ dir: String, _ name: String) -> String {
        dir.hasSuffix("/") ? dir + name : dir + "/" + name
    }
}
