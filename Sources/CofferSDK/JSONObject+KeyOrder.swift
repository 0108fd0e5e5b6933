extension Dictionary where Key == String, Value == JSONValue {
    /// Calls `body` with each member in ascending key order, as JSON output lists them.
    ///
    /// The order is sorted in a stack buffer of indices: an array of sorted pairs per object
    /// was an allocation, and a retain and release of every key and value, for each object of
    /// every response and audit entry.
    public func forEachInKeyOrder(_ body: (_ key: String, _ value: JSONValue) throws -> Void) rethrows {
        guard count > 1 else {
            for (key, value) in self { try body(key, value) }
            return
        }
        try withUnsafeTemporaryAllocation(of: Index.self, capacity: count) { buffer in
            var filled = 0
            var index = startIndex
            while index != endIndex && filled < buffer.count {
                (buffer.baseAddress! + filled).initialize(to: index)
                filled += 1
                formIndex(after: &index)
            }
            defer { buffer.baseAddress!.deinitialize(count: filled) }
            var members = UnsafeMutableBufferPointer(rebasing: buffer[..<filled])
            members.sort { keys[$0] < keys[$1] }
            for index in members {
                let member = self[index]
                try body(member.key, member.value)
            }
        }
    }
}
