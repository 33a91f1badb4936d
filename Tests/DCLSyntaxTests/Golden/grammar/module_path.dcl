// module_path: dotted names; reserved words may follow a dot.
import std
// ast: (import std)
import std.nn.layers
// ast: (import std.nn.layers)
import std.data
// ast: (import std.data)
