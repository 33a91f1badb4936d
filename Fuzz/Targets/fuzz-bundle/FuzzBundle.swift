// libFuzzer's entry point for fuzz-bundle: the harness is FuzzHarness.bundle (Fuzz/Harness), which
// the replay test runs too; here the fuzzer process also lowers the resource caps first.

import DCLFuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    Fuzz.setUp()
    FuzzHarness.bundle(Fuzz.bytes(data, size))
    return 0
}
