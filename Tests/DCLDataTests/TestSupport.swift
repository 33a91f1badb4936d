// Helpers shared by the data-layer tests: temporary files and error-message checks.

import Foundation
import Testing
@testable import DCLData
import DCLTensor

/// A fresh temporary directory per test, removed when the value is released.
final class TempDir {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("dcldata-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes bytes to a file in the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let path = url.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @discardableResult
    func write(_ name: String, text: String) -> String { write(name, Array(text.utf8)) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Runs `body` and checks it throws a `DataError` of `kind` whose message starts with
/// `path:` (and `path:line:` when a line is given) and contains `contains`. Returns the error.
@discardableResult
func expectDataError(_ kind: DataErrorKind, path: String? = nil, line: Int? = nil, contains: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> DataError? {
    do {
        try body()
        Issue.record("expected a \(kind) error, but nothing was thrown", sourceLocation: sourceLocation)
    } catch let e as DataError {
        #expect(e.kind == kind, "kind of: \(e)", sourceLocation: sourceLocation)
        if let path {
            #expect(e.path == path, "path of: \(e)", sourceLocation: sourceLocation)
            #expect(e.description.hasPrefix(path + ":"), "message: \(e)", sourceLocation: sourceLocation)
        }
        if let line {
            #expect(e.line == line, "line of: \(e)", sourceLocation: sourceLocation)
            #expect(e.description.hasPrefix("\(path ?? ""):\(line):"), "message: \(e)", sourceLocation: sourceLocation)
        }
        if let contains {
            #expect(e.message.contains(contains), "message: \(e)", sourceLocation: sourceLocation)
        }
        return e
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// The repository's `Examples/data` folder, found from this source file's location.
let examplesData: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }  // TestSupport.swift, DCLDataTests, Tests
    return url.appendingPathComponent("Examples/data").path
}()

/// Builds a small labelled image data set in memory: `n` samples of [1, 2, 2], labels i % classes.
func tinyImages(_ n: Int, classes: Int = 3) throws -> Dataset {
    let x = try Tensor(shape: [n, 1, 2, 2], floats: (0..<(n * 4)).map { Float($0) })
    let y = try Tensor(shape: [n], ints: (0..<n).map { Int32($0 % classes) })
    return try Dataset(columns: [("x", x), ("y", y)], classCount: classes, source: "tiny")
}

/// Whether running as root (permission checks cannot fail then).
var isRoot: Bool { getuid() == 0 }
