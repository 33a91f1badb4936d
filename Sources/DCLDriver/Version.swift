/// The version of dcl, written into bundles and printed by `dcl --version`.
public let dclVersion = "0.1.0"
