// Every `:command` failure is one line saying what went wrong and with which path — never
// Foundation's error dump (`Error Domain=NSCocoaErrorDomain Code=…`).

import Foundation
import Testing
@testable import DCLRepl

@Suite struct CommandErrorTests {
    /// The one error line a failed command printed; records an issue unless there is exactly one
    /// line, free of Foundation's error dump.
    func onlyError(_ c: Captured, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        #expect(c.err.count == 1, "errors: \(c.err)", sourceLocation: sourceLocation)
        let text = c.errText
        #expect(!text.contains("\n"), "not one line: \(text)", sourceLocation: sourceLocation)
        #expect(!text.contains("Error Domain"), "raw NSError: \(text)", sourceLocation: sourceLocation)
        #expect(!text.contains("Code="), "raw NSError: \(text)", sourceLocation: sourceLocation)
        c.clear()
        return text
    }

    @Test func saveToADirectoryOrAMissingDirectory() {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (s, c) = makeSession()
        #expect(s.submit("let a = 1"))
        #expect(!s.submit(":save \(dir)"))
        #expect(onlyError(c) == ":save: \(dir) is a directory; give a file name such as \(dir)/session.dcl")
        #expect(!s.submit(":save /tmp"))
        #expect(onlyError(c) == ":save: /tmp is a directory; give a file name such as /tmp/session.dcl")
        #expect(!s.submit(":save \(dir)/no/such/session.dcl"))
        #expect(onlyError(c) == ":save: cannot write \(dir)/no/such/session.dcl: directory \(dir)/no/such does not exist")
        let file = write("x", to: "plain", in: dir)
        #expect(!s.submit(":save \(file)/session.dcl"))
        #expect(onlyError(c) == ":save: cannot write \(file)/session.dcl: \(file) is not a directory")
        #expect(!s.submit(":save \(dir)/sub/"))
        #expect(onlyError(c).hasPrefix(":save: \(dir)/sub/ names a directory"))
        #expect(!s.submit(":save"))
        #expect(onlyError(c) == "usage: :save FILE")
        // Nothing was written anywhere, and a good path still works.
        #expect(s.submit(":save \(dir)/session.dcl"))
        #expect(c.out.last == "saved 1 definitions to `\(dir)/session.dcl`")
    }

    @Test(.enabled(if: getuid() != 0, "root may write anywhere"))
    func saveToAReadOnlyDirectory() throws {
        let dir = temporaryDirectory()
        defer {
            chmod(dir, 0o755)
            try? FileManager.default.removeItem(atPath: dir)
        }
        chmod(dir, 0o555)
        let (s, c) = makeSession()
        #expect(s.submit("let a = 1"))
        #expect(!s.submit(":save \(dir)/session.dcl"))
        #expect(onlyError(c) == ":save: cannot write \(dir)/session.dcl: permission denied for \(dir)")
    }

    @Test func graphDotArgumentsAndPaths() {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (s, c) = makeSession()
        #expect(s.submit(tinyModel))
        #expect(!s.submit(":graph --dot"))
        #expect(onlyError(c) == "usage: :graph MODEL --dot FILE (the model first, then the DOT file to write)")
        #expect(!s.submit(":graph --dot \(dir)/g.dot"))
        #expect(onlyError(c) == "usage: :graph MODEL --dot FILE (the model first, then the DOT file to write)")
        #expect(!s.submit(":graph tiny --dot"))
        #expect(onlyError(c) == "usage: :graph MODEL --dot FILE (the model first, then the DOT file to write)")
        #expect(!s.submit(":graph tiny --dot \(dir)"))
        #expect(onlyError(c) == ":graph: \(dir) is a directory; give a file name such as \(dir)/tiny.dot")
        #expect(!s.submit(":graph tiny --dot \(dir)/missing/tiny.dot"))
        #expect(onlyError(c) == ":graph: cannot write \(dir)/missing/tiny.dot: directory \(dir)/missing does not exist")
        #expect(!s.submit(":graph nope --dot \(dir)/g.dot"))
        #expect(c.errText.contains("unknown name `nope`"))
        c.clear()
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/g.dot"))
        #expect(s.submit(":graph tiny --dot \(dir)/tiny.dot"))
        #expect(c.out == ["wrote `\(dir)/tiny.dot`"])
    }

    @Test func loadSaysWhyAFileCannotBeRead() {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (s, c) = makeSession()
        #expect(!s.submit(":load \(dir)/missing.dcl"))
        #expect(onlyError(c) == ":load: \(dir)/missing.dcl does not exist")
        #expect(!s.submit(":load \(dir)"))
        #expect(onlyError(c) == ":load: \(dir) is a directory; give a .dcl file")
        // A device never ends; reading it whole would never return.
        #expect(!s.submit(":load /dev/zero"))
        #expect(onlyError(c) == ":load: /dev/zero is not a regular file (a device, FIFO or socket); give a .dcl file")
        #expect(!s.submit(":load"))
        #expect(onlyError(c) == "usage: :load FILE")
        #expect(s.loadedFiles.isEmpty)
        // Loading a file directly (`dcl repl FILE`) says the same without the command.
        #expect(!s.load(dir))
        #expect(onlyError(c) == "error: \(dir) is a directory; give a .dcl file")
    }

    @Test func reloadSaysWhichFileVanished() {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = write("let base = 10\n", to: "lib.dcl", in: dir)
        let (s, c) = makeSession()
        #expect(s.submit(":load \(path)"))
        try? FileManager.default.removeItem(atPath: path)
        #expect(!s.submit(":reload"))
        #expect(c.err == [":reload: \(path) does not exist"])
    }

    @Test func inspectionCommandsWithoutAModel() {
        let (s, c) = makeSession()
        for command in ["shape", "summary", "graph", "params"] {
            #expect(!s.submit(":\(command)"))
            #expect(onlyError(c) == "usage: :\(command) MODEL")
            #expect(!s.submit(":\(command) 3"))
            #expect(onlyError(c) == "`:\(command)` expected a model, found int")
        }
    }

    @Test func describeNeverDumpsAnNSError() {
        let cocoa = CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: "/x"])
        #expect(ReplFiles.describe(cocoa) == "permission denied")
        let posix = NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))
        #expect(ReplFiles.describe(posix) == "no space left on device")
        let wrapped = NSError(domain: NSCocoaErrorDomain, code: 512, userInfo: [NSUnderlyingErrorKey: posix])
        #expect(ReplFiles.describe(wrapped) == "no space left on device")
        #expect(!ReplFiles.describe(NSError(domain: NSCocoaErrorDomain, code: 9999)).contains("Error Domain"))
    }
}
