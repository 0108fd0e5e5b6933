import AsyncHTTPClient
import CofferSDK
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// The one way auth methods call out (JWKS and discovery for JWT, TokenReview for Kubernetes):
/// HTTPS verified against an optional private CA, or plain HTTP, always with a connect and a
/// total timeout and a cap on the answer's size, so a slow or hostile server cannot hold a
/// login or fill memory.
enum OutboundHTTP {
    /// What came back: the status and at most `limit` bytes of body.
    struct Answer: Sendable {
        let status: Int
        let body: [UInt8]
    }

    /// Why a call failed before an answer arrived.
    enum Failure: Error, CustomStringConvertible {
        case invalidURL(String)
        case invalidCA
        case transport(String)

        var description: String {
            switch self {
            case .invalidURL(let url): "invalid URL \"\(url)\""
            case .invalidCA: "invalid CA PEM: it holds no certificate"
            case .transport(let reason): reason
            }
        }
    }

    /// TLS settings trusting `caPEM` alone when given, the system's roots otherwise.
    static func tls(caPEM: String) throws(Failure) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if !caPEM.isEmpty {
            // A CA bundle bigger than this is no CA bundle; it never reaches BoringSSL's parser.
            guard caPEM.utf8.count <= 1024 * 1024 else { throw .invalidCA }
            guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)), !certificates.isEmpty else {
                throw .invalidCA
            }
            tls.trustRoots = .certificates(certificates)
        }
        return tls
    }

    /// Two clients for the life of the process, so connections (and TLS sessions) to an API
    /// server or issuer are kept and reused across logins; the CA goes with each request.
    private static let following = client(followingRedirects: true)
    private static let notFollowing = client(followingRedirects: false)

    private static func client(followingRedirects: Bool) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(15))
        // A bearer token must not follow a redirect to another host.
        if !followingRedirects { configuration.redirectConfiguration = .disallow }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Sends one request and collects the answer, whatever its status.
    static func send(
        _ method: HTTPMethod, _ url: String, caPEM: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        limit: Int = 4 * 1024 * 1024, timeout: TimeAmount = .seconds(15), followRedirects: Bool = true
    ) async throws(Failure) -> Answer {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw .invalidURL(url)
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.tlsConfiguration = try tls(caPEM: caPEM)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await (followRedirects ? following : notFollowing).execute(request, timeout: timeout)
            let collected = Array(try await response.body.collect(upTo: limit).readableBytesView)
            return Answer(status: Int(response.status.code), body: collected)
        } catch is NIOTooManyBytesError {
            throw .transport("the answer from \(url) is larger than \(limit) bytes")
        } catch {
            throw .transport("cannot fetch \(url): \(error)")
        }
    }
}
