/// A value kept in one immutable heap object. Copies share the object, so copying costs one
/// retain whatever the value holds; a change replaces the object, so every holder keeps a value.
///
/// For values that many request threads copy at once (a cached token record, a route): a
/// struct of a dozen strings and arrays retains and releases each of them on every copy, on
/// reference counts that all those threads write.
@frozen
public struct SharedValue<Value: Sendable>: Sendable {
    @usableFromInline
    final class Storage: Sendable {
        @usableFromInline let value: Value

        @usableFromInline
        init(_ value: Value) { self.value = value }
    }

    @usableFromInline var storage: Storage

    /// Keeps `value`.
    @inlinable
    public init(_ value: Value) { storage = Storage(value) }

    /// The value.
    @inlinable
    public var value: Value { storage.value }

    /// Changes the value in a new object: others may share this one.
    @inlinable
    public mutating func change(_ apply: (inout Value) -> Void) {
        var value = storage.value
        apply(&value)
        storage = Storage(value)
    }

    /// True when both hold the very same object, and so equal values.
    @inlinable
    public func isIdentical(to other: SharedValue) -> Bool { storage === other.storage }
}
