import CofferSDK

extension HCLBody {
    /// Reads a JSON document into the same shape as HCL, so one decoder serves both. Lines are
    /// unknown (0): errors then name the key path instead.
    public static func fromJSON(_ text: String) throws(HCLError) -> HCLBody {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(text)
        } catch {
            throw HCLError(line: 0, column: 0, message: "invalid JSON: \(error.description)")
        }
        guard case .object(let object) = parsed else {
            throw HCLError(line: 0, column: 0, message: "the JSON document must be an object")
        }
        return try body(object)
    }

    private static func body(_ object: JSONObject) throws(HCLError) -> HCLBody {
        var items = [HCLItem]()
        for key in object.keys.sorted() {
            items.append(HCLItem(key: key, value: try value(object[key]!, key: key), line: 0))
        }
        return HCLBody(items: items)
    }

    private static func value(_ json: JSONValue, key: String) throws(HCLError) -> HCLValue {
        switch json {
        case .bool(let b): return .bool(b)
        case .int(let i): return .number(Double(i))
        case .double(let d): return .number(d)
        case .string(let s): return .string(s)
        case .array(let items):
            var out = [HCLValue]()
            for element in items { out.append(try value(element, key: key)) }
            return .list(out)
        case .object(let o): return .object(try body(o))
        case .null: throw HCLError(line: 0, column: 0, message: "\"\(key)\" is null")
        }
    }
}
