import Testing
@testable import DCLRuntime

@Test func dclRuntimeBuilds() {
    // Replaced by the target's real tests as its issue lands.
    #expect(Bool(true))
}
