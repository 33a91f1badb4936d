// The assignment rules of the partition schemes. Each returns, per client, the rows it holds;
// rows are never shared between clients. Classes are the labels present in the data set, in
// ascending order.
//
// iid            A permutation of all rows cut into `clients` contiguous shares whose sizes
//                differ by at most one. Every row is used.
// label_subset(k) Classes are permuted (seeded); client c holds the k classes at positions
//                (c·k + j) mod C, j = 0..<k, of that permutation — k distinct classes, and every
//                class held by ⌊clients·k / C⌋ or ⌈clients·k / C⌉ clients. Each class's rows are
//                shuffled and cut into near-equal contiguous shares, one per holder (in client
//                order). Rows of classes no client holds (clients·k < C) stay unassigned.
// dirichlet(α)   Per class: rows shuffled; shares p ~ Dirichlet(α·1) over clients (from Gamma(α)
//                draws); the class is cut at round(cumulative p × class size). Redrawn (up to 100
//                times) while some client has fewer than `minSamples` rows.
// class_groups(G, r) Classes permuted and cut into G near-equal groups; client c belongs to group
//                c mod G and holds n rows (n = per_client, default ⌊N / clients⌋): first
//                round(r·n) from its group's shuffled rows, then the rest from a shuffled pool of
//                every row no client took from a group. r = 0 is iid, r = 1 fully grouped.

import DCLTensor

extension Dataset {
    /// Rows of each present class, ascending by label.
    func rowsByClass(op: String) throws -> [(label: Int32, rows: [Int])] {
        let ys: [Int32]
        do { ys = try labels() } catch {
            throw DataError.argument(op, "needs int32 labels in column '\(labelColumn)': \(error)")
        }
        var byClass: [Int32: [Int]] = [:]
        for (i, y) in ys.enumerated() { byClass[y, default: []].append(i) }
        return byClass.keys.sorted().map { ($0, byClass[$0]!) }
    }

    func assignIID(clients: Int, rng: inout SeededGenerator, op: String) throws -> [[Int]] {
        let perm = rng.permutation(count)
        return nearEqualChunks(perm, clients)
    }

    func assignLabelSubset(k: Int, clients: Int, rng: inout SeededGenerator, op: String) throws -> [[Int]] {
        let classes = try rowsByClass(op: op)
        let c = classes.count
        guard k >= 1 && k <= c else {
            throw DataError.argument(op, "expected 1...\(c) classes per client (the data has \(c) classes), found \(k)")
        }
        let order = rng.permutation(c)
        var holders = [[Int]](repeating: [], count: c)  // class position → clients, ascending
        for client in 0..<clients {
            for j in 0..<k { holders[order[(client * k + j) % c]].append(client) }
        }
        var out = [[Int]](repeating: [], count: clients)
        for (pos, cls) in classes.enumerated() where !holders[pos].isEmpty {
            guard cls.rows.count >= holders[pos].count else {
                throw DataError.argument(op, "class \(cls.label) has \(cls.rows.count) samples but \(holders[pos].count) clients hold it; use fewer clients or a smaller k")
            }
            var rows = cls.rows
            var r = rng.fork("class \(cls.label)")
            r.shuffle(&rows)
            for (share, client) in zip(nearEqualChunks(rows, holders[pos].count), holders[pos]) {
                out[client] += share
            }
        }
        return out
    }

    func assignDirichlet(alpha: Double, minSamples: Int, clients: Int, rng: inout SeededGenerator, op: String) throws -> [[Int]] {
        guard alpha.isFinite && alpha > 0 else {
            throw DataError.argument(op, "expected a positive finite alpha, found \(alpha)")
        }
        guard minSamples >= 0 && minSamples <= count && minSamples * clients <= count else {
            throw DataError.argument(op, "cannot give \(clients) clients at least \(minSamples) samples each from \(count) samples")
        }
        let classes = try rowsByClass(op: op)
        for attempt in 0..<100 {
            var r = rng.fork("attempt \(attempt)")
            var out = [[Int]](repeating: [], count: clients)
            for cls in classes {
                var rows = cls.rows
                r.shuffle(&rows)
                var p = (0..<clients).map { _ in r.nextGamma(shape: alpha) }
                let total = p.reduce(0, +)
                if total > 0 && total.isFinite {
                    p = p.map { $0 / total }
                } else {
                    // Every draw underflowed (tiny alpha): the limit puts the class on one client.
                    p = [Double](repeating: 0, count: clients)
                    p[r.nextInt(below: clients)] = 1
                }
                var cumulative = 0.0, start = 0
                for client in 0..<clients {
                    cumulative += p[client]
                    let end = client == clients - 1 ? rows.count : min(rows.count, Int((cumulative * Double(rows.count)).rounded()))
                    if end > start { out[client] += rows[start..<end] }
                    start = max(start, end)
                }
            }
            if out.allSatisfy({ $0.count >= minSamples }) { return out }
        }
        throw DataError.argument(op, "no draw in 100 gave every client at least \(minSamples) samples; raise alpha or lower the client count")
    }

    func assignClassGroups(groups: Int, r: Double, perClient: Int?, clients: Int, rng: inout SeededGenerator, op: String) throws -> [[Int]] {
        let classes = try rowsByClass(op: op)
        guard groups >= 1 && groups <= classes.count else {
            throw DataError.argument(op, "expected 1...\(classes.count) groups (the data has \(classes.count) classes), found \(groups)")
        }
        guard r.isFinite && r >= 0 && r <= 1 else {
            throw DataError.argument(op, "expected r in 0...1, found \(r)")
        }
        let n = perClient ?? count / clients
        guard n >= 1 && n <= count && n * clients <= count else {
            throw DataError.argument(op, "cannot give \(clients) clients \(n) samples each from \(count) samples")
        }
        let classOrder = rng.permutation(classes.count)
        let groupClasses = nearEqualChunks(classOrder, groups)
        var pools: [[Int]] = groupClasses.enumerated().map { g, members in
            var rows = members.flatMap { classes[$0].rows }
            var gr = rng.fork("group \(g)")
            gr.shuffle(&rows)
            return rows
        }
        let fromGroup = Int((r * Double(n)).rounded())
        var taken = [Int](repeating: 0, count: groups)
        var out = [[Int]](repeating: [], count: clients)
        for client in 0..<clients {
            let g = client % groups
            guard taken[g] + fromGroup <= pools[g].count else {
                let members = clients / groups + (client % groups < clients % groups ? 1 : 0)
                throw DataError.argument(op, "group \(g) has \(pools[g].count) samples but its \(members) clients need \(fromGroup) each at r = \(r); lower r, the client count or per_client")
            }
            out[client] = Array(pools[g][taken[g]..<(taken[g] + fromGroup)])
            taken[g] += fromGroup
        }
        var rest: [Int] = []
        for g in 0..<groups { rest += pools[g][taken[g]...] }
        pools = []
        var pr = rng.fork("rest")
        pr.shuffle(&rest)
        var next = 0
        for client in 0..<clients {
            // Cannot run out: clients·n ≤ N, and group draws came from the same N rows.
            out[client] += rest[next..<(next + n - fromGroup)]
            next += n - fromGroup
        }
        return out
    }
}

/// Cuts `items` into `parts` contiguous chunks whose sizes differ by at most one (larger first).
func nearEqualChunks<T>(_ items: [T], _ parts: Int) -> [[T]] {
    let base = items.count / parts, extra = items.count % parts
    var out: [[T]] = []
    var start = 0
    for p in 0..<parts {
        let size = base + (p < extra ? 1 : 0)
        out.append(Array(items[start..<(start + size)]))
        start += size
    }
    return out
}
