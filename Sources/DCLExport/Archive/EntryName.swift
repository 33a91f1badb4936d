// What counts as a safe archive entry name. dcl never extracts a bundle to disk, but a name
// is checked as if it would be — a bundle that a careless `unzip` could turn into a write
// outside its directory is rejected, not merely ignored.
//
// A safe name is a relative path of printable characters: not empty, at most 255 bytes, no
// NUL or other control character, no backslash (a separator on Windows), no colon (drive
// letters, alternate data streams), not starting with "/", and no empty, "." or ".."
// component.

import DCLText

/// Throws `.unsafeEntryName` unless `name` is a safe relative entry name.
func validateEntryName(_ name: String) throws {
    func unsafe(_ why: String) -> ExportError {
        ExportError(.unsafeEntryName, "entry name \(quotedName(name)) \(why)")
    }
    guard !name.isEmpty else { throw unsafe("is empty") }
    guard name.utf8.count <= 255 else { throw unsafe("is longer than 255 bytes") }
    for u in name.unicodeScalars {
        if u.value == 0 { throw unsafe("contains a NUL character") }
        if u.value < 0x20 || u.value == 0x7F { throw unsafe("contains a control character") }
        if u == "\\" { throw unsafe("contains a backslash") }
        if u == ":" { throw unsafe("contains a colon (a drive letter or stream name)") }
    }
    guard !name.hasPrefix("/") else { throw unsafe("is an absolute path") }
    for component in name.split(separator: "/", omittingEmptySubsequences: false) {
        if component.isEmpty { throw unsafe("has an empty path component") }
        if component == ".." { throw unsafe("climbs out of the bundle ('..' component)") }
        if component == "." { throw unsafe("has a '.' component") }
    }
}

/// `name` in single quotes with control characters spelled out, safe to print.
func quotedName(_ name: String) -> String { quoted(name, .name) }
