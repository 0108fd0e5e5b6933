import CofferSDK
import PostgresNIO

/// The HA lock as Vault keeps it in `vault_ha_locks`: one row per lock, with the holder's
/// identity, its advertised address and a `valid_until` in the database's own clock, so the
/// nodes' clocks never have to agree.
extension PostgresStorage: HALockBackend {
    public func tryLock(_ key: String, holder: HALockHolder, ttl: Duration) async throws -> Bool {
        let locks = PostgresStorageSettings.quoted(settings.haTable)
        let milliseconds = Int64(ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000)
        return try await call {
            // Taken when free or expired, extended when ours; anyone else's live row stays.
            let rows = try await self.client.query(
                """
                INSERT INTO \(unescaped: locks) AS held (ha_key, ha_identity, ha_value, valid_until)
                VALUES (\(key), \(holder.identity), \(holder.value), now() + \(milliseconds) * interval '1 millisecond')
                ON CONFLICT (ha_key) DO UPDATE SET ha_identity = excluded.ha_identity, ha_value = excluded.ha_value,
                  valid_until = excluded.valid_until
                WHERE held.valid_until < now() OR held.ha_identity = excluded.ha_identity
                RETURNING ha_identity
                """,
                logger: self.logger
            )
            var held = false
            for row in try await rows.collect() where try row.decode(String.self) == holder.identity { held = true }
            return held
        }
    }

    public func unlock(_ key: String, identity: String) async throws {
        let locks = PostgresStorageSettings.quoted(settings.haTable)
        _ = try await call {
            _ = try await self.client.query("DELETE FROM \(unescaped: locks) WHERE ha_key = \(key) AND ha_identity = \(identity)", logger: self.logger).collect()
        }
    }

    public func lockHolder(_ key: String) async throws -> HALockHolder? {
        let locks = PostgresStorageSettings.quoted(settings.haTable)
        return try await call {
            let rows = try await self.client.query(
                "SELECT ha_identity, ha_value FROM \(unescaped: locks) WHERE ha_key = \(key) AND valid_until > now()", logger: self.logger
            )
            guard let row = try await rows.collect().first else { return nil }
            let (identity, value) = try row.decode((String, String?).self)
            return HALockHolder(identity: identity, value: value ?? "")
        }
    }
}
