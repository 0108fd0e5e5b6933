import CofferSDK
import Foundation
import Testing

/// The parser's own reading of decimals must give exactly the Double that `Double(String)`
/// (strtod) gives, for every number, including the ones it hands over to strtod.
@Suite("JSON decimals")
struct JSONDoubleTests {
    /// A fixed-seed generator, so that a failure can be reproduced.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private func parsed(_ text: String) throws -> Double? {
        guard case .double(let value) = try JSONParser.parse(text) else { return nil }
        return value
    }

    @Test("stored times and other doubles written by JSONWriter read back bit for bit")
    func roundTrips() throws {
        var generator = SplitMix(state: 24)
        var values: [Double] = [0.5, 0.1, 0.3, 2.5, 1e-7, 123.456, 1_764_541_234.123_456_7, 4_503_599_627_370_495.5]
        for _ in 0..<20_000 {
            values.append(1_700_000_000 + Double.random(in: 0..<200_000_000, using: &generator))
            values.append(Double.random(in: 0..<1, using: &generator))
            values.append(Double(bitPattern: generator.next() >> 2 | 0x3000_0000_0000_0000))
        }
        for value in values where value.isFinite {
            for sign in [1.0, -1.0] {
                let original = sign * value
                let text = JSONWriter.string(.double(original))
                guard let back = try parsed(text) else { continue }  // written as an integer
                #expect(back.bitPattern == original.bitPattern, "\(text)")
            }
        }
    }

    @Test("random decimals agree with strtod, ties and long ones included")
    func agreesWithStrtod() throws {
        var generator = SplitMix(state: 7)
        var texts = [
            "0.0", "-0.0", "0.000", "9007199254740993.5", "9007199254740992.5", "0.30000000000000004",
            "1234567890123456789.5", "0.1234567890123456789", "1.0000000000000000000001", "2.2250738585072014",
            "0.0000000000000000000001", "4503599627370496.5", "4503599627370497.5", "1.5e3", "17.25E-2",
        ]
        for _ in 0..<20_000 {
            let whole = UInt64.random(in: 0..<10_000_000_000, using: &generator)
            let decimals = Int.random(in: 1...12, using: &generator)
            let fraction = UInt64.random(in: 0..<UInt64(pow(10, Double(decimals))), using: &generator)
            let digits = String(fraction)
            texts.append("\(whole).\(String(repeating: "0", count: decimals - digits.count))\(digits)")
        }
        for text in texts {
            let expected = try #require(Double(text))
            let value = try #require(try parsed(text))
            #expect(value.bitPattern == expected.bitPattern, "\(text)")
        }
    }
}
