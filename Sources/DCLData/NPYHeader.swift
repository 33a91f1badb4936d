// A parser for the tiny subset of Python literal syntax .npy headers use:
//   dict  := '{' (string ':' value ','?)* '}'
//   value := string | 'True' | 'False' | int | tuple | list
//   tuple := '(' (value ',')* value? ')'      list := '[' (value ',')* value? ']'
// Tuples of non-negative integers become `.tuple`; anything nested or structured becomes
// `.other`, which the caller rejects with a precise message. Depth is bounded so a hostile
// header cannot recurse without limit.

enum NPYValue: Equatable {
    case string(String)
    case bool(Bool)
    case int(Int)
    case tuple([Int])
    case other
}

struct NPYHeaderParser {
    let chars: [Character]
    let path: String
    var i = 0

    init(text: String, path: String) {
        chars = Array(text)
        self.path = path
    }

    private func fail(_ what: String) -> DataError {
        let found = i < chars.count ? quoted(String(chars[i...].prefix(12))) : "the end of the header"
        return DataError(.malformed, path: path, "bad .npy header at character \(i + 1): expected \(what), found \(found)")
    }

    private mutating func skipSpace() {
        while i < chars.count && chars[i].isWhitespace { i += 1 }
    }

    private mutating func expect(_ c: Character) throws {
        skipSpace()
        guard i < chars.count && chars[i] == c else { throw fail("'\(c)'") }
        i += 1
    }

    private mutating func peek() -> Character? {
        skipSpace()
        return i < chars.count ? chars[i] : nil
    }

    mutating func parseDict() throws -> [String: NPYValue] {
        try expect("{")
        var out: [String: NPYValue] = [:]
        while true {
            if peek() == "}" { i += 1; break }
            guard case .string(let key) = try parseValue(depth: 0) else { throw fail("a quoted key") }
            try expect(":")
            out[key] = try parseValue(depth: 0)
            if peek() == "," { i += 1; continue }
            try expect("}")
            break
        }
        skipSpace()
        guard i == chars.count else { throw fail("the end of the header after '}'") }
        return out
    }

    private mutating func parseValue(depth: Int) throws -> NPYValue {
        guard depth < 16 else { throw fail("less nesting") }
        guard let c = peek() else { throw fail("a value") }
        switch c {
        case "'", "\"":
            i += 1
            var s = ""
            while i < chars.count && chars[i] != c {
                if chars[i] == "\\" && i + 1 < chars.count { i += 1 }
                s.append(chars[i])
                i += 1
            }
            guard i < chars.count else { throw fail("a closing quote") }
            i += 1
            return .string(s)
        case "(", "[":
            let close: Character = c == "(" ? ")" : "]"
            i += 1
            var items: [NPYValue] = []
            while true {
                if peek() == close { i += 1; break }
                items.append(try parseValue(depth: depth + 1))
                if peek() == "," { i += 1; continue }
                try expect(close)
                break
            }
            if c == "(" {
                var ints: [Int] = []
                for item in items {
                    guard case .int(let v) = item, v >= 0 else { return .other }
                    ints.append(v)
                }
                return .tuple(ints)
            }
            return .other
        default:
            var word = ""
            while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "-" || chars[i] == "+" {
                word.append(chars[i])
                i += 1
            }
            if word == "True" { return .bool(true) }
            if word == "False" { return .bool(false) }
            // Python 2 era writers append "L" to longs: (3L, 4L).
            let digits = word.hasSuffix("L") ? String(word.dropLast()) : word
            if let v = Int(digits) { return .int(v) }
            throw fail("a string, True, False, an integer or a tuple")
        }
    }
}
