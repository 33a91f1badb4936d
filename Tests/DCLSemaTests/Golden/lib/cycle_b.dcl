// Imported by cycle_a.dcl; closes the cycle.
import "cycle_a.dcl"
