// (user, item[, rating][, label][, timestamp]) samples read from a CSV file a batch at a time,
// for `dcl pool import`: every row checked as MovieLens' loader checks it (integer ids, finite
// ratings, 0/1 labels, timestamps in int32 seconds), every error at its file, line and column.
// Users and items get dense indices in order of first appearance, as the loaders give them.

public struct RatingsLayout: Sendable, Equatable {
    /// A column by header name, or by 1-based position when the file has no header.
    public enum Column: Sendable, Equatable, CustomStringConvertible {
        case name(String)
        case position(Int)

        public var description: String {
            switch self {
            case .name(let n): return quoted(n)
            case .position(let p): return "\(p)"
            }
        }
    }

    public var user: Column
    public var item: Column
    public var rating: Column?
    public var label: Column?
    public var time: Column?
    public var header: Bool
    public var separator: UInt8

    public init(user: Column, item: Column, rating: Column?, label: Column?, time: Column?, header: Bool = true, separator: UInt8 = 0x2C) {
        self.user = user
        self.item = item
        self.rating = rating
        self.label = label
        self.time = time
        self.header = header
        self.separator = separator
    }

    /// MovieLens' ratings.csv.
    public static let movieLens = RatingsLayout(user: .name("userId"), item: .name("movieId"), rating: .name("rating"), label: nil,
                                                time: .name("timestamp"))
}

/// Columns of consecutive samples; the ones the layout lacks stay empty.
public struct RatingsBatch: Sendable {
    public var user: [Int32] = []
    public var item: [Int32] = []
    public var rating: [Float] = []
    public var label: [Float] = []
    public var time: [Int64] = []
    public var count: Int { user.count }
}

public final class RatingsStream {
    public let path: String
    public let layout: RatingsLayout
    public private(set) var users = Vocabulary()
    public private(set) var items = Vocabulary()
    /// Samples read so far.
    public private(set) var count = 0
    private let stream: CSVStream
    private var names: [String] = []
    private var width: Int?
    private var indices: (user: Int, item: Int, rating: Int?, label: Int?, time: Int?) = (0, 0, nil, nil, nil)

    public convenience init(path: String, layout: RatingsLayout) throws {
        try self.init(path: path, layout: layout, chunkBytes: 1 << 20)
    }

    init(path: String, layout: RatingsLayout, chunkBytes: Int) throws {
        self.path = path
        self.layout = layout
        stream = try CSVStream(path: path, separator: layout.separator, chunkBytes: chunkBytes)
        try start()
    }

    /// Reads the header (or, without one, checks the positions against the first row).
    private func start() throws {
        if layout.header {
            guard try stream.next() else { throw DataError(.malformed, path: path, line: 1, "empty file, expected a header") }
            let r = stream.reader
            names = (0..<r.fields.count).map { r.text($0) }
            width = names.count
        }
        func index(_ column: RatingsLayout.Column, _ role: String) throws -> Int {
            switch column {
            case .name(let name):
                guard layout.header else {
                    throw DataError(.invalidArgument, path: path, "the \(role) column is named \(quoted(name)), but the file has no header: give its position (1, 2, …)")
                }
                guard let i = names.firstIndex(of: name) else {
                    // One column only: most likely the file is separated by another character.
                    let hint = names.count == 1 ? " (one column: is the file separated by another character?)" : ""
                    throw DataError(.missingColumn, path: path, line: stream.reader.recordLine,
                                    "no \(role) column \(quoted(name)) in the header, found \(quoted(names.joined(separator: String(UnicodeScalar(layout.separator))), limit: 120))\(hint)")
                }
                return i
            case .position(let p):
                guard p >= 1 else { throw DataError(.invalidArgument, path: path, "column positions count from 1, found \(p) for the \(role) column") }
                if let width, p > width {
                    throw DataError(.missingColumn, path: path, line: stream.reader.recordLine, "the \(role) column is \(p), but the header has \(width) columns")
                }
                return p - 1
            }
        }
        indices = (try index(layout.user, "user"), try index(layout.item, "item"), try layout.rating.map { try index($0, "rating") },
                   try layout.label.map { try index($0, "label") }, try layout.time.map { try index($0, "timestamp") })
    }

    private func columnName(_ i: Int) -> String { i < names.count ? "column \(quoted(names[i]))" : "column \(i + 1)" }

    /// The next samples (at most `limit`), or nil when the file has no more.
    public func next(limit: Int) throws -> RatingsBatch? {
        var b = RatingsBatch()
        b.user.reserveCapacity(limit)
        b.item.reserveCapacity(limit)
        while b.count < limit, try stream.next() {
            let r = stream.reader
            // Without a header, the first row fixes the width.
            let width = self.width ?? r.fields.count
            if self.width == nil {
                let needed = [indices.user, indices.item, indices.rating, indices.label, indices.time].compactMap { $0 }.max()! + 1
                guard needed <= width else {
                    throw r.recordError(.missingColumn, "the layout needs \(needed) columns, the first row has \(width)")
                }
                self.width = width
            }
            guard r.fields.count == width else {
                throw r.recordError(.fieldCount, "expected \(width) fields as in the \(layout.header ? "header" : "first row"), found \(r.fields.count)")
            }
            func id(_ i: Int) throws -> Int64 {
                guard let v = NumberParsing.int(r.raw(i)) else {
                    throw r.error(.notNumeric, field: i, "\(columnName(i)): expected an integer id, found \(DataLoader.describeField(r, i))")
                }
                return v
            }
            let u = try id(indices.user), m = try id(indices.item)
            if let ri = indices.rating {
                guard let v = NumberParsing.float(r.raw(ri)) else {
                    throw r.error(.notNumeric, field: ri, "\(columnName(ri)) (rating): expected a finite number, found \(DataLoader.describeField(r, ri))")
                }
                b.rating.append(v)
            }
            if let li = indices.label {
                guard let v = NumberParsing.float(r.raw(li)), v == 0 || v == 1 else {
                    throw r.error(.notNumeric, field: li, "\(columnName(li)) (label): expected 0 or 1, found \(DataLoader.describeField(r, li))")
                }
                b.label.append(v)
            }
            if let ti = indices.time {
                guard let t = NumberParsing.int(r.raw(ti)) else {
                    throw r.error(.notNumeric, field: ti, "\(columnName(ti)) (timestamp): expected an integer (Unix seconds), found \(DataLoader.describeField(r, ti))")
                }
                guard t >= Int64(Int32.min) && t <= Int64(Int32.max) else {
                    throw r.error(.notNumeric, field: ti, "\(columnName(ti)) (timestamp): value \(t) does not fit in int32 seconds")
                }
                b.time.append(t)
            }
            guard users.count < Int(Int32.max) && items.count < Int(Int32.max) else {
                throw r.recordError(.tooLarge, "more than \(Int32.max) distinct ids")
            }
            b.user.append(users.intern(u))
            b.item.append(items.intern(m))
            guard count < Int.max else { throw r.recordError(.tooLarge, "more than \(Int.max) samples") }
            count += 1
        }
        if b.count == 0 && count == 0 {
            throw DataError(.malformed, path: path, line: stream.reader.currentLine,
                            "expected at least one sample\(layout.header ? " after the header" : ""), found none")
        }
        return b.count == 0 ? nil : b
    }
}
