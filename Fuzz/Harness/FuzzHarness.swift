// The fuzz harnesses: one function per fuzz target, taking the input's bytes. They are a library
// of their own so that the libFuzzer executables (Fuzz/Targets, built by Scripts/fuzz.sh with
// sanitizers) and the replay test (Tests/DCLFuzzReplayTests, part of `swift test`) run the very
// same code on an input: every finding ever fixed and every committed seed is replayed on each
// test run, without the sanitizer build.
public enum FuzzHarness {}
