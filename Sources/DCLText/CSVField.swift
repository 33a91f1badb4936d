// The one CSV field writer: `dcl run --out`'s tables and `save … to "x.csv"` both call it, so a
// cell is spelled the same way whichever wrote it.

/// `text` as an RFC 4180 field: bare when no reader could misread it, otherwise between quotes
/// in the `.csv` style (quotes doubled, line breaks kept as data, other controls spelled out).
/// Quoted are fields with a comma, a quote or a line break (a reader would split them), with a
/// space at either end (many readers trim it), and with a control character.
public func csvField(_ text: String) -> String {
    let needsQuotes = text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0.value < 0x20 })
        || text.unicodeScalars.first == " " || text.unicodeScalars.last == " "
    return needsQuotes ? quoted(text, .csv) : text
}
