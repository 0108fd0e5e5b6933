import CofferSDK
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A response as a test sees it.
public struct HTTPResult: Sendable {
    /// The status code.
    public var status: Int
    /// The body bytes.
    public var body: [UInt8]
    /// Response headers, lower-cased names.
    public var headers: [String: String]

    /// The body parsed as JSON, or nil.
    public var json: JSONValue? { try? JSONParser.parse(body) }
    /// `data` of a Vault envelope.
    public var data: JSONObject? { json?.objectValue?["data"]?.objectValue }
    /// The `errors` array of an error body.
    public var errors: [String] { json?.objectValue?["errors"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    /// The body as text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A minimal HTTP client for talking to a coffer server in tests, over a fresh session per
/// client so connections are not shared between tests.
public struct VaultHTTP: Sendable {
    /// Base address, such as http://127.0.0.1:8200.
    public var address: String
    /// Sent as X-Vault-Token when set.
    public var token: String?

    /// Creates a client.
    public init(address: String, token: String? = nil) {
        self.address = address
        self.token = token
    }

    /// Sends one request; `body` is JSON-encoded, or `rawBody` is sent as is.
    public func request(
        _ method: String, _ path: String, body: JSONValue? = nil, rawBody: [UInt8]? = nil, headers: [String: String] = [:]
    ) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: address + "/v1/" + path)!)
        request.httpMethod = method
        if let token { request.setValue(token, forHTTPHeaderField: "X-Vault-Token") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(JSONWriter.encode(body))
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let rawBody {
            request.httpBody = Data(rawBody)
        }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var headerMap = [String: String]()
        for (name, value) in http.allHeaderFields {
            headerMap[String(describing: name).lowercased()] = String(describing: value)
        }
        return HTTPResult(status: http.statusCode, body: Array(data), headers: headerMap)
    }

    /// GET.
    public func read(_ path: String) async throws -> HTTPResult { try await request("GET", path) }
    /// POST with a JSON body.
    public func write(_ path: String, _ body: JSONValue = [:]) async throws -> HTTPResult { try await request("POST", path, body: body) }
    /// The LIST verb.
    public func list(_ path: String) async throws -> HTTPResult { try await request("LIST", path) }
    /// DELETE.
    public func delete(_ path: String) async throws -> HTTPResult { try await request("DELETE", path) }
}
