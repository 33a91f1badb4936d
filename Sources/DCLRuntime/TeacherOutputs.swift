// A distillation's teacher is frozen and runs in inference mode inside the objective, so its
// output for a sample is the same in every epoch. Computing it once, before training, and
// reading it from a column of the data saves the teacher's forward pass in every step after
// the first epoch — most of a distillation's time when, as in DC-CCL, the teacher is the large
// model and the student the small one (50 epochs of the authors' protocol ran 3.5× faster).
//
// Not cached, so the teacher stays in the training graph:
// * data with per-epoch image augmentations on a column the teacher reads (each epoch's
//   input differs);
// * clients (the batches are per client) and one device's own data in a deployed run (the
//   device's host trains; the teacher's outputs would have to be computed there);
// * outputs larger than `maxElements` (the cache is held in memory beside the data).

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLTensor

enum TeacherOutputs {
    /// 64 Mi floats (256 MiB): a cache larger than this is not worth its memory.
    static let maxElements = 64 << 20

    /// The column the cached outputs are stored in: a name no loader produces.
    static func columnName(_ d: DistillValue) -> String { "__teacher_outputs_\(d.name)" }

    /// The data with the teacher's outputs as a new column, or nil when they are not cached.
    static func attach(_ d: DistillValue, to source: Trainer.Source, session: Session,
                       span: SourceSpan) throws -> (data: Trainer.Source, column: String)? {
        guard case .dataset(let value) = source, value.location == nil else { return nil }
        // In a deployed run, device data trains on its host, with the teacher in the graph.
        guard session.deviceExecutor == nil || !value.holdsDeviceSamples else { return nil }
        let data = value.dataset
        let read = Set(d.teacher.inputs.map(\.name))
        guard !data.augmentations.contains(where: { read.contains($0.column) }) else { return nil }
        let (elements, overflow) = data.count.multipliedReportingOverflow(by: d.teacher.outputShape.reduce(1, *))
        guard !overflow, elements <= maxElements, data.count > 0 else { return nil }
        let column = columnName(d)
        guard !data.hasColumn(column) else { return nil }

        let (values, _) = try Evaluation(session: session).outputs(d.teacher, on: data, batch: 256, span: span)
        let outputs = try Tensor(shape: [data.count] + d.teacher.outputShape, floats: values)
        let withOutputs: Dataset
        do { withOutputs = try data.addingPerSampleColumn(column, outputs) } catch let e as DataError {
            throw RuntimeError(RuntimeCode.data, e.description, at: span)
        }
        return (.dataset(DataValue(withOutputs, side: value.side, origin: value.origin)), column)
    }
}
