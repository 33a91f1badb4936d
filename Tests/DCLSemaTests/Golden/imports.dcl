// Imports: unknown modules and files.
import std.visoin                // error: E0109 no standard library module `std.visoin`
// hint: did you mean `std.vision`?
import missing.module            // error: E0109 module `missing.module` not found
import "nowhere.dcl"             // error: E0109 imported file `nowhere.dcl` not found
