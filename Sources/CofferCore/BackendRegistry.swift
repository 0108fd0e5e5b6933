import CofferAuth
import CofferEngines
import CofferSDK

/// Engine types a mount may name, and how to build each. Adding an engine is one line here.
public struct BackendRegistry: Sendable {
    private let factories: [String: BackendFactory]

    /// The engines that ship with coffer.
    public static let builtIn = BackendRegistry(factories: [
        "kv": { mount in KVBackend.make(mount: mount) },
        "cubbyhole": { _ in CubbyholeBackend() },
        "database": { _ in DatabaseBackend() },
        "transit": { _ in TransitBackend() },
    ])

    /// The auth methods that ship with coffer (the token method is built into the core).
    public static let builtInAuth = BackendRegistry(factories: [
        "approle": { _ in AppRoleBackend() },
        "jwt": { _ in JWTBackend() },
        "kubernetes": { _ in KubernetesBackend() },
        "oidc": { _ in JWTBackend() },
    ])

    /// Types users may not mount themselves: they exist once, at fixed paths.
    static let singletonTypes: Set<String> = ["cubbyhole", "system", "token", "identity"]

    init(factories: [String: BackendFactory]) {
        self.factories = factories
    }

    func make(_ mount: MountInfo) -> (any Backend)? {
        factories[mount.type].flatMap { $0(mount) }
    }

    func knows(_ type: String) -> Bool { factories[type] != nil }
}
