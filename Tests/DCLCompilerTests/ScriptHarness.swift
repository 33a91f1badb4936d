// The shared script harness (Tests/DCLScriptTestSupport), visible to every file of this target.
@_exported import DCLScriptTestSupport
