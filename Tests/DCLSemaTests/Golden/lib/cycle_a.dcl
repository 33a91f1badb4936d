// Imported by cycles.dcl.
import "cycle_b.dcl"
