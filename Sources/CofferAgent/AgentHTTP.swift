import AsyncHTTPClient
import CofferSDK
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// A server answer the agent could not use: the status and Vault's `errors`, never a body that
/// might hold a secret.
public struct AgentAPIError: Error, Sendable, CustomStringConvertible {
    /// The HTTP method.
    public let method: String
    /// The API path.
    public let path: String
    /// The status code (0 when the server could not be reached).
    public let status: Int
    /// Vault's `errors`.
    public let errors: [String]

    /// The method, path, status and Vault's errors, as the log shows them.
    public var description: String {
        if status == 0 { return "\(method) \(path): \(errors.first ?? "connection failed")" }
        return "\(method) \(path): Code: \(status). Errors: " + (errors.isEmpty ? "(none)" : errors.map { "* \($0)" }.joined(separator: " "))
    }
}

/// One raw answer from the server, for the proxy.
struct RawResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer
}

/// The agent's client of the server's HTTP API: one connection pool for the process.
struct AgentHTTP: Sendable {
    /// The server, without a trailing slash.
    let address: String
    let client: HTTPClient

    /// The longest response body read.
    static let maxBody = 32 * 1024 * 1024

    init(vault: AgentConfig.Vault, environment: [String: String]) throws {
        let configured = vault.address ?? environment["VAULT_ADDR"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://127.0.0.1:8200"
        var trimmed = configured
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        address = trimmed
        var tls = TLSConfiguration.makeClientConfiguration()
        if vault.tlsSkipVerify || environment["VAULT_SKIP_VERIFY"].map({ ["1", "true"].contains($0.lowercased()) }) == true {
            tls.certificateVerification = .none
        }
        if let ca = vault.caCert ?? environment["VAULT_CACERT"].flatMap({ $0.isEmpty ? nil : $0 }) {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
            } catch {
                throw AgentAPIError(method: "load", path: ca, status: 0, errors: ["cannot load the CA certificate: \(error)"])
            }
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        // A standby answers 307 to the active node, as Vault's client follows.
        configuration.redirectConfiguration = .follow(max: 3, allowCycles: false)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    /// Sends a JSON request and returns the parsed body; a status of 400 or more throws.
    @discardableResult
    func call(_ method: String, _ path: String, token: String?, body: JSONValue? = nil, wrapTTL: Int64? = nil) async throws(AgentAPIError) -> JSONObject {
        var headers = HTTPHeaders()
        headers.add(name: "X-Vault-Request", value: "true")
        if let token, !token.isEmpty { headers.add(name: "X-Vault-Token", value: token) }
        if let wrapTTL { headers.add(name: "X-Vault-Wrap-TTL", value: "\(wrapTTL)s") }
        var bytes: ByteBuffer?
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            bytes = ByteBuffer(bytes: JSONWriter.encode(body))
        }
        let response: RawResponse
        do {
            response = try await send(method, "/v1/" + path, headers: headers, body: bytes)
        } catch {
            throw AgentAPIError(method: method, path: path, status: 0, errors: ["error contacting the server at \(address): \(error)"])
        }
        let parsed = response.body.readableBytes == 0 ? nil : try? JSONParser.parse(Array(response.body.readableBytesView))
        guard response.status < 400 else {
            let errors = parsed?.objectValue?["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
            throw AgentAPIError(method: method, path: path, status: response.status, errors: errors)
        }
        return parsed?.objectValue ?? [:]
    }

    /// Sends a request as given (path with query, headers, body) and returns the answer as is.
    func send(_ method: String, _ pathAndQuery: String, headers: HTTPHeaders, body: ByteBuffer?) async throws -> RawResponse {
        var request = HTTPClientRequest(url: address + pathAndQuery)
        request.method = HTTPMethod(rawValue: method)
        request.headers = headers
        if let body { request.body = .bytes(body) }
        let response = try await client.execute(request, timeout: .seconds(90))
        let collected = try await response.body.collect(upTo: Self.maxBody)
        return RawResponse(status: Int(response.status.code), headers: response.headers, body: collected)
    }
}
