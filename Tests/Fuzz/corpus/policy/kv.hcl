path "secret/data/ci/*" {
  capabilities = ["create", "read", "update"]
  allowed_parameters = { "data" = [], "options" = [] }
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "1h"
}
path "sys/*" { capabilities = ["deny"] }
