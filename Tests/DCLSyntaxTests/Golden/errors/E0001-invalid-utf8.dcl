// Bytes that are not UTF-8 are reported once per run and skipped.
let name = "cafÿþ"
// error: 2:16 E0001 invalid UTF-8 (bytes 0xFF 0xFE)
// ast: (let name "cafï¿½ï¿½")
