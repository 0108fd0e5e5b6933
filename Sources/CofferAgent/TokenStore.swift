/// The agent's current token, shared by the template runners and the API proxy. Each new token
/// bumps `version`, so runners notice a re-login and fetch their secrets again.
actor TokenStore {
    private(set) var token: String?
    private(set) var version = 0

    func set(_ token: String) {
        self.token = token
        version += 1
    }

    var current: (version: Int, token: String?) { (version, token) }
}

/// A counter bumped by SIGHUP, which template runners watch to reload their sources.
actor ReloadSignal {
    private(set) var generation = 0

    func bump() { generation += 1 }
}
