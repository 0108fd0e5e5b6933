@testable import CofferCore
import CofferCrypto
import CofferSDK
import CofferStorage
import Logging

/// An unsealed core on in-memory storage with a root token, for driving requests directly.
struct CoreHarness {
    let core: Core
    let storage: InMemoryStorage
    let rootToken: String
    let keys: [[UInt8]]

    static func make(shares: Int = 1, threshold: Int = 1, clock: @escaping @Sendable () -> Double = { 1_700_000_000 }) async throws -> CoreHarness {
        let storage = InMemoryStorage()
        let core = Core(physical: storage, options: CoreOptions(clock: clock), logger: Logger(label: "test"))
        let result = try await core.initialize(shares: shares, threshold: threshold)
        for key in result.keys.prefix(threshold) {
            _ = try await core.unseal(key: Hex.encode(key), reset: false)
        }
        return CoreHarness(core: core, storage: storage, rootToken: result.rootToken, keys: result.keys)
    }

    @discardableResult
    func request(_ operation: CofferSDK.Operation, _ path: String, _ data: JSONObject = [:], token: String? = nil) async throws -> LogicalResponse {
        try await core.handle(LogicalRequest(id: SecureRandom.uuid(), operation: operation, path: path, data: data, clientToken: token ?? rootToken))
    }

    /// The error a request fails with, or nil if it succeeds.
    func failure(_ operation: CofferSDK.Operation, _ path: String, _ data: JSONObject = [:], token: String? = nil) async -> CofferError? {
        do {
            try await request(operation, path, data, token: token)
            return nil
        } catch let error as CofferError {
            return error
        } catch {
            return CofferError(.internalError, "\(error)")
        }
    }
}
