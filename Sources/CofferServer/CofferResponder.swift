import CofferCore
import CofferCrypto
import CofferSDK
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every `/v1/…` HTTP request into a `LogicalRequest` for the core, and renders the answer
/// as Vault does. One responder, no router: every method (including `LIST`) and path arrives here.
struct CofferResponder: HTTPResponder {
    typealias Context = CofferRequestContext

    /// Vault's default `max_request_size`.
    static let maxBodySize = 32 * 1024 * 1024

    let core: Core
    let logger: Logger
    let tls: Bool
    let metrics: ServerMetrics
    /// The listener's `telemetry { unauthenticated_metrics_access }`.
    var unauthenticatedMetrics = false

    func respond(to request: Request, context: Context) async throws -> Response {
        let requestID = SecureRandom.identifier()
        do {
            return try await dispatch(request, context: context, requestID: requestID)
        } catch let error as CofferError {
            if error.code == .internalError {
                logger.error("request failed", metadata: ["request_id": "\(requestID)", "error": "\(error)"])
            }
            return ResponseRenderer.error(error, requestID: requestID)
        } catch {
            // Anything that is not a CofferError is a fault: log its type, answer generically.
            logger.error("request failed", metadata: ["request_id": "\(requestID)", "error_type": "\(type(of: error))"])
            return ResponseRenderer.error(.internalError, requestID: requestID)
        }
    }

    private func dispatch(_ request: Request, context: Context, requestID: String) async throws -> Response {
        let rawPath = request.uri.path
        guard rawPath.hasPrefix("/v1/") else { throw CofferError(.notFound, []) }
        let encoded = String(rawPath.dropFirst(4))
        // Foundation decodes through an NSString, over 10,000 instructions for a short path;
        // a path without a '%' decodes to itself, and nearly every path has none.
        let path = encoded.utf8.contains(UInt8(ascii: "%")) ? encoded.removingPercentEncoding ?? encoded : encoded
        // A NUL or other control character in a key is never intended, and breaks tools that
        // read keys as text (and C strings at the NUL), so no such path reaches a backend.
        if path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw CofferError.badRequest("invalid request path: control characters are not allowed")
        }
        var query = [String: String]()
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }

        if let raw = try await rawSystemEndpoint(path: path, request: request, query: query) {
            return raw
        }
        if let forwarded = try await forwardIfStandby(request, path: path) {
            return forwarded
        }

        let operation: CofferSDK.Operation
        switch request.method {
        case .get: operation = try Self.isList(query["list"]) ? .list : .read
        case .post, .put: operation = .update
        case .delete: operation = .delete
        case .patch: operation = .patch
        case HTTPRequest.Method("LIST")!, HTTPRequest.Method("LINK")!: operation = .list  // see ListMethodRewriter
        default: throw CofferError.unsupportedOperation
        }

        var data = JSONObject()
        switch operation {
        case .patch:
            // Vault takes only JSON merge patches, and says so rather than guessing.
            let type = request.headers[.contentType].map { $0.split(separator: ";").first.map(String.init) ?? "" }?
                .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            guard !type.isEmpty else { throw CofferError.badRequest("mime: no media type") }
            guard type == "application/merge-patch+json" else {
                throw CofferError(.unsupportedMediaType, "PATCH requires Content-Type of application/merge-patch+json, got \"\(type)\"")
            }
            data = try await Self.decodeBody(request)
        case .update, .create:
            data = try await Self.decodeBody(request)
        default:
            for (key, value) in query where key != "list" { data[key] = .string(value) }
        }

        // Vault lists folders: a list request's path always ends in a slash.
        let logicalPath = operation == .list && !path.hasSuffix("/") ? path + "/" : path
        var logical = LogicalRequest(id: requestID, operation: operation, path: logicalPath, data: data)
        logical.clientToken = Self.token(from: request.headers)
        let peer = context.remoteAddress
        logical.connection = ConnectionInfo(remotePort: peer?.port ?? 0, tls: tls) { peer?.ipAddress ?? "" }
        if let wrap = request.headers[Self.wrapTTLHeader] {
            guard let seconds = DurationParser.seconds(wrap), seconds > 0 else {
                throw CofferError.badRequest("invalid X-Vault-Wrap-TTL header: expected seconds or a duration such as \"5m\"")
            }
            logical.wrapTTL = seconds
        }

        let response = try await core.handle(logical)
        if response.isEmpty {
            // Vault answers an empty read or list with 404 and an empty error list.
            if operation == .read || operation == .list { throw CofferError(.notFound, []) }
            return ResponseRenderer.noContent()
        }
        return ResponseRenderer.envelopeJSON(response, requestID: requestID, mountType: core.mountType(for: logicalPath))
    }

    /// The client token from `X-Vault-Token`, or `Authorization: Bearer`.
    /// Built once: making a field name checks and lowercases it, a few thousand instructions
    /// that every request paid twice.
    static let tokenHeader = HTTPField.Name("X-Vault-Token")!
    static let wrapTTLHeader = HTTPField.Name("X-Vault-Wrap-TTL")!

    static func token(from headers: HTTPFields) -> String? {
        if let token = field(Self.tokenHeader, in: headers), !token.isEmpty { return token }
        if let authorization = field(.authorization, in: headers), authorization.lowercased().hasPrefix("bearer ") {
            return String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// `headers[name]`: the subscript joins the values of every field with that name through a
    /// generic lazy sequence, about 3,000 instructions even for the one field nearly every
    /// request sends; a name sent more than once still goes through it.
    static func field(_ name: HTTPField.Name, in headers: HTTPFields) -> String? {
        var found: String?
        for field in headers where field.name == name {
            if found != nil { return headers[name] }
            found = field.value
        }
        return found
    }

    /// `?list=`: Go's `strconv.ParseBool`, as Vault reads it; anything else is a 400.
    static func isList(_ value: String?) throws(CofferError) -> Bool {
        guard let value else { return false }
        switch value {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: throw CofferError.badRequest("invalid value for the list parameter: \"\(value)\" is not a boolean")
        }
    }

    /// Reads a JSON object body, refusing more than 32 MiB before reading it whole.
    static func decodeBody(_ request: Request) async throws -> JSONObject {
        // `field`, not the subscript: every POST sends the header, see `field(_:in:)`.
        if let length = field(.contentLength, in: request.headers).flatMap(Int.init), length > maxBodySize {
            throw CofferError(.payloadTooLarge, "http: request body too large")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodySize)
        } catch is NIOTooManyBytesError {
            throw CofferError(.payloadTooLarge, "http: request body too large")
        } catch {
            // A body that breaks off or has malformed chunk framing is the client's fault.
            throw CofferError.badRequest("malformed request body")
        }
        let bytes = Array(buffer.readableBytesView)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw CofferError.badRequest("failed to parse JSON input: \(error.description)")
        }
        guard case .object(let object) = value else {
            throw CofferError.badRequest("failed to parse JSON input: the body must be a JSON object")
        }
        return object
    }
}
