@_spi(Benchmarks) @testable import CofferCore
import CofferCrypto
import CofferSDK
import CofferStorage
import CofferTesting
import Logging
import Synchronization
import Testing

/// A dynamic-secret engine for tests: issues leased "credentials" and fails to revoke them as
/// many times as told, like a database that is briefly unreachable.
struct FlakyEngine: Backend {
    final class Failures: Sendable {
        let remaining = Mutex(0)
        let revoked = Mutex<[String]>([])
    }
    let failures: Failures

    var paths: [PathSpec] {
        [
            PathSpec("creds/:name", fields: ["ttl": FieldSpec(.duration, default: 60)], help: "Issue a credential", handlers: [
                .read: { ctx in
                    let name = ctx.fields.string("name") ?? ""
                    return LogicalResponse(
                        data: ["username": .string("user-" + name)],
                        secret: LeaseOptions(ttl: ctx.fields.seconds("ttl") ?? 60, renewable: true, maxTTL: 120, internalData: ["username": .string("user-" + name)])
                    )
                },
            ])
        ]
    }

    func revoke(_ lease: LeaseContext) async throws {
        let fail = failures.remaining.withLock { count -> Bool in
            guard count > 0 else { return false }
            count -= 1
            return true
        }
        if fail { throw CofferError(.unavailable, "database unreachable") }
        failures.revoked.withLock { $0.append(lease.internalData["username"]?.stringValue ?? "") }
    }

    func renew(_ lease: LeaseContext) async throws -> LeaseOptions {
        LeaseOptions(ttl: lease.increment, renewable: true)
    }
}

@Suite("Leases and the expiration manager")
struct LeaseTests {
    struct Setup {
        let harness: CoreHarness
        let clock: ManualClock
        let failures: FlakyEngine.Failures
        var leases: ExpirationManager { get throws { try harness.core.unsealed().leases } }
    }

    static func setup(storage: InMemoryStorage = InMemoryStorage()) async throws -> Setup {
        let clock = ManualClock()
        let failures = FlakyEngine.Failures()
        var options = CoreOptions(clock: clock.function)
        options.runExpirationLoop = false
        let registry = BackendRegistry(factories: ["kv": { KVBackendFactory.make($0) }, "cubbyhole": { _ in CubbyholeBackend() }, "flaky": { _ in FlakyEngine(failures: failures) }])
        let core = Core(physical: storage, options: options, logger: Logger(label: "test"), registry: registry)
        let result = try await core.initialize(shares: 1, threshold: 1, keepUnsealed: true)
        let harness = CoreHarness(core: core, storage: storage, rootToken: result.rootToken, keys: result.keys)
        try await harness.request(.update, "sys/mounts/db", ["type": "flaky"])
        return Setup(harness: harness, clock: clock, failures: failures)
    }

    @Test("a dynamic secret gets a lease id and is revoked at its deadline, not before")
    func secretExpiry() async throws {
        let s = try await Self.setup()
        let response = try await s.harness.request(.read, "db/creds/ci", ["ttl": "30s"])
        let leaseID = try #require(response.leaseID)
        #expect(leaseID.hasPrefix("db/creds/ci/"))
        #expect(response.secret?.ttl == 30)
        let lookup = try await s.harness.request(.update, "sys/leases/lookup", ["lease_id": .string(leaseID)])
        #expect(lookup.data?["ttl"] == 30)
        #expect(lookup.data?["renewable"] == true)

        s.clock.advance(by: 29)
        #expect(try await s.leases.tick() == 0)
        s.clock.advance(by: 1.5)
        #expect(try await s.leases.tick() == 1)
        #expect(s.failures.revoked.withLock { $0 } == ["user-ci"])
        #expect(await s.harness.failure(.update, "sys/leases/lookup", ["lease_id": .string(leaseID)])?.code == .badRequest)
    }

    @Test("a failing revocation retries with backoff, is marked irrevocable and visible, and is still tried until it succeeds")
    func retries() async throws {
        let s = try await Self.setup()
        s.failures.remaining.withLock { $0 = 2 }
        let leaseID = try #require(try await s.harness.request(.read, "db/creds/a", ["ttl": "10s"]).leaseID)
        s.clock.advance(by: 11)
        #expect(try await s.leases.tick() == 0, "first attempt fails")
        s.clock.advance(by: 0.5)
        #expect(try await s.leases.tick() == 0, "not yet: the retry waits a second")
        s.clock.advance(by: 1)
        #expect(try await s.leases.tick() == 0, "second attempt fails")
        s.clock.advance(by: 2.1)
        #expect(try await s.leases.tick() == 1, "third attempt succeeds")
        #expect(s.failures.revoked.withLock { $0 } == ["user-a"])

        s.failures.remaining.withLock { $0 = 100 }
        let stubborn = try #require(try await s.harness.request(.read, "db/creds/b", ["ttl": "10s"]).leaseID)
        for _ in 0..<8 {
            s.clock.advance(by: 400)
            try await s.leases.tick()
        }
        let lookup = try await s.harness.request(.update, "sys/leases/lookup", ["lease_id": .string(stubborn)])
        #expect(lookup.data?["irrevocable"] == true)
        #expect(lookup.data?["revocation_error"]?.stringValue?.contains("database unreachable") == true)
        let counts = try await s.harness.request(.read, "sys/leases/count", ["type": "irrevocable"])
        #expect(counts.data?["lease_count"] == 1)
        // Still tried every five minutes: once the database is back, the user is dropped.
        s.failures.remaining.withLock { $0 = 0 }
        s.clock.advance(by: 301)
        #expect(try await s.leases.tick() == 1)
        #expect(s.failures.revoked.withLock { $0 } == ["user-a", "user-b"])
        #expect(try await s.harness.request(.read, "sys/leases/count", ["type": "irrevocable"]).data?["lease_count"] == 0)
        #expect(try await s.harness.request(.read, "sys/leases/count").data?["lease_count"] == 0)
        _ = leaseID
    }

    @Test("renewal is capped by the lease's max TTL")
    func renewal() async throws {
        let s = try await Self.setup()
        let leaseID = try #require(try await s.harness.request(.read, "db/creds/r", ["ttl": "60s"]).leaseID)
        s.clock.advance(by: 30)
        let renewed = try await s.harness.request(.update, "sys/leases/renew", ["lease_id": .string(leaseID), "increment": "50s"])
        #expect(renewed.secret?.ttl == 50)
        #expect(renewed.leaseID == leaseID)
        s.clock.advance(by: 40)
        let capped = try await s.harness.request(.update, "sys/renew", ["lease_id": .string(leaseID), "increment": "3600"])
        #expect(capped.secret?.ttl == 50, "120 s max from issue, 70 s gone")
        #expect(!capped.warnings.isEmpty)
    }

    @Test("prefix revocation, and revoking a token revokes the leases it created")
    func prefixAndToken() async throws {
        let s = try await Self.setup()
        for name in ["x", "y"] { try await s.harness.request(.read, "db/creds/\(name)") }
        try await s.harness.request(.update, "sys/leases/revoke-prefix/db/creds")
        #expect(Set(s.failures.revoked.withLock { $0 }) == ["user-x", "user-y"])
        #expect(try await s.leases.counts().total == 0)

        let created = try await s.harness.request(.update, "auth/token/create", ["policies": ["root"]])
        let child = try #require(created.auth?.clientToken)
        try await s.harness.request(.read, "db/creds/z", token: child)
        try await s.harness.request(.update, "auth/token/revoke", ["token": .string(child)])
        try await s.leases.tick()
        #expect(s.failures.revoked.withLock { $0 }.contains("user-z"))
    }

    @Test("a page of expiring tokens is revoked in one commit, with their children, cubbyholes and secrets")
    func tokenWave() async throws {
        let storage = InMemoryStorage()
        let s = try await Self.setup(storage: storage)
        var parents = [String]()
        var children = [String]()
        for n in 0..<40 {
            let parent = try #require(try await s.harness.request(.update, "auth/token/create", ["ttl": "1m", "policies": ["root"]]).auth?.clientToken)
            let child = try #require(
                try await s.harness.request(.update, "auth/token/create", ["ttl": "1h", "policies": ["default"]], token: parent).auth?.clientToken
            )
            try await s.harness.request(.update, "cubbyhole/note", ["n": .int(Int64(n))], token: parent)
            try await s.harness.request(.update, "cubbyhole/note", ["n": .int(Int64(n))], token: child)
            if n == 7 { try await s.harness.request(.read, "db/creds/wave", ["ttl": "100s"], token: parent) }
            parents.append(parent)
            children.append(child)
        }
        let mount = try #require(try s.harness.core.unsealed().router.entries.first { $0.type == "cubbyhole" })
        #expect(storage.allKeys().filter { $0.hasPrefix(mount.storagePrefix) }.count == 80)
        #expect(try await s.leases.counts().total == 81)

        s.clock.advance(by: 61)
        let commitsBefore = storage.commits
        #expect(try await s.leases.tick() == 40)
        #expect(storage.commits - commitsBefore == 1, "one commit for the whole page")
        let tokens = try s.harness.core.unsealed().tokens
        for token in parents + children {
            #expect(try await tokens.live(tokens.hash(token), now: s.clock.now) == nil)
        }
        #expect(storage.allKeys().filter { $0.hasPrefix(mount.storagePrefix) }.isEmpty)
        #expect(storage.allKeys().filter { $0.hasPrefix("sys/token/parent/") }.isEmpty)
        // The secret the expired token asked for is now due, and goes on the next pass.
        #expect(s.failures.revoked.withLock { $0 }.isEmpty)
        #expect(try await s.leases.tick() == 1)
        #expect(s.failures.revoked.withLock { $0 } == ["user-wave"])
        #expect(try await s.leases.counts().total == 0)
    }

    @Test("one pass revokes every page that is due, token and secret leases mixed, and nothing more")
    func manyPages() async throws {
        let storage = InMemoryStorage()
        let s = try await Self.setup(storage: storage)
        let deadline = s.clock.now + 60
        try await s.harness.core.seedTokens(count: 2345, parentToken: s.harness.rootToken, expireAt: deadline)
        for n in 0..<5 { try await s.harness.request(.read, "db/creds/mixed-\(n)", ["ttl": "60s"]) }
        try await s.harness.request(.read, "db/creds/later", ["ttl": "90s"])
        #expect(try await s.leases.counts().total == 2351)

        s.clock.advance(by: 61)
        let commitsBefore = storage.commits
        #expect(try await s.leases.tick() == 2350)
        #expect(storage.commits - commitsBefore <= 8, "a commit per page, not per lease")
        #expect(try await s.leases.counts().total == 1, "the lease due later is left")
        #expect(storage.allKeys().filter { $0.hasPrefix("sys/token/id/") }.count == 1, "only the root token")
        #expect(storage.allKeys().filter { $0.hasPrefix("sys/token/parent/") }.isEmpty)
        #expect(Set(s.failures.revoked.withLock { $0 }) == Set((0..<5).map { "user-mixed-\($0)" }))
        #expect(try await s.leases.tick() == 0)
    }

    @Test("revoke-prefix takes token leases a page at a time, past the first page")
    func prefixPages() async throws {
        let storage = InMemoryStorage()
        let s = try await Self.setup(storage: storage)
        var tokens = [String]()
        for _ in 0..<1203 {
            tokens.append(try #require(try await s.harness.request(.update, "auth/token/create", ["ttl": "1h", "policies": ["default"]]).auth?.clientToken))
        }
        try await s.harness.request(.read, "db/creds/kept", ["ttl": "100s"])
        let commitsBefore = storage.commits
        try await s.harness.request(.update, "sys/leases/revoke-prefix/auth/token/create")
        #expect(storage.commits - commitsBefore <= 3, "a commit per page of 1,000")
        let store = try s.harness.core.unsealed().tokens
        for token in tokens.shuffled().prefix(50) {
            #expect(try await store.live(store.hash(token), now: s.clock.now) == nil)
        }
        #expect(try await s.leases.counts().total == 1, "only the secret lease outside the prefix is left")
        #expect(storage.allKeys().filter { $0.hasPrefix("sys/token/accessor/") }.count == 1, "the root token's accessor")
    }

    @Test("seeded tokens are stored as auth/token/create stores them, and expire at the given instant")
    func seededTokens() async throws {
        let s = try await Self.setup()
        let expireAt = s.clock.now + 120
        let created = try #require(try await s.harness.request(.update, "auth/token/create", ["ttl": "120s", "policies": ["default"]]).auth)
        try await s.harness.core.seedTokens(count: 3, parentToken: s.harness.rootToken, expireAt: expireAt)
        #expect(try await s.leases.counts().total == 4)

        let rootAccessor = try await s.harness.request(.read, "auth/token/lookup-self").data?["accessor"]?.stringValue
        let accessors = try #require(try await s.harness.request(.list, "auth/token/accessors/").data?["keys"]?.arrayValue)
        let seeded = accessors.compactMap(\.stringValue).filter { $0 != created.accessor && $0 != rootAccessor }
        #expect(seeded.count == 3)
        let reference = try #require(try await s.harness.request(.update, "auth/token/lookup-accessor", ["accessor": .string(created.accessor ?? "")]).data)
        for accessor in seeded {
            let data = try #require(try await s.harness.request(.update, "auth/token/lookup-accessor", ["accessor": .string(accessor)]).data)
            for field in ["policies", "path", "renewable", "orphan", "type", "display_name", "expire_time", "ttl", "creation_ttl", "num_uses", "meta"] {
                #expect(data[field] == reference[field], "\(field)")
            }
        }
        s.clock.advance(by: 121)
        #expect(try await s.leases.tick() == 4)
        #expect(try await s.leases.counts().total == 0)
        await #expect(throws: CofferError.self) {
            try await s.harness.core.seedTokens(count: 1, parentToken: s.harness.rootToken, expireAt: s.clock.now)
        }
    }

    @Test("a token's rows are stored in creation order, so tokens made together sit together")
    func tokenRowsInCreationOrder() async throws {
        let storage = InMemoryStorage()
        let s = try await Self.setup(storage: storage)
        var tokens = [String]()
        for _ in 0..<5 {
            s.clock.advance(by: 0.25)
            tokens.append(try #require(try await s.harness.request(.update, "auth/token/create", ["ttl": "1h"]).auth?.clientToken))
        }
        let chosen = try #require(try await s.harness.request(.update, "auth/token/create", ["ttl": "1h", "id": "my-own-token"]).auth?.clientToken)
        let store = try s.harness.core.unsealed().tokens
        let hashes = tokens.map(store.hash)
        #expect(hashes == hashes.sorted())
        let root = store.hash(s.harness.rootToken)
        for prefix in ["sys/token/id/", "sys/token/parent/\(root)/", "sys/expire/id/auth/token/create/"] {
            let stored = storage.allKeys().sorted().filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
            #expect(stored.filter { hashes.contains($0) } == hashes, "\(prefix)")
        }
        var accessors = [String]()
        for token in tokens {
            accessors.append(try #require(try await s.harness.request(.read, "auth/token/lookup-self", token: token).data?["accessor"]?.stringValue))
        }
        #expect(accessors.map(store.hash) == accessors.map(store.hash).sorted())
        #expect(accessors.map(store.hash).allSatisfy { storage.allKeys().contains("sys/token/accessor/" + $0) })
        #expect(try await store.lookup(chosen, now: s.clock.now) != nil, "an id without a time prefix still resolves")
        var leaseIDs = [String]()
        for _ in 0..<3 {
            s.clock.advance(by: 0.25)
            leaseIDs.append(try #require(try await s.harness.request(.read, "db/creds/ci").leaseID))
        }
        #expect(leaseIDs == leaseIDs.sorted() && Set(leaseIDs).count == 3)
        s.clock.advance(by: 3601)
        #expect(try await s.leases.tick() == 9)
        #expect(storage.allKeys().filter { $0.hasPrefix("sys/token/parent/") }.isEmpty)
    }

    @Test("token leases: expiry revokes the token; an unseal after downtime revokes what expired meanwhile")
    func tokenExpiryAcrossSeal() async throws {
        let storage = InMemoryStorage()
        let s = try await Self.setup(storage: storage)
        let short = try #require(try await s.harness.request(.update, "auth/token/create", ["ttl": "1m", "policies": ["default"]]).auth?.clientToken)
        let long = try #require(try await s.harness.request(.update, "auth/token/create", ["ttl": "1h", "policies": ["default"]]).auth?.clientToken)
        #expect(try await s.leases.counts().total == 2)
        try await s.harness.request(.update, "sys/seal")
        s.clock.advance(by: 120)
        _ = try await s.harness.core.unseal(key: Hex.encode(s.harness.keys[0]), reset: false)
        #expect(try await s.leases.tick() == 1)
        let tokens = try s.harness.core.unsealed().tokens
        #expect(try await tokens.live(tokens.hash(short), now: s.clock.now) == nil)
        #expect(try await tokens.live(tokens.hash(long), now: s.clock.now) != nil)
        #expect(try await s.leases.counts().total == 1)
    }

    @Test("the retry schedule backs off and gives up")
    func retrySchedule() {
        let retry = RevocationRetry(maxAttempts: 4, baseDelay: 1, maxDelay: 3)
        #expect(retry.next(afterFailures: 1) == .retry(after: 1))
        #expect(retry.next(afterFailures: 2) == .retry(after: 2))
        #expect(retry.next(afterFailures: 3) == .retry(after: 3))
        #expect(retry.next(afterFailures: 4) == .giveUp)
    }

    @Test("index keys sort by deadline and parse back")
    func indexKeys() {
        let early = LeaseRecord.indexKey(1_800_000_000.25, "a/b")
        let late = LeaseRecord.indexKey(1_800_000_100, "a/a")
        #expect(early < late)
        #expect(LeaseRecord.parseIndexKey(early)?.id == "a/b")
        #expect(LeaseRecord.parseIndexKey(early)?.deadline == 1_800_000_000.25)
    }
}

/// Reaches the KV engine's factory for a custom registry.
enum KVBackendFactory {
    static func make(_ mount: MountInfo) -> (any Backend)? { BackendRegistry.builtIn.make(mount) }
}
