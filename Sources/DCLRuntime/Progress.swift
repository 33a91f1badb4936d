// Training progress, in one of three modes (`ProgressMode`, chosen by `dcl run`):
//
// * lines — a line per epoch through the session's output, so logs, pipes and CI output stay
//   readable and byte-stable; plus, when standard error is a terminal, a live bar there.
// * live — standard output is a terminal: one line per `train`/`distill`, redrawn in place
//   (carriage return, erase line) at most ten times a second with step/total, loss,
//   samples/s, elapsed time and ETA, and left on screen, complete, when training ends. No
//   epoch lines.
// * quiet — nothing (`dcl run --quiet`); tables and `print` are unaffected.

import Foundation

/// How a session shows training progress.
public enum ProgressMode {
    case lines(barOnStandardError: Bool)
    /// `prefix` starts the line (`[seed 3] ` under `--seeds`); `write` puts raw text on the
    /// terminal (no newline added).
    case live(prefix: String, write: (String) -> Void)
    case quiet
}

final class ProgressReporter {
    let mode: ProgressMode
    let emit: (String) -> Void
    private var lastDraw = Date.distantPast
    private var drewBar = false
    /// The live line's latest state, drawn complete by `finish`.
    private var live: LiveState?

    private struct LiveState {
        var label: String
        var epoch: Int, epochs: Int
        var step: Int, steps: Int
        var loss: Double
        var samples: Int
        var elapsed: Double
        /// The last validation's metrics (`  val loss 0.1234 …`), empty before one ran.
        var validation = ""
    }

    init(mode: ProgressMode, emit: @escaping (String) -> Void) {
        self.mode = mode
        self.emit = emit
    }

    convenience init(isTTY: Bool, emit: @escaping (String) -> Void) {
        self.init(mode: .lines(barOnStandardError: isTTY), emit: emit)
    }

    /// After each batch. `batch`/`batches` count within the epoch, `step`/`steps` over the
    /// whole training, `samples` and `elapsed` since it started. Redraws at most ~10 times a second.
    func batch(label: String, epoch: Int, epochs: Int, batch: Int, batches: Int, step: Int, steps: Int, loss: Double,
               samples: Int, elapsed: Double, samplesPerSecond: Double, eta: Double) {
        switch mode {
        case .quiet:
            return
        case .live(let prefix, let write):
            live = LiveState(label: label, epoch: epoch, epochs: epochs, step: step, steps: steps, loss: loss, samples: samples, elapsed: elapsed,
                             validation: live?.validation ?? "")
            let now = Date()
            guard now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            write("\r\u{1B}[2K" + prefix + liveLine(live!))
        case .lines(let bar):
            guard bar else { return }
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
    }

    /// After each epoch; `validation` holds the metrics of a validation run after it.
    func epochDone(label: String, epoch: Int, epochs: Int, loss: Double, samples: Int, seconds: Double,
                   validation: [(String, Double)]? = nil) {
        let validationText = (validation ?? []).filter { $0.0 != "count" }
            .map { String(format: "  val %@ %.4f", $0.0, $0.1) }.joined()
        if case .live = mode, var state = live, validation != nil {
            state.validation = validationText
            live = state
        }
        guard case .lines = mode else { return }
        if drewBar {
            FileHandle.standardError.write("\r\u{1B}[2K".data(using: .utf8)!)
            drewBar = false
        }
        emit(String(format: "%@ epoch %ld/%ld  loss %.4f  %ld samples  %.1fs  (%.0f samples/s)",
                    label, epoch, epochs, loss, samples, seconds, seconds > 0 ? Double(samples) / seconds : 0) + validationText)
    }

    /// A line about the training as a whole (early stopping, the weights kept). On a live
    /// display the progress line is ended first, so the note starts a line of its own.
    func note(_ text: String) {
        switch mode {
        case .quiet: return
        case .live: finish()
        case .lines:
            if drewBar {
                FileHandle.standardError.write("\r\u{1B}[2K".data(using: .utf8)!)
                drewBar = false
            }
        }
        emit(text)
    }

    /// When a `train`/`distill` ends (also by an error): the live line is drawn with its final
    /// numbers and ended, so whatever is printed next starts on a line of its own.
    func finish() {
        guard case .live(let prefix, let write) = mode, let state = live else { return }
        write("\r\u{1B}[2K" + prefix + liveLine(state) + "\n")
        live = nil
        lastDraw = .distantPast
    }

    /// `net  epoch 3/15  step 120/450  loss 0.4321  5120 samples/s  elapsed 3s  ETA 9s`
    private func liveLine(_ s: LiveState) -> String {
        let rate = s.elapsed > 0 ? Double(s.samples) / s.elapsed : 0
        let eta = s.step > 0 ? s.elapsed / Double(s.step) * Double(s.steps - s.step) : .infinity
        return String(format: "%@  epoch %ld/%ld  step %ld/%ld  loss %.4f  %.0f samples/s  elapsed %@  ETA %@",
                      s.label, s.epoch, s.epochs, s.step, s.steps, s.loss, rate, formatDuration(s.elapsed), formatDuration(eta)) + s.validation
    }
}

func formatDuration(_ s: Double) -> String {
    guard s.isFinite, s >= 0, s < 1e12 else { return "--" }
    if s < 60 { return String(format: "%.0fs", s) }
    if s < 3600 { return String(format: "%ldm%02lds", Int(s) / 60, Int(s) % 60) }
    return String(format: "%ldh%02ldm", Int(s) / 3600, (Int(s) % 3600) / 60)
}
