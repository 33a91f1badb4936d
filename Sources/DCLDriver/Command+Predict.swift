// `dcl predict BUNDLE --model M --input FILE [--output FILE.npy]` — runs one model of a bundle
// from the bundle alone: the bundle is read and verified, the model's graph parsed from its IR
// text, its weights loaded (dequantised as stored), and the engine runs it. No script.
//
// Inputs: `--input FILE` for a one-input model, `--input NAME=FILE` per input otherwise. A
// file is `.npy` (any numeric dtype; integral values for id inputs) or `.csv` (one sample per
// row, the per-sample elements flattened, a non-numeric first row is a header), read under
// the file-size cap (DCLData's readers). Outputs: with `--output FILE.npy`, one .npy per output
// (`FILE.npy` for a single output, `FILE.NAME.npy` for several; `--output DIR/` gives
// `DIR/NAME.npy`), each written atomically and never outside the directory named
// (PredictOutputPaths); without it, CSV rows on standard output.

import ArgumentParser
import DCLData
import DCLExport
import DCLTensor
import Foundation

public struct Predict: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run a model of a bundle on inputs from .npy or .csv files.",
        discussion: "Exit status: 0 success; 1 the bundle is damaged or has no such model; 2 an input or output file problem; 3 the model failed to run."
    )

    @Argument(help: "The bundle file (.dclb).")
    var bundle: String

    @Option(help: "The model to run (as listed by `dcl inspect`).")
    var model: String

    @Option(help: "Input file (.npy or .csv); NAME=FILE for models with several inputs. Repeatable.")
    var input: [String] = []

    @Option(help: "Where to write the outputs: FILE.npy, or DIR/ for DIR/NAME.npy each. Without it, outputs are printed as CSV.")
    var output: String?

    public func run() throws {
        let contents: BundleContents
        let runner: BundleModel
        do {
            contents = try BundleReader().read(path: bundle)
            runner = try contents.model(named: model)
        } catch let e as ExportError {
            throw fail(e.kind == .io ? "\(e)" : "\(bundle): \(e)", status: e.kind == .io ? ExitStatus.usage : ExitStatus.scriptErrors)
        }
        let feeds: [String: Tensor]
        do {
            feeds = try PredictIO.feeds(input, for: runner)
        } catch let e as PredictIO.Problem {
            throw fail(e.message, status: ExitStatus.usage)
        }
        let results: [(name: String, tensor: Tensor)]
        do {
            results = try runner.run(feeds)
        } catch let e as ExportError {
            throw fail("\(bundle): model '\(model)': \(e)", status: ExitStatus.runtime)
        }
        do {
            if let path = output {
                try PredictIO.write(results, to: path)
            } else {
                print(PredictIO.csv(results), terminator: "")
            }
        } catch let e as PredictIO.Problem {
            throw fail(e.message, status: ExitStatus.usage)
        }
    }

    /// Prints the error and returns the exit code to throw.
    private func fail(_ message: String, status: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("dcl predict: error: \(message)\n".utf8))
        return ExitCode(status)
    }
}

/// Reading inputs and writing outputs for `dcl predict`.
package enum PredictIO {
    struct Problem: Error {
        var message: String
    }

    /// The input tensors, one per model input, shaped `[N, …]` with the model's dtypes.
    static func feeds(_ specs: [String], for m: BundleModel) throws -> [String: Tensor] {
        var files: [String: String] = [:]
        for spec in specs {
            if let eq = spec.firstIndex(of: "="), m.inputs.contains(where: { $0.name == String(spec[..<eq]) }) {
                files[String(spec[..<eq])] = String(spec[spec.index(after: eq)...])
            } else if m.inputs.count == 1 {
                guard files[m.inputs[0].name] == nil else { throw Problem(message: "input '\(m.inputs[0].name)' is given twice") }
                files[m.inputs[0].name] = spec
            } else {
                throw Problem(message: "model '\(m.name)' has inputs \(m.inputs.map { "'\($0.name)'" }.joined(separator: ", ")); give each as --input NAME=FILE")
            }
        }
        var out: [String: Tensor] = [:]
        var batch: Int?
        for (i, s) in m.inputs.enumerated() {
            guard let path = files[s.name] else { throw Problem(message: "missing --input for '\(s.name)' of model '\(m.name)'") }
            let t = try shaped(try read(path), sample: m.sampleShape(ofInput: i), dtype: m.dtype(ofInput: i), name: s.name, path: path)
            if let b = batch, b != t.shape[0] { throw Problem(message: "inputs hold different numbers of samples (\(b) and \(t.shape[0]) in \(path))") }
            batch = t.shape[0]
            out[s.name] = t
        }
        return out
    }

    package static func read(_ path: String) throws -> Tensor {
        if path.lowercased().hasSuffix(".csv") { return try readCSV(path) }
        // DCLData's reader: under DCL_MAX_FILE_BYTES, a stream refused unless it starts like
        // .npy, a gzip'd file inflated only as far as its header declares.
        do { return try NPY.read(path) } catch { throw Problem(message: "cannot read the input: \(error)") }
    }

    /// Rows of numbers; a first row that is not all numbers is a header.
    static func readCSV(_ path: String) throws -> Tensor {
        let bytes: [UInt8]
        do { bytes = try DataFiles.readText(path) } catch { throw Problem(message: "cannot read the input: \(error)") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Problem(message: "\(path) is not UTF-8 text")
        }
        var rows: [[Float]] = []
        for (k, line) in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let values = cells.map { Float($0) }
            if values.contains(where: { $0 == nil }) {
                if k == 0 && rows.isEmpty { continue }
                throw Problem(message: "\(path):\(k + 1): '\(cells[values.firstIndex { $0 == nil }!])' is not a number")
            }
            rows.append(values.map { $0! })
            if rows.count > 1 && rows.last!.count != rows[0].count {
                throw Problem(message: "\(path):\(k + 1): \(rows.last!.count) values, the first row has \(rows[0].count)")
            }
        }
        guard let width = rows.first?.count else { throw Problem(message: "\(path) has no rows") }
        do {
            return try Tensor(shape: [rows.count, width], floats: rows.flatMap { $0 })
        } catch let e as TensorError {
            throw Problem(message: "\(path): \(e.message)")
        }
    }

    /// `t` as `[N] + sample` with `dtype`: the elements after the first axis may be laid out
    /// in any shape of the sample's size; a float array feeds an id input if every value is
    /// integral.
    package static func shaped(_ t: Tensor, sample: [Int], dtype: DType, name: String, path: String) throws -> Tensor {
        do {
            return try reshape(t, sample: sample, dtype: dtype, name: name, path: path)
        } catch let e as TensorError {
            throw Problem(message: "\(path): '\(name)': \(e.message)")
        }
    }

    private static func reshape(_ t: Tensor, sample: [Int], dtype: DType, name: String, path: String) throws -> Tensor {
        // Checked products: the sample shape comes from the bundle (the reader bounds it too).
        let per = try elementCount(sample, op: "input")
        let n = t.rank == 0 ? 1 : t.shape[0]
        let sampleCount = t.rank == 0 ? 1 : try elementCount(Array(t.shape.dropFirst()), op: "input")
        guard sampleCount == per || (t.rank == 1 && per == 1) else {
            throw Problem(message: "\(path): '\(name)' needs \(per) value\(per == 1 ? "" : "s") per sample \(formatShape(sample)), the file has shape \(formatShape(t.shape))")
        }
        let shape = [n] + sample
        _ = try elementCount(shape, op: "input")
        if t.dtype == dtype { return try t.reshaped(shape) }
        if dtype == .float32 { return try Tensor(shape: shape, floats: t.ints.map(Float.init)) }
        var ids: [Int32] = []
        for v in t.floats {
            guard v == v.rounded(), abs(v) < 2_147_483_648 else { throw Problem(message: "\(path): '\(name)' takes integer ids, found \(v)") }
            ids.append(Int32(v))
        }
        return try Tensor(shape: shape, ints: ids)
    }

    /// Writes each output as .npy, atomically, at the paths `outputPaths` derives.
    static func write(_ results: [(name: String, tensor: Tensor)], to path: String) throws {
        let targets = try outputPaths(results.map(\.name), output: path)
        for (r, target) in zip(results, targets) {
            do { try writeAtomically(Data(NPY.encode(r.tensor)), to: target) } catch {
                throw Problem(message: "cannot write \(target): \(error)")
            }
        }
    }

    /// Each output as CSV: a `# name shape` line, then one row per sample.
    package static func csv(_ results: [(name: String, tensor: Tensor)]) -> String {
        var out = ""
        for r in results {
            let t = r.tensor
            out += "# \(r.name) \(t.dtype.rawValue)\(formatShape(t.shape))\n"
            let rows = t.rank == 0 ? 1 : t.shape[0]
            let width = rows == 0 ? 0 : t.count / rows
            let cells: [String] = t.dtype == .float32 ? t.floats.map { "\($0)" } : t.ints.map { "\($0)" }
            for i in 0..<rows { out += cells[(i * width)..<(i * width + width)].joined(separator: ",") + "\n" }
        }
        return out
    }
}
