// Device ranges as the command line writes them: `--devices 0..249` for `dcl device`, and the
// even split of a fleet over `--device-hosts K` for `dcl run --deploy loopback`.

/// `--devices`: an inclusive range `A..B`, one index, or `all`, within the role's count.
public enum DeviceRange {
    public struct Failure: Error, Equatable { public let message: String }

    public static func parse(_ text: String, count: Int) -> Result<ClosedRange<Int>, Failure> {
        guard count > 0 else { return .failure(Failure(message: "the role has no devices")) }
        if text == "all" { return .success(0...(count - 1)) }
        let parts = text.components(separatedBy: "..")
        let bounds: (Int, Int)
        if parts.count == 1, let n = Int(parts[0]) {
            bounds = (n, n)
        } else if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]) {
            bounds = (a, b)
        } else {
            return .failure(Failure(message: "--devices \(text): expected A..B (inclusive), N or all"))
        }
        guard bounds.0 >= 0, bounds.0 <= bounds.1 else {
            return .failure(Failure(message: "--devices \(text): the range is empty or negative"))
        }
        guard bounds.1 < count else {
            return .failure(Failure(message: "--devices \(text): the role has \(count) devices (0..\(count - 1))"))
        }
        return .success(bounds.0...bounds.1)
    }

    /// `count` devices over `hosts` hosts, as even as can be, in order.
    public static func split(count: Int, hosts: Int) -> [ClosedRange<Int>] {
        let k = max(1, min(hosts, count))
        var out: [ClosedRange<Int>] = []
        var start = 0
        for i in 0..<k {
            let size = count / k + (i < count % k ? 1 : 0)
            out.append(start...(start + size - 1))
            start += size
        }
        return out
    }
}
