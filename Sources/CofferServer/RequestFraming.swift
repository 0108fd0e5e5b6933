/// HTTP/1.1 request framing, followed byte by byte with no I/O, so it can be fuzzed and tested
/// alone: the request line (where a leading `LIST ` becomes `LINK `), the headers (for
/// `Content-Length` and chunked `Transfer-Encoding`), then the body by its length or its chunks.
/// Anything it cannot follow switches it to `.lost`, passing bytes on untouched for the real
/// parser to judge.
struct RequestFraming: Sendable {
    /// Where the connection stands between reads.
    enum Phase: Sendable, Equatable {
        /// Between requests.
        case idle
        /// Inside a request's line or headers.
        case head
        /// Inside a request's body or chunk framing.
        case body
        /// Framing was lost (a malformed or oversized request).
        case lost
    }

    /// What one read turned into.
    struct Result: Sendable, Equatable {
        /// The bytes to pass on (a partial `LIST ` at the end is held back for the next read).
        var bytes: [UInt8]
        /// True when `bytes` differ from the input.
        var changed: Bool
        /// True when at least one request ended within this read.
        var finishedRequest: Bool
    }

    private enum State: Sendable {
        case requestStart
        case requestLine
        case headers
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd(remaining: Int)
        case trailers
        case passthrough
    }

    private static let list = Array("LIST ".utf8)
    private static let link = Array("LINK".utf8)
    /// The longest request line, header or chunk line followed.
    static let maxLine = 64 * 1024

    private var state = State.requestStart
    private var line: [UInt8] = []
    private var contentLength = 0
    private var chunked = false
    private var pending: [UInt8] = []

    /// The current phase.
    var phase: Phase {
        switch state {
        case .requestStart: .idle
        case .requestLine, .headers: .head
        case .body, .chunkSize, .chunkData, .chunkEnd, .trailers: .body
        case .passthrough: .lost
        }
    }

    /// Follows `input` and returns what to pass on.
    mutating func feed(_ input: [UInt8]) -> Result {
        if case .passthrough = state { return Result(bytes: input, changed: false, finishedRequest: false) }
        var bytes = pending
        let held = !pending.isEmpty
        bytes.append(contentsOf: input)
        pending = []
        var changed = held
        var finished = false
        var index = 0
        scan: while index < bytes.count {
            switch state {
            case .requestStart:
                let byte = bytes[index]
                if byte == 0x0D || byte == 0x0A {  // stray line breaks between requests are allowed
                    index += 1
                    continue
                }
                let available = min(Self.list.count, bytes.count - index)
                if bytes[index..<(index + available)].elementsEqual(Self.list[0..<available]) {
                    if available < Self.list.count {
                        // Hold back a possible partial "LIST " until the next read completes it.
                        pending = Array(bytes[index...])
                        bytes.removeSubrange(index...)
                        changed = true
                        break scan
                    }
                    bytes.replaceSubrange(index..<(index + 4), with: Self.link)
                    changed = true
                }
                contentLength = 0
                chunked = false
                line = []
                state = .requestLine
            case .requestLine, .headers, .chunkSize, .trailers:
                // A run of ordinary bytes joins the line at once: appended one by one, they cost
                // about sixty instructions a byte, the most of any step on a request's way in.
                // The same bound applies: the byte that takes the line past it loses framing.
                var end = index
                while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
                if end > index {
                    let room = Self.maxLine - line.count
                    if end - index > room {
                        line.append(contentsOf: bytes[index..<(index + room + 1)])
                        index += room + 1
                        state = .passthrough
                    } else {
                        line.append(contentsOf: bytes[index..<end])
                        index = end
                    }
                    continue
                }
                let byte = bytes[index]
                index += 1
                if byte == 0x0A {
                    endOfLine()
                    if case .requestStart = state { finished = true }
                } else if byte != 0x0D {
                    line.append(byte)
                    if line.count > Self.maxLine { state = .passthrough }
                }
            case .body(let remaining):
                let take = min(remaining, bytes.count - index)
                index += take
                state = remaining == take ? .requestStart : .body(remaining: remaining - take)
                if case .requestStart = state { finished = true }
            case .chunkData(let remaining):
                let take = min(remaining, bytes.count - index)
                index += take
                state = remaining == take ? .chunkEnd(remaining: 2) : .chunkData(remaining: remaining - take)
            case .chunkEnd(let remaining):
                let take = min(remaining, bytes.count - index)
                index += take
                state = remaining == take ? .chunkSize : .chunkEnd(remaining: remaining - take)
            case .passthrough:
                break scan
            }
        }
        return Result(bytes: bytes, changed: changed, finishedRequest: finished)
    }

    /// Acts on one complete line of the request head, chunk framing or trailers. Works on the
    /// bytes: decoding each header line to a `String`, lower-casing it and trimming it with
    /// Foundation's character sets cost about 45,000 instructions per request, a fifth of an
    /// unauthenticated `sys/health`.
    private mutating func endOfLine() {
        defer { line.removeAll(keepingCapacity: true) }
        switch state {
        case .requestLine:
            state = .headers
        case .headers:
            if line.isEmpty {
                state = chunked ? .chunkSize : (contentLength > 0 ? .body(remaining: contentLength) : .requestStart)
                return
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
            let name = line[..<colon]
            if Self.equalIgnoringCase(name, Self.contentLength) {
                guard let length = Self.number(Self.trimmed(line[(colon + 1)...]), radix: 10) else {
                    state = .passthrough
                    return
                }
                contentLength = length
            } else if Self.equalIgnoringCase(name, Self.transferEncoding), Self.containsIgnoringCase(line[(colon + 1)...], Self.chunkedWord) {
                chunked = true
            }
        case .chunkSize:
            guard let size = Self.number(Self.trimmed(line.prefix { $0 != UInt8(ascii: ";") }), radix: 16) else {
                state = .passthrough
                return
            }
            state = size == 0 ? .trailers : .chunkData(remaining: size)
        case .trailers:
            if line.isEmpty { state = .requestStart }
        default:
            break
        }
    }

    private static let contentLength = Array("content-length".utf8)
    private static let transferEncoding = Array("transfer-encoding".utf8)
    private static let chunkedWord = Array("chunked".utf8)

    /// ASCII lower case; other bytes as they are.
    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// `bytes` equals `lowercase` (ASCII, lower case) ignoring case.
    private static func equalIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercase: [UInt8]) -> Bool {
        bytes.count == lowercase.count && zip(bytes, lowercase).allSatisfy { lower($0) == $1 }
    }

    private static func containsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercase: [UInt8]) -> Bool {
        guard bytes.count >= lowercase.count else { return false }
        var start = bytes.startIndex
        while start + lowercase.count <= bytes.endIndex {
            if equalIgnoringCase(bytes[start..<(start + lowercase.count)], lowercase) { return true }
            start += 1
        }
        return false
    }

    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !blank($0) }), let last = bytes.lastIndex(where: { !blank($0) }) else { return [] }
        return bytes[first...last]
    }

    /// A non-negative number of digits in `radix` (10 or 16); nil when empty, when anything else
    /// is in it, or when it does not fit an `Int`.
    private static func number(_ bytes: ArraySlice<UInt8>, radix: Int) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            let digit: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: digit = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: digit = Int(byte - UInt8(ascii: "A")) + 10
            default: return nil
            }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflowB) = shifted.addingReportingOverflow(digit)
            if overflowA || overflowB { return nil }
            value = sum
        }
        return value
    }
}
