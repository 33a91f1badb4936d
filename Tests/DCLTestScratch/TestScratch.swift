// Where tests put their temporary files: one folder per test process, removed when the process
// exits. The suites make several hundred small folders per run (scripts, data files, bundles,
// stores); left in the system's temporary directory one by one, they piled up by the thousand.
// A process that crashes leaves its one folder behind, named with its pid.

import Foundation

public enum TestScratch {
    /// This process's folder, created on first use; removed at exit.
    public static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dcl-tests-\(getpid())", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TestScratch.root) }
        return url
    }()

    /// A fresh empty folder under `root`, its name starting with `label`.
    public static func directory(_ label: String) throws -> URL {
        let url = root.appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A path under `root` for a file a test writes (nothing is created).
    public static func file(_ label: String) -> String {
        root.appendingPathComponent("\(label)-\(UUID().uuidString)").path
    }
}
