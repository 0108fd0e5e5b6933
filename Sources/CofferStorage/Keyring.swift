import CofferCrypto
import CofferSDK

/// The barrier's encryption keys, one per term; the highest term encrypts, every term decrypts.
///
/// Immutable: a rotation builds a new keyring and swaps it in whole.
struct Keyring: Sendable {
    struct Term: Sendable {
        let number: UInt32
        let installTime: UInt64
        let key: SecureBytes
    }

    let terms: [UInt32: Term]
    let activeTerm: UInt32

    var active: Term { terms[activeTerm]! }

    static func fresh(now: UInt64) -> Keyring {
        let term = Term(number: 1, installTime: now, key: SecureBytes(randomCount: AEAD.keyLength))
        return Keyring(terms: [1: term], activeTerm: 1)
    }

    func rotated(now: UInt64) -> Keyring {
        let number = activeTerm + 1
        var terms = self.terms
        terms[number] = Term(number: number, installTime: now, key: SecureBytes(randomCount: AEAD.keyLength))
        return Keyring(terms: terms, activeTerm: number)
    }

    private static let magic: [UInt8] = Array("CKR1".utf8)
    private static let termSize = 4 + 8 + AEAD.keyLength

    /// The binary form, built directly in locked memory: magic, active term, count, then per
    /// term its number, install time and key.
    func serialized() -> SecureBytes {
        let ordered = terms.values.sorted { $0.number < $1.number }
        return SecureBytes(count: 4 + 4 + 4 + ordered.count * Self.termSize) { out in
            var offset = 0
            func put(_ bytes: [UInt8]) {
                for byte in bytes { out[offset] = byte; offset += 1 }
            }
            put(Self.magic)
            put(Self.be32(activeTerm))
            put(Self.be32(UInt32(ordered.count)))
            for term in ordered {
                put(Self.be32(term.number))
                put(Self.be64(term.installTime))
                term.key.withUnsafeBytes { key in
                    for byte in key { out[offset] = byte; offset += 1 }
                }
            }
        }
    }

    static func deserialize(_ bytes: SecureBytes) -> Keyring? {
        bytes.withUnsafeBytes { raw -> Keyring? in
            guard raw.count >= 12, Array(raw[0..<4]) == magic else { return nil }
            let active = readBE32(raw, 4)
            let count = Int(readBE32(raw, 8))
            guard raw.count == 12 + count * termSize, count > 0 else { return nil }
            var terms = [UInt32: Term]()
            for index in 0..<count {
                let base = 12 + index * termSize
                let number = readBE32(raw, base)
                let install = UInt64(readBE32(raw, base + 4)) << 32 | UInt64(readBE32(raw, base + 8))
                let key = SecureBytes(count: AEAD.keyLength) { out in
                    out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(base + 12)..<(base + 12 + AEAD.keyLength)]))
                }
                terms[number] = Term(number: number, installTime: install, key: key)
            }
            guard terms[active] != nil else { return nil }
            return Keyring(terms: terms, activeTerm: active)
        }
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func be64(_ v: UInt64) -> [UInt8] { be32(UInt32(v >> 32)) + be32(UInt32(v & 0xFFFF_FFFF)) }
    static func readBE32(_ raw: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(raw[at]) << 24 | UInt32(raw[at + 1]) << 16 | UInt32(raw[at + 2]) << 8 | UInt32(raw[at + 3])
    }
    static func readBE32(_ raw: [UInt8], _ at: Int) -> UInt32 {
        UInt32(raw[at]) << 24 | UInt32(raw[at + 1]) << 16 | UInt32(raw[at + 2]) << 8 | UInt32(raw[at + 3])
    }
}
