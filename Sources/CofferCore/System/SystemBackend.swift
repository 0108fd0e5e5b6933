import CofferSDK

/// The `sys/` mount's logical paths. The pre-unseal endpoints (`init`, `seal-status`, `unseal`,
/// `health`, `leader`) are answered by the HTTP layer directly, as Vault does, because they must
/// work while sealed and return bare JSON.
struct SystemBackend: Backend {
    unowned let core: Core

    /// As in Vault: wrapping lookups need no token, and the UI mount listing checks the
    /// caller's access itself (so a token with any grant on a mount can see it).
    var specialPaths: SpecialPaths { SpecialPaths(unauthenticated: ["wrapping/lookup", "internal/ui/mounts", "internal/ui/mounts/*"], sudo: ["step-down"]) }

    var paths: [PathSpec] {
        [
            PathSpec("seal", help: "Seal the server", handlers: [
                .update: { [core] _ in
                    await core.seal()
                    return nil
                },
            ]),
            PathSpec("key-status", help: "The barrier's active key term", handlers: [
                .read: { [core] _ in
                    let status = try core.keyStatus()
                    return LogicalResponse(
                        data: [
                            "term": .int(Int64(status.term)),
                            "install_time": .string(Timestamp.rfc3339(Double(status.installTime))),
                        ],
                        mergeDataIntoEnvelope: true
                    )
                },
            ]),
            // The HTTP layer renders the metrics; reading this path is how it checks the caller's
            // `read` grant on sys/metrics (and audits the read), as Vault's handler does.
            PathSpec("metrics", fields: ["format": FieldSpec(.string, description: "prometheus, or empty for JSON")], help: "Telemetry metrics", handlers: [
                .read: { _ in LogicalResponse(data: ["authorized": true]) },
            ]),
            PathSpec("rotate", help: "Add a new barrier key term", handlers: [
                .update: { [core] _ in
                    try await core.rotate()
                    return nil
                },
            ]),
        ] + mountPaths + policyPaths + wrappingPaths + leasePaths + auditPaths + haPaths
    }
}
