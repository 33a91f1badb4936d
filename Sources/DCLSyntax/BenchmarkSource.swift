// A generated, realistic dcl program for the parse benchmark (`dcl bench parse`): blocks in DAG
// form, models with sections, functions with loops, comprehensions and `if` expressions, data,
// role, train and print statements with interpolated strings — about the density of the CPython
// `ast.parse` yardstick's template (shared/bench-ref/ast_bench.py), so lines/s compare fairly.
// A test checks that it parses without a diagnostic and formats to itself.

/// Source text for benchmarks.
public enum BenchmarkSource {
    /// A program of at least `lines` lines (whole chunks of about 40 lines each).
    public static func program(lines: Int) -> String {
        var out = "// Generated for `dcl bench parse`.\nimport std.vision\n\nlet classes = 10\n"
        var count = 4
        var i = 0
        while count < lines {
            let chunk = Self.chunk(i)
            out += chunk
            count += chunk.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            i += 1
        }
        return out
    }

    static func chunk(_ i: Int) -> String {
        let a = i % 97 + 1, b = i % 31 + 1, c = i % 5 + 1
        return """

        // Unit \(i): a residual block with its own width.
        block unit\(i)(c: int = \(a), drop: float = 0.\(b % 10))(x) {
          h = x |> conv2d(c, 3, pad: 1) |> batchnorm |> relu
          h = h |> conv2d(c, 3, pad: 1) |> batchnorm
          if drop > 0 {
            h = h |> dropout(drop)
          }
          return relu(h + x)
        }

        model net\(i)(classes: int = \(b)) {
          input x: f32[1, 28, 28]
          features {
            conv2d(\(a), kernel: 5, pad: 2) |> relu |> maxpool(2)
            for k in 0..\(c) {
              unit\(i)(c: \(a))
            }
          }
          head {
            flatten |> linear(classes)
          }
        }

        fn score\(i)(xs: list[float], scale: float = 1.0) -> float {
          var total = 0.0
          for x in xs {
            total += x * scale - \(b) / 2
          }
          let best = [v * 2 for v in xs if v > 0.5 and v < \(a)]
          return if total > \(a) { total / len(xs) } else { total }
        }

        data set\(i) = idx(images: "data/part\(i).gz", labels: "data/labels\(i).gz") |> scale(1 / 255)
        role device\(i)[\(c)] {
          data: set\(i) |> take(0.5)
          budget { params: \(a)k, flops: 2M, memory: 1MiB }
        }
        train net\(i) on set\(i) { epochs: 3, batch: 128, optimizer: adam(lr: 1e-3) }
        print "net \(i): acc {evaluate(net\(i), on: set\(i)):.2f}, loss {score\(i)([1.0, 2.5]):>8.3f}"

        """
    }
}
