// `dcl bench serve` end to end, at a small size: the service in the bench's process, two host
// processes, every phase run and checked (each device's own weights come back, each small task's
// spec is echoed, the transferred object returns intact) — the numbers are the bench's business;
// what is tested is that it measures what it says: the shared object is fetched once per host,
// not once per device, and every task is counted.

import Foundation
import DCLTestScratch
import Testing

@Suite(.serialized, .ownThreads) struct ServeBenchTests {
    @Test func measuresEveryPhaseOverRealHostProcesses() throws {
        let r = try runDCL(["bench", "serve", "--devices", "12", "--hosts", "2", "--rounds", "2", "--shared-kib", "64", "--reply-kib", "4",
                            "--transfer-mib", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        func number(_ key: String) -> Double { (object[key] as? NSNumber)?.doubleValue ?? .nan }
        #expect(number("devices") == 12 && number("hosts") == 2 && number("tasks") == 24)
        // Content addressing: the 64 KiB shared object goes down once per host.
        #expect(number("shared_object_fetches") == 2)
        #expect(number("round_bytes_down") > 2 * 65536 && number("round_bytes_down") < 4 * 65536, "\(object)")
        // Each device's own 4 KiB of weights come up.
        #expect(number("round_bytes_up") >= 12 * 4096, "\(object)")
        #expect(number("p50_ms") > 0 && number("p50_ms") <= number("p99_ms"))
        #expect(number("round_trips_per_s") > 0 && number("transfer_mib_per_s") > 0 && number("tcp_mib_per_s") > 0)
    }

    @Test func optionsAreChecked() throws {
        for args in [["--hosts", "0"], ["--devices", "2", "--hosts", "3"], ["--transfer-mib", "0"], ["--rounds", "0"]] {
            let r = try runDCL(["bench", "serve"] + args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
        }
    }
}
