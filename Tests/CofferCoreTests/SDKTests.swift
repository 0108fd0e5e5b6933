import CofferSDK
import Foundation
import Testing

@Suite("SDK building blocks")
struct SDKTests {
    @Test("timestamps match Foundation's UTC calendar, with nanoseconds when there are any")
    func timestamps() {
        #expect(Timestamp.rfc3339(0) == "1970-01-01T00:00:00Z")
        // Trailing zeros of the fraction are dropped, as Go's RFC3339Nano (and so Vault) does.
        #expect(Timestamp.rfc3339(951_782_400.5) == "2000-02-29T00:00:00.5Z")
        #expect(Timestamp.rfc3339(951_782_400.25) == "2000-02-29T00:00:00.25Z")
        #expect(Timestamp.rfc3339(951_782_400.001953125) == "2000-02-29T00:00:00.001953125Z")
        #expect(Timestamp.rfc3339(-0.5) == "1969-12-31T23:59:59.5Z")
        #expect(Timestamp.rfc3339(1_700_000_000) == "2023-11-14T22:13:20Z")
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let seconds = Double(Int64.random(in: 0..<8_000_000_000, using: &generator))
            let expected = formatter.string(from: Date(timeIntervalSince1970: seconds))
            #expect(Timestamp.rfc3339(seconds) == expected)
        }
        for seconds in [0, 951_782_400.5, -1e300, 1_764_579_600.123456789] {
            #expect(Timestamp.quotedRFC3339(seconds) == Array(JSONWriter.string(.string(Timestamp.rfc3339(seconds))).utf8))
        }
    }

    @Test("a path spec is a value: changing a copy leaves the original as it was")
    func pathSpecCopies() {
        let original = PathSpec(
            "role/:name", fields: ["ttl": FieldSpec(.duration)], help: "a role", withoutEffects: [.read],
            handlers: [.read: { _ in LogicalResponse(data: ["from": "original"]) }]
        )
        var changed = original
        changed.handlers[.read] = { _ in LogicalResponse(data: ["from": "copy"]) }
        changed.handlers[.delete] = { _ in nil }
        changed.help = "another"
        changed.withoutEffects.insert(.list)
        changed.fields["ttl"] = nil
        changed.existenceCheck = { _ in true }
        #expect(original.help == "a role" && original.withoutEffects == [.read] && original.fields["ttl"] != nil)
        #expect(original.existenceCheck == nil && original.handlers.count == 1)
        #expect(changed.help == "another" && changed.withoutEffects == [.read, .list] && changed.fields.isEmpty)
        #expect(original.pattern.match("role/ci") == ["name": "ci"] && changed.pattern.match("role/ci") == ["name": "ci"])
    }

    @Test("path patterns capture segments and the rest")
    func patterns() {
        let role = PathPattern("role/:name/secret-id")
        #expect(role.match("role/ci/secret-id") == ["name": "ci"])
        #expect(role.match("role//secret-id") == nil)
        #expect(role.match("role/ci/secret-id/x") == nil)
        let data = PathPattern("data/*path")
        #expect(data.match("data/a/b/c") == ["path": "a/b/c"])
        #expect(data.match("data") == ["path": ""])
        #expect(data.match("database") == nil)
        #expect(PathPattern("config").match("config") == [:])
    }

    @Test("durations follow Vault's parser", arguments: [
        ("90", Int64(90)), ("90s", 90), ("1h30m", 5400), ("1.5h", 5400), ("500ms", 0), ("7d", 604_800), ("0", 0), ("", 0),
    ])
    func durations(text: String, seconds: Int64) {
        #expect(DurationParser.seconds(text) == seconds)
    }

    @Test("bad durations are refused", arguments: ["abc", "-5", "5x", "h"])
    func badDurations(text: String) {
        #expect(DurationParser.seconds(text) == nil)
    }

    @Test("field coercions follow Vault's framework")
    func coercions() throws {
        #expect(try FieldData.coerce("true", to: .bool, field: "f") == .bool(true))
        #expect(try FieldData.coerce(1, to: .bool, field: "f") == .bool(true))
        #expect(try FieldData.coerce("42", to: .int, field: "f") == .int(42))
        #expect(try FieldData.coerce("1h", to: .duration, field: "f") == .int(3600))
        #expect(try FieldData.coerce("a, b,c", to: .commaStringList, field: "f") == ["a", "b", "c"])
        #expect(try FieldData.coerce("k=v,x=y", to: .keyValuePairs, field: "f") == ["k": "v", "x": "y"])
        #expect(throws: CofferError.self) { try FieldData.coerce("maybe", to: .bool, field: "f") }
        #expect(throws: CofferError.self) { try FieldData.coerce(["a"], to: .int, field: "f") }
        let fields = try FieldData(raw: ["ttl": "1m", "extra": 1], captures: ["name": "r"], schema: ["ttl": FieldSpec(.duration), "max": FieldSpec(.int, default: 5)])
        #expect(fields.seconds("ttl") == 60 && fields.int("max") == 5 && fields.string("name") == "r" && fields.unknown == ["extra"])
        #expect(throws: CofferError.self) { try FieldData(raw: [:], captures: [:], schema: ["need": FieldSpec(.string, required: true)]) }
    }

    @Test("JSON round-trips with sorted keys and exact integers")
    func json() throws {
        let text = #"{"b":[1,2.5,"x\n\"",true,null],"a":{"z":-9007199254740993}}"#
        let value = try JSONParser.parse(text)
        #expect(JSONWriter.string(value) == #"{"a":{"z":-9007199254740993},"b":[1,2.5,"x\n\"",true,null]}"#)
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse(#" [ "plain" , "héllo 😀", "run then \t escape \u00e9", "" ] "#)
            == .array([.string("plain"), .string("héllo 😀"), .string("run then \t escape é"), .string("")]))
        for bad in ["{", "[1,]", "{\"a\" 1}", "01", "\"\u{01}\"", "\"ab\u{01}\"", "\"abc", "\"ab\\", "nul", "1 2", String(repeating: "[", count: 300)] {
            #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bad) }
        }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0x61, 0xFF, 0x22]) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0x61, 0x5C, 0x6E, 0xC3, 0x22]) }
    }

    @Test("JSON numbers keep exact integers at every length, objects keep a repeated key's last value")
    func jsonNumbersAndObjects() throws {
        let integers: [(String, Int64)] = [
            ("0", 0), ("-0", 0), ("7", 7), ("-12", -12), ("999999999999999999", 999_999_999_999_999_999),
            ("-999999999999999999", -999_999_999_999_999_999), ("1000000000000000000", 1_000_000_000_000_000_000),
            ("9223372036854775807", .max), ("-9223372036854775808", .min),
        ]
        for (text, expected) in integers {
            #expect(try JSONParser.parse(text) == .int(expected), "\(text)")
        }
        #expect(try JSONParser.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try JSONParser.parse("-1.5e3") == .double(-1500))
        #expect(try JSONParser.parse(#"{"a":1,"b":{},"a":2}"#) == .object(["a": .int(2), "b": .object([:])]))
        #expect(try JSONParser.parse("[true,false,null]") == .array([.bool(true), .bool(false), .null]))
        for bad in ["tru", "truex", "nulll", "[fals]", "-", "-a", "1.", "1e", "{\"a\":1,}"] {
            #expect(throws: JSONParser.Failure.self, "\(bad)") { try JSONParser.parse(bad) }
        }
    }
}
