import CofferCrypto
import CofferSDK

/// The keys of a `seal "static"` stanza: the root key is stored wrapped by one of them, so the
/// server unseals itself at start instead of waiting for key holders.
public struct StaticSealKeys: Sendable {
    /// One named 32-byte key.
    public struct Key: Sendable {
        /// The operator's permanent name for this key (`current_key_id`).
        public var id: String
        /// The key itself, in locked memory.
        public var material: SecureBytes

        /// Creates a key; nil unless `material` is 32 bytes.
        public init?(id: String, material: SecureBytes) {
            guard !id.isEmpty, material.count == AEAD.keyLength else { return nil }
            self.id = id
            self.material = material
        }
    }

    /// Wraps new seals.
    public var current: Key
    /// Still opens what was wrapped before a rotation; the root key is rewrapped under `current`.
    public var previous: Key?

    /// Creates the key set.
    public init(current: Key, previous: Key? = nil) {
        self.current = current
        self.previous = previous
    }

    /// Why a wrapped value would not open.
    enum UnwrapFailure: Error {
        /// The record names a key id this configuration does not have.
        case unknownKeyID(String)
        /// The named key did not authenticate the record: a different key under the same id.
        case wrongKey(String)
        /// The record is not one this server wrote.
        case corrupt
    }

    /// `value` encrypted under the current key, tagged with its id; `purpose` binds it to one use.
    func wrap(_ value: SecureBytes, purpose: String) -> [UInt8] {
        let sealed = AEAD.seal(secure: value, key: current.material, associatedData: Self.associatedData(purpose, current.id))
        return JSONWriter.encode(["key_id": .string(current.id), "ciphertext": .string(Base64.encode(sealed))])
    }

    /// Opens a record written by `wrap`; also says which key opened it, so a caller can rewrap
    /// what the previous key still holds.
    func unwrap(_ record: [UInt8], purpose: String) throws(UnwrapFailure) -> (value: SecureBytes, underPrevious: Bool) {
        guard let object = try? JSONParser.parse(record).objectValue, let id = object["key_id"]?.stringValue,
            let text = object["ciphertext"]?.stringValue, let sealed = Base64.decode(text)
        else { throw .corrupt }
        let key: Key
        let underPrevious: Bool
        if id == current.id {
            (key, underPrevious) = (current, false)
        } else if let previous, id == previous.id {
            (key, underPrevious) = (previous, true)
        } else {
            throw .unknownKeyID(id)
        }
        guard let value = AEAD.openSecure(sealed, key: key.material, associatedData: Self.associatedData(purpose, id)) else {
            throw .wrongKey(id)
        }
        return (value, underPrevious)
    }

    private static func associatedData(_ purpose: String, _ id: String) -> [UInt8] {
        Array("coffer static seal/\(purpose)/\(id)".utf8)
    }
}
