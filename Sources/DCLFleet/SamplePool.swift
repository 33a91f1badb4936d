// A sample pool in the store: the cloud's global pool of (user, item) samples that CoDA retrieves
// from (`dcl pool import`, docs/deploy.md "Sample pool in the store"). A store holds several
// pools by name. Samples keep their file order (`seq`), and users and items their dense indices
// in order of first appearance, so a pool read back gives the very data set its file gives.

/// What a pool's samples carry besides user and item.
public struct PoolColumns: Sendable, Equatable {
    public var rating: Bool
    public var label: Bool
    public var time: Bool
    /// Each item's genres (MovieLens' movies.csv).
    public var genres: Bool

    public init(rating: Bool, label: Bool, time: Bool, genres: Bool) {
        self.rating = rating
        self.label = label
        self.time = time
        self.genres = genres
    }
}

/// A pool as `dcl pool list` shows it.
public struct PoolSummary: Sendable, Equatable {
    public var name: String
    /// "movielens" or "csv".
    public var kind: String
    /// Where it was imported from (the paths given to `dcl pool import`).
    public var source: String
    public var columns: PoolColumns
    public var samples: Int
    public var users: Int
    public var items: Int
    /// Unix seconds.
    public var createdAt: Double

    public init(name: String, kind: String, source: String, columns: PoolColumns, samples: Int, users: Int, items: Int, createdAt: Double) {
        self.name = name
        self.kind = kind
        self.source = source
        self.columns = columns
        self.samples = samples
        self.users = users
        self.items = items
        self.createdAt = createdAt
    }
}

/// Consecutive samples, by dense user and item index. A column the pool lacks is empty.
public struct PoolBatch: Sendable, Equatable {
    public var user: [Int32] = []
    public var item: [Int32] = []
    public var rating: [Float] = []
    public var label: [Float] = []
    public var time: [Int64] = []

    public init() {}

    public var count: Int { user.count }
}

/// The original ids behind the dense indices (index i ↔ ids[i]), and each item's genres as
/// movies.csv writes them ("Action|Comedy"; empty for none) when the pool has genres.
public struct PoolVocabularies: Sendable, Equatable {
    public var users: [Int64]
    public var items: [Int64]
    public var itemGenres: [String]?

    public init(users: [Int64], items: [Int64], itemGenres: [String]?) {
        self.users = users
        self.items = items
        self.itemGenres = itemGenres
    }
}

/// Where an import's samples come from: a file parsed as it is read, one batch at a time, so
/// memory stays bounded by the batch and the vocabularies, not the file.
public protocol PoolSampleSource: AnyObject {
    /// The next samples, or nil at the end; throws on the first bad row.
    func nextBatch() throws -> PoolBatch?
    /// The vocabularies, complete once `nextBatch` has returned nil (checked then: a MovieLens
    /// item without a movies.csv row is an error).
    func vocabularies() throws -> PoolVocabularies
}

/// A whole pool, read back in sample order.
public struct PoolContents: Sendable {
    public var summary: PoolSummary
    public var samples: PoolBatch
    public var vocabularies: PoolVocabularies

    public init(summary: PoolSummary, samples: PoolBatch, vocabularies: PoolVocabularies) {
        self.summary = summary
        self.samples = samples
        self.vocabularies = vocabularies
    }
}

/// A store that holds sample pools (both engines).
public protocol SamplePoolStore: Sendable {
    /// Imports a pool under `name`, all in one transaction: a pool of that name is refused
    /// unless `replace`, and then replaced only if the whole import succeeds.
    func importPool(name: String, kind: String, source: String, columns: PoolColumns, from samples: PoolSampleSource,
                    replace: Bool, now: Double) async throws -> PoolSummary
    /// Every pool, by name.
    func pools() async throws -> [PoolSummary]
    /// Drops the pool; false if there is none of that name.
    func dropPool(name: String) async throws -> Bool
    /// The pool's samples in import order with its vocabularies; nil if there is none of that name.
    func readPool(name: String) async throws -> PoolContents?
}

/// The checks every store makes before it writes a pool.
public enum SamplePoolRules {
    /// Pool names are short printable words (they appear in commands and scripts).
    public static func checkName(_ name: String) throws {
        guard !name.isEmpty, name.count <= 128,
              name.unicodeScalars.allSatisfy({ ($0.properties.isAlphabetic || $0.properties.numericType != nil || "-_.".unicodeScalars.contains($0)) && $0.isASCII })
        else {
            throw FleetError.store("bad pool name `\(name)`: expected 1 to 128 ASCII letters, digits, `-`, `_` or `.`")
        }
    }

    /// Samples are written in batches of at most this many rows (PostgreSQL binds one array per
    /// column, so a batch is one statement).
    public static let batchRows = 10_000

    /// A batch's columns must all be as long as its users (an empty optional column aside).
    public static func check(_ batch: PoolBatch, _ columns: PoolColumns) throws {
        let n = batch.count
        func ok(_ count: Int, _ present: Bool) -> Bool { present ? count == n : count == 0 }
        guard batch.item.count == n, ok(batch.rating.count, columns.rating), ok(batch.label.count, columns.label), ok(batch.time.count, columns.time) else {
            throw FleetError.store("a pool batch's columns differ in length")
        }
    }

    /// `a + b`, refusing to overflow (a count past Int.max cannot be stored).
    public static func add(_ a: Int, _ b: Int, _ what: String) throws -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw FleetError.store("too many \(what) for one pool") }
        return sum
    }
}
