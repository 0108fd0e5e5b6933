import CofferSDK
import Testing

@Suite("JSON literals and integers")
struct JSONWriterLiteralTests {
    @Test("integers are written as String(_:) writes them, literals as themselves")
    func integersAndLiterals() {
        var generator = SystemRandomNumberGenerator()
        var values: [Int64] = [0, 7, -1, 9, 10, -10, 99, 100, 1_000_000, Int64.max, Int64.min, Int64.min + 1]
        for _ in 0..<5_000 { values.append(Int64.random(in: Int64.min...Int64.max, using: &generator) >> Int64.random(in: 0...63, using: &generator)) }
        for value in values {
            #expect(JSONWriter.string(.int(value)) == String(value))
        }
        for whole in [0.0, -0.0, 12.0, -3.0, 999_999_999_999_999.0] {
            #expect(JSONWriter.string(.double(whole)) == String(Int64(whole)))
        }
        #expect(JSONWriter.string([.null, .bool(true), .bool(false), ["k": .null]]) == #"[null,true,false,{"k":null}]"#)
    }

    @Test("objects list their members in String order, from none to more than fit a stack buffer")
    func membersInKeyOrder() {
        let keys = ["b", "a", "Z", "é", "e\u{301}x", "aa", "a\u{0}", "10", "9", "", "ß", "zz", "💥", "lease_id", "lease_duration"]
        for count in [0, 1, 2, 3, 15, 21, 64, 300] {
            var object = JSONObject()
            for n in 0..<count { object[n < keys.count ? keys[n] : "key-\(n * 7919 % 1000)-\(n)"] = .int(Int64(n)) }
            var seen: [String] = []
            object.forEachInKeyOrder { key, value in
                seen.append(key)
                #expect(value == object[key])
            }
            #expect(seen == object.keys.sorted())
            let expected = "{" + object.keys.sorted().map { JSONWriter.string(.string($0)) + ":" + JSONWriter.string(object[$0]!) }.joined(separator: ",") + "}"
            #expect(JSONWriter.string(.object(object)) == expected)
        }
    }
}
