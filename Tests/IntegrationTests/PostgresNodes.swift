import CofferSDK
import CofferTesting
import Foundation
import Testing

/// coffer nodes on the test PostgreSQL, each test with tables of its own so tests run in parallel.
struct PostgresNodes: Sendable {
    let pg: TestPostgres
    let directory: String
    let table: String
    let haTable: String
    let url: String

    init(_ name: String, url: String? = nil) throws {
        pg = try TestPostgres()
        directory = try TemporaryDirectory.make("coffer-pg-\(name)-")
        let suffix = SecureRandomSuffix.make()
        table = "coffer_\(name)_\(suffix)"
        haTable = "coffer_\(name)_locks_\(suffix)"
        self.url = url ?? pg.adminURL
    }

    /// A free loopback port (bound and released: a small race, fine on a test machine).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Writes node `n`'s configuration; returns its path and its address.
    func config(_ n: Int, ha: Bool, port: Int? = nil, extra: String = "") throws -> (path: String, address: String) {
        let port = port ?? Self.freePort()
        let address = "http://127.0.0.1:\(port)"
        let path = directory + "/node\(n).hcl"
        try """
            storage "postgresql" {
              connection_url = "\(url)"
              table          = "\(table)"
              ha_table       = "\(haTable)"
              ha_enabled     = "\(ha)"
              \(extra)
            }
            listener "tcp" {
              address     = "127.0.0.1:\(port)"
              tls_disable = true
            }
            api_addr = "\(address)"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, address)
    }

    func cleanUp() {
        _ = try? pg.psql("DROP TABLE IF EXISTS \(table); DROP TABLE IF EXISTS \(haTable)", as: url)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A short random suffix for table names.
enum SecureRandomSuffix {
    static func make() -> String {
        String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10)).lowercased()
    }
}
