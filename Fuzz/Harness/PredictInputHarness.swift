// Fuzz harness: `dcl predict`'s input files — `PredictIO.read` (.npy, gzip or not, and .csv with
// an optional header), then `PredictIO.shaped` against a model input's per-sample shape and dtype,
// then the CSV and .npy output writers on the result, as predict prints or writes its outputs.
//
// `PredictIO` has `package` access in DCLDriver: this harness is in the same package, and it stays
// out of DCLDriver's public API.
//
// First byte: bit 0 picks the file type (0 .npy, 1 .csv); bits 1–2 the sample shape to feed:
// the file's own per-sample size flat, the same as [1, n], a scalar, or [a, b] taken from bits
// 3–7; bit 3 as well picks the model dtype (f32 or i32). The rest is the file.

import DCLData
import DCLDriver
import DCLTensor

extension FuzzHarness {
    /// One `fuzz-predict-input` input; its file is written to `scratch` (the process's scratch
    /// directory by default).
    public static func predictInput(_ input: [UInt8], scratch: String? = nil) {
        guard let selector = input.first else { return }
        let path = Fuzz.scratchFile(selector & 1 == 0 ? "input.npy" : "input.csv", Array(input.dropFirst()), in: scratch)
        guard let t = try? PredictIO.read(path) else { return }

        // Overflow-safe here, so an overflow on a hostile shape such as (0, 2^40, 2^40) is found in
        // the code under test rather than in the harness.
        let per = t.shape.dropFirst().reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
        let sample: [Int]
        switch (selector >> 1) & 3 {
        case 0: sample = [per]
        case 1: sample = [1, per]
        case 2: sample = []
        default: sample = [Int(selector >> 3) & 3, Int(selector >> 5)]
        }
        let dtype: DType = (selector >> 3) & 1 == 0 ? .float32 : .int32
        guard let fed = try? PredictIO.shaped(t, sample: sample, dtype: dtype, name: "x", path: path) else { return }
        _ = PredictIO.csv([(name: "y", tensor: fed)])
        _ = PredictIO.csv([(name: "y", tensor: t)])
        _ = NPY.encode(fed)
    }
}
