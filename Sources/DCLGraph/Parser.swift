// Reads the text form written by `GraphPrinter` (grammar in Printer.swift). Value ids are kept
// as written, so a parsed graph prints back identically. Errors name the line. The text may
// come from a bundle anyone made, so every number is bounded (GraphTextLimits) before any
// arithmetic sees it: an out-of-range id, dimension or attribute is a parse error, not a trap.

import DCLTensor

/// Parses graph text.
public enum GraphParser {
    public static func parse(_ text: String) throws -> Graph {
        var g = Graph()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var sawHeader = false, sawEnd = false
        for (number, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            func fail(_ m: String) -> GraphError { GraphError(op: "parse", "line \(number + 1): \(m)") }
            if !sawHeader {
                guard line == "graph {" else { throw fail("expected 'graph {'") }
                sawHeader = true
                continue
            }
            guard !sawEnd else { throw fail("text after the closing '}'") }
            if line == "}" { sawEnd = true; continue }
            var c = Cursor(line, fail: fail)
            do {
                try statement(&c, &g)
            } catch let e as GraphError where !e.message.hasPrefix("line ") {
                throw fail(e.description)
            } catch let e as TensorError {
                // A constant or parameter whose shape is too large for a tensor.
                throw fail(e.description)
            }
        }
        guard sawHeader, sawEnd else { throw GraphError(op: "parse", "missing 'graph {' … '}'") }
        try Verifier.verify(g)
        return g
    }

    static func statement(_ c: inout Cursor, _ g: inout Graph) throws {
        if c.keyword("input") {
            let id = try c.valueID(); let name = try c.string(); try c.expect(":")
            let t = try c.type()
            guard c.atEnd else { throw c.fail("unexpected text after input") }
            _ = g.addInput(name, t, id: id)
        } else if c.keyword("param") {
            let id = try c.valueID(); let name = try c.string(); try c.expect(":")
            let t = try c.type()
            guard let shape = t.constantShape else { throw c.fail("parameter shapes must be constant") }
            _ = try elementCount(shape, op: "param")
            guard c.keyword("init"), c.take("=") else { throw c.fail("expected init=") }
            let initText = c.word(until: " ")
            guard let initializer = Initializer(parsing: initText) else { throw c.fail("unknown initializer '\(initText)'") }
            let flag = c.word(until: " ")
            guard flag == "trainable" || flag == "frozen", c.atEnd else { throw c.fail("expected trainable or frozen") }
            _ = g.addParameter(name, shape: shape, dtype: t.dtype, initializer: initializer, trainable: flag == "trainable", id: id)
        } else if c.keyword("const") {
            let id = try c.valueID(); try c.expect(":")
            let t = try c.type(); try c.expect("=")
            guard let shape = t.constantShape else { throw c.fail("constant shapes must be constant") }
            let items = try c.bracketItems()
            guard c.atEnd else { throw c.fail("unexpected text after constant") }
            let tensor: Tensor
            switch t.dtype {
            case .float32:
                let fs = try items.map { s -> Float in guard let f = parseFloat(s) else { throw c.fail("bad float '\(s)'") }; return f }
                tensor = try Tensor(shape: shape, floats: fs)
            case .int32:
                let xs = try items.map { s -> Int32 in guard let v = Int32(s) else { throw c.fail("bad integer '\(s)'") }; return v }
                tensor = try Tensor(shape: shape, ints: xs)
            }
            _ = g.addConstant(tensor, id: id)
        } else if c.keyword("output") {
            let name = try c.string(); try c.expect("="); let v = try c.valueID()
            guard g.types[v] != nil else { throw c.fail("output refers to undefined \(v)") }
            g.outputs.append(GraphOutput(name: name, value: v))
        } else if c.keyword("assign") {
            let name = try c.string(); try c.expect("="); let v = try c.valueID()
            guard g.types[v] != nil else { throw c.fail("assignment refers to undefined \(v)") }
            g.assignments.append(Assignment(parameter: name, value: v))
        } else {
            var outs = [try c.valueID()]
            while c.take(",") { outs.append(try c.valueID()) }
            try c.expect("=")
            let opName = c.word(until: "(")
            try c.expect("(")
            var ins: [ValueID] = []
            if !c.take(")") {
                repeat { ins.append(try c.valueID()) } while c.take(",")
                try c.expect(")")
            }
            try c.expect("{")
            var attrs: [String: AttributeValue] = [:]
            if !c.take("}") {
                repeat {
                    let key = c.word(until: "=")
                    try c.expect("=")
                    let value = try c.attribute()
                    if let problem = GraphTextLimits.check(key, value) { throw c.fail(problem) }
                    attrs[key] = value
                } while c.take(",")
                try c.expect("}")
            }
            try c.expect(":")
            var types = [try c.type()]
            while c.take(",") { types.append(try c.type()) }
            try c.expect("@")
            let name = try c.string()
            try c.expect("#")
            guard let origin = Int(c.word(until: " ")), c.atEnd else { throw c.fail("expected an origin number at the end") }
            let op = try OpRegistry.make(opName, attrs)
            guard types.count == outs.count else { throw c.fail("\(outs.count) results but \(types.count) types") }
            for v in ins where g.types[v] == nil { throw c.fail("\(opName) reads undefined \(v)") }
            _ = g.addNode(op, inputs: ins, outputTypes: types, name: name, origin: origin, ids: outs)
        }
    }
}

func parseFloat(_ s: String) -> Float? {
    switch s {
    case "nan": return .nan
    case "inf": return .infinity
    case "-inf": return -.infinity
    default: return Float(s)
    }
}

/// A character cursor over one line.
struct Cursor {
    let chars: [Character]
    var i = 0
    let failWith: (String) -> GraphError

    init(_ s: String, fail: @escaping (String) -> GraphError) {
        chars = Array(s)
        failWith = fail
    }

    func fail(_ m: String) -> GraphError { failWith(m) }

    var atEnd: Bool { skipSpaceCopy() >= chars.count }

    func skipSpaceCopy() -> Int {
        var j = i
        while j < chars.count && chars[j] == " " { j += 1 }
        return j
    }

    mutating func skipSpace() { i = skipSpaceCopy() }

    mutating func take(_ s: String) -> Bool {
        skipSpace()
        let cs = Array(s)
        guard i + cs.count <= chars.count, Array(chars[i..<(i + cs.count)]) == cs else { return false }
        i += cs.count
        return true
    }

    mutating func expect(_ s: String) throws {
        guard take(s) else { throw fail("expected '\(s)'") }
    }

    /// A keyword followed by a space or '='.
    mutating func keyword(_ k: String) -> Bool {
        let save = i
        skipSpace()
        let cs = Array(k)
        if i + cs.count <= chars.count, Array(chars[i..<(i + cs.count)]) == cs,
           i + cs.count == chars.count || chars[i + cs.count] == " " || chars[i + cs.count] == "=" {
            i += cs.count
            return true
        }
        i = save
        return false
    }

    /// Characters up to (not including) `stop`, a space, ',', '}' or ')' outside parentheses
    /// and brackets (so `kaiming_uniform(fan_in=3,a=1.0)` is one word).
    mutating func word(until stop: Character) -> String {
        skipSpace()
        var s = ""
        var paren = 0, bracket = 0
        while i < chars.count {
            let ch = chars[i]
            if paren == 0 && bracket == 0 && (ch == stop || ch == " " || ch == "," || ch == "}" || ch == ")") { break }
            switch ch {
            case "(": paren += 1
            case ")": paren -= 1
            case "[": bracket += 1
            case "]": bracket -= 1
            default: break
            }
            s.append(ch)
            i += 1
        }
        return s
    }

    mutating func valueID() throws -> ValueID {
        skipSpace()
        guard take("%") else { throw fail("expected a value like %3") }
        var s = ""
        while i < chars.count, chars[i].isASCII, chars[i].isNumber { s.append(chars[i]); i += 1 }
        guard !s.isEmpty else { throw fail("expected a value number after %") }
        // Ten digits cover every allowed id; longer runs are refused before `Int` sees them.
        guard s.count <= 10, let v = Int(s), v <= GraphTextLimits.maxValueID else {
            throw fail("value id %\(s.count > 24 ? String(s.prefix(24)) + "…" : s) is out of range (at most %\(GraphTextLimits.maxValueID))")
        }
        return ValueID(v)
    }

    mutating func string() throws -> String {
        skipSpace()
        guard i < chars.count, chars[i] == "\"" else { throw fail("expected a quoted string") }
        i += 1
        var s = ""
        while i < chars.count {
            let ch = chars[i]
            i += 1
            if ch == "\"" { return s }
            if ch == "\\" {
                guard i < chars.count else { break }
                let e = chars[i]
                i += 1
                switch e {
                case "n": s.append("\n")
                case "t": s.append("\t")
                case "u":
                    guard take("{") else { throw fail("bad \\u escape") }
                    var hex = ""
                    while i < chars.count, chars[i] != "}" { hex.append(chars[i]); i += 1 }
                    i += 1
                    guard let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) else { throw fail("bad \\u escape") }
                    s.unicodeScalars.append(u)
                default: s.append(e)
                }
            } else {
                s.append(ch)
            }
        }
        throw fail("unterminated string")
    }

    /// The items of a `[…]` list as raw text.
    mutating func bracketItems() throws -> [String] {
        try expect("[")
        var items: [String] = []
        var cur = ""
        while i < chars.count {
            let ch = chars[i]
            i += 1
            if ch == "]" {
                let t = cur.trimmingCharacters(in: .whitespaces)
                if !t.isEmpty || !items.isEmpty { items.append(t) }
                return items
            }
            if ch == "," { items.append(cur.trimmingCharacters(in: .whitespaces)); cur = "" } else { cur.append(ch) }
        }
        throw fail("unterminated '['")
    }

    mutating func type() throws -> TensorType {
        skipSpace()
        var name = ""
        while i < chars.count, chars[i].isLetter || chars[i].isNumber { name.append(chars[i]); i += 1 }
        guard let dtype = DType(rawValue: name) else { throw fail("unknown dtype '\(name)'") }
        let items = try bracketItems()
        guard items.count <= GraphTextLimits.maxRank else { throw fail("a type of rank \(items.count), more than \(GraphTextLimits.maxRank)") }
        let dims = try items.map { s -> Dim in
            let d = try dimension(s)
            if let v = d.constant, v < 0 { throw fail("negative dimension \(v)") }
            return d
        }
        return TensorType(dtype, dims)
    }

    /// One dimension, bounded (see `GraphTextLimits`).
    func dimension(_ s: String) throws -> Dim {
        switch Dim.parseBounded(s) {
        case .success(let d): return d
        case .failure(let e): throw fail(e.description)
        }
    }

    mutating func attribute() throws -> AttributeValue {
        skipSpace()
        guard i < chars.count else { throw fail("missing attribute value") }
        if chars[i] == "\"" { return .string(try string()) }
        if chars[i] == "[" {
            let items = try bracketItems()
            if items.allSatisfy({ Int($0) != nil }) { return .ints(items.map { Int($0)! }) }
            if items.allSatisfy({ parseFloat($0) != nil && ($0.contains(".") || $0.contains("e") || $0.hasSuffix("inf") || $0 == "nan") }) {
                return .floats(items.map { parseFloat($0)! })
            }
            return .dims(try items.map { try dimension($0) })
        }
        let w = word(until: ",")
        if w == "true" { return .bool(true) }
        if w == "false" { return .bool(false) }
        if let v = Int(w) { return .int(v) }
        if let f = parseFloat(w) { return .float(f) }
        throw fail("bad attribute value '\(w)'")
    }
}

import Foundation
