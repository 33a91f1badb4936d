// `dcl pool import movielens DIR | import csv FILE | list | drop NAME --store URL`: sample pools
// in a store (docs/deploy.md, "Sample pool in the store"), read by a script's `store_pool`.

import ArgumentParser
import DCLData
import DCLDriver
import DCLFleet
import DCLRuntime
import Foundation

public struct PoolCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "Import, list and drop sample pools in a store (read by a script's `store_pool`).",
        discussion: """
            A store (sqlite:PATH or postgres://USER@HOST:PORT/DATABASE) holds any number of pools, each \
            under a name. A script reads one with `store_pool("NAME", store: "URL")`.

            Exit status: 0 done, 2 usage errors and bad input files (the error names the file, line and \
            column), 3 the store failed or refused (a pool of that name exists, no such pool).
            """,
        subcommands: [PoolImport.self, PoolList.self, PoolDrop.self])
}

struct PoolImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a pool from MovieLens files or a CSV file.",
        subcommands: [PoolImportMovieLens.self, PoolImportCSV.self])
}

/// The options every import takes.
struct PoolImportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The store: sqlite:PATH (created if missing) or postgres://USER@HOST:PORT/DATABASE.", valueName: "url"))
    var store: String

    @Option(help: "The pool's name (default: the folder's or file's name).")
    var name: String?

    @Flag(help: "Replace a pool of the same name (atomically: on any error the old pool stays).")
    var replace = false
}

struct PoolImportMovieLens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "movielens",
        abstract: "Import MovieLens ratings (DIR/ratings.csv, with genres from DIR/movies.csv when present).",
        discussion: """
            ratings.csv needs the header userId,movieId,rating,timestamp (any order, other columns ignored). \
            The pool keeps the ratings in file order; `store_pool(NAME, store: URL, threshold: 4.0)` gives \
            the data set `movielens_dataset(DIR, threshold: 4.0)` gives.
            """)

    @Argument(help: "A MovieLens folder (ml-latest-small, ml-25m, …).") var dir: String
    @OptionGroup var options: PoolImportOptions
    @Flag(help: "Leave out genres even if DIR/movies.csv exists.") var noGenres = false

    func run() throws {
        let ratings = (dir as NSString).appendingPathComponent("ratings.csv")
        let moviesPath = (dir as NSString).appendingPathComponent("movies.csv")
        let movies = !noGenres && FileManager.default.fileExists(atPath: moviesPath) ? moviesPath : nil
        let name = options.name ?? URL(fileURLWithPath: dir).standardizedFileURL.lastPathComponent
        try PoolImporting.run(options, name: name, kind: "movielens", source: dir, layout: .movieLens, ratings: ratings, movies: movies)
    }
}

struct PoolImportCSV: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csv",
        abstract: "Import (user, item, rating/label, timestamp) samples from a CSV file.",
        discussion: """
            Columns are named as in the header, or, with --no-header, numbered from 1. Ids must be \
            integers; a rating any finite number, a label 0 or 1, a timestamp integer Unix seconds \
            (within int32). At least one of --rating and --label; a script's `y` is the label, else \
            rating ≥ its threshold.

            Examples:
              dcl pool import csv clicks.tsv --store sqlite:pool.db \\
                  --delimiter tab --user uid --item iid --label clicked
              dcl pool import csv ratings.csv --store sqlite:pool.db \\
                  --no-header --user 1 --item 2 --rating 3 --timestamp 4
            """)

    @Argument(help: "The CSV file.") var file: String
    @OptionGroup var options: PoolImportOptions
    @Option(help: ArgumentHelp("The user id column.", valueName: "col")) var user = "user"
    @Option(help: ArgumentHelp("The item id column.", valueName: "col")) var item = "item"
    @Option(help: ArgumentHelp("The rating column (a number).", valueName: "col")) var rating: String?
    @Option(help: ArgumentHelp("The label column (0 or 1).", valueName: "col")) var label: String?
    @Option(help: ArgumentHelp("The timestamp column (integer Unix seconds).", valueName: "col")) var timestamp: String?
    @Flag(help: "The file has no header: columns are given by position (1, 2, …).") var noHeader = false
    @Option(help: ArgumentHelp("The field separator: one ASCII character, or `tab`.", valueName: "char")) var delimiter = ","

    func validate() throws {
        guard rating != nil || label != nil else { throw ValidationError("give --rating or --label (or both): a sample needs a rating or a label") }
        _ = try layout()
    }

    func layout() throws -> RatingsLayout {
        func column(_ text: String, _ option: String) throws -> RatingsLayout.Column {
            guard noHeader else { return .name(text) }
            guard let p = Int(text), p >= 1 else { throw ValidationError("--\(option) \(text): with --no-header, columns are positions 1, 2, …") }
            return .position(p)
        }
        let separator: UInt8
        switch delimiter {
        case "tab", "\\t", "\t": separator = 0x09
        default:
            guard delimiter.utf8.count == 1, let b = delimiter.utf8.first, b >= 0x20, b < 0x7F, b != 0x22 else {
                throw ValidationError("--delimiter `\(delimiter)`: expected one printable ASCII character other than `\"`, or `tab`")
            }
            separator = b
        }
        let layout = RatingsLayout(user: try column(user, "user"), item: try column(item, "item"), rating: try rating.map { try column($0, "rating") },
                                   label: try label.map { try column($0, "label") }, time: try timestamp.map { try column($0, "timestamp") },
                                   header: !noHeader, separator: separator)
        let columns = [layout.user, layout.item, layout.rating, layout.label, layout.time].compactMap { $0 }
        guard Set(columns.map(\.description)).count == columns.count else { throw ValidationError("the user, item, rating, label and timestamp columns must differ") }
        return layout
    }

    func run() throws {
        let name = options.name ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        try PoolImporting.run(options, name: name, kind: "csv", source: file, layout: try layout(), ratings: file, movies: nil)
    }
}

struct PoolList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a store's pools.")
    @Option(help: ArgumentHelp("The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.", valueName: "url")) var store: String

    func run() throws {
        let pools = try PoolImporting.withStore(store, command: "list", mustExist: true) { store in try blocking { try await store.pools() } }
        guard !pools.isEmpty else { return print("no pools") }
        let rows = [["name", "kind", "samples", "users", "items", "columns", "source"]] + pools.map { p in
            let c = p.columns
            let columns = ["user", "item"] + (c.rating ? ["rating"] : []) + (c.label ? ["label"] : []) + (c.time ? ["time"] : []) + (c.genres ? ["genres"] : [])
            return [p.name, p.kind, "\(p.samples)", "\(p.users)", "\(p.items)", columns.joined(separator: ","), p.source]
        }
        let widths = (0..<rows[0].count).map { i in rows.map { $0[i].count }.max()! }
        for row in rows {
            print(row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  "))
        }
    }
}

struct PoolDrop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drop", abstract: "Drop a pool from a store.")
    @Argument(help: "The pool's name.") var name: String
    @Option(help: ArgumentHelp("The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.", valueName: "url")) var store: String

    func run() throws {
        let name = self.name
        let dropped = try PoolImporting.withStore(store, command: "drop", mustExist: true) { store in try blocking { try await store.dropPool(name: name) } }
        guard dropped else {
            StandardError.write("dcl pool drop: error: the store holds no pool named `\(name)`\n")
            throw ExitCode(ExitStatus.runtime)
        }
        print("dropped pool `\(name)`")
    }
}

enum PoolImporting {
    /// Opens the store, runs `body`, closes it; the store's errors exit with status 3.
    static func withStore<T>(_ spec: String, command: String, mustExist: Bool, _ body: (any SamplePoolStore) throws -> T) throws -> T {
        let opened: (store: any SamplePoolStore, close: @Sendable () -> Void)
        do {
            if !mustExist, spec.hasPrefix("sqlite:"), spec.count > "sqlite:".count {
                // An import creates the file.
                opened = (try SQLiteFleetStore.open(spec: spec), {})
            } else {
                opened = try StorePool.open(spec)
            }
        } catch {
            StandardError.write("dcl pool \(command): error: \(error)\n")
            throw ExitCode(ExitStatus.runtime)
        }
        defer { opened.close() }
        do {
            return try body(opened.store)
        } catch let error as DataError {
            StandardError.write("dcl pool \(command): error: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        } catch let error as FleetError {
            StandardError.write("dcl pool \(command): error: \(error)\n")
            throw ExitCode(ExitStatus.runtime)
        }
    }

    static func run(_ options: PoolImportOptions, name: String, kind: String, source: String, layout: RatingsLayout,
                    ratings: String, movies: String?) throws {
        do { try SamplePoolRules.checkName(name) } catch { throw ValidationError("\(error) (give one with --name)") }
        let started = Date()
        let summary = try withStore(options.store, command: "import", mustExist: false) { store in
            // The file is opened (and its header checked) before the store is touched.
            let samples = try RatingsPoolSource(ratings: ratings, layout: layout, movies: movies)
            let columns = PoolColumns(rating: layout.rating != nil, label: layout.label != nil, time: layout.time != nil, genres: movies != nil)
            let replace = options.replace
            return try blocking {
                try await store.importPool(name: name, kind: kind, source: source, columns: columns, from: samples, replace: replace,
                                           now: Date().timeIntervalSince1970)
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print("imported pool `\(summary.name)`: \(summary.samples) samples, \(summary.users) users, \(summary.items) items "
              + "in \(String(format: "%.1f", seconds)) s")
    }
}
