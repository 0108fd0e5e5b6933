import CofferSDK
import Synchronization

/// Named policies in the barrier (`sys/policy/<name>`), with compiled ACLs cached per policy set
/// and dropped whenever any policy changes.
final class PolicyStore: Sendable {
    private let storage: StorageView
    /// Compiled ACLs by sorted policy set, and a generation that bumps on every change so a
    /// compile that raced a change is not cached.
    private let cache = Mutex<(generation: Int, acls: [String: ACL])>((0, [:]))

    init(storage: StorageView) {
        self.storage = storage
    }

    static let defaultPolicyText = """
        # Allow tokens to look up their own properties
        path "auth/token/lookup-self" {
            capabilities = ["read"]
        }

        # Allow tokens to renew themselves
        path "auth/token/renew-self" {
            capabilities = ["update"]
        }

        # Allow tokens to revoke themselves
        path "auth/token/revoke-self" {
            capabilities = ["update"]
        }

        # Allow a token to look up its own capabilities on a path
        path "sys/capabilities-self" {
            capabilities = ["update"]
        }

        # Allow a token to look up its resultant ACL from all policies
        path "sys/internal/ui/resultant-acl" {
            capabilities = ["read"]
        }

        # Allow a token to renew a lease via lease_id in the request body
        path "sys/renew" {
            capabilities = ["update"]
        }
        path "sys/leases/renew" {
            capabilities = ["update"]
        }

        # Allow looking up lease properties
        path "sys/leases/lookup" {
            capabilities = ["update"]
        }

        # Allow a token to manage its own cubbyhole
        path "cubbyhole/*" {
            capabilities = ["create", "read", "update", "delete", "list"]
        }

        # Allow a token to wrap arbitrary values in a response-wrapping token
        path "sys/wrapping/wrap" {
            capabilities = ["update"]
        }

        # Allow a token to look up the creation time and TTL of a given response-wrapping token
        path "sys/wrapping/lookup" {
            capabilities = ["update"]
        }

        # Allow a token to unwrap a response-wrapping token
        path "sys/wrapping/unwrap" {
            capabilities = ["update"]
        }

        # Allow general purpose tools
        path "sys/tools/hash" {
            capabilities = ["update"]
        }
        path "sys/tools/hash/*" {
            capabilities = ["update"]
        }
        """

    /// Writes the built-in `default` policy on first unseal.
    func ensureDefault() async throws {
        if try await storage.get("default") == nil {
            try await put(Policy.parse(name: "default", text: Self.defaultPolicyText))
        }
    }

    func get(_ name: String) async throws -> Policy? {
        if name == "root" { return Policy(name: "root", raw: "", rules: []) }
        if name == Core.responseWrappingPolicy { return try Policy.parse(name: name, text: Core.responseWrappingPolicyText) }
        guard let record = try await storage.getJSON(name)?.objectValue, let raw = record["policy"]?.stringValue else { return nil }
        return try Policy.parse(name: name, text: raw)
    }

    func put(_ policy: Policy) async throws {
        try await storage.putJSON(policy.name, ["name": .string(policy.name), "policy": .string(policy.raw)])
        invalidate()
    }

    func delete(_ name: String) async throws {
        try await storage.delete(name)
        invalidate()
    }

    private func invalidate() {
        cache.withLock { state in
            state.generation += 1
            state.acls.removeAll()
        }
    }

    func names() async throws -> [String] {
        var names = Set(try await storage.list(prefix: "").filter { !$0.hasSuffix("/") })
        names.insert("root")
        return names.sorted()
    }

    /// The compiled ACL for a token's policies; unknown policy names grant nothing.
    func acl(for names: [String]) async throws -> ACL {
        // One name (a root or single-policy token, the usual caller) is its own key.
        let key = names.count == 1 ? names[0] : names.sorted().joined(separator: "\n")
        let (generation, cached) = cache.withLock { ($0.generation, $0.acls[key]) }
        if let cached { return cached }
        var policies = [Policy]()
        for name in Set(names) {
            if let policy = try await get(name) { policies.append(policy) }
        }
        let acl = ACL(policies: policies)
        cache.withLock { state in
            if state.generation == generation { state.acls[key] = acl }
        }
        return acl
    }
}
