import CofferSDK
import Foundation
import Synchronization
import Testing

/// The one rule for numbers: held to a range on the way in, clamped on the way back from
/// storage, converted without ever trapping.
@Suite("Number bounds")
struct NumberBoundsTests {
    @Test("durations beyond Go's longest or below zero are out of range, not invalid and never a trap", arguments: [
        "9223372036854775807", "99999999999999999999999", "9223372037", "2562048h", "-5", "-5s", "106752d",
    ])
    func durationsOutOfRange(_ text: String) {
        #expect(DurationParser.parse(text) == .outOfRange)
    }

    @Test("numeric durations: huge, negative and non-finite doubles are out of range")
    func numericDurations() {
        for value: JSONValue in [.double(1e19), .double(-1e300), .double(.infinity), .double(.nan), .int(.max), .int(-1)] {
            #expect(DurationParser.parse(value) == .outOfRange, "\(value)")
        }
        #expect(DurationParser.parse(.double(9_223_372_036.9)) == .seconds(9_223_372_036))
        #expect(DurationParser.parse("2562047h47m16s") == .seconds(9_223_372_036))
        #expect(DurationParser.parse("2562047h47m17s") == .outOfRange)
        #expect(DurationParser.parse(String(repeating: "1h", count: 100)) == .invalid, "overlong text is refused before any arithmetic")
    }

    @Test("integer fields hold to their range; the error names the field and its bounds")
    func integerRanges() throws {
        for value: JSONValue in [.double(1e300), .double(-1e300), .string("99999999999999999999"), .int(.max), .double(1e16)] {
            #expect(throws: CofferError.self) { try FieldData.coerce(value, to: .int, field: "num_uses") }
        }
        do {
            _ = try FieldData.coerce(.int(11), to: .int, field: "n", range: 0...10)
            Issue.record("11 passed 0...10")
        } catch {
            #expect(error.messages == ["field \"n\" out of range: must be between 0 and 10"])
        }
        #expect(try FieldData.coerce(.double(7), to: .int, field: "n", range: 0...10) == .int(7))
        #expect(try FieldData.coerce(.string("-3"), to: .int, field: "n") == .int(-3))
        do {
            _ = try FieldData.coerce(.double(1e19), to: .duration, field: "increment")
            Issue.record("1e19 seconds passed")
        } catch {
            #expect(error.messages.first?.contains("\"increment\" out of range") == true)
        }
        #expect(throws: CofferError.self) {
            try FieldData(raw: ["n": .int(5)], captures: [:], schema: ["n": FieldSpec(.int, range: 1...4)])
        }
    }

    @Test("stored values from older builds are clamped, and each clamp is reported once")
    func storedValues() {
        let reported = ReportedFields()
        NumberBounds.onClamp { reported.add($0) }
        #expect(JSONValue.int(.max).storedSeconds("t") == NumberBounds.maxDurationSeconds)
        #expect(JSONValue.double(1e300).storedSeconds("t") == NumberBounds.maxDurationSeconds)
        #expect(JSONValue.int(-7).storedSeconds("t") == 0)
        #expect(JSONValue.int(90).storedSeconds("t") == 90)
        #expect(JSONValue.double(-1e300).storedInt("u") == -NumberBounds.maxInteger)
        #expect(reported.names == ["t", "u"])
    }

    @Test("conversions saturate and timestamps clamp to years 1 to 9999")
    func conversions() {
        #expect(Int64(saturating: 1e300) == .max)
        #expect(Int64(saturating: -1e300) == .min)
        #expect(Int64(saturating: .nan) == 0)
        #expect(Int64(saturating: -2.7) == -2)
        #expect(Timestamp.rfc3339(9.3e18) == "9999-12-31T23:59:59Z")
        #expect(Timestamp.rfc3339(-1e300) == "0001-01-01T00:00:00Z")
        #expect(Timestamp.rfc3339(.nan) == "1970-01-01T00:00:00Z")
    }
}

/// Field names the clamp reporter was given, in order.
final class ReportedFields: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ name: String) { list.withLock { $0.append(name) } }
    var names: [String] { list.withLock { $0 } }
}
