import CofferSDK

/// What `sys/seal-status`, `sys/unseal` and `sys/health` report about the seal.
public struct SealStatus: Sendable, Equatable {
    /// True once `sys/init` has run.
    public var initialized: Bool
    /// True until enough shares were given.
    public var sealed: Bool
    /// Shares needed.
    public var threshold: Int
    /// Shares issued.
    public var shares: Int
    /// Shares given so far in this attempt.
    public var progress: Int
    /// The id of the current attempt, or empty.
    public var nonce: String
    /// The physical store's name.
    public var storageType: String
    /// A stable cluster name and id, reported once unsealed.
    public var clusterName: String
    /// See `clusterName`.
    public var clusterID: String
    /// `shamir`, or `static` when the configuration's key unseals it (and the shares are
    /// recovery shares).
    public var sealType: String = "shamir"

    /// The JSON body Vault returns for seal status and unseal.
    public func json() -> JSONValue {
        var object: JSONObject = [
            "type": .string(sealType),
            "initialized": .bool(initialized),
            "sealed": .bool(sealed),
            "t": .int(Int64(threshold)),
            "n": .int(Int64(shares)),
            "progress": .int(Int64(progress)),
            "nonce": .string(nonce),
            "version": .string(CofferVersion.vaultCompatible),
            "build_date": .string(CofferVersion.buildDate),
            "migration": false,
            "recovery_seal": .bool(sealType != "shamir"),
            "storage_type": .string(storageType),
        ]
        if sealType != "shamir" { object["recovery_seal_type"] = "shamir" }
        if !sealed {
            object["cluster_name"] = .string(clusterName)
            object["cluster_id"] = .string(clusterID)
        }
        return .object(object)
    }
}

/// Version strings: the Vault API level we speak, with our own version as build metadata so
/// clients that compare Vault versions keep working.
public enum CofferVersion {
    /// coffer's own version.
    public static let coffer = "0.1.0"
    /// What we report where Vault reports its version.
    public static let vaultCompatible = "1.17.0+coffer.\(coffer)"
    /// A fixed build date, as Vault reports one.
    public static let buildDate = "2026-11-21T00:00:00Z"
}
