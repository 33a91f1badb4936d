// A sample pool (read back from a store) as the data set its files give: the same columns in the
// same order, the same dense indices, groups and vocabularies as `movielens(…, movies: …)`, so a
// script fed from the store computes the same bytes as one fed from the files.

import DCLTensor

extension DataLoader {
    /// The samples of a pool as a data set: `user`, `item`, `y` (Float32: the pool's labels, or
    /// rating ≥ threshold when it has none), then `rating` and `time` when the pool has them,
    /// and `genres` when its items have genres.
    public static func samplePool(name: String, user: [Int32], item: [Int32], rating: [Float]?, label: [Float]?, time: [Int64]?,
                                  users: [Int64], items: [Int64], itemGenres: [String]?, threshold: Float) throws -> Dataset {
        let path = "pool \(quoted(name))"
        guard threshold.isFinite else {
            throw DataError.argument("store_pool", "expected a finite threshold, found \(threshold)")
        }
        let n = user.count
        guard n > 0 else { throw DataError(.malformed, path: path, "the pool has no samples") }
        // A store written by hand (or damaged) must not index past the vocabularies.
        guard user.allSatisfy({ $0 >= 0 && Int($0) < users.count }), item.allSatisfy({ $0 >= 0 && Int($0) < items.count }) else {
            throw DataError(.malformed, path: path, "a sample's user or item index is outside the pool's vocabularies")
        }
        let y: [Float]
        if let label {
            y = label
        } else if let rating {
            y = rating.map { $0 >= threshold ? 1 : 0 }
        } else {
            throw DataError(.missingColumn, path: path, "the pool has neither ratings nor labels")
        }
        var columns: [(name: String, tensor: Tensor)] = try namingFile(path) {
            [("user", try Tensor(shape: [n], ints: user)), ("item", try Tensor(shape: [n], ints: item)), ("y", try Tensor(shape: [n], floats: y))]
        }
        if let rating { columns.append(("rating", try namingFile(path) { try Tensor(shape: [n], floats: rating) })) }
        if let time {
            // Imports keep timestamps within int32 seconds (RatingsStream); a damaged store is refused.
            guard time.allSatisfy({ $0 >= Int64(Int32.min) && $0 <= Int64(Int32.max) }) else {
                throw DataError(.malformed, path: path, "a sample's time does not fit in int32 seconds")
            }
            columns.append(("time", try namingFile(path) { try Tensor(shape: [n], ints: time.map { Int32($0) }) }))
        }
        var d = try Dataset(columns: columns, classCount: 2, source: "store_pool(\(quoted(name)), threshold: \(threshold))", groups: user, groupKind: "user")
        let itemVocabulary = Vocabulary(items)
        d.vocabularies = ["user": Vocabulary(users), "item": itemVocabulary]
        if let itemGenres {
            guard itemGenres.count == items.count else { throw DataError(.malformed, path: path, "the pool's items and genres differ in number") }
            var genres: [Int64: [String]] = [:]
            for (id, text) in zip(items, itemGenres) { genres[id] = text.isEmpty ? [] : text.split(separator: "|").map(String.init) }
            d = try attachGenres(d, genres, moviesPath: path, ratingsPath: path)
        }
        return d
    }

    /// Each of `items`' genres as movies.csv lists them, joined by `|` ("" for none), in index
    /// order; a rated movie without a row in movies.csv is an error, as for `movielens`.
    public static func itemGenres(movies: String, ratings: String, items: Vocabulary) throws -> [String] {
        let genres = try movieGenres(movies)
        return try items.ids.map { movie in
            guard let g = genres[movie] else {
                throw DataError(.missingColumn, path: movies, "movie id \(movie) is rated in \(quotedPath(ratings)) but has no row here")
            }
            return g.joined(separator: "|")
        }
    }
}
