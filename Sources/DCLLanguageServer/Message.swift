// JSON-RPC 2.0 messages (the envelope LSP uses): requests carry an id and expect a response,
// notifications do not. Error codes are those of JSON-RPC and the LSP specification.

import Foundation

/// A request or response id: a number or a string.
public enum RequestID: Hashable, Sendable, Codable, CustomStringConvertible {
    case number(Int)
    case string(String)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) { self = .number(n) } else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        }
    }

    init?(_ json: JSON?) {
        switch json {
        case .string(let s)?: self = .string(s)
        case .number?: if let n = json?.intValue { self = .number(n) } else { return nil }
        default: return nil
        }
    }

    public var json: JSON {
        switch self {
        case .number(let n): return .number(Double(n))
        case .string(let s): return .string(s)
        }
    }

    public var description: String {
        switch self {
        case .number(let n): return String(n)
        case .string(let s): return "\"\(s)\""
        }
    }
}

public enum ErrorCode {
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    public static let serverNotInitialized = -32002
    public static let requestFailed = -32803
    public static let requestCancelled = -32800
}

public struct ResponseError: Error, Codable, Sendable, Equatable {
    public var code: Int
    public var message: String
    public init(_ code: Int, _ message: String) { self.code = code; self.message = message }
}

/// An incoming message, classified.
public enum IncomingMessage {
    case request(id: RequestID, method: String, params: JSON)
    case notification(method: String, params: JSON)
    /// A response to a request the server sent (it sends none that need an answer); ignored.
    case response
}

extension IncomingMessage {
    /// Classifies a decoded JSON body; throws a `ResponseError` (invalid request) with the id
    /// to answer, if one could be read.
    static func parse(_ body: JSON) throws -> IncomingMessage {
        guard case .object(let o) = body else {
            throw InvalidMessage(id: nil, error: ResponseError(ErrorCode.invalidRequest, "a message must be a JSON object"))
        }
        let id = RequestID(o["id"])
        if o["id"] != nil, o["id"] != .null, id == nil {
            throw InvalidMessage(id: nil, error: ResponseError(ErrorCode.invalidRequest, "`id` must be an integer or a string"))
        }
        guard let methodValue = o["method"] else {
            if o["result"] != nil || o["error"] != nil { return .response }
            throw InvalidMessage(id: id, error: ResponseError(ErrorCode.invalidRequest, "the message has no `method`"))
        }
        guard let method = methodValue.stringValue else {
            throw InvalidMessage(id: id, error: ResponseError(ErrorCode.invalidRequest, "`method` must be a string"))
        }
        let params = o["params"] ?? .null
        if let id = id { return .request(id: id, method: method, params: params) }
        return .notification(method: method, params: params)
    }
}

struct InvalidMessage: Error {
    let id: RequestID?
    let error: ResponseError
}

/// Outgoing message bodies.
enum OutgoingMessage {
    static func response(id: RequestID?, result: JSON) -> JSON {
        .object(["jsonrpc": .string("2.0"), "id": id?.json ?? .null, "result": result])
    }

    static func error(id: RequestID?, _ e: ResponseError) -> JSON {
        .object(["jsonrpc": .string("2.0"), "id": id?.json ?? .null,
                 "error": .object(["code": .number(Double(e.code)), "message": .string(e.message)])])
    }

    static func notification(_ method: String, _ params: JSON) -> JSON {
        .object(["jsonrpc": .string("2.0"), "method": .string(method), "params": params])
    }
}
