# A single-node server with encrypted SQLite storage, listening on loopback without TLS.
# Start it with:  coffer server -config=config/coffer.hcl
# then initialise: curl -X PUT -d '{"secret_shares":5,"secret_threshold":3}' http://127.0.0.1:8200/v1/sys/init

storage "sqlite" {
  path = "coffer.db"
}

listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}

api_addr          = "http://127.0.0.1:8200"
default_lease_ttl = "768h"
max_lease_ttl     = "768h"
log_level         = "info"
disable_mlock     = true
ui                = false
