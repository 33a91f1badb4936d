// `dcl pool` as a person meets it: the real process imports, lists, refuses and drops pools in a
// SQLite store, every bad input file refused with its place; and a CoDA script fed from the store
// prints the very bytes it prints fed from the files (a small slice of MovieLens, three devices).

import Foundation
import Testing
import DCLTestScratch

@Suite(.serialized, .ownThreads) struct PoolCommandTests {
    static let movieLens = repositoryRoot.appendingPathComponent("Examples/data/ml-latest-small")

    /// A folder with a MovieLens slice in `data/` (the first 1,499 ratings: 15 users) and the
    /// script `mini.dcl`, which reads it from the files or, with `--set pool_store=…`, the store.
    static func workspace() throws -> URL {
        let dir = try TestScratch.directory("pool-command")
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let lines = try String(contentsOf: movieLens.appendingPathComponent("ratings.csv"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        try (lines.prefix(1500).joined(separator: "\n") + "\n").write(to: data.appendingPathComponent("ratings.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: movieLens.appendingPathComponent("movies.csv"), to: data.appendingPathComponent("movies.csv"))
        try """
            import std.data
            import std.rec

            param pool_store: string = ""

            let ml = if pool_store == "" {
              movielens_dataset("data", threshold: 4.0)
            } else {
              store_pool("data", store: pool_store, threshold: 4.0)
            }
            let history = ml |> time_split(test: 0.5)

            role cloud {
              pool: history.train |> with_negatives(5, seed: 3)
            }

            role device[3] {
              data: history.test |> partition(by_user(), test: 0.4, seed: 1)
            }

            let global = ctr(users: ml.users, items: ml.items, dim: 4, hidden: [4])
            train global on cloud.pool { epochs: 1, batch: 256, optimizer: adam(lr: 5e-3), log: "none" }

            retrieval coda {
              coarse: knn(model: global, input: "user", metric: cosine, users: 3)
              fine: classifier(hidden: [], threshold: 0.5, epochs: 2, lr: 0.05)
            }

            var rows = []
            for d in device {
              let test = d.test |> with_negatives(5, seed: 7)
              let candidates = coda.retrieve(d, cloud.pool)
              let kept = coda.filter(d, candidates)
              let r = evaluate(global, on: test, k: 5)
              rows += [{ moved: len(candidates), kept: len(kept), auc: r.auc, logloss: r.logloss }]
            }
            print table(rows, title: "mini CoDA")

            """.write(to: dir.appendingPathComponent("mini.dcl"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test func importListRefuseReplaceDropAndRunFromTheStore() throws {
        let dir = try Self.workspace()
        let store = "sqlite:" + dir.appendingPathComponent("pool.db").path
        let data = dir.appendingPathComponent("data").path

        let imported = try runDCL(["pool", "import", "movielens", data, "--store", store])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("imported pool `data`: 1499 samples, 15 users, 1044 items in "), "\(imported.stdout)")

        let again = try runDCL(["pool", "import", "movielens", data, "--store", store])
        #expect(again.status == 3)
        #expect(again.stderr == "dcl pool import: error: fleet store: the store holds a pool named `data` already (--replace replaces it)\n")
        #expect(try runDCL(["pool", "import", "movielens", data, "--store", store, "--replace"]).status == 0)

        let list = try runDCL(["pool", "list", "--store", store])
        #expect(list.stdout == """
            name  kind       samples  users  items  columns                       source
            data  movielens  1499     15     1044   user,item,rating,time,genres  \(data)

            """)

        // The same bytes from the files and from the store (its path relative to the script).
        let script = dir.appendingPathComponent("mini.dcl").path
        let files = try runDCL(["run", "--quiet", script])
        let stored = try runDCL(["run", "--quiet", script, "--set", "pool_store=sqlite:pool.db"])
        #expect(files.status == 0 && stored.status == 0, "\(files.stderr)\(stored.stderr)")
        #expect(files.stdout.contains("mini CoDA") && stored.stdout == files.stdout)

        let missing = try runDCL(["run", "--quiet", script, "--set", "pool_store=sqlite:nowhere.db"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("store_pool: no store file at \(dir.path)/nowhere.db (import a pool into it first: "
                                        + "dcl pool import … --store sqlite:PATH; a relative sqlite:PATH is read from the script's folder)"), "\(missing.stderr)")

        #expect(try runDCL(["pool", "drop", "data", "--store", store]).stdout == "dropped pool `data`\n")
        let gone = try runDCL(["pool", "drop", "data", "--store", store])
        #expect(gone.status == 3 && gone.stderr == "dcl pool drop: error: the store holds no pool named `data`\n")
        #expect(try runDCL(["pool", "list", "--store", store]).stdout == "no pools\n")
    }

    /// Deployed, the service and the device hosts each read the pool from the store (the hosts
    /// derive the devices' data from it): the output is the in-process, file-fed run's.
    @Test func aDeployedRunReadsThePoolInEveryProcess() throws {
        let dir = try Self.workspace()
        #expect(try runDCL(["pool", "import", "movielens", dir.appendingPathComponent("data").path,
                            "--store", "sqlite:" + dir.appendingPathComponent("pool.db").path]).status == 0)
        let script = dir.appendingPathComponent("deployed.dcl").path
        try """
            import std.data
            import std.rec

            param pool_store: string = ""

            let ml = if pool_store == "" {
              movielens_dataset("data", threshold: 4.0)
            } else {
              store_pool("data", store: pool_store, threshold: 4.0)
            }
            let history = ml |> time_split(test: 0.5)

            role cloud {
              pool: history.train |> with_negatives(5, seed: 3)
            }

            role device[3] {
              data: history.test |> with_negatives(3, seed: 5) |> partition(by_user(), test: 0.4, seed: 1)
            }

            let global = ctr(users: ml.users, items: ml.items, dim: 4, hidden: [4])
            train global on cloud.pool { epochs: 1, batch: 256, optimizer: adam(lr: 5e-3), log: "none" }

            var rows = []
            for d in device {
              let m = copy(global)
              train m on d.train { epochs: 1, batch: 32, optimizer: adam(lr: 2e-3), log: "none" }
              let r = evaluate(m, on: d.test, k: 5)
              rows += [{ auc: r.auc, logloss: r.logloss }]
            }
            print table(rows, title: "deployed")

            """.write(toFile: script, atomically: true, encoding: .utf8)
        let local = try runDCL(["run", "--quiet", script])
        let deployed = try runDCL(["run", "--quiet", script, "--deploy", "loopback", "--set", "pool_store=sqlite:pool.db"])
        #expect(local.status == 0 && deployed.status == 0, "\(local.stderr)\(deployed.stderr)")
        #expect(local.stdout.contains("deployed") && deployed.stdout == local.stdout)
    }

    @Test func csvImportOptionsAndBadInput() throws {
        let dir = try TestScratch.directory("pool-csv")
        let store = "sqlite:" + dir.appendingPathComponent("pool.db").path
        let tsv = dir.appendingPathComponent("clicks.tsv").path
        try "uid\tiid\tclicked\tts\n7\t70\t1\t100\n8\t80\t0\t200\n".write(toFile: tsv, atomically: true, encoding: .utf8)
        let ok = try runDCL(["pool", "import", "csv", tsv, "--delimiter", "tab", "--user", "uid", "--item", "iid", "--label", "clicked",
                             "--timestamp", "ts", "--store", store])
        #expect(ok.status == 0 && ok.stdout.hasPrefix("imported pool `clicks`: 2 samples, 2 users, 2 items"), "\(ok.stderr)")

        let bad = dir.appendingPathComponent("bad.csv").path
        try "1,10,4.5\n2,20,high\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try runDCL(["pool", "import", "csv", bad, "--no-header", "--user", "1", "--item", "2", "--rating", "3", "--store", store])
        #expect(refused.status == 2)
        #expect(refused.stderr == "dcl pool import: error: \(bad):2:6: column 3 (rating): expected a finite number, found \"high\"\n")
        // Nothing of the refused file was kept.
        #expect(try runDCL(["pool", "list", "--store", store]).stdout.split(separator: "\n").count == 2)

        let usage = try runDCL(["pool", "import", "csv", bad, "--user", "1", "--item", "2", "--store", store])
        #expect(usage.status == 2 && usage.stderr.contains("give --rating or --label (or both)"), "\(usage.stderr)")
        let position = try runDCL(["pool", "import", "csv", bad, "--no-header", "--user", "uid", "--item", "2", "--rating", "3", "--store", store])
        #expect(position.status == 2 && position.stderr.contains("--user uid: with --no-header, columns are positions 1, 2, …"), "\(position.stderr)")
        let memory = try runDCL(["pool", "list", "--store", "memory"])
        #expect(memory.status == 3 && memory.stderr.contains("a memory store holds no pools"), "\(memory.stderr)")
    }
}
