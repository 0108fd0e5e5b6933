import CofferCrypto
import Testing

@Suite("AEAD inputs of every shape")
struct AEADInputTests {
    @Test("a slice, an array and a non-contiguous collection open alike")
    func shapes() {
        let key = SecureBytes(randomCount: AEAD.keyLength)
        let message = Array("the same plaintext, whatever holds the ciphertext".utf8)
        let sealed = AEAD.seal(message, key: key, associatedData: [7])
        let framed = [1, 2, 3, 4, 5] + sealed
        #expect(AEAD.open(framed[5...], key: key, associatedData: [7]) == message)
        #expect(AEAD.open(sealed, key: key, associatedData: [7]) == message)
        #expect(AEAD.open(sealed.lazy.map { $0 }, key: key, associatedData: [7]) == message)
        #expect(AEAD.open(framed[4...], key: key, associatedData: [7]) == nil)
        #expect(AEAD.open(framed[5..<44], key: key, associatedData: [7]) == nil)
        #expect(AEAD.open(sealed.lazy.map { $0 }.prefix(39), key: key, associatedData: [7]) == nil)
        #expect(AEAD.open(sealed, key: SecureBytes(randomCount: 16), associatedData: [7]) == nil)
    }
}
