// Settings a client may pass in `initializationOptions` or `workspace/didChangeConfiguration`.
// Accepted spellings of the one setting, `dcl.inlayHints.shapes` (default true):
//   {"dcl": {"inlayHints": {"shapes": false}}}, {"inlayHints": {"shapes": false}},
//   {"dcl.inlayHints.shapes": false}

public struct ServerConfiguration: Sendable, Equatable {
    public var shapeHints = true

    public init() {}

    /// Updates from a settings object; keys not present leave the setting as it is.
    mutating func update(from settings: JSON?) {
        guard let s = settings else { return }
        let candidates: [JSON?] = [s["dcl"]?["inlayHints"]?["shapes"], s["inlayHints"]?["shapes"], s["dcl.inlayHints.shapes"],
                                   s["dcl"]?["inlayHints.shapes"]]
        for c in candidates {
            if let b = c?.boolValue {
                shapeHints = b
                return
            }
        }
    }
}
