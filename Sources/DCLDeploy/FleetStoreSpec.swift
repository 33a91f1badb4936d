// The `--store` option of `dcl serve`, `dcl run --deploy loopback` and `dcl bench serve`: which
// store the service keeps its state in.

import DCLFleet
import DCLFleetPostgres

enum FleetStoreSpec {
    static let help = "memory (the default), sqlite:PATH, or postgres://USER@HOST:PORT/DATABASE"

    /// Opens the store `spec` names (nil: memory). A PostgreSQL store is connected to and its
    /// schema brought up to date before this returns.
    static func open(_ spec: String?) throws -> any FleetStore {
        guard let spec else { return try SQLiteFleetStore() }
        if PostgresStoreURL.names(spec) {
            let url = try PostgresStoreURL(spec)
            return try blocking { try await PostgresFleetStore.open(url) }
        }
        guard spec == "memory" || spec.hasPrefix("sqlite:") else {
            throw FleetError.store("bad store `\(spec)`: expected \(help)")
        }
        return try SQLiteFleetStore.open(spec: spec)
    }
}
