// Data sources and transforms: the `idx`, `csv`, `npy`, `movielens` built-ins and the
// transforms written after `|>`, implemented over DCLData. Data keeps the side it lives on;
// a data error becomes a diagnostic at the call that caused it.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLFleet
import DCLSema
import DCLTensor

enum DataBuiltins {
    static func source(_ source: DataSourceBuiltin, _ a: BoundArguments, span: SourceSpan, evaluator ev: Evaluator) throws -> Value {
        func path(_ name: String) throws -> String { ev.resolvePath(try ev.string(a[name], "`\(name)`", span: a.span(of: name) ?? span)) }
        let d: Dataset
        do {
            switch source {
            case .idx:
                d = try DataLoader.idx(images: try path("images"), labels: try path("labels"))
            case .csv:
                let label = try ev.string(a["label"], "`label`", span: span)
                let shape = try ev.optional(a["shape"]) { try ev.intList($0, "shape", span: span) }
                d = try DataLoader.csv(try path("path"), label: label, shape: shape)
            case .npy:
                let y = try ev.optional(a["y"]) { ev.resolvePath(try ev.string($0, "`y`", span: span)) }
                d = try DataLoader.npy(x: try path("x"), y: y)
            case .movielens:
                let movies = try ev.optional(a["movies"]) { ev.resolvePath(try ev.string($0, "`movies`", span: span)) }
                d = try DataLoader.movieLens(ratings: try path("path"), movies: movies,
                                             threshold: Float(try ev.double(a["threshold"], "threshold", span: span)),
                                             labelDType: .float32)
            case .storePool:
                let name = try ev.string(a["name"], "`name`", span: a.span(of: "name") ?? span)
                let store = try ev.string(a["store"], "`store`", span: a.span(of: "store") ?? span)
                do {
                    d = try StorePool.dataset(name: name, store: store, threshold: Float(try ev.double(a["threshold"], "threshold", span: span)),
                                              resolve: ev.resolvePath)
                } catch FleetError.store(let message) {
                    throw RuntimeError(RuntimeCode.data, "store_pool: \(message)", at: span)
                } catch let e as FleetError {
                    throw RuntimeError(RuntimeCode.data, "store_pool: \(e)", at: span)
                }
            case .cifar10:
                d = try DataLoader.cifar10(try path("dir"), split: try ev.string(a["split"], "`split`", span: a.span(of: "split") ?? span))
            case .images:
                let size = try ev.optional(a["size"]) { try ev.intList($0, "size", span: span) }
                d = try DataLoader.images(try path("dir"), size: size, channels: try ev.int(a["channels"], "channels", span: span))
            }
        } catch let e as DataError {
            throw RuntimeError(RuntimeCode.data, e.description, at: span)
        }
        return .dataset(DataValue(d, side: nil, origin: source.rawValue))
    }

    static func transform(_ transform: TransformBuiltin, _ a: BoundArguments, subject: Value, span: SourceSpan,
                          evaluator ev: Evaluator) throws -> Value {
        do {
            switch subject {
            case .dataset(let dv):
                return try transformDataset(transform, a, dv, span: span, evaluator: ev)
            case .clients(let c):
                // Row transforms apply to every client's parts.
                let fed = c.federated
                var clients: [ClientData] = []
                for cl in fed.clients {
                    let tr = try transformDataset(transform, a, DataValue(cl.train, side: c.side, origin: c.origin), span: span, evaluator: ev)
                    let te = try transformDataset(transform, a, DataValue(cl.test, side: c.side, origin: c.origin), span: span, evaluator: ev)
                    guard case .dataset(let trv) = tr, case .dataset(let tev) = te else {
                        throw RuntimeError(RuntimeCode.type, "`\(transform.rawValue)` does not apply to clients", at: span)
                    }
                    clients.append(ClientData(id: cl.id, train: trv.dataset, test: tev.dataset))
                }
                return .clients(ClientsValue(FederatedDataset(clients: clients, scheme: fed.scheme, classCount: fed.classCount,
                                                              unassigned: fed.unassigned),
                                             part: c.part, side: c.side, origin: c.origin))
            default:
                throw RuntimeError(RuntimeCode.type, "`\(transform.rawValue)` transforms a dataset, found \(subject.kindName)", at: span)
            }
        } catch let e as DataError {
            throw RuntimeError(RuntimeCode.data, e.description, at: span)
        }
    }

    private static func seed(_ v: Value, _ ev: Evaluator, label: String, span: SourceSpan) throws -> UInt64 {
        if case .none = v {
            var g = ev.generator(label)
            return g.next()
        }
        return UInt64(bitPattern: Int64(try ev.int(v, "seed", span: span)))
    }

    private static func amount(_ v: Value, _ ev: Evaluator, span: SourceSpan) throws -> Amount {
        let x = try ev.double(v, "n", span: span)
        if x > 0 && x < 1 { return .fraction(x) }
        guard x >= 0, x.rounded() == x else {
            throw RuntimeError(RuntimeCode.value, "`n` must be a count or a fraction in (0, 1), found \(x)", at: span)
        }
        return .count(Int(x))
    }

    /// Transforms a device's host can repeat on its own copy of the data (Deploy/): one data
    /// set in, one out, every argument a plain value.
    static func isRepeatableOnDevice(_ transform: TransformBuiltin) -> Bool {
        switch transform {
        case .scale, .normalize, .randomCrop, .hflip, .shuffle, .take, .drop, .withNegatives, .oneHot, .select, .filterLabels: return true
        case .holdout, .timeSplit, .partition: return false
        }
    }

    /// Random transforms whose `seed: none` means "draw one" (for `take` and `drop` it means
    /// "do not shuffle").
    private static func drawsSeed(_ transform: TransformBuiltin) -> Bool {
        switch transform {
        case .shuffle, .withNegatives, .randomCrop, .hflip: return true
        default: return false
        }
    }

    /// Applies `transform` to one data set. On device data the result records how it was made
    /// (DeviceDerivation): the arguments as bound, with a drawn seed written down, so that the
    /// device's host repeating the step draws the same samples.
    static func transformDataset(_ transform: TransformBuiltin, _ bound: BoundArguments, _ dv: DataValue, span: SourceSpan,
                                 evaluator ev: Evaluator) throws -> Value {
        let d = dv.dataset
        let label = ev.nextRandomLabel(transform.rawValue)
        var a = bound
        if drawsSeed(transform), case .none = a["seed"] {
            a.set("seed", value: .int(Int(Int64(bitPattern: try seed(.none, ev, label: label, span: span)))))
        }
        var derivation: DeviceDerivation?
        if dv.side == .device, let base = dv.derivation, isRepeatableOnDevice(transform) {
            var args: [(name: String, value: Value)] = []
            a.forEach { args.append(($0, $1)) }
            derivation = .transform(base, transform, args)
        }
        func wrap(_ x: Dataset) -> Value { .dataset(DataValue(x, side: dv.side, origin: dv.origin, derivation: derivation)) }
        switch transform {
        case .scale:
            return wrap(try d.scaled(by: Float(try ev.double(a["factor"], "factor", span: span))))
        case .normalize:
            if case .none = a["mean"] { return wrap(try d.normalizedFromData().0) }
            func floats(_ v: Value, _ name: String) throws -> [Float] {
                if case .list = v { return try ev.doubleList(v, name, span: span).map(Float.init) }
                return [Float(try ev.double(v, name, span: span))]
            }
            let mean = try floats(a["mean"], "mean")
            let std = try ev.optional(a["std"]) { try floats($0, "std") } ?? [Float](repeating: 1, count: mean.count)
            guard std.allSatisfy({ $0 > 0 }) else { throw RuntimeError(RuntimeCode.value, "`std` must be positive", at: span) }
            return wrap(try d.normalized(Normalization(mean: mean, std: std)))
        case .randomCrop, .hflip:
            return wrap(try ImageAugmentations.apply(transform, a, d, seed: try seed(a["seed"], ev, label: label, span: span),
                                                     span: span, evaluator: ev))
        case .shuffle:
            return wrap(d.shuffled(seed: try seed(a["seed"], ev, label: label, span: span)))
        case .take, .drop:
            var base = d
            if case .none = a["seed"] {} else { base = d.shuffled(seed: try seed(a["seed"], ev, label: label, span: span)) }
            let amt = try amount(a["n"], ev, span: span)
            return wrap(transform == .take ? try base.taking(amt) : try base.dropping(amt))
        case .holdout:
            let test = try ev.double(a["test"], "test", span: span)
            guard test > 0 && test < 1 else { throw RuntimeError(RuntimeCode.value, "`test` must be a fraction in (0, 1)", at: span) }
            let parts = try d.split(testFraction: test, seed: try seed(a["seed"], ev, label: label, span: span),
                                    stratified: try ev.bool(a["stratify"], "stratify", span: span))
            var r = Record()
            r["train"] = .dataset(DataValue(parts.train, side: dv.side, origin: "\(dv.origin).train"))
            r["test"] = .dataset(DataValue(parts.test, side: dv.side, origin: "\(dv.origin).test"))
            return .record(r)
        case .timeSplit:
            let test = try ev.double(a["test"], "test", span: span)
            guard test > 0 && test < 1 else { throw RuntimeError(RuntimeCode.value, "`test` must be a fraction in (0, 1)", at: span) }
            let parts = try d.splitByTime(testFraction: test)
            var r = Record()
            r["train"] = .dataset(DataValue(parts.train, side: dv.side, origin: "\(dv.origin).train"))
            r["test"] = .dataset(DataValue(parts.test, side: dv.side, origin: "\(dv.origin).test"))
            return .record(r)
        case .withNegatives:
            let n = try ev.positiveInt(a["n"], "n", span: span)
            return wrap(try withNegatives(d, n: n, seed: try seed(a["seed"], ev, label: label, span: span), span: span))
        case .oneHot:
            return wrap(try d.oneHot(classes: try ev.optional(a["classes"]) { try ev.positiveInt($0, "classes", span: span) }))
        case .select:
            guard case .list(let xs) = a["columns"] else { throw RuntimeError(RuntimeCode.type, "`columns` must be a list", at: span) }
            return wrap(try d.selectingColumns(try xs.map { try ev.string($0, "a column name", span: span) }))
        case .filterLabels:
            return wrap(try d.filtering(labels: Set(try ev.intList(a["labels"], "labels", span: span).map(Int32.init))))
        case .partition:
            guard case .partitioner(let scheme) = a["strategy"] else {
                throw RuntimeError(RuntimeCode.type, "`partition` needs a strategy such as `iid()` or `label_subset(2)`", at: span)
            }
            let clients = try ev.optional(a["clients"]) { try ev.positiveInt($0, "clients", span: span) }
            let test = try ev.double(a["test"], "test", span: span)
            let distinct = try ev.optional(a["distinct"]) { try ev.positiveInt($0, "distinct", span: span) }
            let fed = try d.partition(scheme, clients: clients, seed: try seed(a["seed"], ev, label: label, span: span), testFraction: test,
                                      distinct: distinct)
            return .clients(ClientsValue(fed, part: .all, side: dv.side, origin: dv.origin))
        }
    }

    /// `d` plus, per user, `n` sampled items the user has no sample of in `d`, labelled 0.
    /// Other columns of the added rows are zero (genres are copied from a row of the same item
    /// when one exists).
    static func withNegatives(_ d: Dataset, n: Int, seed: UInt64, span: SourceSpan) throws -> Dataset {
        guard let groups = d.groups, d.hasColumn("item"), d.hasColumn("user") else {
            throw RuntimeError(RuntimeCode.data, "`with_negatives` needs (user, item) samples with user ids, e.g. from `movielens`", at: span)
        }
        guard let itemCount = d.vocabularies["item"]?.count, itemCount > 0 else {
            throw RuntimeError(RuntimeCode.data, "`with_negatives` needs the item vocabulary (load the data with `movielens`)", at: span)
        }
        let items = try d.column("item").ints, users = try d.column("user").ints
        var seen: [Int32: Set<Int32>] = [:], userOf: [Int32: Int32] = [:], rowOfItem: [Int32: Int] = [:]
        for i in 0..<d.count {
            seen[groups[i], default: []].insert(items[i])
            userOf[groups[i]] = users[i]
            if rowOfItem[items[i]] == nil { rowOfItem[items[i]] = i }
        }
        var rng = SeededGenerator(seed: seed)
        var newGroups: [Int32] = [], newUsers: [Int32] = [], newItems: [Int32] = []
        for g in seen.keys.sorted() {
            let taken = seen[g]!
            let want = min(n, itemCount - taken.count)
            var picked = Set<Int32>()
            var attempts = 0
            while picked.count < want && attempts < want * 50 {
                attempts += 1
                let it = Int32(rng.nextInt(below: itemCount))
                if !taken.contains(it) { picked.insert(it) }
            }
            for it in picked.sorted() { newGroups.append(g); newUsers.append(userOf[g]!); newItems.append(it) }
        }
        let m = newItems.count
        var cols: [(name: String, tensor: Tensor)] = []
        for name in d.columnNames {
            let full = try d.column(name)
            let shape = [m] + Array(full.shape.dropFirst())
            let width = full.shape.dropFirst().reduce(1, *)
            switch name {
            case "user": cols.append((name, try Tensor(shape: shape, ints: newUsers)))
            case "item": cols.append((name, try Tensor(shape: shape, ints: newItems)))
            default:
                var t = try Tensor(zeros: shape, dtype: full.dtype)
                if name == "genres", full.dtype == .float32 {
                    let src = full.floats
                    t.withMutableFloats { dst in
                        for (k, it) in newItems.enumerated() {
                            guard let r = rowOfItem[it] else { continue }
                            for j in 0..<width { dst[k * width + j] = src[r * width + j] }
                        }
                    }
                }
                cols.append((name, t))
            }
        }
        var negatives = try Dataset(columns: cols, classCount: d.classCount, labelColumn: d.labelColumn,
                                    source: "negatives for \(d.source)", groups: newGroups, groupKind: d.groupKind)
        negatives.vocabularies = d.vocabularies
        negatives.featureNames = d.featureNames
        do { return try Dataset.concatenate([d, negatives]) } catch let e as DataError {
            throw RuntimeError(RuntimeCode.data, e.description, at: span)
        }
    }

    /// `a ++ b`: the result lives on the device if either part does (cloud data may be sent
    /// down to a device, as CoDA's retrieval does; device data never goes up).
    static func concatenate(_ a: Value, _ b: Value, span: SourceSpan) throws -> Value {
        guard case .dataset(let x) = a, case .dataset(let y) = b else {
            throw RuntimeError(RuntimeCode.type, "`++` joins two datasets", at: span)
        }
        let side: RuntimeSide? = (x.side == .device || y.side == .device) ? .device : (x.side ?? y.side)
        var derivation: DeviceDerivation?
        if side == .device, let dx = x.derivationForDevice, let dy = y.derivationForDevice { derivation = .concat([dx, dy]) }
        do {
            return .dataset(DataValue(try Dataset.concatenate([x.dataset, y.dataset]), side: side, origin: "\(x.origin) ++ \(y.origin)",
                                      derivation: derivation))
        } catch let e as DataError {
            throw RuntimeError(RuntimeCode.data, e.description, at: span)
        }
    }
}
