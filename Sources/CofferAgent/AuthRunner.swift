import CofferSDK
import Foundation
import Logging

/// Why the agent stops on its own: `exit_on_err`, `exit_on_retry_failure`, or done after auth.
struct AgentExit: Error, Sendable {
    let status: Int32
}

/// Keeps a token: logs in, hands the token to the sinks and the store, renews it at two thirds
/// of its lifetime while it can, and logs in again when it cannot (or when the credentials on
/// disk change). Failures are retried with exponential backoff between `min_backoff` and
/// `max_backoff`, unless `exit_on_err` asks to stop.
struct AuthRunner: Sendable {
    let config: AgentConfig.Method
    let method: any AutoAuthMethod
    let http: AgentHTTP
    let sinks: [FileSink]
    let store: TokenStore
    let logger: Logger

    /// Runs until cancelled, or until the first token is delivered when `once`.
    func run(once: Bool) async throws {
        var backoff = config.minBackoff
        while !Task.isCancelled {
            let outcome: AuthOutcome
            do {
                logger.info("authenticating", metadata: ["method": "\(config.type)"])
                outcome = try await method.authenticate(http)
                for sink in sinks { try await sink.write(outcome.token, http: http) }
            } catch {
                logger.error("auto_auth failed: \(error)", metadata: ["method": "\(config.type)", "backoff": "\(backoff)s"])
                if config.exitOnError { throw AgentExit(status: 1) }
                try await Task.sleep(for: .seconds(backoff))
                backoff = min(config.maxBackoff, backoff * 2)
                continue
            }
            backoff = config.minBackoff
            await store.set(outcome.token)
            logger.info("authentication successful, token written to \(sinks.count) sink(s)", metadata: ["method": "\(config.type)", "ttl": "\(outcome.leaseDuration)s"])
            if once { return }
            try await hold(outcome)
        }
    }

    /// Returns when a new login is needed.
    private func hold(_ outcome: AuthOutcome) async throws {
        let clock = ContinuousClock()
        var ttl = outcome.leaseDuration
        var next: ContinuousClock.Instant? = ttl > 0 ? clock.now + .milliseconds(ttl * (outcome.renewable ? 667 : 800)) : nil
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(250))
            if await method.credentialsChanged() {
                logger.info("new credentials found, authenticating again", metadata: ["method": "\(config.type)"])
                return
            }
            guard let due = next, clock.now >= due else { continue }
            guard outcome.renewable else {
                logger.info("token is not renewable and nears its expiry, authenticating again")
                return
            }
            do {
                let response = try await http.call("POST", "auth/token/renew-self", token: outcome.token, body: [:])
                ttl = max(0, response["auth"]?.objectValue?["lease_duration"]?.intValue ?? 0)
            } catch {
                logger.warning("renewing the token failed, authenticating again: \(error)")
                return
            }
            // Close to its max TTL a token renews for less and less: log in again instead.
            guard ttl >= 3 else {
                logger.info("token reached its maximum lifetime, authenticating again")
                return
            }
            logger.debug("token renewed", metadata: ["ttl": "\(ttl)s"])
            next = clock.now + .milliseconds(ttl * 667)
        }
    }
}
