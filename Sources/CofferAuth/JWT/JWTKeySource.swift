import CofferSDK
import Foundation
import JWTKit
import NIOHTTP1

/// Fetches OIDC discovery documents and JWKS over HTTPS (or HTTP on loopback for tests), with
/// an optional private CA.
enum JWKSFetcher {
    static func fetch(_ url: String, caPEM: String) async throws -> [UInt8] {
        let answer: OutboundHTTP.Answer
        do {
            answer = try await OutboundHTTP.send(.GET, url, caPEM: caPEM, headers: [("Accept", "application/json")])
        } catch {
            throw CofferError.badRequest(String(describing: error))
        }
        guard answer.status == 200 else { throw CofferError.badRequest("fetching \(url) answered HTTP \(answer.status)") }
        return answer.body
    }

    /// The JWKS URL and issuer a discovery document names.
    static func discover(_ discoveryURL: String, caPEM: String) async throws -> (jwksURI: String, issuer: String) {
        let url = discoveryURL.hasSuffix("/") ? String(discoveryURL.dropLast()) : discoveryURL
        let body = try await fetch(url + "/.well-known/openid-configuration", caPEM: caPEM)
        guard let document = (try? JSONParser.parse(body))?.objectValue, let jwksURI = document["jwks_uri"]?.stringValue else {
            throw CofferError.badRequest("the OIDC discovery document at \(url) has no jwks_uri")
        }
        return (jwksURI, document["issuer"]?.stringValue ?? "")
    }
}

/// Decodes nothing: coffer reads the claims itself once the signature has been verified.
struct SignatureOnly: JWTPayload {
    init(from decoder: any Decoder) throws {}
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Verified key sets per mount, refreshed when a token names a key id the cached set lacks, so
/// a key rotation at the issuer needs no restart. One refresh at a time per mount.
actor JWKSCache {
    static let shared = JWKSCache()

    /// A mount's keys, the key ids among them, and when they were fetched.
    struct Entry: Sendable {
        let keys: JWTKeyCollection
        let kids: Set<String>
        let fetched: ContinuousClock.Instant
    }

    private var sets: [String: Entry] = [:]
    private var refreshing: [String: Task<Entry, any Error>] = [:]
    /// Recent refreshes per mount, to cap them at five in ten seconds.
    private var recentRefreshes: [String: [ContinuousClock.Instant]] = [:]
    /// Key ids a refresh did not turn up, so the same unknown id does not cause another fetch.
    private var missingKids: [String: Set<String>] = [:]

    /// Builds a key collection from JWKS JSON, refusing symmetric keys.
    static func collection(fromJWKS bytes: [UInt8]) async throws -> JWTKeyCollection {
        try await entry(fromJWKS: bytes).keys
    }

    static func entry(fromJWKS bytes: [UInt8]) async throws -> Entry {
        guard let document = (try? JSONParser.parse(bytes))?.objectValue, let keys = document["keys"]?.arrayValue else {
            throw CofferError.badRequest("the JWKS document is not a JSON key set")
        }
        let usable = keys.filter { $0.objectValue?["kty"]?.stringValue != "oct" }
        let collection = JWTKeyCollection()
        do {
            try await collection.add(jwksJSON: JSONWriter.string(["keys": .array(usable)]))
        } catch {
            throw CofferError.badRequest("the JWKS document has a key coffer cannot use: \(error)")
        }
        let kids = Set(usable.compactMap { $0.objectValue?["kid"]?.stringValue })
        return Entry(keys: collection, kids: kids, fetched: .now)
    }

    /// The mount's keys; when the token names a key id the cached set lacks, fetch again, at
    /// most five times in ten seconds and once per unknown id, so forged key ids cannot make us
    /// hammer the issuer.
    func keys(for mount: String, config: JWTConfig, kid: String?) async throws -> Entry {
        let now = ContinuousClock.now
        recentRefreshes[mount] = (recentRefreshes[mount] ?? []).filter { now - $0 < .seconds(10) }
        if let cached = sets[mount] {
            guard let kid, !cached.kids.contains(kid), !(missingKids[mount]?.contains(kid) ?? false),
                (recentRefreshes[mount]?.count ?? 0) < 5
            else { return cached }
        }
        if let running = refreshing[mount] { return try await running.value }
        let task = Task { try await Self.load(config) }
        refreshing[mount] = task
        defer { refreshing[mount] = nil }
        let loaded = try await task.value
        recentRefreshes[mount, default: []].append(now)
        sets[mount] = loaded
        if let kid, !loaded.kids.contains(kid) { missingKids[mount, default: []].insert(kid) } else { missingKids[mount] = nil }
        return loaded
    }

    func invalidate(_ mount: String) {
        sets[mount] = nil
        missingKids[mount] = nil
        staticSets = staticSets.filter { !$0.key.hasPrefix(mount + "|") }
    }

    /// Static PEM keys parsed once per mount and algorithm, not on every login.
    private var staticSets: [String: (pems: [String], keys: JWTKeyCollection)] = [:]

    func staticKeys(for mount: String, pems: [String], alg: String) async -> JWTKeyCollection {
        let key = mount + "|" + alg
        if let cached = staticSets[key], cached.pems == pems { return cached.keys }
        let keys = await StaticKeys.collection(pems, alg: alg)
        staticSets[key] = (pems, keys)
        return keys
    }

    static func load(_ config: JWTConfig) async throws -> Entry {
        var url = config.jwksURL
        var ca = config.jwksCAPEM
        if !config.oidcDiscoveryURL.isEmpty {
            url = try await JWKSFetcher.discover(config.oidcDiscoveryURL, caPEM: config.oidcDiscoveryCAPEM).jwksURI
            ca = config.oidcDiscoveryCAPEM
        }
        return try await entry(fromJWKS: JWKSFetcher.fetch(url, caPEM: ca))
    }
}

/// Static PEM keys (`jwt_validation_pubkeys`, and the Kubernetes method's `pem_keys`), turned
/// into a collection for one algorithm. A PEM may hold a public key or a certificate, whose key
/// is used, as Vault's PEM key parsing allows.
enum StaticKeys {
    /// Checks that every PEM is a public key coffer can verify with; `field` names the list in
    /// the error.
    static func validate(_ pems: [String], field: String = "jwt_validation_pubkeys") throws(CofferError) {
        // The PEM parsers are swift-crypto's and BoringSSL's; the bounds are ours.
        guard pems.count <= maxKeys else { throw CofferError.badRequest("\(field) may hold at most \(maxKeys) keys") }
        for (index, pem) in pems.enumerated() {
            guard pem.utf8.count <= maxPEMLength else {
                throw CofferError.badRequest("\(field)[\(index)] is larger than \(maxPEMLength) bytes")
            }
            if rsa(pem) == nil, es256(pem) == nil, es384(pem) == nil, (try? EdDSA.PublicKey(pem: pem)) == nil {
                throw CofferError.badRequest("\(field)[\(index)] is not an RSA, P-256, P-384 or Ed25519 public key or certificate in PEM form")
            }
        }
    }

    /// A public key or certificate in PEM is a few KiB; a chain rarely more than tens.
    static let maxPEMLength = 64 * 1024
    /// More keys than any issuer publishes.
    static let maxKeys = 100

    static func rsa(_ pem: String) -> Insecure.RSA.PublicKey? {
        (try? Insecure.RSA.PublicKey(pem: pem)) ?? (try? Insecure.RSA.PublicKey(certificatePEM: pem))
    }

    static func es256(_ pem: String) -> ES256PublicKey? {
        (try? ES256PublicKey(pem: pem)) ?? (try? ES256PublicKey(certificate: pem))
    }

    static func es384(_ pem: String) -> ES384PublicKey? {
        (try? ES384PublicKey(pem: pem)) ?? (try? ES384PublicKey(certificate: pem))
    }

    static func collection(_ pems: [String], alg: String) async -> JWTKeyCollection {
        let collection = JWTKeyCollection()
        for pem in pems {
            switch alg {
            case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
                guard let key = rsa(pem) else { continue }
                let digest: DigestAlgorithm = alg.hasSuffix("384") ? .sha384 : alg.hasSuffix("512") ? .sha512 : .sha256
                if alg.hasPrefix("PS") {
                    await collection.add(pss: key, digestAlgorithm: digest)
                } else {
                    await collection.add(rsa: key, digestAlgorithm: digest)
                }
            case "ES256":
                if let key = es256(pem) { await collection.add(ecdsa: key) }
            case "ES384":
                if let key = es384(pem) { await collection.add(ecdsa: key) }
            case "EdDSA":
                if let key = try? EdDSA.PublicKey(pem: pem) { await collection.add(eddsa: key) }
            default:
                continue
            }
        }
        return collection
    }
}
