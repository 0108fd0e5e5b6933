import Foundation
@testable import CofferCrypto
import Testing

@Suite("AEAD, digests and encodings")
struct AEADTests {
    @Test("sealed data opens with the same key and associated data only")
    func roundTripAndBinding() {
        let key = SecureBytes(randomCount: AEAD.keyLength)
        let other = SecureBytes(randomCount: AEAD.keyLength)
        let message = Array("top secret".utf8)
        let sealed = AEAD.seal(message, key: key, associatedData: Array("a".utf8))
        #expect(AEAD.open(sealed, key: key, associatedData: Array("a".utf8)) == message)
        #expect(AEAD.open(sealed, key: key, associatedData: Array("b".utf8)) == nil)
        #expect(AEAD.open(sealed, key: other, associatedData: Array("a".utf8)) == nil)
        var tampered = sealed
        tampered[tampered.count - 1] ^= 1
        #expect(AEAD.open(tampered, key: key, associatedData: Array("a".utf8)) == nil)
        #expect(AEAD.open(Array(sealed.prefix(10)), key: key, associatedData: []) == nil)
        #expect(!sealed.contains(subsequence: message))
    }

    @Test("secure sealing round-trips into locked memory")
    func secureRoundTrip() {
        let key = SecureBytes(randomCount: AEAD.keyLength)
        let secret = SecureBytes(randomCount: 64)
        let sealed = AEAD.seal(secure: secret, key: key, associatedData: [1, 2])
        #expect(AEAD.openSecure(sealed, key: key, associatedData: [1, 2])?.constantTimeEquals(secret) == true)
        #expect(AEAD.openSecure(sealed, key: key, associatedData: [1]) == nil)
    }

    @Test("descriptions never show key material")
    func redacted() {
        let key = SecureBytes(copying: Array("abcdefgh".utf8))
        #expect(!"\(key)".contains("abcdefgh"))
    }

    @Test("hex and base64 round-trip and refuse junk")
    func encodings() {
        let bytes: [UInt8] = [0, 1, 0xAB, 0xFF]
        #expect(Hex.encode(bytes) == "0001abff")
        #expect(Hex.decode("0001ABff") == bytes)
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        #expect(Base64.decode("!!!") == nil)
    }

    @Test("HMAC-SHA256 matches RFC 4231 test case 2")
    func hmacVector() {
        let key = SecureBytes(copying: Array("Jefe".utf8))
        let mac = Digest.hmacSHA256(key: key, Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // The prepared key gives the same MACs, and starts afresh for each message.
        let prepared = HMACKey(key)
        #expect(prepared.mac("what do ya want for nothing?") == mac)
        #expect(prepared.mac("what do ya want for nothing?") == mac)
        let long = SecureBytes(copying: [UInt8](repeating: 0xAA, count: 131))
        let message = Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
        #expect(Hex.encode(HMACKey(long).mac(message)) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        #expect(HMACKey(long).mac(message) == Digest.hmacSHA256(key: long, message))
        // OpenSSL's prepared states agree with libsodium's one-shot MAC for inputs around the
        // block and padding boundaries, with a short key, one longer than a block and one of
        // exactly a block.
        for key in [key, long, SecureBytes(copying: [UInt8](repeating: 0x0B, count: 64))] {
            let prepared = HMACKey(key)
            for size in [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1_100, 70_000] {
                let input = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                #expect(prepared.mac(input) == Digest.hmacSHA256(key: key, input), "\(size) bytes")
            }
        }
        // The hex form appends to what is already there, the digits of the same MAC.
        var out = Array("x:".utf8)
        prepared.macHex("what do ya want for nothing?", appendingTo: &out)
        #expect(String(decoding: out, as: UTF8.self) == "x:" + Hex.encode(mac))
        var appended = [UInt8]()
        mac.withUnsafeBufferPointer { Hex.append($0, to: &appended) }
        #expect(String(decoding: appended, as: UTF8.self) == Hex.encode(mac))
    }

    @Test("random ids have the expected shapes")
    func randomShapes() {
        let uuid = SecureRandom.uuid()
        #expect(uuid.count == 36 && uuid.split(separator: "-").count == 5)
        let ids = (0..<600).map { _ in SecureRandom.identifier() }
        #expect(Set(ids).count == 600, "ids stay distinct across buffer refills")
        #expect(ids.allSatisfy { $0.count == 36 && Array($0)[14] == "4" })
        let token = SecureRandom.base62String(length: 24)
        #expect(token.count == 24 && token.allSatisfy { $0.isLetter || $0.isNumber })
        #expect(SecureRandom.base62String(length: 24) != token)
        // Every one of the 62 characters turns up, each about equally often.
        var counts = [Character: Int]()
        for _ in 0..<2000 {
            for character in SecureRandom.base62String(length: 31) { counts[character, default: 0] += 1 }
        }
        #expect(counts.count == 62)
        #expect(counts.values.allSatisfy { (700...1300).contains($0) }, "62,000 draws: about 1,000 of each")
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        for start in 0...(count - subsequence.count) where Array(self[start..<(start + subsequence.count)]) == subsequence {
            return true
        }
        return false
    }
}

@Suite("URL-safe base64")
struct Base64URLTests {
    @Test("RFC 4648 vectors, round trips of every length, and the same text as padded base64 rewritten")
    func vectors() throws {
        for (plain, encoded) in [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")] {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(Base64URL.decode(encoded) == Array(plain.utf8))
        }
        for length in 0..<70 {
            let bytes = SecureRandom.bytes(length) + [0xFB, 0xFF, 0xBF]
            let text = Base64URL.encode(bytes)
            let rewritten = Base64.encode(bytes).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(text == rewritten)
            #expect(Base64URL.decode(text) == bytes)
        }
        for bad in ["Zg==", "Zm9v+A", "Zm9v/A", "Zm 9v", "Z", "Zm9v!"] {
            #expect(Base64URL.decode(bad) == nil, "\(bad)")
        }
    }
}
