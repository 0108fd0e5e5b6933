import Foundation

/// Lets Vault's `LIST` verb through the proxy's listener: NIO's HTTP/1 parser only knows a fixed
/// set of methods, so a request starting `LIST ` is rewritten to the same-length `LINK ` before
/// the parser sees it, and the proxy forwards `LINK` as `LIST`. Requests are followed by their
/// head and `Content-Length` to know where the next one starts; a chunked body (which Vault
/// clients do not send) ends the rewriting for that connection.
struct ListVerbFraming {
    enum Phase: Equatable {
        /// Waiting for the first bytes of a request.
        case start
        /// Inside a request head, looking for the blank line.
        case head
        /// Inside a body with this many bytes to come.
        case body(Int)
        /// Framing cannot be followed: bytes pass unchanged.
        case lost
    }

    private(set) var phase = Phase.start
    private var pending: [UInt8] = []
    private var head: [UInt8] = []

    /// The longest request head followed; Hummingbird refuses longer ones anyway.
    static let maxHead = 64 * 1024

    /// Feeds received bytes; returns the bytes to pass on (possibly fewer, held until a method
    /// can be told apart).
    mutating func feed(_ input: [UInt8]) -> [UInt8] {
        var bytes = pending + input
        pending = []
        var index = 0
        while index < bytes.count {
            switch phase {
            case .lost:
                return bytes
            case .start:
                if bytes.count - index < 5 {
                    pending = Array(bytes[index...])
                    return Array(bytes[..<index])
                }
                if bytes[index..<(index + 5)].elementsEqual("LIST ".utf8) {
                    bytes.replaceSubrange((index + 1)..<(index + 4), with: "INK".utf8)
                }
                phase = .head
                head = []
            case .head:
                head.append(bytes[index])
                index += 1
                if head.count > Self.maxHead {
                    phase = .lost
                } else if head.count >= 4, head[(head.count - 4)...].elementsEqual([13, 10, 13, 10]) {
                    phase = Self.afterHead(head)
                }
            case .body(let remaining):
                let take = min(remaining, bytes.count - index)
                index += take
                phase = remaining - take == 0 ? .start : .body(remaining - take)
            }
        }
        return bytes
    }

    private static func afterHead(_ head: [UInt8]) -> Phase {
        let text = String(decoding: head, as: UTF8.self).lowercased()
        var length = 0
        for line in text.split(separator: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            if name == "transfer-encoding" { return .lost }
            if name == "content-length" {
                guard let n = Int(value), n >= 0 else { return .lost }
                length = n
            }
        }
        return length > 0 ? .body(length) : .start
    }
}
