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
}
