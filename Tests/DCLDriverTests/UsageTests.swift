// Bad command-line values are usage errors: exit status 2 (as README documents), before any
// work starts — never a crash or a meaningless measurement.

import Testing
@testable import DCLDriver

extension DriverTests {
    @Suite("usage errors") struct UsageErrors {
        @Test(arguments: [
            ["bench", "train", "--batch", "0"],
            ["bench", "train", "--reps", "0"],
            ["bench", "train", "--steps", "0"],
            ["bench", "train", "--threads", "0"],
            ["bench", "gemm", "--m", "0"],
            ["bench", "gemm", "--k", "100000"],
            ["bench", "gemm", "--threads", "999"],
            ["bench", "parse", "--lines", "0"],
            ["run", "Examples/digits.dcl", "--threads", "0"],
            ["run", "Examples/digits.dcl", "--no-such-option"],
            ["no-such-command"],
        ])
        func badValuesExitWithStatusTwo(_ arguments: [String]) {
            #expect(runCommand(arguments) == ExitStatus.usage)
        }
    }
}
