// `dcl inspect BUNDLE`: shows a bundle's manifest as tables and verifies every checksum.
//
// Exit status: 0 when the bundle is valid and every checksum holds; 1 when the bundle is
// damaged, malformed or fails a checksum (the message names the problem); 2 when the file
// cannot be read at all.

import ArgumentParser
import DCLExport
import Foundation

public struct Inspect: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a bundle's manifest and verify its checksums.",
        discussion: "Prints the role, models (inputs, outputs, params, FLOPs, peak memory), budget, weight storage and entries of a .dclb bundle, and checks the SHA-256 of every entry.")

    @Argument(help: "The bundle file (.dclb).")
    var bundle: String

    @Flag(name: .long, help: "Print manifest.json as stored instead of the tables.")
    var json = false

    public func run() throws {
        let contents: BundleContents
        do {
            contents = try BundleReader().inspect(path: bundle)
        } catch let e as ExportError {
            // I/O messages already name the file.
            printError(e.kind == .io ? "error: \(e)" : "error: \(bundle): \(e)")
            throw ExitCode(e.kind == .io ? 2 : 1)
        }
        if json {
            FileHandle.standardOutput.write(Data(contents.manifestJSON))
        } else {
            print(renderBundleReport(contents))
        }
        if !contents.checksumFailures.isEmpty {
            for f in contents.checksumFailures { printError("error: \(bundle): \(f)") }
            throw ExitCode(1)
        }
    }

    private func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
