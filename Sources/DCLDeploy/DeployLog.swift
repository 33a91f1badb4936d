// The log of `dcl serve` and `dcl device`, through swift-log: each message is an event with
// fields (the run, the round, the devices, the bytes), written to standard error either as the
// line a person reads (`dcl serve: listening on 127.0.0.1:7000`, the default) or as one JSON
// object per line for a log collector (`--log-format json`):
//
//   {"time":"2026-12-06T17:58:01.123Z","level":"info","command":"serve","event":"listening",
//    "message":"listening on 127.0.0.1:7000","address":"127.0.0.1:7000","tls":false}
//
// `time`, `level`, `command`, `event` and `message` are in every object; the other fields are
// the event's own (docs/deploy.md lists them). Keys are sorted after those five, so two runs
// write their objects the same way. One handler per command, made here — not through
// `LoggingSystem.bootstrap`, which a process may call only once.

import ArgumentParser
import DCLDriver
import DCLFleet
import DCLText
import Foundation
import Logging

/// How the deploy commands write their log.
public enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json
}

enum DeployLog {
    /// A logger for `dcl COMMAND` in `format`.
    static func logger(command: String, format: LogFormat) -> Logger {
        Logger(label: "dcl.\(command)") { _ in DeployLogHandler(command: command, format: format) }
    }
}

extension Logger {
    /// Logs `message` as `event` with its fields (`.string` and `.stringConvertible` values;
    /// numbers and booleans stay numbers and booleans in JSON).
    func event(_ event: String, _ message: String, level: Logger.Level = .info, _ fields: Logger.Metadata = [:]) {
        var metadata = fields
        metadata["event"] = .string(event)
        log(level: level, "\(message)", metadata: metadata)
    }
}

extension Logger {
    /// `device 4` or `devices 0..9` (inclusive).
    static func devices(_ first: Int, _ end: Int) -> String { end - first == 1 ? "device \(first)" : "devices \(first)..\(end - 1)" }

    /// A host joining, leaving, falling silent or coming back, as the service tells it.
    func fleetEvent(_ e: FleetEvent) {
        switch e {
        case .hostJoined(let first, let end, let rejoined):
            event("host-joined", "a host joined for \(Self.devices(first, end))\(rejoined > 0 ? " (\(rejoined) rejoined with their tokens)" : "")",
                  ["first_device": .stringConvertible(first), "last_device": .stringConvertible(end - 1), "rejoined": .stringConvertible(rejoined)])
        case .hostLeft(let first, let end):
            event("host-left", "the host of \(Self.devices(first, end)) left", level: .warning,
                  ["first_device": .stringConvertible(first), "last_device": .stringConvertible(end - 1)])
        case .hostSilent(let first, let end, let seconds):
            event("host-silent", "the host of \(Self.devices(first, end)) has not been heard from for \(seconds) s (killed, or cut off?)",
                  level: .warning,
                  ["first_device": .stringConvertible(first), "last_device": .stringConvertible(end - 1), "seconds": .stringConvertible(seconds)])
        case .hostReturned(let first, let end):
            event("host-returned", "the host of \(Self.devices(first, end)) is heard from again",
                  ["first_device": .stringConvertible(first), "last_device": .stringConvertible(end - 1)])
        case .storeUnavailable(let message):
            event("store-unavailable", "the store is out of reach (\(message)); retrying", level: .warning, ["reason": .string(message)])
        case .storeReturned(let seconds):
            event("store-returned", "the store answers again after \(seconds) s", ["seconds": .stringConvertible(seconds)])
        }
    }
}

struct DeployLogHandler: LogHandler {
    let command: String
    let format: LogFormat
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        switch format {
        case .text:
            StandardError.write("dcl \(command): \(message)\n")
        case .json:
            var fields = self.metadata
            if let explicit { fields.merge(explicit) { $1 } }
            let event = fields.removeValue(forKey: "event").map { "\($0)" } ?? "message"
            var out = "{\"time\":\(quoted(Self.timestamp(Date()), .json)),\"level\":\(quoted(level.rawValue, .json)),"
            out += "\"command\":\(quoted(command, .json)),\"event\":\(quoted(event, .json)),\"message\":\(quoted(message.description, .json))"
            for key in fields.keys.sorted() {
                out += ",\(quoted(key, .json)):\(Self.json(fields[key]!))"
            }
            StandardError.write(out + "}\n")
        }
    }

    /// A field's value as JSON: integers, finite floats and booleans as themselves, lists and
    /// dictionaries nested, anything else as a string.
    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return quoted(s, .json)
        case .stringConvertible(let c):
            switch c {
            case let b as Bool: return b ? "true" : "false"
            case let i as Int: return String(i)
            case let i as Int64: return String(i)
            case let u as UInt64: return String(u)
            case let d as Double where d.isFinite: return "\(d)"
            default: return quoted(c.description, .json)
            }
        case .array(let xs): return "[" + xs.map(json).joined(separator: ",") + "]"
        case .dictionary(let d):
            return "{" + d.keys.sorted().map { "\(quoted($0, .json)):\(json(d[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// RFC 3339 in UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        let ms = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
        var t = time_t(ms / 1000)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), ms % 1000)
    }
}
