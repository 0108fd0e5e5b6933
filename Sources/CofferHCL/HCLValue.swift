import CofferSDK

/// A parsed HCL (or JSON) value, with the line it started on so that errors can point at it.
public indirect enum HCLValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case list([HCLValue])
    case object(HCLBody)

    /// A short type name for error messages.
    public var typeName: String {
        switch self {
        case .string: "string"
        case .number: "number"
        case .bool: "bool"
        case .list: "list"
        case .object: "object"
        }
    }
}

/// One `key = value` attribute or `key "label" { … }` block.
public struct HCLItem: Sendable, Equatable {
    /// The attribute or block name.
    public var key: String
    /// Block labels, in order (`listener "tcp"` has `["tcp"]`).
    public var labels: [String]
    /// The value; a block's body is an `.object`.
    public var value: HCLValue
    /// 1-based line number, or 0 when unknown (JSON input).
    public var line: Int
    /// True for `key { … }` and `key "label" { … }`.
    public var isBlock: Bool

    /// Creates an item.
    public init(key: String, labels: [String] = [], value: HCLValue, line: Int, isBlock: Bool = false) {
        self.key = key
        self.labels = labels
        self.value = value
        self.line = line
        self.isBlock = isBlock
    }
}

/// A sequence of items: a whole file or the inside of a block or object.
public struct HCLBody: Sendable, Equatable {
    /// The items, in source order.
    public var items: [HCLItem]

    /// Creates a body.
    public init(items: [HCLItem] = []) { self.items = items }

    /// The items named `key`.
    public func items(named key: String) -> [HCLItem] { items.filter { $0.key == key } }
}

/// A parse failure with its line and column.
public struct HCLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int
    /// What went wrong.
    public var message: String

    public var description: String { "line \(line), column \(column): \(message)" }
}

extension HCLValue {
    /// The value as JSON: whole numbers become integers, objects keep their last duplicate key.
    public var jsonValue: JSONValue {
        switch self {
        case .string(let s): .string(s)
        case .number(let n): Int64(exactly: n).map { .int($0) } ?? .double(n)
        case .bool(let b): .bool(b)
        case .list(let l): .array(l.map(\.jsonValue))
        case .object(let body): .object(Dictionary(body.items.map { ($0.key, $0.value.jsonValue) }, uniquingKeysWith: { _, b in b }))
        }
    }
}

extension HCLValue {
    /// A boolean as configuration files write one: `true`, `"true"`/`"1"`/`"false"`/`"0"`, or
    /// the numbers 1 and 0; nil for anything else.
    public var flexibleBool: Bool? {
        switch self {
        case .bool(let b): b
        case .string(let s) where ["true", "1"].contains(s.lowercased()): true
        case .string(let s) where ["false", "0"].contains(s.lowercased()): false
        case .number(let n) where n == 0 || n == 1: n == 1
        default: nil
        }
    }

    /// A duration such as `"768h"`, or a number of seconds, checked against Go's range.
    public var duration: DurationParser.Parsed {
        switch self {
        case .string(let s): DurationParser.parse(s)
        case .number(let n): DurationParser.parse(.double(n))
        default: .invalid
        }
    }
}
