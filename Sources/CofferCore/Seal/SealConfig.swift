import CofferSDK

/// How the root key was split: stored in the clear beside the barrier, since it must be
/// readable while sealed and holds nothing secret.
struct SealConfig: Sendable, Equatable {
    static let path = "core/seal-config"

    var shares: Int
    var threshold: Int

    func encoded() -> [UInt8] {
        JSONWriter.encode(["type": "shamir", "secret_shares": .int(Int64(shares)), "secret_threshold": .int(Int64(threshold))])
    }

    static func decode(_ bytes: [UInt8]) -> SealConfig? {
        guard let object = try? JSONParser.parse(bytes).objectValue,
            let shares = object["secret_shares"]?.intValue, let threshold = object["secret_threshold"]?.intValue
        else { return nil }
        // Shamir works on at most 255 shares; anything else is not a record this server wrote.
        guard (1...255).contains(shares), (1...255).contains(threshold) else { return nil }
        return SealConfig(shares: Int(shares), threshold: Int(threshold))
    }
}
