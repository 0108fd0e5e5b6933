import CofferSDK

/// The JSON parser: any bytes parse or fail cleanly; what parses re-encodes to an equal value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let again = try? JSONParser.parse(JSONWriter.encode(value))
    precondition(again != nil, "what the writer wrote, the parser refused")
    if !containsDouble(value) { precondition(again == value, "a round trip changed the value") }
    return 0
}

/// Doubles may print shorter than they parsed, so only double-free values must round-trip exactly.
func containsDouble(_ value: JSONValue) -> Bool {
    switch value {
    case .double: true
    case .array(let items): items.contains(where: containsDouble)
    case .object(let object): object.values.contains(where: containsDouble)
    default: false
    }
}
