/// The type of a request field, with Vault's framework coercions.
public enum FieldType: Sendable, Hashable {
    /// Text; numbers and booleans are accepted and turned into text.
    case string
    /// A whole number, from a JSON number or numeric text.
    case int
    /// A boolean, from `true`/`false`, `"true"`/`"false"`, `1`/`0`.
    case bool
    /// Seconds, from a number or a duration string (`"90s"`, `"1h30m"`).
    case duration
    /// A list of strings, from a JSON array or comma-separated text.
    case commaStringList
    /// A map of strings, from a JSON object or `k=v,k=v` text.
    case keyValuePairs
    /// Any JSON object, kept as is.
    case object
    /// Any JSON value, kept as is.
    case any
}

/// One declared field of a path: its type, default and help.
public struct FieldSpec: Sendable {
    /// How the raw value is interpreted.
    public var type: FieldType
    /// The value used when the request leaves it out.
    public var defaultValue: JSONValue?
    /// Whether a request without it is refused.
    public var required: Bool
    /// One line of help.
    public var description: String
    /// The values an `.int` field may take; a value outside is a 400 naming the bounds.
    public var range: ClosedRange<Int64>

    /// Declares a field; integers default to `±NumberBounds.maxInteger`.
    public init(
        _ type: FieldType, default defaultValue: JSONValue? = nil, required: Bool = false, description: String = "",
        range: ClosedRange<Int64> = -NumberBounds.maxInteger...NumberBounds.maxInteger
    ) {
        self.type = type
        self.defaultValue = defaultValue
        self.required = required
        self.description = description
        self.range = range
    }
}
