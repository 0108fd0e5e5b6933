import CofferSDK
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// The `listener` + `api_proxy` (or `cache`) stanzas: forwards every request to the server.
/// With `use_auto_auth_token = true` a request without a token is sent with the agent's; with
/// `"force"` every request is. The agent's token never reaches the caller: any value equal to it
/// is removed from responses (lookup-self's `id`, renew-self's `client_token`).
struct APIProxy: Sendable {
    let listener: AgentConfig.Listener
    let mode: AgentConfig.UseAutoAuthToken
    let http: AgentHTTP
    let store: TokenStore
    let logger: Logger

    func run() async throws {
        guard let (host, port) = AgentConfigDecoder.hostPort(listener.address) else { return }
        let responder = ProxyResponder(mode: mode, http: http, store: store, logger: logger)
        let logger = self.logger
        let app = Application(
            responder: responder,
            server: .proxyHTTP1(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? listener.address
                logger.info("API proxy listening on \(bound)")
                // Tests and scripts read this line to find a port chosen by the system.
                FileHandle.standardOutput.write(Data("==> API proxy listening on http://\(bound)\n".utf8))
            },
            logger: logger
        )
        try await app.run()
    }
}

/// Forwards one request.
struct ProxyResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let mode: AgentConfig.UseAutoAuthToken
    let http: AgentHTTP
    let store: TokenStore
    let logger: Logger

    /// Headers that belong to one hop, not to the request.
    static let hopHeaders: Set<String> = ["connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host", "content-length", "proxy-connection"]

    func respond(to request: Request, context: Context) async throws -> Response {
        var headers = HTTPHeaders()
        var callerToken: String?
        for field in request.headers {
            let name = field.name.canonicalName
            if Self.hopHeaders.contains(name) { continue }
            if name == "x-vault-token" {
                callerToken = field.value
                continue
            }
            headers.add(name: field.name.rawName, value: field.value)
        }
        if callerToken == nil, let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            callerToken = String(authorization.dropFirst(7))
            headers.remove(name: "Authorization")
        }
        var agentToken: String?
        switch mode {
        case .force: agentToken = await store.current.token
        case .yes where (callerToken ?? "").isEmpty: agentToken = await store.current.token
        default: break
        }
        if let token = agentToken ?? callerToken, !token.isEmpty { headers.add(name: "X-Vault-Token", value: token) }
        let body = try await request.body.collect(upTo: AgentHTTP.maxBody)
        let method = request.method.rawValue == "LINK" ? "LIST" : request.method.rawValue
        let answer: RawResponse
        do {
            answer = try await http.send(method, request.uri.description, headers: headers, body: body.readableBytes > 0 ? body : nil)
        } catch {
            logger.warning("API proxy could not reach the server: \(error)")
            return Self.error(502, "error contacting the server through the agent's proxy")
        }
        var responseBody = answer.body
        if let agentToken, !agentToken.isEmpty, responseBody.readableBytesView.firstRange(of: Array(agentToken.utf8)) != nil {
            // Only JSON can be cleaned; anything else holding the token is not passed on.
            guard let parsed = try? JSONParser.parse(Array(responseBody.readableBytesView)) else {
                return Self.error(500, "the response contained the agent's token and was withheld")
            }
            responseBody = ByteBuffer(bytes: JSONWriter.encode(Self.removing(agentToken, from: parsed)))
        }
        var fields = HTTPFields()
        for header in answer.headers where !Self.hopHeaders.contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return Response(status: .init(code: answer.status), headers: fields, body: ResponseBody(byteBuffer: responseBody))
    }

    /// `value` with every string equal to `secret` dropped (object members) or blanked (list items).
    static func removing(_ secret: String, from value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s) where s == secret: return .string("")
        case .array(let items): return .array(items.map { removing(secret, from: $0) })
        case .object(let object):
            var out = JSONObject()
            for (key, member) in object where member != .string(secret) { out[key] = removing(secret, from: member) }
            return .object(out)
        default: return value
        }
    }

    static func error(_ status: Int, _ message: String) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.encode(["errors": [.string(message)]]))))
    }
}
