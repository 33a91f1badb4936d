// What a name not bound in any environment was found to mean: a built-in. Finding that out
// walks the module's declarations, its top-level bindings, and each import's declarations and
// bindings before the built-in table — five hashes of the name for `conv2d` in a script with one
// import, on every layer line of every model body. The answer depends only on those tables, so
// it is remembered per name with the module it was found in and a stamp of the tables'
// versions (`DCLModule.namesVersion`); a REPL input that declares or binds the name (or changes
// the imports) changes the stamp, and the name is looked up the long way again.
//
// Local bindings are not covered: the caller looks in the environment chain first, as before.

import DCLSema

struct BuiltinNameCache {
    private struct Entry {
        let module: DCLModule
        let stamp: Int
        let spec: BuiltinSpec
    }

    private var entries: [String: Entry] = [:]

    /// The versions of everything a built-in name's lookup in `m` reads: the module's own
    /// tables (its imports among them) and those of the modules it imports. Versions only grow,
    /// so with the same imports a changed table always changes the sum.
    private static func stamp(of m: DCLModule) -> Int {
        var s = m.namesVersion
        for imp in m.imports { if let t = imp.module { s &+= t.namesVersion } }
        return s
    }

    /// The built-in `name` means in `m`, if it was found to be one and nothing it depends on
    /// changed since.
    func spec(_ name: String, in m: DCLModule) -> BuiltinSpec? {
        guard let e = entries[name], e.module === m, e.stamp == Self.stamp(of: m) else { return nil }
        return e.spec
    }

    /// Records that in `m`, with no environment binding, `name` means the built-in `spec`:
    /// neither the module nor any import declares or binds it.
    mutating func remember(_ name: String, _ spec: BuiltinSpec, in m: DCLModule) {
        entries[name] = Entry(module: m, stamp: Self.stamp(of: m), spec: spec)
    }
}
