// `predict`, `confusion_matrix` and `class_accuracy`: a model's outputs per sample as script
// values, and a classifier's errors by class. They run the model as `evaluate` does (inference
// mode, in batches) on the same parts of the data: a client's and clients' test parts.

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLTensor

struct Predictions {
    let session: Session

    /// The datasets `on` names, in order.
    func parts(_ data: DCLCompiler.Value, _ name: String, span: SourceSpan) throws -> [Dataset] {
        switch data {
        case .dataset(let d): return [d.dataset]
        case .client(let c): return [c.data.test]
        case .clients(let c):
            let part: ClientPart = c.part == .all ? .test : c.part
            return try c.federated.clients.map { cl in
                guard let ds = cl[part] else {
                    throw RuntimeError(RuntimeCode.data, "client \(cl.id) of `\(c.origin)` has no \(part.rawValue) samples", at: span)
                }
                return ds
            }
        default:
            throw RuntimeError(RuntimeCode.type, "`\(name)` needs a dataset, a client or clients, found \(data.kindName)", at: span)
        }
    }

    func predict(_ m: ModelInstance, on data: DCLCompiler.Value, batch: Int, span: SourceSpan) throws -> DCLCompiler.Value {
        var out: [DCLCompiler.Value] = []
        for d in try parts(data, "predict", span: span) {
            let (values, width) = try Evaluation(session: session).outputs(m, on: d, batch: batch, span: span)
            for i in 0..<d.count {
                let row = values[(i * width)..<((i + 1) * width)]
                if m.outputShape.isEmpty {
                    out.append(.float(Double(row.first!)))
                } else if m.outputShape.count == 1, width > 1 {
                    out.append(.int(Self.argmax(row)))
                } else {
                    out.append(.list(row.map { .float(Double($0)) }))
                }
            }
        }
        return .list(out)
    }

    /// The first index of the largest value (ties go to the lower class, as `argmax` does).
    static func argmax(_ row: ArraySlice<Float>) -> Int {
        var best = row.startIndex
        for i in row.indices where row[i] > row[best] { best = i }
        return best - row.startIndex
    }

    /// counts[true][predicted] over every part of `data`.
    func confusion(_ m: ModelInstance, on data: DCLCompiler.Value, batch: Int, name: String, span: SourceSpan) throws -> [[Int]] {
        guard m.outputShape.count == 1, let classes = m.outputShape.first, classes > 1 else {
            throw RuntimeError(RuntimeCode.type, "`\(name)` needs a classifier (one score per class), `\(m.name)` gives \(m.outputDescription)", at: span)
        }
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for d in try parts(data, name, span: span) {
            guard d.hasColumn(d.labelColumn) else {
                throw RuntimeError(RuntimeCode.data, "the data has no label column `\(d.labelColumn)` for `\(name)`", at: span)
            }
            let labels = try d.column(d.labelColumn)
            guard labels.dtype == .int32 else {
                throw RuntimeError(RuntimeCode.data, "`\(name)` needs class labels (ints), the label column `\(d.labelColumn)` holds \(labels.dtype.rawValue)", at: span)
            }
            let (values, width) = try Evaluation(session: session).outputs(m, on: d, batch: batch, span: span)
            for (i, y) in labels.ints.enumerated() {
                guard y >= 0, Int(y) < classes else {
                    throw RuntimeError(RuntimeCode.data, "label \(y) is out of range for a model with \(classes) outputs", at: span)
                }
                counts[Int(y)][Self.argmax(values[(i * width)..<((i + 1) * width)])] += 1
            }
        }
        return counts
    }

    /// Per class, correct / samples of that class; none for a class without samples.
    static func classAccuracy(_ counts: [[Int]]) -> [DCLCompiler.Value] {
        counts.enumerated().map { c, row in
            let total = row.reduce(0, +)
            return total == 0 ? .none : .float(Double(row[c]) / Double(total))
        }
    }
}
