// import: a module path or a quoted file, with an optional alias.
import std.vision
// ast: (import std.vision)
import std.vision as v
// ast: (import std.vision (as v))
import "lib/blocks.dcl"
// ast: (import "lib/blocks.dcl")
import "lib/extra.dcl" as extra
// ast: (import "lib/extra.dcl" (as extra))
