// Declarations that depend on themselves, and import cycles (reported where the cycle closes).
import "lib/cycle_a.dcl"
// error in lib/cycle_b.dcl:2: E0110 import cycle
data a = b |> scale(2)
data b = a |> scale(2)           // error: E0120 `a` depends on itself: `a` → `b` → `a`
