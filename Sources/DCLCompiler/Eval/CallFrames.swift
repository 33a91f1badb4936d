// Errors that unwind through calls gain a label at each call site, innermost first, like a
// traceback: a shape error inside `std/vision.dcl` also shows the line of the user's script
// that constructed the model, and the block applications in between.
//
//     std/vision.dcl:34:12: error[E0301]: `add`: … do not broadcast
//        |
//     34 |   return relu(h + s)
//        |               ^~~~~
//     54 |         residual(width * 2 ** stage, …)
//        |         ------------------------------- in block `residual`, applied here
//        ::: split.dcl:3:21
//        |
//      3 | split base = vertical(resnet(depth: 8), device_width: 1/8)
//        |                       --------------- in model `resnet`, constructed here

import DCLDiagnostics

extension RuntimeError {
    /// Labels kept per error: deep recursion must not print hundreds of frames. The innermost
    /// frames are kept, and the outermost (the user's line) always is.
    static let maxFrames = 8

    /// Records that the error unwound through a call of `what` made at `callSite`.
    mutating func addFrame(_ what: String, calledAt callSite: SourceSpan) {
        // An error about the call itself (its arguments, a depth limit) already points here.
        if callSite.file == span.file, callSite.start <= span.start, span.end <= callSite.end { return }
        let label = DiagnosticLabel(callSite, what)
        // Recursion through one call site is one frame.
        if labels.last == label { return }
        if labels.count == Self.maxFrames {
            // Keep the innermost frames and the newest outermost one; count what falls between.
            labels.removeLast()
            framesOmitted += 1
        }
        labels.append(label)
    }
}

extension Evaluator {
    /// Runs the body of a call; an error raised inside gains a frame at the call site.
    func inFrame<T>(_ what: @autoclosure () -> String, calledAt callSite: SourceSpan, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var e as RuntimeError {
            e.addFrame(what(), calledAt: callSite)
            throw e
        }
    }
}
