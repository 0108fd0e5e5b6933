import CofferCore
import CofferStorage
import Foundation
import NIOCore

/// The start-up text, laid out as Vault's so that scripts that scrape `Root Token:` and
/// `Unseal Key:` keep working. Printed once the listener is bound, with the real port.
struct Banner: Sendable {
    let config: ServerConfig
    let tls: Bool
    let dev: (unsealKey: String, rootToken: String)?

    func print(boundTo address: SocketAddress?) {
        let scheme = tls ? "https" : "http"
        let host = address?.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "127.0.0.1"
        let port = address?.port ?? 0
        let apiAddress = config.apiAddr ?? "\(scheme)://\(host):\(port)"
        let storage: String
        switch config.storage {
        case .inmem: storage = "inmem"
        case .sqlite(let path): storage = "sqlite (path: \(path))"
        case .postgresql(let pg): storage = "postgresql (table: \(pg.table), HA enabled: \(pg.haEnabled))"
        }
        var text = """
            ==> Coffer server configuration:

                         Api Address: \(apiAddress)
                          Listener 1: tcp (addr: "\(host):\(port)", tls: "\(tls ? "enabled" : "disabled")")
                           Log Level: \(config.logLevel)
                             Storage: \(storage)
                             Version: Coffer v\(CofferVersion.coffer) (Vault API \(CofferVersion.vaultCompatible))

            ==> Coffer server started! Log data will stream in below:

            """
        if let dev {
            text += """

                WARNING! dev mode is enabled! In this mode, coffer runs entirely in memory and
                starts unsealed with a single unseal key. The root token is already written to
                ~/.vault-token, so the CLI is authenticated.

                You may need to set the following environment variable:

                    $ export VAULT_ADDR='\(scheme)://\(host):\(port)'

                The unseal key and root token are displayed below in case you want to
                seal/unseal or re-authenticate.

                Unseal Key: \(dev.unsealKey)
                Root Token: \(dev.rootToken)

                Development mode should NOT be used in production installations!


                """
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
