/// Request fields checked against a path's schema: typed accessors return the declared default
/// when a field is absent. Built by the core, so that every backend gets the same coercions and
/// the same 400s for bad input.
public struct FieldData: Sendable {
    /// The parsed, typed values of declared fields (and path captures).
    private let values: [String: JSONValue]
    /// The schema they were parsed against.
    private let schema: [String: FieldSpec]
    /// The raw request data, for backends that accept free-form keys (KV v1).
    public let raw: JSONObject
    /// Names of parameters the schema does not know: turned into a warning, not an error.
    public let unknown: [String]

    /// Parses `raw` and `captures` against `schema`; throws a 400 naming the first bad field.
    /// `checkRequired` is false for reads, lists and deletes, which carry no body to require.
    public init(
        raw: JSONObject, captures: [String: String], schema: [String: FieldSpec], acceptsAnyField: Bool = false, checkRequired: Bool = true
    ) throws(CofferError) {
        var values = [String: JSONValue]()
        var unknown = [String]()
        for (name, value) in raw {
            // Clients such as hvac send null for "not set"; Vault's framework reads it that way.
            if captures[name] != nil || value.isNull { continue }
            guard let spec = schema[name] else {
                if !acceptsAnyField { unknown.append(name) }
                continue
            }
            values[name] = try Self.coerce(value, to: spec.type, field: name, range: spec.range)
        }
        for (name, value) in captures {
            values[name] = .string(value)
        }
        for (name, spec) in schema where checkRequired && spec.required && values[name] == nil {
            throw CofferError.badRequest("missing required field '\(name)'")
        }
        self.values = values
        self.schema = schema
        self.raw = raw
        self.unknown = unknown.sorted()
    }

    /// True when the request carried the field (or a capture of that name).
    public func has(_ name: String) -> Bool { values[name] != nil }

    /// The typed value, or the declared default.
    public func value(_ name: String) -> JSONValue? { values[name] ?? schema[name]?.defaultValue }

    /// A string field.
    public func string(_ name: String) -> String? { value(name)?.stringValue }
    /// An integer field.
    public func int(_ name: String) -> Int64? { value(name)?.intValue }
    /// A boolean field.
    public func bool(_ name: String) -> Bool? { value(name)?.boolValue }
    /// A duration field in seconds.
    public func seconds(_ name: String) -> Int64? { value(name)?.intValue }
    /// A list-of-strings field.
    public func strings(_ name: String) -> [String]? { value(name)?.arrayValue?.compactMap(\.stringValue) }
    /// An object field.
    public func object(_ name: String) -> JSONObject? { value(name)?.objectValue }

    /// Vault's coercion rules; errors name the field and the expected type, never the value.
    /// Integers must lie in `range` and durations in `0...NumberBounds.maxDurationSeconds`.
    public static func coerce(
        _ value: JSONValue, to type: FieldType, field: String, range: ClosedRange<Int64> = -NumberBounds.maxInteger...NumberBounds.maxInteger
    ) throws(CofferError) -> JSONValue {
        func bad(_ expected: String) -> CofferError {
            CofferError.badRequest("error converting input for field \"\(field)\": expected \(expected), got \(value.typeName)")
        }
        func outOfRange() -> CofferError {
            CofferError.badRequest("field \"\(field)\" out of range: must be between \(range.lowerBound) and \(range.upperBound)")
        }
        func inRange(_ i: Int64) throws(CofferError) -> JSONValue {
            guard range.contains(i) else { throw outOfRange() }
            return .int(i)
        }
        switch type {
        case .any:
            return value
        case .string:
            switch value {
            case .string: return value
            case .int(let i): return .string(String(i))
            case .double(let d): return .string(JSONWriter.string(.double(d)))
            case .bool(let b): return .string(b ? "true" : "false")
            default: throw bad("a string")
            }
        case .int:
            switch value {
            case .int(let i): return try inRange(i)
            case .double(let d) where d.rounded() == d:
                guard let i = Int64(exactly: d) else { throw outOfRange() }
                return try inRange(i)
            case .string(let s):
                if let i = Int64(s.isEmpty ? "0" : s) { return try inRange(i) }
                if let d = Double(s), d.isFinite, d.rounded() == d { throw outOfRange() }
                throw bad("an integer")
            default: throw bad("an integer")
            }
        case .bool:
            switch value {
            case .bool: return value
            case .int(let i) where i == 0 || i == 1: return .bool(i == 1)
            case .string(let s):
                switch s.lowercased() {
                case "true", "1", "t": return .bool(true)
                case "false", "0", "f", "": return .bool(false)
                default: throw bad("a boolean")
                }
            default: throw bad("a boolean")
            }
        case .duration:
            switch DurationParser.parse(value) {
            case .seconds(let seconds): return .int(seconds)
            case .outOfRange: throw CofferError.badRequest(DurationParser.rangeMessage(field))
            case .invalid: throw bad("a duration such as \"90s\" or \"1h\"")
            }
        case .commaStringList:
            switch value {
            case .array(let items):
                var out = [JSONValue]()
                for item in items {
                    out.append(try coerce(item, to: .string, field: field))
                }
                return .array(out)
            case .string(let s):
                let parts = s.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
                return .strings(parts)
            case .int, .double, .bool:
                return .array([try coerce(value, to: .string, field: field)])
            default: throw bad("a list of strings")
            }
        case .keyValuePairs:
            switch value {
            case .object(let o):
                var out = JSONObject()
                for (k, v) in o { out[k] = try coerce(v, to: .string, field: field) }
                return .object(out)
            case .string(let s):
                var out = JSONObject()
                for pair in s.split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { throw bad("key=value pairs") }
                    out[parts[0].trimmingSpaces()] = .string(parts[1].trimmingSpaces())
                }
                return .object(out)
            default: throw bad("a map of strings")
            }
        case .object:
            guard case .object = value else { throw bad("an object") }
            return value
        }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
