import Foundation
@testable import CofferCrypto
import Testing

/// `Base64` is written out by hand for speed; Foundation's `Data` base64 is what it replaced,
/// so every answer is checked against it as well as against fixed vectors.
@Suite("Base64 without Data")
struct Base64Tests {
    static func foundationEncode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
    static func foundationDecode(_ text: String) -> [UInt8]? { Data(base64Encoded: text).map { Array($0) } }

    @Test("RFC 4648 test vectors, both ways")
    func vectors() {
        let pairs = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in pairs {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64.encode([0xFB, 0xFF, 0xBF]) == "+/+/")
        #expect(Base64.decode("+/+/") == [0xFB, 0xFF, 0xBF])
    }

    @Test("encoding equals Foundation's for every length up to 200 and all byte values")
    func encodeMatchesFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Base64.encode(bytes) == Self.foundationEncode(bytes), "length \(length)")
            #expect(Base64.decode(Base64.encode(bytes)) == bytes, "length \(length)")
        }
        let all = (0...255).map { UInt8($0) }
        #expect(Base64.encode(all) == Self.foundationEncode(all))
    }

    @Test("malformed and non-canonical input gets exactly Foundation's answer")
    func malformedMatchesFoundation() {
        let cases = [
            "", "=", "==", "A", "AA", "AAA", "AA=", "A===", "AQ=A", "AA==AA==", "AAAA====", "Zg=", "Zg===", "Zh==", "Zm9=",
            " AAAA", "AAAA ", "AA AA", "AAAA\n", "-_-_", "AAA=\u{0}", "é", "éééé", "QUJDRA", "QUJDRA=", "QUJDRE", "====", "=AAA",
            "A=AA", "AA=A", "AAAA=AAA", "AAA\u{7F}", "QUJD\r\n", "Zm9vYmFy!",
        ]
        for text in cases {
            #expect(Base64.decode(text) == Self.foundationDecode(text), "\(text.debugDescription)")
        }
        #expect(Base64.decode("!!!") == nil)
        #expect(Base64.decode("Zm9v YmFy") == nil)
        #expect(Base64.decode("Zm9vYmF") == nil)
    }

    @Test("random corruptions of valid base64 decode as Foundation decodes them")
    func corruptionsMatchFoundation() {
        var generator = SystemRandomNumberGenerator()
        let junk = Array("=-_ \n\r!.é\u{0}A/+".unicodeScalars)
        for _ in 0..<2000 {
            let length = Int.random(in: 0...40, using: &generator)
            var scalars = Array(Base64.encode((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }).unicodeScalars)
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let replacement = junk.randomElement(using: &generator)!
                switch Int.random(in: 0...2, using: &generator) {
                case 0 where !scalars.isEmpty: scalars[Int.random(in: 0..<scalars.count, using: &generator)] = replacement
                case 1 where !scalars.isEmpty: scalars.remove(at: Int.random(in: 0..<scalars.count, using: &generator))
                default: scalars.insert(replacement, at: Int.random(in: 0...scalars.count, using: &generator))
                }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            #expect(Base64.decode(text) == Self.foundationDecode(text), "\(text.debugDescription)")
        }
    }

    @Test("the fast path takes canonical input only and leaves the rest to Foundation")
    func canonicalOnly() {
        func canonical(_ text: String) -> [UInt8]? {
            Array(text.utf8).withUnsafeBufferPointer { Base64.decodeCanonical($0) }
        }
        #expect(canonical("Zm9vYg==") == Array("foob".utf8))
        #expect(canonical("Zm9vYmE=") == Array("fooba".utf8))
        #expect(canonical("Zh==") == [0x66])  // bits below the last byte are ignored, as Foundation does
        #expect(canonical("") == nil)
        #expect(canonical("Zm9") == nil)
        #expect(canonical("A===") == nil)
        #expect(canonical("AQ=A") == nil)
        #expect(canonical("Zm9v\nYmFy") == nil)
        #expect(canonical("Zm9vYm-y") == nil)
    }
}
