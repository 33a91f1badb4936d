// The join token comes from a file or the environment, never the command line (where `ps` shows
// it to every user of the machine).

import Foundation

public enum JoinToken {
    /// The environment variable read when no file is given.
    public static let environmentVariable = "DCL_JOIN_TOKEN"

    /// The token in `file` (surrounding whitespace ignored), else in `DCL_JOIN_TOKEN`.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let token: String
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw FleetError.joinToken("cannot read \(file)") }
            token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw FleetError.joinToken("\(file) is empty") }
        } else {
            guard let value = environment[environmentVariable]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw FleetError.joinToken("no token: give --join-token-file FILE or set \(environmentVariable)")
            }
            token = value
        }
        guard !token.contains(where: { $0.isWhitespace || $0.isNewline }), token.utf8.count <= 128 else {
            throw FleetError.joinToken("a token is one word of at most 128 characters")
        }
        return token
    }

    /// A fresh random token (256 bits, hex), for a run's service to hand its hosts.
    public static func generate() -> String { Digest.newToken() }
}
