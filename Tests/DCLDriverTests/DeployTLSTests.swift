// TLS between real processes on 127.0.0.1, with certificates made in process (DCLTestPKI): a
// loopback run over TLS prints what the in-process run prints; `dcl status` needs the right
// --tls-ca; bad TLS files stop `dcl serve` with an error naming them.

import DCLTestPKI
import Foundation
import DCLTestScratch
import Testing

@Suite(.serialized, .ownThreads) struct DeployTLSTests {
    @Test func aLoopbackRunOverTLSPrintsWhatTheInProcessRunPrints() throws {
        let dir = try makeTemporaryDirectory("deploy-tls")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pki = try TestPKI()
        defer { pki.remove() }
        let script = try DeployLoopbackTests.script(in: dir)
        let local = try runDCL(["run", script])
        let deployed = try runDCL(["run", script, "--deploy", "loopback", "--tls-cert", pki.certificateFile, "--tls-key", pki.keyFile,
                                   "--tls-ca", pki.caFile])
        #expect(deployed.status == 0, "\(deployed.stderr)")
        #expect(DeployLoopbackTests.withoutTimes(deployed.stdout) == DeployLoopbackTests.withoutTimes(local.stdout))
        let partial = try runDCL(["run", script, "--deploy", "loopback", "--tls-cert", pki.certificateFile])
        #expect(partial.status == 2 && partial.stderr.contains("go together"), "\(partial.stderr)")
    }

    @Test func statusNeedsTheRightTrustRootsAndBadFilesAreNamed() throws {
        let dir = try makeTemporaryDirectory("deploy-tls-status")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pki = try TestPKI(), stranger = try TestPKI(authority: "another CA")
        defer { pki.remove(); stranger.remove() }
        let script = try DeployLoopbackTests.script(in: dir)
        let token = dir.appendingPathComponent("token").path
        try Data("0123456789abcdef0123456789abcdef".utf8).write(to: URL(fileURLWithPath: token))
        let portFile = dir.appendingPathComponent("port").path
        let serve = try Background(["serve", script, "--listen", "127.0.0.1:0", "--port-file", portFile, "--join-token-file", token,
                                    "--join-timeout", "30", "--tls-cert", pki.certificateFile, "--tls-key", pki.keyFile])
        let port = try serve.waitForFile(portFile)
        let good = try runDCL(["status", "127.0.0.1:\(port)", "--join-token-file", token, "--tls-ca", pki.caFile])
        #expect(good.status == 0 && good.stdout.contains("0 registered"), "\(good.stderr)")
        let untrusted = try runDCL(["status", "127.0.0.1:\(port)", "--join-token-file", token, "--tls-ca", stranger.caFile])
        #expect(untrusted.status == 3, "\(untrusted.stderr)")
        #expect(untrusted.stderr.contains("does not trust"), "\(untrusted.stderr)")
        serve.kill()

        let text = try pki.file("notes.txt", "not a certificate\n")
        for (args, named) in [
            (["--tls-cert", text, "--tls-key", pki.keyFile], text),
            (["--tls-cert", pki.certificateFile, "--tls-key", stranger.keyFile], stranger.keyFile),
            (["--tls-cert", pki.directory + "/missing.pem", "--tls-key", pki.keyFile], pki.directory + "/missing.pem"),
        ] {
            let r = try runDCL(["serve", script, "--listen", "127.0.0.1:0", "--join-token-file", token] + args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(named), "\(args): \(r.stderr)")
        }
    }
}
