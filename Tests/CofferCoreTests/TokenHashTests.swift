@testable import CofferCore
import CofferCrypto
import Testing

@Suite("Token storage names")
struct TokenHashTests {
    @Test("a token's storage name is its time prefix and the hex HMAC under the stored salt")
    func layout() async throws {
        let h = try await CoreHarness.make()
        let tokens = try h.core.unsealed().tokens
        let key = HMACKey(try await StoredSalt.load(TokenStore.saltPath, from: h.core.barrier))
        let values = [
            h.rootToken, "root", "hvs." + OrderedID.make(at: 1_700_000_000), OrderedID.make(at: 1), "custom.id", "hvb.x", "", "é.\(OrderedID.make(at: 5))",
        ]
        for value in values {
            #expect(tokens.hash(value) == String(OrderedID.locality(of: value)) + Hex.encode(key.mac(value)), "\(value)")
        }
        #expect(tokens.hash("hvs." + OrderedID.make(at: 1_700_000_000)).count == OrderedID.timeLength + 64)
    }
}
