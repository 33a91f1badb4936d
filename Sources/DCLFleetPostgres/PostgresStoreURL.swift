// `--store postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|require]`: the
// PostgreSQL store's address, checked before anything connects. Only what dcl acts on is
// accepted: an unknown option or a malformed part is an error naming it, never ignored.

import Foundation
import DCLFleet

public struct PostgresStoreURL: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    /// From the URL, else the environment's PGPASSWORD (kept out of shell histories and `ps`).
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    /// TLS to the server: required, or not used (`sslmode=disable`, the default: the server is
    /// expected on a trusted network or loopback).
    public var requireTLS: Bool

    /// Whether `spec` is meant as a PostgreSQL store (the scheme), before it is checked.
    public static func names(_ spec: String) -> Bool {
        spec.hasPrefix("postgres://") || spec.hasPrefix("postgresql://")
    }

    public init(_ spec: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func bad(_ why: String) -> FleetError {
            FleetError.store("bad PostgreSQL store `\(Self.redacted(spec))`: \(why); expected postgres://USER@HOST:PORT/DATABASE")
        }
        guard Self.names(spec), let components = URLComponents(string: spec) else { throw bad("not a URL") }
        guard let user = components.user, !user.isEmpty else { throw bad("no user") }
        guard let host = components.host, !host.isEmpty else { throw bad("no host") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw bad("the path must name one database") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw bad("port \(port) is out of range") }
        var requireTLS = false
        for item in components.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", "disable"?): requireTLS = false
            case ("sslmode", "require"?): requireTLS = true
            case ("sslmode", let value):
                throw bad("sslmode `\(value ?? "")` is not supported (disable or require)")
            default:
                throw bad("unknown option `\(item.name)`")
            }
        }
        guard components.fragment == nil else { throw bad("a fragment (#…) means nothing here") }
        self.user = user
        self.password = components.password ?? environment["PGPASSWORD"]
        self.host = host
        self.port = port
        self.database = database
        self.requireTLS = requireTLS
    }

    /// The URL without its password: what logs and errors show.
    public var description: String {
        "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)\(requireTLS ? "?sslmode=require" : "")"
    }

    /// `spec` with any password replaced by `***`, for an error about a URL that did not parse.
    static func redacted(_ spec: String) -> String {
        guard let at = spec.lastIndex(of: "@"), let scheme = spec.range(of: "://"), scheme.upperBound < at else { return spec }
        let credentials = spec[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return spec }
        return String(spec[..<colon]) + ":***" + String(spec[at...])
    }
}
