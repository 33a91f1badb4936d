// Fixed and exponent notation for format specs (`{x:.3f}`, `{x:.2e}`). Foundation's
// `String(format:)` builds the text through CoreFoundation's format parser, which showed in
// `dcl check`'s profile (a `print` of a computed number runs there too); finite values with a
// modest precision go straight to the C library's formatter, which CoreFoundation calls for
// doubles itself, in the C locale as both are here — so the bytes are the same.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum FloatFormatting {
    /// `String(format: "%.<precision>f")` (or `e`) of `d`.
    static func format(_ d: Double, precision: Int, exponent: Bool) -> String {
        guard d.isFinite, precision >= 0, precision <= 40, abs(d) < 1e40 || exponent else {
            return String(format: exponent ? "%.\(precision)e" : "%.\(precision)f", d)
        }
        // At most 40 digits before the point (the guard), 40 after, sign, point and exponent.
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 128) { buf in
            let n = withVaList([Int32(precision), d]) { args in
                vsnprintf(buf.baseAddress!, 128, exponent ? "%.*e" : "%.*f", args)
            }
            guard n > 0, n < 128 else { return String(format: exponent ? "%.\(precision)e" : "%.\(precision)f", d) }
            return String(cString: buf.baseAddress!)
        }
    }
}
