// Literals: numbers and sizes as written, strings re-escaped canonically.
let n = 1_000_000 + 1e-3 + 2.50 + 1E6
let s = [100k, 2M, 1.5G, 0.3k, 1MiB, 512KiB, 4GB, 64B]
let t = "tab\tquote\"backslash\\brace\{\}nul\0uni\u{41}\u{1F600}raw😀é"
let u = "{x} {y:.2f} {z:>8} {w:} {f(a, b: "nested {c}")} {{k: 1}.k}"
let v = -x; let w = - -x; let y = + +x; let z = not not x; let p = -2 ** -2
let r = 0..n; let q = 1..=n+1
