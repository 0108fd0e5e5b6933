import CofferSDK
import Hummingbird
import NIOCore

/// Renders logical responses and errors into Vault's JSON bodies.
enum ResponseRenderer {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        json(bytes: JSONWriter.encode(value), status: status)
    }

    /// `json(.object(envelope(…)))`, the body of every successful logical response, written
    /// from its members in sorted order: building the envelope's dictionary and sorting its
    /// keys again cost a few thousand instructions per request. An envelope that takes the
    /// data's own fields goes the general way.
    static func envelopeJSON(_ response: LogicalResponse, requestID: String, mountType: String) -> Response {
        json(bytes: envelopeBytes(response, requestID: requestID, mountType: mountType))
    }

    /// The encoding of `envelope(…)`.
    static func envelopeBytes(_ response: LogicalResponse, requestID: String, mountType: String) -> [UInt8] {
        guard !response.mergeDataIntoEnvelope || response.data == nil else {
            return JSONWriter.encode(.object(envelope(response, requestID: requestID, mountType: mountType)))
        }
        return JSONWriter.encode(sortedMembers: [
            ("auth", response.auth?.json() ?? .null),
            ("data", response.data.map { .object($0) } ?? .null),
            ("lease_duration", .int(response.secret?.ttl ?? 0)),
            ("lease_id", .string(response.leaseID ?? "")),
            ("mount_type", .string(mountType)),
            ("renewable", .bool(response.secret?.renewable ?? false)),
            ("request_id", .string(requestID)),
            ("warnings", response.warnings.isEmpty ? .null : .strings(response.warnings)),
            ("wrap_info", response.wrapInfo?.json() ?? .null),
        ])
    }

    private static func json(bytes: consuming [UInt8], status: HTTPResponse.Status = .ok) -> Response {
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
