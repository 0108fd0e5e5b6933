import CofferSDK
import Hummingbird
import NIOCore

/// Renders logical responses and errors into Vault's JSON bodies.
enum ResponseRenderer {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var bytes = JSONWriter.encode(value)
        bytes.append(0x0A)
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    static func noContent() -> Response {
        Response(status: .noContent, headers: [.cacheControl: "no-store"])
    }

    static func error(_ error: CofferError, requestID: String) -> Response {
        if let data = error.data {
            // Vault keeps the envelope (with data) for a few not-found answers, such as a KV v2
            // read of a deleted version.
            var body = envelope(LogicalResponse(data: data), requestID: requestID, mountType: "")
            if !error.messages.isEmpty { body["errors"] = .strings(error.messages) }
            return json(.object(body), status: error.code.httpStatus)
        }
        return json(["errors": .strings(error.messages)], status: error.code.httpStatus)
    }

    static func envelope(_ response: LogicalResponse, requestID: String, mountType: String) -> JSONObject {
        var body: JSONObject = [
            "request_id": .string(requestID),
            "lease_id": .string(response.leaseID ?? ""),
            "renewable": .bool(response.secret?.renewable ?? false),
            "lease_duration": .int(response.secret?.ttl ?? 0),
            "data": response.data.map { .object($0) } ?? .null,
            "wrap_info": response.wrapInfo?.json() ?? .null,
            "warnings": response.warnings.isEmpty ? .null : .strings(response.warnings),
            "auth": response.auth?.json() ?? .null,
            "mount_type": .string(mountType),
        ]
        if response.mergeDataIntoEnvelope, let data = response.data {
            for (key, value) in data where body[key] == nil { body[key] = value }
        }
        return body
    }
}
