// `--set NAME=VALUE` read against a script's params (ParamOptions.swift): every way a person can
// get it wrong is a message that names what was given and what would be accepted.

import DCLSema
import Testing
@testable import DCLDriver

@Suite struct ParamAssignmentTests {
    static let params = [
        ScriptParam(name: "devices", type: .int, typeText: "int", defaultText: "20", span: .none),
        ScriptParam(name: "lr", type: .float, typeText: "float", defaultText: "1e-3", span: .none),
        ScriptParam(name: "quick", type: .bool, typeText: "bool", defaultText: "false", span: .none),
        ScriptParam(name: "tag", type: .string, typeText: "string", defaultText: "\"run\"", span: .none),
    ]

    func read(_ texts: [String]) -> Result<[String: ScriptParamValue], ParamAssignmentError> {
        ParamAssignments.read(texts, params: Self.params)
    }

    func message(_ texts: [String]) -> String {
        guard case .failure(let e) = read(texts) else { return "no error" }
        return e.message
    }

    @Test func valuesOfEveryType() throws {
        let v = try read(["devices=1_000", "lr=2", "quick=true", "tag=a=b c"]).get()
        #expect(v == ["devices": .int(1000), "lr": .float(2), "quick": .bool(true), "tag": .string("a=b c")])
        #expect(try read(["lr=-1.5e-3", "devices=-3"]).get() == ["lr": .float(-0.0015), "devices": .int(-3)])
        #expect(try read([]).get() == [:])
        #expect(try read(["tag="]).get() == ["tag": .string("")])
    }

    @Test func unknownNameSuggestsAndLists() {
        let m = message(["devics=5"])
        #expect(m.hasPrefix("--set devics=5: the script has no param `devics` (did you mean `devices`?)"))
        #expect(m.contains("the script's params:\n    devices: int = 20\n    lr: float = 1e-3"))
        #expect(ParamAssignments.read(["n=1"], params: []).failureMessage.contains("the script declares no params"))
    }

    @Test(arguments: [
        ("devices=abc", "--set devices=abc: param `devices` is an int, but `abc` is not; write an integer"),
        ("devices=2.5", "--set devices=2.5: param `devices` is an int, but `2.5` is not"),
        ("devices=1k", "--set devices=1k: param `devices` is an int"),
        ("devices=", "--set devices=: param `devices` is an int, but nothing is not"),
        ("devices=99999999999999999999", "--set devices=99999999999999999999: param `devices` is an int"),
        ("devices=1__0", "--set devices=1__0: param `devices` is an int"),
        ("lr=nan", "--set lr=nan: param `lr` is a float, but `nan` is not; write a number"),
        ("lr=inf", "--set lr=inf: param `lr` is a float"),
        ("lr=1e999", "--set lr=1e999: param `lr` is a float"),
        ("lr=0x10", "--set lr=0x10: param `lr` is a float"),
        ("quick=yes", "--set quick=yes: param `quick` is a bool, but `yes` is not; write `true` or `false`"),
    ])
    func wrongValuesNameTheParamAndItsType(_ text: String, _ expected: String) {
        #expect(message([text]).hasPrefix(expected), "\(message([text]))")
    }

    @Test func malformedAssignments() {
        #expect(message(["devices"]).hasPrefix("--set `devices`: expected NAME=VALUE, e.g. `--set devices=20`"))
        #expect(message(["=3"]).hasPrefix("--set `=3`: no parameter name before `=`"))
        #expect(message(["devices=3", "devices=4"]) == "--set devices is given twice (`3` and `4`); give each param once")
    }
}

extension Result where Failure == ParamAssignmentError {
    var failureMessage: String {
        if case .failure(let e) = self { return e.message }
        return ""
    }
}
