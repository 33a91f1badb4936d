// The `random_crop` and `hflip` transforms: their arguments read from the script, the
// augmentation recorded on the data set (DCLData/Augment.swift draws it per training batch).

import DCLCompiler
import DCLData
import DCLDiagnostics
import DCLSema

enum ImageAugmentations {
    /// `transform` is `.randomCrop` or `.hflip` (DataBuiltins routes only these here).
    static func apply(_ transform: TransformBuiltin, _ a: BoundArguments, _ d: Dataset, seed: UInt64, span: SourceSpan,
                      evaluator ev: Evaluator) throws -> Dataset {
        switch transform {
        case .randomCrop:
            let sizeSpan = a.span(of: "size") ?? span
            let size: [Int]
            if case .list = a["size"] {
                size = try ev.intList(a["size"], "size", span: sizeSpan)
                guard size.count == 2 else {
                    throw RuntimeError(RuntimeCode.value, "`size` must be a number or [height, width], found \(size.count) numbers", at: sizeSpan)
                }
            } else {
                let n = try ev.int(a["size"], "size", span: sizeSpan)
                size = [n, n]
            }
            return try d.randomCropped(height: size[0], width: size[1], padding: try ev.int(a["padding"], "padding", span: span), seed: seed)
        default:
            // `.hflip`: the other transforms never reach here.
            return try d.horizontallyFlipped(probability: try ev.double(a["p"], "p", span: span), seed: seed)
        }
    }
}
