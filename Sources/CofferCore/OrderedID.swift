import CofferCrypto

/// Random identifiers (token bodies, accessors, lease suffixes) that begin with their creation
/// time. Storage keys derived from them keep that prefix, so the rows of tokens and leases made
/// together sit together in the database's B-tree: creating or expiring a thousand of them
/// rewrites tens of pages instead of thousands scattered across the file.
///
/// The prefix is the creation time in milliseconds, eight characters of sortable base62; the
/// random part keeps its full 24 characters, so an identifier is exactly as hard to guess as
/// before. The creation time it shows is no secret: token lookup reports it.
enum OrderedID {
    static let timeLength = 8
    static let randomLength = 24
    private static let digits = SecureRandom.base62

    /// A new identifier made at `time` (seconds since the epoch).
    static func make(at time: Double) -> String {
        timePrefix(time) + SecureRandom.base62String(length: randomLength)
    }

    /// The sortable time prefix for `time`: milliseconds in base62, zero-padded.
    static func timePrefix(_ time: Double) -> String {
        var millis = UInt64(max(0, (time * 1000).rounded(.down)))
        var chars = [UInt8](repeating: digits[0], count: timeLength)
        for index in stride(from: timeLength - 1, through: 0, by: -1) {
            chars[index] = digits[Int(millis % 62)]
            millis /= 62
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// The time prefix of an identifier made by `make` (after an optional `hvs.`-style prefix
    /// ending in a dot), or "" for any other string, such as a token id chosen by its creator.
    static func locality(of value: String) -> Substring {
        let utf8 = value.utf8
        let body = utf8.lastIndex(of: UInt8(ascii: ".")).map { utf8[utf8.index(after: $0)...] } ?? utf8[...]
        guard body.count == timeLength + randomLength, body.allSatisfy(isDigit) else { return "" }
        return Substring(body.prefix(timeLength))
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }
}
