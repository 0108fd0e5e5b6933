import CofferCrypto
import CofferSDK

extension TransitKey {
    /// Signs `input`; returns the `vault:vN:` signature, the version, and for derived Ed25519
    /// keys the derived public key.
    func sign(_ input: [UInt8], version requested: Int64, context: [UInt8], options: TransitSignOptions) throws -> (String, Int, String?) {
        guard type.supportsSigning else { throw CofferError.badRequest("key type \(type.rawValue) does not support signing") }
        let number = try versionForWriting(requested, operation: "signing")
        let entry = try version(number)
        var derivedPublic: String?
        var signature: [UInt8]
        do {
            switch type {
            case .ed25519:
                // Ed25519 hashes internally; like Vault, `prehashed` changes nothing here.
                let privateKey = try ed25519Key(entry, context: context)
                if derived { derivedPublic = Base64.encode(try Ed25519.publicKey(of: privateKey)) }
                signature = try Ed25519.sign(input, privateKey: privateKey)
            case .ecdsaP256, .ecdsaP384, .ecdsaP521:
                let digest = try digestFor(input, options: options)
                signature = try entry.asymmetric().sign(digest: digest, hash: nil)
                if options.marshaling == .jws, let curve = type.curve {
                    guard let raw = ECDSASignature.raw(fromDER: signature, coordinateLength: curve.coordinateLength) else {
                        throw CofferError(.internalError, "signature encoding failed")
                    }
                    signature = raw
                }
            default:
                let pair = try entry.asymmetric()
                let padding = try rsaPadding(options, key: pair, signing: true)
                let digest = try digestFor(input, options: options)
                signature = try pair.sign(digest: digest, hash: options.hash, padding: padding)
            }
        } catch let failure as CryptoFailure {
            throw CofferError.badRequest(failure.reason)
        }
        return (TransitCiphertext.format(version: number, options.encode(signature)), number, derivedPublic)
    }

    /// Checks a `vault:vN:` signature over `input`.
    func verify(_ signatureText: String, input: [UInt8], context: [UInt8], options: TransitSignOptions) throws -> Bool {
        guard type.supportsSigning else { throw CofferError.badRequest("key type \(type.rawValue) does not support verification") }
        let (number, encoded) = try TransitCiphertext.parse(signatureText, key: self, noun: "signature")
        guard let signature = options.decode(encoded) else { throw CofferError.badRequest("invalid base64 signature value") }
        let entry = try version(number)
        do {
            switch type {
            case .ed25519:
                let privateKey = try ed25519Key(entry, context: context)
                return Ed25519.verify(signature, message: input, publicKey: try Ed25519.publicKey(of: privateKey))
            case .ecdsaP256, .ecdsaP384, .ecdsaP521:
                let der: [UInt8]
                if options.marshaling == .jws {
                    guard let converted = ECDSASignature.der(fromRaw: signature) else { return false }
                    der = converted
                } else {
                    guard let curve = type.curve, ECDSASignature.raw(fromDER: signature, coordinateLength: curve.coordinateLength) != nil else {
                        throw CofferError.badRequest("supplied signature is invalid")
                    }
                    der = signature
                }
                return try entry.asymmetric().verify(signature: der, digest: try digestFor(input, options: options), hash: nil)
            default:
                let pair = try entry.asymmetric()
                let padding = try rsaPadding(options, key: pair, signing: false)
                return pair.verify(signature: signature, digest: try digestFor(input, options: options), hash: options.hash, padding: padding)
            }
        } catch let failure as CryptoFailure {
            throw CofferError.badRequest(failure.reason)
        }
    }

    private func ed25519Key(_ entry: TransitKeyVersion, context: [UInt8]) throws -> SecureBytes {
        guard derived else { return entry.material }
        guard !context.isEmpty else { throw CofferError.badRequest(Self.missingContext) }
        let seed = HKDF.sha256(secret: entry.material, info: context, length: Ed25519.seedLength)
        return try Ed25519.privateKey(seed: SecureBytes(copying: seed))
    }

    private func digestFor(_ input: [UInt8], options: TransitSignOptions) throws -> [UInt8] {
        guard let hash = options.hash else {
            guard options.prehashed || type.isRSA else {
                throw CofferError.badRequest("hash_algorithm=none requires prehashed=true")
            }
            return input
        }
        if options.prehashed {
            guard input.count == hash.size || type.isECDSA else {
                throw CofferError.badRequest("prehashed input must be \(hash.size) bytes long for \(hash.rawValue)")
            }
            return input
        }
        return hash.digest(input)
    }

    private func rsaPadding(_ options: TransitSignOptions, key: AsymmetricKey, signing: Bool) throws -> RSASignaturePadding {
        switch options.signatureAlgorithm {
        case "", "pss":
            guard let hash = options.hash else {
                throw CofferError.badRequest("hash_algorithm=none requires both prehashed=true and signature_algorithm=pkcs1v15")
            }
            let salt = options.saltLength
            guard salt >= -1, salt <= key.maximumPSSSaltLength(hash: hash) else {
                throw CofferError.badRequest("requested salt length \(salt) is invalid")
            }
            switch salt {
            case -1: return .pss(.digestLength)
            case 0: return .pss(.auto)
            default: return .pss(.bytes(salt))
            }
        case "pkcs1v15":
            if options.hash == nil, !options.prehashed {
                throw CofferError.badRequest("hash_algorithm=none requires both prehashed=true and signature_algorithm=pkcs1v15")
            }
            return .pkcs1v15
        default:
            throw CofferError.badRequest("unsupported rsa signature algorithm \(options.signatureAlgorithm)")
        }
    }
}
