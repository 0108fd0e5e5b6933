import CofferSDK

/// Durations and field coercions: any text, and any JSON value, coerces to every field type or
/// fails with a 400, and what comes out is within the declared bounds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    if case .seconds(let s) = DurationParser.parse(text) {
        precondition(s >= 0 && s <= NumberBounds.maxDurationSeconds, "a duration out of bounds")
    }
    var values: [JSONValue] = [.string(text)]
    if let parsed = try? JSONParser.parse(bytes) { values.append(parsed) }
    let types: [FieldType] = [.string, .int, .bool, .duration, .commaStringList, .keyValuePairs, .object, .any]
    for value in values {
        for type in types {
            guard let out = try? FieldData.coerce(value, to: type, field: "f", range: 0...1000) else { continue }
            switch type {
            case .int: precondition(out.intValue.map { (0...1000).contains($0) } == true, "an int out of its range")
            case .duration: precondition(out.intValue.map { $0 >= 0 && $0 <= NumberBounds.maxDurationSeconds } == true, "a duration out of bounds")
            default: break
            }
        }
        _ = value.storedSeconds("f")
        _ = value.storedInt("f")
        if let d = value.doubleValue {
            _ = Timestamp.rfc3339(d)
            _ = Int64(saturating: d)
        }
    }
    return 0
}
