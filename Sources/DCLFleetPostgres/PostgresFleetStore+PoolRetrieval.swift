// Coarse retrieval inside PostgreSQL: a pool's user embeddings published into
// `pool_users.embedding`, a GiST index over `cube(embedding)` (the `cube` extension of
// postgresql-contrib; pgvector is not assumed), and top-M users by cosine similarity through the
// index's nearest-neighbour scan — the alternative to the engine's streamed GEMM (`TopKSearch`).
//
// cube's KNN orders by Euclidean distance (`<->`). On unit vectors |q − x|² = 2 − 2·q·x, so
// embeddings and queries are normalised first and the order is cosine's (and inner product's
// among unit vectors). Ties go to the lower user index, as `TopKSearch` breaks them: the scan
// fetches the M-th distance's whole tie group (`FETCH FIRST … WITH TIES`) and the group is
// ordered by index here. cube holds at most 100 dimensions; more is refused, not truncated.

import DCLFleet
import NIOCore
import PostgresNIO

public enum CubeRetrieval {
    /// cube's CUBE_MAX_DIM.
    public static let maxDimensions = 100

    public static func checkDimensions(_ dim: Int) throws {
        guard dim >= 1 else { throw FleetError.store("embeddings need at least one dimension") }
        guard dim <= maxDimensions else {
            throw FleetError.store("the cube extension holds at most \(maxDimensions) dimensions, these embeddings have \(dim): "
                                   + "search them with the engine's top-k (TopKSearch) instead")
        }
    }

    /// Each row of `xs` (rows of `dim`) scaled to unit length; a zero row stays zero.
    public static func normalized(_ xs: [Float], dim: Int) -> [Float] {
        var out = xs
        for r in 0..<(xs.count / dim) {
            var sum: Float = 0
            for j in 0..<dim { sum += xs[r * dim + j] * xs[r * dim + j] }
            let norm = sum.squareRoot()
            if norm > 0 { for j in 0..<dim { out[r * dim + j] = xs[r * dim + j] / norm } }
        }
        return out
    }

    /// A row as a float8[] literal, each float written exactly (its double value, not the
    /// float's shortest text, which reads back as another double).
    static func literal(_ xs: ArraySlice<Float>) -> String {
        "{" + xs.map { "\(Double($0))" }.joined(separator: ",") + "}"
    }
}

/// One user a search found: its index in the pool and the cosine similarity to the query.
public struct CubeNeighbour: Sendable, Equatable {
    public var user: Int32
    public var cosine: Float
}

extension PostgresFleetStore {
    /// The partial GiST index of one pool's embeddings (one per pool: the planner proves the
    /// pool's condition from the query's literal id).
    static func cubeIndex(_ pool: Int64) -> String { "pool_users_cube_\(pool)" }

    /// Publishes `embeddings` (row i: user index i's, `dim` floats) as the pool's retrieval index,
    /// normalised, and (re)builds the GiST index over them. One transaction.
    public func publishEmbeddings(pool name: String, embeddings: [Float], dim: Int) async throws {
        try CubeRetrieval.checkDimensions(dim)
        guard embeddings.count % dim == 0 else { throw FleetError.store("\(embeddings.count) floats are not whole rows of \(dim)") }
        let unit = CubeRetrieval.normalized(embeddings, dim: dim)
        let rows = embeddings.count / dim
        try await transaction(deadline: Self.poolDeadline) { conn in
            try await Self.createCube(conn)
            guard let (pool, users) = try await conn.rows("SELECT id, users FROM pools WHERE name = \(name) FOR UPDATE")
                .decode((Int64, Int64).self).array().first else {
                throw FleetError.store("the store holds no pool named `\(name)`")
            }
            guard Int(users) == rows else { throw FleetError.store("pool `\(name)` has \(users) users, the embeddings \(rows) rows") }
            try await conn.exec(PostgresQuery(unsafeSQL: "DROP INDEX IF EXISTS \(Self.cubeIndex(pool))"))
            for start in stride(from: 0, to: rows, by: SamplePoolRules.batchRows) {
                let end = min(start + SamplePoolRules.batchRows, rows)
                let literals = (start..<end).map { CubeRetrieval.literal(unit[($0 * dim)..<(($0 + 1) * dim)]) }
                try await conn.exec("""
                    UPDATE pool_users u SET embedding = s.e::float8[]
                    FROM unnest(\(literals)::text[]) WITH ORDINALITY AS s(e, ord)
                    WHERE u.pool_id = \(pool) AND u.user_index = \(start) + s.ord - 1
                    """)
            }
            try await conn.exec(PostgresQuery(unsafeSQL: """
                CREATE INDEX \(Self.cubeIndex(pool)) ON pool_users USING gist (cube(embedding)) WHERE pool_id = \(pool)
                """))
        }
        // Statistics for the planner (outside the transaction: ANALYZE of one table is cheap).
        try await read(deadline: Self.poolDeadline) { conn in try await conn.exec("ANALYZE pool_users") }
    }

    /// For each query (rows of `dim` floats), the `top` users of the pool most similar by cosine,
    /// best first, ties to the lower user index — one statement for all the queries.
    public func nearestUsers(pool name: String, queries: [Float], dim: Int, top: Int) async throws -> [[CubeNeighbour]] {
        try CubeRetrieval.checkDimensions(dim)
        guard top >= 1, !queries.isEmpty, queries.count % dim == 0 else {
            throw FleetError.store("expected whole query rows of \(dim) floats and top ≥ 1")
        }
        let count = queries.count / dim
        let unit = CubeRetrieval.normalized(queries, dim: dim)
        let literals = (0..<count).map { CubeRetrieval.literal(unit[($0 * dim)..<(($0 + 1) * dim)]) }
        return try await read(deadline: Self.poolDeadline) { conn in
            guard let pool = try await conn.rows("SELECT id FROM pools WHERE name = \(name)").decode(Int64.self).array().first else {
                throw FleetError.store("the store holds no pool named `\(name)`")
            }
            var found = [[(user: Int32, distance: Double)]](repeating: [], count: count)
            // The pool's id inlined: the partial index matches only a condition known when planning.
            let rows = try await conn.rows("""
                SELECT q.ord, n.user_index, n.d
                FROM unnest(\(literals)::text[]) WITH ORDINALITY AS q(v, ord)
                CROSS JOIN LATERAL (
                  SELECT user_index, cube(embedding) <-> cube(q.v::float8[]) AS d
                  FROM pool_users WHERE pool_id = \(unescaped: "\(pool)") AND embedding IS NOT NULL
                  ORDER BY cube(embedding) <-> cube(q.v::float8[])
                  FETCH FIRST \(unescaped: "\(top)") ROWS WITH TIES) n
                """)
            for try await (ord, user, d) in rows.decode((Int64, Int32, Double).self) {
                found[Int(ord) - 1].append((user, d))
            }
            return found.map { list in
                list.sorted { ($0.distance, $0.user) < ($1.distance, $1.user) }.prefix(top)
                    .map { CubeNeighbour(user: $0.user, cosine: Float(1 - $0.distance * $0.distance / 2)) }
            }
        }
    }

    /// The extension, created if the server has it (it is trusted: a database's owner may).
    private static func createCube(_ conn: PostgresConnection) async throws {
        do {
            try await conn.exec("CREATE EXTENSION IF NOT EXISTS cube")
        } catch {
            let text = describe(error)
            if text.contains("extension \"cube\" is not available") || text.contains("could not open extension control file") {
                throw FleetError.store("the server has no `cube` extension (Debian and Ubuntu ship it in postgresql-contrib)")
            }
            throw error
        }
    }
}
