// Cloud samples as they travel down to a device (CoDA's retrieved candidates): two objects, the
// columns as a safetensors file (with the data set's description in its metadata) and the id
// vocabularies as JSON. The vocabularies are the same for every device's candidates, so the
// transport's content addressing sends them once per host. What arrives is untrusted: sizes,
// names and counts are checked, and the data set is rebuilt through its checking initialiser.

import DCLCompiler
import DCLData
import DCLTensor
import Foundation

enum DatasetWire {
    private static let columnPrefix = "column:"
    private static let groupsName = "groups"
    private static let metadataKey = "dcl.dataset"
    static let maxColumns = 256
    static let maxVocabularyIDs = 1 << 24

    struct Description: Codable, Equatable {
        var columns: [String]
        var labelColumn: String
        var classCount: Int?
        var source: String
        var groupKind: String?
        var hasGroups: Bool
        var featureNames: [String: [String]]
        var classNames: [String]?
    }

    /// The two objects: [columns, vocabularies].
    static func encode(_ d: Dataset) throws -> (columns: [UInt8], vocabularies: [UInt8]) {
        guard d.augmentations.isEmpty else {
            throw DeviceTaskError(code: RuntimeCode.deployment,
                                  message: "cloud samples with random augmentations (`random_crop`, `hflip`) cannot be sent to a device; augment them on the device",
                                  hint: nil)
        }
        var entries: [SafeTensorsEntry] = []
        for name in d.columnNames { entries.append(SafeTensorsEntry(name: columnPrefix + name, tensor: try d.column(name))) }
        if let g = d.groups { entries.append(SafeTensorsEntry(name: groupsName, tensor: try Tensor(shape: [g.count], ints: g))) }
        let description = Description(columns: d.columnNames, labelColumn: d.labelColumn, classCount: d.classCount, source: d.source,
                                      groupKind: d.groupKind, hasGroups: d.groups != nil, featureNames: d.featureNames, classNames: d.classNames)
        let meta = String(decoding: try TaskWire.encode(description), as: UTF8.self)
        let columns = try SafeTensorsFile(entries: SafeTensorsFile.alignedOrder(entries), metadata: [metadataKey: meta]).encodedBytes()
        let vocabularies = try TaskWire.encode(d.vocabularies.mapValues(\.ids))
        return (columns, vocabularies)
    }

    static func decode(columns bytes: [UInt8], vocabularies vocabularyBytes: [UInt8], what: String) throws -> Dataset {
        func fail(_ m: String) -> DeviceTaskError { DeviceTaskError(code: RuntimeCode.deployment, message: "\(what): \(m)", hint: nil) }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile.decode(bytes) } catch { throw fail("\(error)") }
        guard let meta = file.metadata[metadataKey] else { throw fail("the data set's description is missing") }
        let d = try TaskWire.decode(Description.self, Array(meta.utf8), what: "\(what)'s description")
        guard !d.columns.isEmpty, d.columns.count <= maxColumns, Set(d.columns).count == d.columns.count,
              file.entries.count == d.columns.count + (d.hasGroups ? 1 : 0) else {
            throw fail("the columns do not match the data set's description")
        }
        var columns: [(name: String, tensor: Tensor)] = []
        for name in d.columns {
            guard let e = file[columnPrefix + name] else { throw fail("the column `\(name.prefix(40))` is missing") }
            do { columns.append((name, try e.tensor())) } catch { throw fail("column `\(name.prefix(40))`: \(error)") }
        }
        var groups: [Int32]?
        if d.hasGroups {
            guard let e = file[groupsName], let t = try? e.tensor(), t.dtype == .int32, t.rank == 1 else { throw fail("the group ids are missing or not int32") }
            groups = t.ints
        }
        // Up to `maxVocabularyIDs` ids of at most 20 digits and a separator each.
        let vocabularies = try TaskWire.decode([String: [Int64]].self, vocabularyBytes, what: "\(what)'s vocabularies",
                                               limit: maxVocabularyIDs * 21 + 64 * maxColumns)
        guard vocabularies.count <= maxColumns, vocabularies.values.reduce(0, { $0 + $1.count }) <= maxVocabularyIDs else {
            throw fail("the vocabularies are too large")
        }
        do {
            var out = try Dataset(columns: columns, classCount: d.classCount, labelColumn: d.labelColumn, source: d.source,
                                  groups: groups, groupKind: d.groupKind)
            out.vocabularies = vocabularies.mapValues { Vocabulary($0) }
            out.featureNames = d.featureNames
            out.classNames = d.classNames
            return out
        } catch let e as DataError {
            throw fail(e.description)
        }
    }
}
