// MovieLens ratings as an implicit-feedback click-through data set (CoDA's setting: users are
// devices, a rating at or above a threshold counts as a positive).
//
// `ratings.csv` (header required; columns found by name: userId, movieId, rating, timestamp)
// becomes the columns
//   user   Int32 [N]  dense user index (vocabulary "user": original userId ↔ index)
//   item   Int32 [N]  dense movie index (vocabulary "item": original movieId ↔ index)
//   y      Int32 [N]  1 if rating ≥ threshold else 0 (Float32 with `labelDType: .float32`)
//   rating Float32 [N], time Int32 [N] (Unix seconds)
// plus per-sample groups = user index (groupKind "user"). Dense indices follow first appearance,
// so the same file always maps the same way. With `movies.csv`, a `genres` column Float32
// [N, G] holds each rated movie's multi-hot genres (the G genres of rated movies, sorted, named in
// `featureNames["genres"]`; "(no genres listed)" is the empty set).

import DCLTensor

extension DataLoader {
    /// Loads MovieLens ratings (and optionally movie genres); see the file comment for columns.
    public static func movieLens(ratings: String, movies: String? = nil, threshold: Float = 4.0,
                                 labelDType: DType = .int32) throws -> Dataset {
        guard threshold.isFinite else {
            throw DataError.argument("movielens", "expected a finite threshold, found \(threshold)")
        }
        let buffer = try FileBytes.read(ratings)
        var d = try withExtendedLifetime(buffer) {
            try parseRatings(buffer.bytes, path: ratings, threshold: threshold, labelDType: labelDType)
        }
        if let movies {
            let genres = try movieGenres(movies)
            d = try attachGenres(d, genres, moviesPath: movies, ratingsPath: ratings)
            d.source = d.source.replacingLast(")", with: ", movies: \(quotedPath(movies)))")
        }
        return d
    }

    static func parseRatings(_ bytes: UnsafeBufferPointer<UInt8>, path: String, threshold: Float,
                             labelDType: DType) throws -> Dataset {
        var reader = CSVReader(bytes, path: path)
        guard try reader.next() else {
            throw DataError(.malformed, path: path, line: 1, "empty file, expected the header 'userId,movieId,rating,timestamp'")
        }
        let header = (0..<reader.fields.count).map { reader.text($0) }
        func index(_ name: String) throws -> Int {
            guard let i = header.firstIndex(of: name) else {
                throw DataError(.missingColumn, path: path, line: reader.recordLine,
                                "no column \(quoted(name)) in the header, expected 'userId,movieId,rating,timestamp', found \(quoted(header.joined(separator: ",")))")
            }
            return i
        }
        let (ui, mi, ri, ti) = (try index("userId"), try index("movieId"), try index("rating"), try index("timestamp"))
        let width = header.count

        var users = Vocabulary(), items = Vocabulary()
        var user: [Int32] = [], item: [Int32] = [], label: [Int32] = [], rating: [Float] = [], time: [Int32] = []
        let estimate = bytes.count / 24  // ratings rows are ~24 bytes
        user.reserveCapacity(estimate); item.reserveCapacity(estimate); label.reserveCapacity(estimate)
        time.reserveCapacity(estimate); rating.reserveCapacity(estimate)

        func id(_ i: Int) throws -> Int64 {
            guard let v = NumberParsing.int(reader.raw(i)) else {
                throw reader.error(.notNumeric, field: i, "column \(quoted(header[i])): expected an integer id, found \(describeField(reader, i))")
            }
            return v
        }
        while try reader.next() {
            guard reader.fields.count == width else {
                throw reader.recordError(.fieldCount, "expected \(width) fields as in the header, found \(reader.fields.count)")
            }
            let u = try id(ui), m = try id(mi)
            guard let r = NumberParsing.float(reader.raw(ri)) else {
                throw reader.error(.notNumeric, field: ri, "column 'rating': expected a finite number, found \(describeField(reader, ri))")
            }
            guard let t = NumberParsing.int(reader.raw(ti)) else {
                throw reader.error(.notNumeric, field: ti, "column 'timestamp': expected an integer (Unix seconds), found \(describeField(reader, ti))")
            }
            guard t >= Int64(Int32.min) && t <= Int64(Int32.max) else {
                throw reader.error(.notNumeric, field: ti, "column 'timestamp': value \(t) does not fit in int32 seconds")
            }
            guard users.count < Int(Int32.max) && items.count < Int(Int32.max) else {
                throw reader.recordError(.tooLarge, "more than \(Int32.max) distinct ids")
            }
            user.append(users.intern(u))
            item.append(items.intern(m))
            rating.append(r)
            label.append(r >= threshold ? 1 : 0)
            time.append(Int32(t))
        }
        let n = user.count
        guard n > 0 else {
            throw DataError(.malformed, path: path, line: reader.recordLine + 1, "expected at least one rating after the header, found none")
        }
        let columns = try namingFile(path) { () throws -> [(name: String, tensor: Tensor)] in
            [("user", try Tensor(shape: [n], ints: user)),
             ("item", try Tensor(shape: [n], ints: item)),
             ("y", labelDType == .int32 ? try Tensor(shape: [n], ints: label) : try Tensor(shape: [n], floats: label.map(Float.init))),
             ("rating", try Tensor(shape: [n], floats: rating)),
             ("time", try Tensor(shape: [n], ints: time))]
        }
        var d = try Dataset(columns: columns, classCount: 2, source: "movielens(ratings: \(quotedPath(path)), threshold: \(threshold))",
           groups: user, groupKind: "user")
        d.vocabularies = ["user": users, "item": items]
        return d
    }

    /// Reads movies.csv (movieId,title,genres) into movieId → genre names.
    static func movieGenres(_ path: String) throws -> [Int64: [String]] {
        let buffer = try FileBytes.read(path)
        return try withExtendedLifetime(buffer) {
            var reader = CSVReader(buffer.bytes, path: path)
            guard try reader.next() else {
                throw DataError(.malformed, path: path, line: 1, "empty file, expected the header 'movieId,title,genres'")
            }
            let header = (0..<reader.fields.count).map { reader.text($0) }
            guard let mi = header.firstIndex(of: "movieId"), let gi = header.firstIndex(of: "genres") else {
                throw DataError(.missingColumn, path: path, line: reader.recordLine,
                                "expected columns 'movieId' and 'genres' in the header, found \(quoted(header.joined(separator: ",")))")
            }
            var out: [Int64: [String]] = [:]
            while try reader.next() {
                guard reader.fields.count == header.count else {
                    throw reader.recordError(.fieldCount, "expected \(header.count) fields as in the header, found \(reader.fields.count)")
                }
                guard let m = NumberParsing.int(reader.raw(mi)) else {
                    throw reader.error(.notNumeric, field: mi, "column 'movieId': expected an integer id, found \(describeField(reader, mi))")
                }
                guard out[m] == nil else {
                    throw reader.error(.malformed, field: mi, "movie id \(m) appears twice")
                }
                let g = reader.text(gi)
                out[m] = g == "(no genres listed)" || g.isEmpty ? [] : g.split(separator: "|").map(String.init)
            }
            return out
        }
    }

    static func attachGenres(_ d: Dataset, _ genres: [Int64: [String]], moviesPath: String, ratingsPath: String) throws -> Dataset {
        let items = d.vocabularies["item"]!
        // Genres of rated movies only, so no feature column is always zero.
        var itemGenres: [[String]] = []
        for movie in items.ids {
            guard let g = genres[movie] else {
                throw DataError(.missingColumn, path: moviesPath, "movie id \(movie) is rated in \(quotedPath(ratingsPath)) but has no row here")
            }
            itemGenres.append(g)
        }
        let names = Array(Set(itemGenres.joined())).sorted()
        let column = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        // One multi-hot row per item, then gathered per rating.
        let table = itemGenres.map { $0.map { column[$0]! } }
        let g = names.count
        // [ratings, genres] multi-hot: checked against the tensor cap (the product can be large).
        var x = try allocateTensor([d.count, g], .float32, path: moviesPath)
        let itemIdx = try d.column("item")
        itemIdx.withInts { it in
            x.withMutableFloats { v in
                for (i, m) in it.enumerated() { for c in table[Int(m)] { v[i * g + c] = 1 } }
            }
        }
        var out = try d.settingColumn("genres", x)
        out.featureNames["genres"] = names
        return out
    }
}

extension String {
    /// Replaces the last occurrence of `target` (used to extend a `source` description).
    func replacingLast(_ target: Character, with replacement: String) -> String {
        guard let i = lastIndex(of: target) else { return self + replacement }
        return String(self[..<i]) + replacement + String(self[index(after: i)...])
    }
}
