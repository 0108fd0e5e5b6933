@testable import CofferCrypto
import Testing

@Suite("Random strings and pooled public bytes")
struct RandomTests {
    @Test("random strings: alphabet, lengths, independence; public bytes: lengths and no repeats")
    func randomness() {
        let strings = SecureRandom.base62Strings(3, length: 24)
        #expect(strings.count == 3)
        #expect(Set(strings).count == 3)
        for string in strings {
            #expect(string.utf8.count == 24)
            #expect(string.utf8.allSatisfy { SecureRandom.base62.contains($0) })
        }
        #expect(SecureRandom.base62Strings(0, length: 24).isEmpty)
        #expect(SecureRandom.base62Strings(2, length: 0) == ["", ""])
        #expect(SecureRandom.base62String(length: 100).utf8.count == 100)
        var seen = Set<[UInt8]>()
        for _ in 0..<2000 {
            let nonce = SecureRandom.publicBytes(24)
            #expect(nonce.count == 24)
            seen.insert(nonce)
        }
        #expect(seen.count == 2000)
        #expect(SecureRandom.publicBytes(12).count == 12)
        #expect(SecureRandom.publicBytes(100).count == 100)
        #expect(SecureRandom.publicBytes(0).isEmpty)
    }
}
