// Reassembling blobs from chunks that arrive over the wire, on either side: the declared sizes
// and hashes are untrusted until the bytes are in and their SHA-256 matches. Memory grows with
// the bytes that actually arrived, never with a size a peer merely declared.

import Crypto
import DCLFleetProto
import Foundation
import GRPCCore

/// A result header, checked: its blob references and the failure message, if any.
struct ResultPlan {
    var refs: [BlobRef]
    var failure: String?

    init(header: Dcl_Fleet_V1_ResultHeader, limits: FleetLimits) throws {
        guard header.spec.count <= limits.maxSpecBytes else {
            throw RPCError(code: .invalidArgument, message: "result spec of \(header.spec.count) bytes (limit \(limits.maxSpecBytes))")
        }
        guard header.blobs.count <= limits.maxBlobsPerMessage else {
            throw RPCError(code: .invalidArgument, message: "\(header.blobs.count) result blobs (limit \(limits.maxBlobsPerMessage))")
        }
        if header.failed {
            guard header.blobs.isEmpty, header.spec.isEmpty else {
                throw RPCError(code: .invalidArgument, message: "a failed result carries its message only, no spec or blobs")
            }
            // Cut, not refused: the message is for a person, and a long one still says what failed.
            failure = String(decoding: Array(header.errorMessage.utf8.prefix(limits.maxErrorMessageBytes)), as: UTF8.self)
        } else {
            failure = nil
        }
        refs = try checkedRefs(header.blobs, limits: limits, what: "result")
    }
}

/// Checks a list of blob references from the wire: 32-byte hashes, sizes within the limits, the
/// total without overflow.
func checkedRefs(_ blobs: [Dcl_Fleet_V1_BlobRef], limits: FleetLimits, what: String) throws -> [BlobRef] {
    var total = 0
    var refs: [BlobRef] = []
    refs.reserveCapacity(blobs.count)
    for (i, blob) in blobs.enumerated() {
        guard blob.sha256.count == Digest.hashBytes else {
            throw RPCError(code: .invalidArgument, message: "\(what) blob \(i): a hash has 32 bytes, not \(blob.sha256.count)")
        }
        guard blob.size <= UInt64(limits.maxBlobBytes) else {
            throw RPCError(code: .invalidArgument, message: "\(what) blob \(i): \(blob.size) bytes (limit \(limits.maxBlobBytes))")
        }
        let size = Int(blob.size)
        let (sum, overflow) = total.addingReportingOverflow(size)
        guard !overflow, sum <= limits.maxOutcomeBytes else {
            throw RPCError(code: .invalidArgument, message: "\(what) blobs total more than \(limits.maxOutcomeBytes) bytes")
        }
        total = sum
        refs.append(BlobRef(sha256: [UInt8](blob.sha256), size: size))
    }
    return refs
}

/// Takes the bytes of `plan.refs`' blobs, in order, in chunks of any size.
struct BlobReceiver {
    private let refs: [BlobRef]
    private var index = 0
    private var current: [UInt8] = []
    /// The current blob's hash so far: bytes are hashed as they arrive, while they are still in
    /// the cache, rather than in a second pass over the whole blob.
    private var hasher = SHA256()
    private var done: [[UInt8]] = []

    init(plan: ResultPlan) throws { try self.init(refs: plan.refs) }

    init(refs: [BlobRef]) throws {
        self.refs = refs
        try completeEmptyBlobs()
    }

    mutating func take(_ data: Data) throws {
        var rest = data[...]
        while !rest.isEmpty {
            guard index < refs.count else {
                throw RPCError(code: .invalidArgument, message: "more bytes than the declared blobs hold")
            }
            let want = refs[index].size - current.count
            let part = rest.prefix(want)
            current.append(contentsOf: part)
            hasher.update(data: part)
            rest = rest.dropFirst(part.count)
            if current.count == refs[index].size { try completeBlob() }
        }
    }

    /// The blobs, once every declared byte arrived.
    mutating func finish() throws -> [[UInt8]] {
        guard index == refs.count else {
            let expected = refs[index].size
            throw RPCError(code: .invalidArgument, message: "the stream ended inside blob \(index): \(current.count) of \(expected) bytes")
        }
        return done
    }

    private mutating func completeBlob() throws {
        let ref = refs[index]
        let digest = Array(hasher.finalize())
        hasher = SHA256()
        guard Digest.constantTimeEqual(digest, ref.sha256) else {
            throw RPCError(code: .dataLoss, message: "blob \(index) (\(ref.size) bytes) does not match its SHA-256 \(ref.hex)")
        }
        done.append(current)
        current = []
        index += 1
        try completeEmptyBlobs()
    }

    /// Zero-byte blobs have no chunk: they complete (and are checked) as soon as they come up.
    private mutating func completeEmptyBlobs() throws {
        if index < refs.count, refs[index].size == 0 { try completeBlob() }
    }
}
