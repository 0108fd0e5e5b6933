import AsyncHTTPClient
import CofferCore
import CofferSDK
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// A standby serves nothing itself: every request past the seal and health endpoints goes to
/// the active node, through this node (proxied), or by a 307 to the active node's `api_addr`
/// when the client sends `X-Vault-No-Request-Forwarding`, as Vault does.
extension CofferResponder {
    /// The header with which a client refuses to be proxied.
    static let noForwardingHeader = HTTPField.Name("X-Vault-No-Request-Forwarding")!
    /// How long the active node may take to answer a forwarded request.
    static let forwardTimeout: TimeAmount = .seconds(90)

    /// The active node's answer, when this node is a standby; nil when it serves the request itself.
    func forwardIfStandby(_ request: Request, path: String) async throws -> Response? {
        let ha = core.haStatus
        guard ha.enabled, ha.isStandby else { return nil }
        if path == "sys/seal" {
            throw CofferError(.internalError, "vault cannot seal when in standby mode; please restart instead")
        }
        guard !ha.leaderAddress.isEmpty else {
            throw CofferError(.unavailable, "local node not active but active cluster node not found")
        }
        var target = String(ha.leaderAddress.reversed().drop { $0 == "/" }.reversed()) + request.uri.path
        var query = request.uri.query ?? ""
        // The LIST verb arrives rewritten as LINK (see ListMethodRewriter); Go's ?list=true says the same.
        let isList = request.method == HTTPRequest.Method("LINK")! || request.method == HTTPRequest.Method("LIST")!
        if isList { query += (query.isEmpty ? "" : "&") + "list=true" }
        if !query.isEmpty { target += "?" + query }
        if request.headers[Self.noForwardingHeader] != nil {
            return Response(status: .temporaryRedirect, headers: [.location: target])
        }

        var outbound = HTTPClientRequest(url: target)
        outbound.method = isList ? .GET : HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers where !Self.hopByHop.contains(field.name.canonicalName) {
            outbound.headers.add(name: field.name.rawName, value: field.value)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maxBodySize {
            throw CofferError(.payloadTooLarge, "http: request body too large")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxBodySize)
        } catch is NIOTooManyBytesError {
            throw CofferError(.payloadTooLarge, "http: request body too large")
        }
        if body.readableBytes > 0 { outbound.body = .bytes(body) }
        let answer: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            answer = try await HTTPClient.shared.execute(outbound, timeout: Self.forwardTimeout)
            bytes = try await answer.body.collect(upTo: 256 * 1024 * 1024)
        } catch {
            logger.warning("forwarding to the active node failed", metadata: ["leader": "\(ha.leaderAddress)", "error_type": "\(type(of: error))"])
            throw CofferError(.unavailable, "error forwarding the request to the active node")
        }
        var headers = HTTPFields()
        for (name, value) in answer.headers where !Self.hopByHop.contains(name.lowercased()) {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        return Response(status: HTTPResponse.Status(code: Int(answer.status.code)), headers: headers, body: ResponseBody(byteBuffer: bytes))
    }

    /// Headers that belong to one connection, not to the request.
    private static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length",
    ]
}
