/// An IPv4 or IPv6 CIDR block, for `bound_cidrs`-style checks. A bare address is a /32 or /128.
public struct CIDR: Sendable, Hashable {
    private let network: [UInt8]
    private let prefixLength: Int

    /// Parses `10.0.0.0/8`, `192.168.1.7`, `fd00::/8`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = CIDR.parseAddress(String(parts[0])) else { return nil }
        let maxBits = address.count * 8
        var length = maxBits
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...maxBits).contains(parsed) else { return nil }
            length = parsed
        }
        network = address
        prefixLength = length
    }

    /// True when `address` (text) lies inside the block.
    public func contains(_ address: String) -> Bool {
        guard var candidate = CIDR.parseAddress(address) else { return false }
        // An IPv4-mapped IPv6 peer (::ffff:a.b.c.d) is compared as IPv4.
        if candidate.count == 16, network.count == 4, candidate.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] {
            candidate = Array(candidate.suffix(4))
        }
        guard candidate.count == network.count else { return false }
        var bits = prefixLength
        for index in 0..<network.count where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : UInt8(0xFF << (8 - bits))
            if candidate[index] & mask != network[index] & mask { return false }
            bits -= 8
        }
        return true
    }

    static func parseAddress(_ text: String) -> [UInt8]? {
        if text.contains(":") { return parseIPv6(text) }
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var out = [UInt8]()
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, let value = UInt8(octet) else { return nil }
            out.append(value)
        }
        return out
    }

    private static func parseIPv6(_ text: String) -> [UInt8]? {
        var text = Substring(text)
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        let halves = text.components(separatedByDoubleColon: ())
        guard halves.count <= 2 else { return nil }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out = [UInt16]()
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains("."), let v4 = parseAddress(String(piece)) {
                    out.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    out.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                } else {
                    guard !piece.isEmpty, piece.count <= 4, let value = UInt16(piece, radix: 16) else { return nil }
                    out.append(value)
                }
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}

extension Substring {
    fileprivate func components(separatedByDoubleColon _: Void) -> [Substring] {
        var parts = [Substring]()
        var start = startIndex
        var index = startIndex
        while index < endIndex {
            let next = self.index(after: index)
            if self[index] == ":", next < endIndex, self[next] == ":" {
                parts.append(self[start..<index])
                start = self.index(after: next)
                index = start
                continue
            }
            index = next
        }
        parts.append(self[start..<endIndex])
        return parts
    }
}

extension CIDR {
    /// True when `other` lies wholly inside this block.
    public func encloses(_ other: CIDR) -> Bool {
        guard other.network.count == network.count, other.prefixLength >= prefixLength else { return false }
        var bits = prefixLength
        for index in 0..<network.count where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : UInt8(0xFF << (8 - bits))
            if other.network[index] & mask != network[index] & mask { return false }
            bits -= 8
        }
        return true
    }
}
