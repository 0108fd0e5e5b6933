import CofferSDK

/// A record stored as a JSON object written from its members in key order: a token and its
/// lease are stored on the hottest write path, and building a dictionary only for the writer
/// to sort it again had cost more than the writing.
protocol StoredRecord {
    /// The stored members in key order, without those whose value the reader assumes.
    func members() -> [(key: StaticString, value: JSONValue)]
}

extension StoredRecord {
    /// The stored form, as a value.
    func json() -> JSONValue {
        .object(JSONObject(uniqueKeysWithValues: members().map { ("\($0.key)", $0.value) }))
    }

    /// The stored bytes: `JSONWriter.encode(json())`, without the dictionary.
    func encoded() -> [UInt8] {
        JSONWriter.encode(sortedMembers: members())
    }
}
