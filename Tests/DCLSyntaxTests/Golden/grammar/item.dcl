// item: an import, a declaration or a statement.
import std.vision
// ast: (import std.vision)
data d = load_mnist()
// ast: (data d (call load_mnist))
print d
// ast: (print d)
