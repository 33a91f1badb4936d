// Training progress: a live bar on a terminal (epoch, batch, loss, samples/s, ETA), one line
// per epoch otherwise — so logs and CI output stay readable.

import Foundation

final class ProgressReporter {
    let isTTY: Bool
    let emit: (String) -> Void
    private var lastDraw = Date.distantPast
    private var drewBar = false

    init(isTTY: Bool, emit: @escaping (String) -> Void) {
        self.isTTY = isTTY
        self.emit = emit
    }

    /// Redraws the bar at most ~10 times a second.
    func batch(label: String, epoch: Int, epochs: Int, batch: Int, batches: Int, loss: Double, samplesPerSecond: Double, eta: Double) {
        guard isTTY else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.1 || batch == batches else { return }
        lastDraw = now
        let width = 24
        let filled = batches > 0 ? width * batch / batches : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        // `%ld`: Swift's Int is 64-bit, `%d` reads 32 bits (10^12 epochs printed as -727379968).
        let line = String(format: "%@ epoch %ld/%ld [%@] %ld/%ld  loss %.4f  %.0f samples/s  ETA %@",
                          label, epoch, epochs, bar, batch, batches, loss, samplesPerSecond, formatDuration(eta))
        FileHandle.standardError.write(("\r\u{1B}[2K" + line).data(using: .utf8)!)
        drewBar = true
    }

    func epochDone(label: String, epoch: Int, epochs: Int, loss: Double, samples: Int, seconds: Double) {
        if drewBar {
            FileHandle.standardError.write("\r\u{1B}[2K".data(using: .utf8)!)
            drewBar = false
        }
        emit(String(format: "%@ epoch %ld/%ld  loss %.4f  %ld samples  %.1fs  (%.0f samples/s)",
                    label, epoch, epochs, loss, samples, seconds, seconds > 0 ? Double(samples) / seconds : 0))
    }
}

func formatDuration(_ s: Double) -> String {
    guard s.isFinite, s >= 0, s < 1e12 else { return "--" }
    if s < 60 { return String(format: "%.0fs", s) }
    if s < 3600 { return String(format: "%ldm%02lds", Int(s) / 60, Int(s) % 60) }
    return String(format: "%ldh%02ldm", Int(s) / 3600, (Int(s) % 3600) / 60)
}
