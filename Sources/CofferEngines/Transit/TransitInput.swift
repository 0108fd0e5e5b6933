import CofferCrypto
import CofferSDK

/// Parsing of Transit's request values, with Vault's messages and bounds that keep a request
/// from trapping the process.
enum TransitInput {
    /// The most items one `batch_input` may carry.
    static let maxBatchItems = 10_000

    /// Standard base64 (padded), or a 400 naming the first bad byte as Go's decoder does.
    static func base64(_ input: String) throws -> [UInt8] {
        // Go's decoder skips line breaks, so wrapped base64 (`base64` without `-w0`) is accepted.
        // Looked for in the bytes: walking the string's characters (grapheme breaking) cost 2 %
        // of a Transit encrypt.
        let text = input.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D })
            ? String(input.unicodeScalars.filter { $0 != "\n" && $0 != "\r" }) : input
        if text.isEmpty { return [] }
        if let bytes = Base64.decode(text) { return bytes }
        var position = 0
        for byte in text.utf8 {
            let valid = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2B || byte == 0x2F || byte == 0x3D
            if !valid { break }
            position += 1
        }
        if position == text.utf8.count { position = max(0, position - position % 4) }
        throw CofferError.badRequest("illegal base64 data at input byte \(position)")
    }

    /// An optional base64 field of a request or batch item; empty when absent.
    static func base64(_ value: JSONValue?, field: String) throws -> [UInt8] {
        guard let value, !value.isNull else { return [] }
        guard let text = try FieldData.coerce(value, to: .string, field: field).stringValue else { return [] }
        return try base64(text)
    }

    /// An optional string field of a batch item.
    static func string(_ value: JSONValue?, field: String) throws -> String? {
        guard let value, !value.isNull else { return nil }
        return try FieldData.coerce(value, to: .string, field: field).stringValue
    }

    /// An optional integer field of a batch item, within `range`.
    static func int(_ value: JSONValue?, field: String, default fallback: Int64 = 0, range: ClosedRange<Int64> = Int64(Int32.min)...Int64(Int32.max)) throws -> Int64 {
        guard let value, !value.isNull else { return fallback }
        // Checked before the shared coercion, which converts any whole double without a range check.
        if case .double(let d) = value, !(d.isFinite && abs(d) < 9.0e15) {
            throw CofferError.badRequest("invalid value for \"\(field)\": must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        guard let number = try FieldData.coerce(value, to: .int, field: field).intValue, range.contains(number) else {
            throw CofferError.badRequest("invalid value for \"\(field)\": must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// Seconds for a duration field (`"1h"`, `3600`), or nil when absent.
    static func duration(_ value: JSONValue?, field: String) throws -> Int64? {
        guard let value, !value.isNull else { return nil }
        if case .double(let d) = value, !(d.isFinite && d >= 0 && d < 9.0e15) {
            throw CofferError.badRequest("invalid value for \"\(field)\": expected a duration such as \"1h\"")
        }
        guard let seconds = DurationParser.seconds(value) else {
            throw CofferError.badRequest("invalid value for \"\(field)\": expected a duration such as \"1h\"")
        }
        return seconds
    }

    /// The items of `batch_input`, or nil when the request is not a batch.
    static func batch(_ ctx: HandlerContext) throws -> [JSONObject]? {
        guard let raw = ctx.fields.value("batch_input"), !raw.isNull else { return nil }
        guard case .array(let items) = raw else { throw CofferError.badRequest("failed to parse batch input: expected a list of objects") }
        guard !items.isEmpty else { throw CofferError.badRequest("missing batch input to process") }
        guard items.count <= maxBatchItems else {
            throw CofferError.badRequest("batch_input has \(items.count) items; at most \(maxBatchItems) are allowed")
        }
        var out = [JSONObject]()
        out.reserveCapacity(items.count)
        for item in items {
            guard case .object(let object) = item else { throw CofferError.badRequest("failed to parse batch input: expected a list of objects") }
            out.append(object)
        }
        return out
    }

    /// Runs `body` for each batch item, turning a per-item error into an `error` entry, and
    /// answers with Vault's batch status rules: 400 when any item failed, unless some succeeded
    /// and `partial_failure_response_code` says otherwise.
    static func runBatch(_ ctx: HandlerContext, _ items: [JSONObject], _ body: (JSONObject) async throws -> JSONObject) async throws -> LogicalResponse {
        var results = [JSONValue]()
        results.reserveCapacity(items.count)
        var failures = 0
        for item in items {
            let reference = (try? string(item["reference"], field: "reference")) ?? nil
            var result: JSONObject
            do {
                result = try await body(item)
            } catch let error as CofferError where error.code == .badRequest {
                failures += 1
                result = ["error": .string(error.messages.joined(separator: "; "))]
            }
            result["reference"] = .string(reference ?? "")
            results.append(.object(result))
        }
        let data: JSONObject = ["batch_results": .array(results)]
        guard failures > 0 else { return LogicalResponse(data: data) }
        var code = CofferError.Code.badRequest
        if failures < items.count, let raw = ctx.fields.value("partial_failure_response_code"), !raw.isNull {
            let requested = try int(raw, field: "partial_failure_response_code", range: Int64.min...Int64.max)
            switch requested {
            case 200...299: return LogicalResponse(data: data)
            case 403: code = .permissionDenied
            case 404: code = .notFound
            case 500: code = .internalError
            case 503: code = .unavailable
            default: code = .badRequest
            }
        }
        throw CofferError(code, [], data: data)
    }
}
