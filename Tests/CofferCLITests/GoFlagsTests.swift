@testable import CofferCLI
import Testing

@Suite("Go-style flag parsing")
struct GoFlagsTests {
    func parse(_ arguments: [String]) throws -> GoFlags {
        var flags = GoFlags(["dev": .bool, "dev-root-token-id": .string, "policy": .repeated])
        try flags.parse(arguments)
        return flags
    }

    @Test("single and double dashes, = and separate values")
    func forms() throws {
        let flags = try parse(["-dev", "--dev-root-token-id", "root", "-policy=a", "--policy=b", "rest", "-x"])
        #expect(flags.bool("dev"))
        #expect(flags.string("dev-root-token-id") == "root")
        #expect(flags.strings("policy") == ["a", "b"])
        #expect(flags.positional == ["rest", "-x"])
        #expect(try parse(["-dev=false"]).bool("dev") == false)
        #expect(try parse(["--", "-dev"]).positional == ["-dev"])
        #expect(try parse(["-", "x"]).positional == ["-", "x"])
    }

    @Test("unknown flags, missing values and bad booleans are errors")
    func errors() {
        #expect(throws: GoFlags.Failure.self) { try parse(["-nope"]) }
        #expect(throws: GoFlags.Failure.self) { try parse(["-dev-root-token-id"]) }
        #expect(throws: GoFlags.Failure.self) { try parse(["-dev=maybe"]) }
    }
}
