import CofferCrypto
import Testing

/// Known-answer tests from the RFCs and NIST's GCM vectors, and round trips for the asymmetric
/// keys: these primitives must agree byte for byte with other implementations, or ciphertexts
/// and signatures would not travel.
@Suite("Transit's primitives")
struct TransitPrimitivesTests {
    static func hex(_ text: String) -> [UInt8] { Hex.decode(text)! }

    @Test("AES-GCM matches the GCM specification's test cases 3 and 15 (AES-128 and AES-256)")
    func aesGCMKnownAnswers() throws {
        let key128 = SecureBytes(copying: Self.hex("feffe9928665731c6d6a8f9467308308"))
        let iv = Self.hex("cafebabefacedbaddecaf888")
        let plaintext = Self.hex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
        )
        let sealed128 = try AESGCM.seal(plaintext, key: key128, nonce: iv, associatedData: [])
        #expect(Hex.encode(Array(sealed128.suffix(16))) == "4d5c2af327cd64a62cf35abd2ba6fab4")
        #expect(Hex.encode(Array(sealed128.prefix(16))) == "42831ec2217774244b7221b784d0d49c")
        #expect(AESGCM.open(sealed128, key: key128, nonce: iv, associatedData: []) == plaintext)

        let key256 = SecureBytes(copying: Self.hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"))
        let sealed256 = try AESGCM.seal(plaintext, key: key256, nonce: iv, associatedData: [])
        #expect(Hex.encode(Array(sealed256.suffix(16))) == "b094dac5d93471bdec1a502270e3cc6c")
        #expect(Hex.encode(Array(sealed256.prefix(16))) == "522dc1f099567d07f47f37a32a84427d")
    }

    @Test("AES-GCM rejects tampering, other associated data and wrong key sizes")
    func aesGCMRejects() throws {
        let key = SecureBytes(randomCount: 32)
        let nonce = SecureRandom.bytes(12)
        var sealed = try AESGCM.seal(Array("hello".utf8), key: key, nonce: nonce, associatedData: [1])
        #expect(AESGCM.open(sealed, key: key, nonce: nonce, associatedData: [2]) == nil)
        #expect(AESGCM.open(sealed, key: SecureBytes(randomCount: 32), nonce: nonce, associatedData: [1]) == nil)
        sealed[0] ^= 1
        #expect(AESGCM.open(sealed, key: key, nonce: nonce, associatedData: [1]) == nil)
        #expect(throws: CryptoFailure.self) { try AESGCM.seal([1], key: SecureBytes(randomCount: 24), nonce: nonce, associatedData: []) }
        let empty = try AESGCM.seal([], key: key, nonce: nonce, associatedData: [])
        #expect(empty.count == 16)
        #expect(AESGCM.open(empty, key: key, nonce: nonce, associatedData: []) == [])
    }

    @Test("ChaCha20-Poly1305 matches RFC 8439 section 2.8.2")
    func chachaKnownAnswer() throws {
        let key = SecureBytes(copying: Self.hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"))
        let nonce = Self.hex("070000004041424344454647")
        let aad = Self.hex("50515253c0c1c2c3c4c5c6c7")
        let plaintext = Array(
            "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8
        )
        let sealed = try ChaCha20Poly1305.seal(plaintext, key: key, nonce: nonce, associatedData: aad)
        #expect(Hex.encode(Array(sealed.prefix(16))) == "d31a8d34648e60db7b86afbc53ef7ec2")
        #expect(Hex.encode(Array(sealed.suffix(16))) == "1ae10b594f09e26a7e902ecbd0600691")
        #expect(ChaCha20Poly1305.open(sealed, key: key, nonce: nonce, associatedData: aad) == plaintext)
        #expect(ChaCha20Poly1305.open(sealed, key: key, nonce: nonce, associatedData: []) == nil)
    }

    @Test("Ed25519 matches RFC 8032 test 1 and rejects a changed message")
    func ed25519KnownAnswer() throws {
        let privateKey = try Ed25519.privateKey(seed: SecureBytes(copying: Self.hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")))
        let publicKey = try Ed25519.publicKey(of: privateKey)
        #expect(Hex.encode(publicKey) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let signature = try Ed25519.sign([], privateKey: privateKey)
        #expect(
            Hex.encode(signature)
                == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        )
        #expect(Ed25519.verify(signature, message: [], publicKey: publicKey))
        #expect(!Ed25519.verify(signature, message: [0], publicKey: publicKey))
    }

    @Test("HKDF-SHA256 matches RFC 5869 test cases 1 and 3")
    func hkdfKnownAnswers() {
        let ikm = SecureBytes(copying: [UInt8](repeating: 0x0b, count: 22))
        let one = HKDF.sha256(secret: ikm, salt: Self.hex("000102030405060708090a0b0c"), info: Self.hex("f0f1f2f3f4f5f6f7f8f9"), length: 42)
        #expect(Hex.encode(one) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
        let three = HKDF.sha256(secret: ikm, info: [], length: 42)
        #expect(Hex.encode(three) == "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
    }

    @Test("digests and HMAC match published values")
    func digests() {
        #expect(Hex.encode(HashAlgorithm.sha2_256.digest(Array("hello".utf8))) == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        #expect(Hex.encode(HashAlgorithm.sha3_256.digest([])) == "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a")
        #expect(HashAlgorithm.sha2_512.size == 64)
        let mac = HashAlgorithm.sha2_256.hmac(key: [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8))
        #expect(Hex.encode(mac) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(HashAlgorithm.sha2_256.hmac(key: [], []).count == 32)
    }

    @Test("RSA signs with PSS and PKCS #1 v1.5, encrypts with OAEP, and survives a DER round trip")
    func rsa() throws {
        let key = try AsymmetricKey.generate(.rsa(bits: 2048))
        #expect(key.bits == 2048)
        let digest = HashAlgorithm.sha2_256.digest(Array("message".utf8))
        for padding in [RSASignaturePadding.pss(.auto), .pss(.digestLength), .pss(.bytes(20)), .pkcs1v15] {
            let signature = try key.sign(digest: digest, hash: .sha2_256, padding: padding)
            #expect(signature.count == 256)
            let verifyPadding: RSASignaturePadding = if case .pss = padding { .pss(.auto) } else { .pkcs1v15 }
            #expect(key.verify(signature: signature, digest: digest, hash: .sha2_256, padding: verifyPadding))
            var tampered = signature
            tampered[10] ^= 1
            #expect(!key.verify(signature: tampered, digest: digest, hash: .sha2_256, padding: verifyPadding))
        }
        #expect(throws: CryptoFailure.self) { try key.sign(digest: [1, 2, 3], hash: .sha2_256, padding: .pkcs1v15) }
        let reloaded = try AsymmetricKey(privateKeyDER: key.privateKeyDER())
        let sealed = try key.encryptOAEP(Array("secret".utf8))
        #expect(try reloaded.decryptOAEP(sealed) == Array("secret".utf8))
        let publicOnly = try AsymmetricKey(publicKeyDER: key.publicKeyDER())
        let signature = try reloaded.sign(digest: digest, hash: .sha2_256, padding: .pss(.auto))
        #expect(publicOnly.verify(signature: signature, digest: digest, hash: .sha2_256, padding: .pss(.auto)))
        #expect(key.maximumPSSSaltLength(hash: .sha2_256) == 222)
    }

    @Test("ECDSA on every curve, with DER and JWS forms converting both ways", arguments: AsymmetricKey.Curve.allCases)
    func ecdsa(curve: AsymmetricKey.Curve) throws {
        let key = try AsymmetricKey.generate(.ec(curve))
        let digest = HashAlgorithm.sha2_256.digest(Array("message".utf8))
        let der = try key.sign(digest: digest, hash: nil)
        #expect(key.verify(signature: der, digest: digest, hash: nil))
        #expect(!key.verify(signature: der, digest: HashAlgorithm.sha2_256.digest([0]), hash: nil))
        let raw = try #require(ECDSASignature.raw(fromDER: der, coordinateLength: curve.coordinateLength))
        #expect(raw.count == 2 * curve.coordinateLength)
        let back = try #require(ECDSASignature.der(fromRaw: raw))
        #expect(key.verify(signature: back, digest: digest, hash: nil))
        #expect(ECDSASignature.raw(fromDER: [0x30, 0x01], coordinateLength: curve.coordinateLength) == nil)
        #expect(ECDSASignature.der(fromRaw: [1, 2, 3]) == nil)
        let reloaded = try AsymmetricKey(privateKeyDER: key.privateKeyDER())
        #expect(try reloaded.publicKeyDER() == key.publicKeyDER())
    }

    @Test("garbage DER is refused, not trusted")
    func garbageKeys() {
        #expect(throws: CryptoFailure.self) { try AsymmetricKey(privateKeyDER: SecureBytes(copying: [0x30, 0x03, 0x02, 0x01, 0x00])) }
        #expect(throws: CryptoFailure.self) { try AsymmetricKey(publicKeyDER: [0x01]) }
    }

    @Test("PEM wraps base64 at 64 characters between labels")
    func pem() {
        let text = PEM.encode([UInt8](repeating: 0xAB, count: 100), label: "PUBLIC KEY")
        let lines = text.split(separator: "\n")
        #expect(lines.first == "-----BEGIN PUBLIC KEY-----")
        #expect(lines.last == "-----END PUBLIC KEY-----")
        #expect(lines[1].count == 64)
        #expect(text.hasSuffix("-----\n"))
    }
}
