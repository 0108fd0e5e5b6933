@testable import CofferCrypto
import Testing

@Suite("Shamir secret sharing")
struct ShamirTests {
    @Test("every element of GF(256) but zero has an inverse")
    func inverses() {
        for a in 1...255 {
            #expect(GF256.mul(UInt8(a), GF256.inverse(UInt8(a))) == 1)
        }
    }

    @Test("multiplication matches the AES field on known values")
    func knownProducts() {
        // FIPS-197 section 4.2: {57} • {83} = {c1}, {57} • {13} = {fe}.
        #expect(GF256.mul(0x57, 0x83) == 0xC1)
        #expect(GF256.mul(0x57, 0x13) == 0xFE)
    }

    @Test("any threshold-sized subset reconstructs the secret; one fewer does not", arguments: [(2, 2), (3, 5), (5, 5), (2, 10), (7, 12)])
    func anySubsetReconstructs(threshold: Int, parts: Int) throws {
        for _ in 0..<20 {
            let secret = SecureBytes(randomCount: 32)
            let shares = try Shamir.split(secret, parts: parts, threshold: threshold)
            #expect(shares.count == parts)
            #expect(shares.allSatisfy { $0.count == 33 })
            #expect(Set(shares.map { $0[32] }).count == parts, "x coordinates are distinct")
            let chosen = Array(shares.shuffled().prefix(threshold))
            #expect(try Shamir.combine(chosen).constantTimeEquals(secret))
            let tooFew = Array(chosen.prefix(threshold - 1))
            if tooFew.count >= 2 {
                #expect(!(try Shamir.combine(tooFew).constantTimeEquals(secret)))
            }
        }
    }

    @Test("a single share is the secret itself, as Vault's dev mode has it")
    func singleShare() throws {
        let secret = SecureBytes(randomCount: 32)
        let shares = try Shamir.split(secret, parts: 1, threshold: 1)
        #expect(shares == [secret.exportBytes()])
        #expect(try Shamir.combine(shares).constantTimeEquals(secret))
    }

    @Test("bad parameters and bad shares are refused")
    func refusals() throws {
        let secret = SecureBytes(randomCount: 32)
        #expect(throws: Shamir.Failure.self) { try Shamir.split(secret, parts: 3, threshold: 4) }
        #expect(throws: Shamir.Failure.self) { try Shamir.split(secret, parts: 256, threshold: 2) }
        #expect(throws: Shamir.Failure.self) { try Shamir.split(secret, parts: 3, threshold: 1) }
        let shares = try Shamir.split(secret, parts: 3, threshold: 2)
        #expect(throws: Shamir.Failure.self) { try Shamir.combine([shares[0], shares[0]]) }
        #expect(throws: Shamir.Failure.self) { try Shamir.combine([shares[0], Array(shares[1].dropFirst())]) }
        #expect(throws: Shamir.Failure.self) { try Shamir.combine([]) }
    }
}
