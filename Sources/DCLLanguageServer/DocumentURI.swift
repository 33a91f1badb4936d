// Document URIs. `file://` URIs map to paths (percent-decoded; imports resolve against the
// file's directory); any other scheme (`untitled:`) is checked as a file in the current
// directory named after the URI. Embedded StdLib modules are served as read-only files: the
// first time a definition points into one, its text is written to a cache directory
// (`$XDG_CACHE_HOME/dcl/stdlib-<hash>/std/x.dcl`, else `~/.cache/…`, else the temporary
// directory) with mode 0444, and the location is that file's `file://` URI — every client can
// open a file, while a custom scheme would need client-side code.

import DCLStdLib
import Foundation

public enum DocumentURI {
    /// The path of a `file://` URI, percent-decoded; nil for other schemes.
    public static func path(of uri: String) -> String? {
        guard uri.lowercased().hasPrefix("file://") else { return nil }
        var rest = Substring(uri.dropFirst("file://".count))
        // `file://host/path`: a host other than empty or localhost cannot be read here.
        if !rest.hasPrefix("/") {
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            let host = rest[..<slash]
            guard host.lowercased() == "localhost" else { return nil }
            rest = rest[slash...]
        }
        return percentDecoded(String(rest))
    }

    /// The path a document is checked as: its file path, or a name in the current directory.
    public static func checkPath(of uri: String) -> String {
        if let p = path(of: uri) { return p }
        let name = uri.split(whereSeparator: { $0 == "/" || $0 == ":" }).last.map(String.init) ?? "untitled"
        return FileManager.default.currentDirectoryPath + "/" + (name.hasSuffix(".dcl") ? name : name + ".dcl")
    }

    /// A `file://` URI for an absolute path (unreserved characters and `/` kept, the rest escaped).
    public static func uri(forPath path: String) -> String {
        var out = "file://"
        for b in path.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.append(Character(Unicode.Scalar(b)))
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    /// `%XX` decoded as UTF-8 bytes; a malformed escape is kept as written.
    static func percentDecoded(_ s: String) -> String {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - 55
        default: return nil
        }
    }
}

/// The embedded StdLib as read-only files (see `DocumentURI`).
public final class StdLibFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var written: [String: String] = [:]
    let root: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base: String
        if let x = environment["XDG_CACHE_HOME"], !x.isEmpty { base = x + "/dcl" }
        else if let h = environment["HOME"], !h.isEmpty { base = h + "/.cache/dcl" }
        else { base = NSTemporaryDirectory() + "dcl" }
        // Named by a hash of the sources, so a newer dcl never shows an older StdLib's text.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for key in StdLibSources.files.keys.sorted() {
            for b in Array(key.utf8) + Array(StdLibSources.files[key]!.utf8) { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        root = base + "/stdlib-" + String(h, radix: 16)
    }

    /// The URI for a source path as dcl names it: `<stdlib>/std/x.dcl` becomes the cached
    /// read-only copy, an absolute path its `file://` URI; nil if there is no such file.
    public func uri(forSourcePath path: String) -> String? {
        let prefix = "<stdlib>/"
        guard path.hasPrefix(prefix) else { return path.hasPrefix("/") ? DocumentURI.uri(forPath: path) : nil }
        let rel = String(path.dropFirst(prefix.count))
        lock.lock()
        defer { lock.unlock() }
        if let done = written[rel] { return done }
        guard let text = StdLibSources.files[rel] else { return nil }
        let full = root + "/" + rel
        let fm = FileManager.default
        if fm.contents(atPath: full).map({ Array($0) }) != Array(text.utf8) {
            do {
                try fm.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                // Replaced by rename so a concurrent server never reads half a file.
                let tmp = full + ".tmp-\(getpid())"
                try Data(text.utf8).write(to: URL(fileURLWithPath: tmp))
                chmod(tmp, 0o444)
                if rename(tmp, full) != 0 { unlink(tmp); return nil }
            } catch {
                return nil
            }
        }
        let uri = DocumentURI.uri(forPath: full)
        written[rel] = uri
        return uri
    }
}
