import CofferSDK

/// How the root key is protected: stored in the clear beside the barrier, since it must be
/// readable while sealed and holds nothing secret.
struct SealConfig: Sendable, Equatable {
    static let path = "core/seal-config"

    /// Shamir shares held by people, or a static key in the configuration.
    enum Kind: String, Sendable {
        case shamir
        case `static`
    }

    var kind: Kind = .shamir
    /// Unseal shares under Shamir; recovery shares (possibly none) under a static seal.
    var shares: Int
    /// See `shares`.
    var threshold: Int

    func encoded() -> [UInt8] {
        switch kind {
        case .shamir:
            JSONWriter.encode(["type": "shamir", "secret_shares": .int(Int64(shares)), "secret_threshold": .int(Int64(threshold))])
        case .static:
            JSONWriter.encode(["type": "static", "recovery_shares": .int(Int64(shares)), "recovery_threshold": .int(Int64(threshold))])
        }
    }

    static func decode(_ bytes: [UInt8]) -> SealConfig? {
        guard let object = try? JSONParser.parse(bytes).objectValue else { return nil }
        let kind = object["type"]?.stringValue.flatMap(Kind.init(rawValue:)) ?? .shamir
        switch kind {
        case .shamir:
            guard let shares = object["secret_shares"]?.intValue, let threshold = object["secret_threshold"]?.intValue,
                // Shamir works on at most 255 shares; anything else is not a record this server wrote.
                (1...255).contains(shares), (1...255).contains(threshold)
            else { return nil }
            return SealConfig(kind: .shamir, shares: Int(shares), threshold: Int(threshold))
        case .static:
            // A static seal may have been initialised without recovery keys.
            guard let shares = object["recovery_shares"]?.intValue, let threshold = object["recovery_threshold"]?.intValue,
                (0...255).contains(shares), (0...255).contains(threshold), (shares == 0) == (threshold == 0)
            else { return nil }
            return SealConfig(kind: .static, shares: Int(shares), threshold: Int(threshold))
        }
    }
}
