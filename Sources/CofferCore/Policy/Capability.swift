import CofferSDK

/// What a policy may grant on a path, as Vault names it.
public enum Capability: String, Sendable, Hashable, CaseIterable, Comparable {
    case create, read, update, patch, delete, list, sudo, deny, subscribe, recover

    /// The capability an operation needs.
    static func needed(for operation: CofferSDK.Operation) -> Capability {
        switch operation {
        case .create: .create
        case .read: .read
        case .update: .update
        case .patch: .patch
        case .delete: .delete
        case .list: .list
        }
    }

    public static func < (lhs: Capability, rhs: Capability) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The pre-0.9 `policy = "…"` shorthand.
    static func legacy(_ word: String) -> Set<Capability>? {
        switch word {
        case "deny": [.deny]
        case "read": [.read, .list]
        case "write": [.create, .read, .update, .patch, .delete, .list]
        case "sudo": [.create, .read, .update, .patch, .delete, .list, .sudo]
        default: nil
        }
    }
}
