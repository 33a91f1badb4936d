// The text `dcl inspect` prints for a bundle.

import Foundation
import Testing
@testable import DCLExport

@Suite("inspect report")
struct BundleReportTests {
    @Test func reportShowsRoleModelsBudgetAndEntries() throws {
        let (dir, url) = try writeSample(try sampleBundle(storage: .int8(perChannel: true)))
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = renderBundleReport(try BundleReader().inspect(path: url.path))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "bundle 'phone' for role 'device' (device), format 1, written by dcl 0.1.0-test")
        #expect(lines[1] == "weights: weights.safetensors, int8 (per channel), 9 tensors")
        #expect(lines.contains { $0.contains("control") && $0.contains("x: f32[N, 4]") && $0.contains("logits: f32[N, 3]")
                                 && $0.contains("67") && $0.contains("112") && $0.contains("332 B") && $0.contains("control.onnx") })
        #expect(lines.contains { $0.hasPrefix("  control: int8 (per channel) round-trip error max abs") })
        #expect(lines.contains("budget: OVER"))
        #expect(lines.contains { $0.hasPrefix("  flops") && $0.hasSuffix("OVER") })
        #expect(lines.contains { $0.hasPrefix("  params") && $0.contains("100,000") && $0.hasSuffix("met") })
        #expect(lines.contains { $0.hasPrefix("  memory") && $0.contains("1.0 MiB") })
        #expect(lines.contains { $0.hasPrefix("  manifest.json") && $0.contains("deflated") && $0.contains("(crc-32 only)") && $0.hasSuffix("ok") })
        #expect(lines.last == "checksums: all 5 entries verified")
    }

    @Test func reportMarksFailingEntries() throws {
        let bad = try rebuiltSample { list in
            let i = list.firstIndex { $0.0 == "control.onnx" }!
            list[i].1[10] ^= 1
        }
        let dir = try makeTemporaryDirectory("report")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.dclb")
        try Data(bad).write(to: url)
        let text = renderBundleReport(try BundleReader().inspect(path: url.path))
        #expect(text.contains("FAILED (sha-256)"))
        #expect(text.hasSuffix("checksums: 1 entry fails: 'control.onnx'"))
    }

    @Test func numberFormats() {
        #expect(formatCount(0) == "0")
        #expect(formatCount(999) == "999")
        #expect(formatCount(1000) == "1,000")
        #expect(formatCount(118_500_000) == "118,500,000")
        #expect(formatBytes(512) == "512 B")
        #expect(formatBytes(1536) == "1.5 KiB")
        #expect(formatBytes(1 << 30) == "1.0 GiB")
        #expect(formatDecimal(0.003102) == "0.003102")
        #expect(formatDecimal(3.1e-5) == "3.1e-05")
    }
}
