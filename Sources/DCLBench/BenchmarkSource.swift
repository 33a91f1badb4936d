// A generated, realistic dcl program for the parse benchmark (`dcl bench parse`): blocks in DAG
// form, models with sections, functions with loops, comprehensions and `if` expressions, data,
// role, train and print statements with interpolated strings — about the density of the CPython
// `ast.parse` yardstick's template (shared/bench-ref/ast_bench.py), so lines/s compare fairly.
// A test checks that it parses without a diagnostic and formats to itself; `dcl bench parse`
// also checks it (it is a valid program: names, types, shapes), so parse+check is measured too.

/// Source text for benchmarks.
public enum BenchmarkSource {
    /// A program of at least `lines` lines (whole chunks of 43 lines each), already formatted.
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

        // Unit \(i): a residual block whose width and dropout come from its parameters.
        block unit\(i)(channels: int = \(a), drop_rate: float = 0.\(b % 10), kernel_size: int = 3)(x) {
          hidden = x |> conv2d(channels, kernel_size, pad: div(kernel_size, 2)) |> batchnorm |> relu
          hidden = hidden |> conv2d(channels, kernel_size, pad: div(kernel_size, 2)) |> batchnorm
          if drop_rate > 0 and channels > \(c) {
            hidden = hidden |> dropout(drop_rate) |> identity
          }
          return relu(hidden + (x |> conv2d(channels, 1, pad: 0)))
        }

        model network\(i)(classes: int = \(b), width: int = \(a), depth: int = \(c)) {
          input image: f32[1, 28, 28]
          features {
            conv2d(width, kernel: 5, pad: 2, stride: 1) |> batchnorm |> relu |> maxpool(2)
            for k in 0..depth {
              unit\(i)(channels: width * (k + 1), drop_rate: 0.1 * k, kernel_size: 3 + k % 2 * 2)
            }
          }
          head {
            global_avgpool |> flatten |> dropout(0.2) |> linear(classes * 4) |> relu |> linear(classes)
          }
        }

        fn score\(i)(values: list[float], scale: float = 1.0, offset: float = \(b).5) -> float {
          var total = offset * len(values) - \(a) / 2
          for index, value in values {
            total += value * scale - index % \(c) + if value > offset { value / 2 } else { 0 }
          }
          let best = [v * 2 + offset for v in values if v > 0.5 and v < \(a) or v == offset]
          return if total > \(a) { total / max(len(values), 1) } else { total - sum(best) }
        }

        data samples\(i) = idx(images: "data/p\(i)-images.gz", labels: "data/p\(i)-labels.gz") |> scale(1 / 255)

        role device\(i)[\(c)] {
          data: samples\(i) |> partition(label_subset(\(c)), seed: \(i)) |> take(0.5)
          budget { params: \(a)k, flops: \(b)M, memory: \(c)MiB, storage: \(c * 4)MiB }
        }

        let net\(i) = network\(i)(classes: 10, width: \(i % 4 + 2), depth: \(c))
        train net\(i) on samples\(i) { epochs: 3, batch: 128, optimizer: adam(lr: 1e-3, weight_decay: 0.01) }
        print "network \(i): accuracy {evaluate(net\(i), on: samples\(i)).accuracy:.2f}, score {score\(i)([1.0, 2.5]):>8.3f}"

        """
    }
}
