import AsyncHTTPClient
import CofferSDK
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// A failed API call, shaped like the Vault CLI prints it.
struct APIError: Error, CustomStringConvertible {
    let method: String
    let url: String
    let status: Int
    let errors: [String]

    var description: String {
        var text = "Error making API request.\n\nURL: \(method) \(url)\nCode: \(status). Errors:\n\n"
        text += errors.isEmpty ? "* (no error message)" : errors.map { "* \($0)" }.joined(separator: "\n")
        return text
    }
}

/// A local problem: bad flags, unreadable files, no server to talk to. Exit code 1.
struct LocalError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Talks to a coffer (or Vault) server: `VAULT_ADDR`, `VAULT_TOKEN`, `VAULT_CACERT`,
/// `VAULT_SKIP_VERIFY` and `VAULT_WRAP_TTL`, as Vault's client reads them.
struct APIClient: Sendable {
    var address: String
    var token: String?
    var wrapTTL: String?
    var caCert: String?
    var skipVerify: Bool

    /// Sends one request; 404 on a read answers nil (as the Vault CLI treats "no value").
    func request(_ method: String, _ path: String, body: JSONValue? = nil, query: [String: String] = [:], allowNotFound: Bool = false) async throws -> JSONValue? {
        var url = address.trimmingSuffix("/") + "/v1/" + path.trimmingPrefix("/")
        if !query.isEmpty {
            url += "?" + query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? $0.value)" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        request.headers.add(name: "X-Vault-Request", value: "true")
        if let token, !token.isEmpty { request.headers.add(name: "X-Vault-Token", value: token) }
        if let wrapTTL, !wrapTTL.isEmpty { request.headers.add(name: "X-Vault-Wrap-TTL", value: wrapTTL) }
        if let body {
            request.headers.add(name: "Content-Type", value: method == "PATCH" ? "application/merge-patch+json" : "application/json")
            request.body = .bytes(ByteBuffer(bytes: JSONWriter.encode(body)))
        }
        let client = try makeClient()
        let status: Int
        let bytes: [UInt8]
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            status = Int(response.status.code)
            bytes = Array(try await response.body.collect(upTo: 64 * 1024 * 1024).readableBytesView)
            try? await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw LocalError(ConnectionFailure.message(method: method, url: url, error: error))
        }
        let parsed = bytes.isEmpty ? nil : try? JSONParser.parse(bytes)
        if status >= 400 {
            if status == 404, allowNotFound, parsed?.objectValue?["errors"]?.arrayValue?.isEmpty ?? true { return nil }
            let errors = parsed?.objectValue?["errors"]?.arrayValue?.compactMap(\.stringValue) ?? [String(decoding: bytes, as: UTF8.self)]
            throw APIError(method: method, url: url, status: status, errors: errors)
        }
        return parsed
    }

    private func makeClient() throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if skipVerify { tls.certificateVerification = .none }
        if let caCert, !caCert.isEmpty {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caCert))
            } catch {
                throw LocalError("Error loading CA certificate \(caCert): \(error)")
            }
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }

    func trimmingPrefix(_ prefix: String) -> String {
        var s = Substring(self)
        while s.hasPrefix(prefix) { s = s.dropFirst(prefix.count) }
        return String(s)
    }
}
