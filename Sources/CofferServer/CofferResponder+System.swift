import CofferCore
import CofferCrypto
import CofferSDK
import Foundation
import HTTPTypes
import Hummingbird

/// The `sys/` endpoints that work while sealed and answer with bare JSON, as Vault's HTTP layer
/// handles them outside the logical router.
extension CofferResponder {
    func rawSystemEndpoint(path: String, request: Request, query: [String: String]) async throws -> Response? {
        switch path {
        case "sys/init": return try await initEndpoint(request)
        case "sys/seal-status":
            try Self.allow(request, [.get])
            return ResponseRenderer.json(try await core.sealStatus().json())
        case "sys/unseal": return try await unsealEndpoint(request)
        case "sys/health": return try await healthEndpoint(request, query: query)
        case "sys/leader": return try await leaderEndpoint(request)
        case "sys/rekey/init": return try await rekeyInitEndpoint(request)
        case "sys/rekey/update": return try await rekeyUpdateEndpoint(request)
        case "sys/rekey/verify": return try await rekeyVerifyEndpoint(request)
        case "sys/rekey/backup":
            // coffer never keeps PGP-encrypted backups of shares, so there are none to read.
            try Self.allow(request, [.get, .delete])
            if request.method == .delete { return ResponseRenderer.noContent() }
            throw CofferError.badRequest("no backed-up keys found")
        case "sys/generate-root/attempt": return try await generateRootAttemptEndpoint(request)
        case "sys/generate-root/update": return try await generateRootUpdateEndpoint(request)
        case "sys/metrics": return try await metricsEndpoint(request, query: query)
        default: return nil
        }
    }

    private static func allow(_ request: Request, _ methods: [HTTPRequest.Method]) throws {
        guard methods.contains(request.method) else { throw CofferError.unsupportedOperation }
    }

    private func initEndpoint(_ request: Request) async throws -> Response {
        if request.method == .get {
            return ResponseRenderer.json(["initialized": .bool(try await core.sealStatus().initialized)])
        }
        try Self.allow(request, [.put, .post])
        let body = try await Self.decodeBody(request)
        for unsupported in ["pgp_keys", "root_token_pgp_key"] where body[unsupported].map({ !$0.isNull }) == true {
            throw CofferError.badRequest("\(unsupported) is not supported by coffer")
        }
        let number = { (name: String) throws -> Int in
            guard let value = body[name], !value.isNull else { return 0 }
            return Int(try FieldData.coerce(value, to: .int, field: name, range: 0...255).intValue ?? 0)
        }
        if core.options.staticSeal != nil {
            if try number("secret_shares") != 0 || number("secret_threshold") != 0 {
                throw CofferError.badRequest("parameters secret_shares,secret_threshold not applicable to seal type static")
            }
            let result = try await core.initializeStatic(recoveryShares: try number("recovery_shares"), recoveryThreshold: try number("recovery_threshold"))
            return ResponseRenderer.json([
                "keys": [], "keys_base64": [],
                "recovery_keys": .strings(result.keys.map { Hex.encode($0) }),
                "recovery_keys_base64": .strings(result.keys.map { Base64.encode($0) }),
                "root_token": .string(result.rootToken),
            ])
        }
        if try number("recovery_shares") != 0 || number("recovery_threshold") != 0 {
            throw CofferError.badRequest("parameters recovery_shares,recovery_threshold not applicable to seal type shamir")
        }
        let shares = try number("secret_shares")
        let threshold = try number("secret_threshold")
        guard shares >= 1, threshold >= 1 else {
            throw CofferError.badRequest("invalid seal configuration: secret_shares and secret_threshold must both be at least 1")
        }
        let result = try await core.initialize(shares: shares, threshold: threshold)
        return ResponseRenderer.json([
            "keys": .strings(result.keys.map { Hex.encode($0) }),
            "keys_base64": .strings(result.keys.map { Base64.encode($0) }),
            "root_token": .string(result.rootToken),
        ])
    }

    private func unsealEndpoint(_ request: Request) async throws -> Response {
        try Self.allow(request, [.put, .post])
        let body = try await Self.decodeBody(request)
        let reset = try FieldData.coerce(body["reset"] ?? false, to: .bool, field: "reset").boolValue ?? false
        let key = try body["key"].map { try FieldData.coerce($0, to: .string, field: "key") }?.stringValue
        let status = try await core.unseal(key: key, reset: reset)
        return ResponseRenderer.json(status.json())
    }

    private func healthEndpoint(_ request: Request, query: [String: String]) async throws -> Response {
        try Self.allow(request, [.get, .head])
        let status = try await core.sealStatus()
        func code(_ name: String, _ fallback: Int) -> Int {
            query[name].flatMap(Int.init) ?? fallback
        }
        let statusCode: Int
        if !status.initialized {
            statusCode = code("uninitcode", 501)
        } else if status.sealed {
            statusCode = code("sealedcode", 503)
        } else if core.haStatus.isStandby {
            // Vault's standbyok turns a standby's 429 into the active code, for load balancers.
            let standbyOK = query["standbyok"].map { ["", "1", "t", "true"].contains($0.lowercased()) } ?? false
            statusCode = standbyOK ? code("activecode", 200) : code("standbycode", 429)
        } else {
            statusCode = code("activecode", 200)
        }
        let body: JSONValue = [
            "initialized": .bool(status.initialized),
            "sealed": .bool(status.sealed),
            "standby": .bool(core.haStatus.isStandby),
            "performance_standby": false,
            "replication_performance_mode": "disabled",
            "replication_dr_mode": "disabled",
            "server_time_utc": .int(Int64(core.options.clock())),
            "version": .string(CofferVersion.vaultCompatible),
            "cluster_name": .string(status.sealed ? "" : status.clusterName),
            "cluster_id": .string(status.clusterID),
        ]
        var response = ResponseRenderer.json(body, status: HTTPResponse.Status(code: statusCode))
        if request.method == .head { response.body = ResponseBody() }
        return response
    }

    // MARK: Key holders: rekey and root generation (the shares are the authorisation, as in Vault)

    private static func stringField(_ body: JSONObject, _ name: String) throws -> String? {
        try body[name].flatMap { $0.isNull ? nil : try FieldData.coerce($0, to: .string, field: name).stringValue }
    }

    private func rekeyInitEndpoint(_ request: Request) async throws -> Response {
        try Self.allow(request, [.get, .put, .post, .delete])
        switch request.method {
        case .get: return ResponseRenderer.json(.object(try await core.rekeyStatus()))
        case .delete:
            try await core.cancelRekey()
            return ResponseRenderer.noContent()
        default:
            let body = try await Self.decodeBody(request)
            for unsupported in ["pgp_keys", "backup"] {
                if let value = body[unsupported], !value.isNull, value != false, value != .array([]) {
                    throw CofferError.badRequest("\(unsupported) is not supported by coffer")
                }
            }
            let shares = try FieldData.coerce(body["secret_shares"] ?? .null, to: .int, field: "secret_shares", range: 0...255).intValue ?? 0
            let threshold = try FieldData.coerce(body["secret_threshold"] ?? .null, to: .int, field: "secret_threshold", range: 0...255).intValue ?? 0
            let verify = try FieldData.coerce(body["require_verification"] ?? false, to: .bool, field: "require_verification").boolValue ?? false
            return ResponseRenderer.json(.object(try await core.startRekey(shares: Int(shares), threshold: Int(threshold), verify: verify)))
        }
    }

    private func rekeyUpdateEndpoint(_ request: Request) async throws -> Response {
        try Self.allow(request, [.put, .post])
        let body = try await Self.decodeBody(request)
        return ResponseRenderer.json(.object(try await core.submitRekeyShare(key: try Self.stringField(body, "key"), nonce: try Self.stringField(body, "nonce"))))
    }

    private func rekeyVerifyEndpoint(_ request: Request) async throws -> Response {
        try Self.allow(request, [.get, .put, .post, .delete])
        switch request.method {
        case .get: return ResponseRenderer.json(.object(try await core.rekeyVerificationStatus()))
        case .delete: return ResponseRenderer.json(.object(try await core.restartRekeyVerification()))
        default:
            let body = try await Self.decodeBody(request)
            return ResponseRenderer.json(
                .object(try await core.submitRekeyVerification(key: try Self.stringField(body, "key"), nonce: try Self.stringField(body, "nonce")))
            )
        }
    }

    private func generateRootAttemptEndpoint(_ request: Request) async throws -> Response {
        try Self.allow(request, [.get, .put, .post, .delete])
        switch request.method {
        case .get: return ResponseRenderer.json(.object(try await core.rootGenerationStatus()))
        case .delete:
            try await core.cancelRootGeneration()
            return ResponseRenderer.noContent()
        default:
            let body = try await Self.decodeBody(request)
            return ResponseRenderer.json(.object(try await core.startRootGeneration(otp: try Self.stringField(body, "otp"), pgpKey: try Self.stringField(body, "pgp_key"))))
        }
    }

    private func generateRootUpdateEndpoint(_ request: Request) async throws -> Response {
        try Self.allow(request, [.put, .post])
        let body = try await Self.decodeBody(request)
        return ResponseRenderer.json(.object(try await core.submitRootShare(key: try Self.stringField(body, "key"), nonce: try Self.stringField(body, "nonce"))))
    }

    private func leaderEndpoint(_ request: Request) async throws -> Response {
        try Self.allow(request, [.get])
        let status = try await core.sealStatus()
        guard !status.sealed else { throw CofferError.sealed }
        return ResponseRenderer.json(leaderJSON(core.haStatus))
    }

    /// `sys/leader`'s body: Vault's zero time when this node has not been active.
    func leaderJSON(_ ha: HAStatus) -> JSONValue {
        [
            "ha_enabled": .bool(ha.enabled),
            "is_self": .bool(ha.isSelf),
            "active_time": .string(ha.activeSince.map { Timestamp.rfc3339($0) } ?? "0001-01-01T00:00:00Z"),
            "leader_address": .string(ha.leaderAddress),
            "leader_cluster_address": "",
            "performance_standby": false,
            "performance_standby_last_remote_wal": 0,
        ]
    }
}
