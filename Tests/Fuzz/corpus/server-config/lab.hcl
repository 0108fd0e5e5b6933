# A persistent, hands-off server for CI images and labs: SQLite storage, a static seal, and a
# self-initialization that runs once, on the first start of empty storage. Every later start
# unseals itself with the same key and keeps what was stored.
#
# Start it from the directory that should hold its data:
#   export COFFER_SEAL_KEY=$(openssl rand -hex 32)     # keep it: every restart needs the same key
#   export APP_ROLE_ID=app-role APP_SECRET_ID=$(openssl rand -hex 16) APP_DB_PASSWORD=s3cret
#   coffer server -config=config/lab.hcl
# Then an application logs in with AppRole and reads its secret:
#   vault write auth/approle/login role_id=$APP_ROLE_ID secret_id=$APP_SECRET_ID
#   VAULT_TOKEN=<client_token> vault kv get secret/app/db

storage "sqlite" {
  path = "lab-data/coffer.db"
}

listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}

api_addr = "http://127.0.0.1:8200"

seal "static" {
  current_key_id = "lab-1"
  current_key    = "env://COFFER_SEAL_KEY"
}

telemetry {
  prometheus_retention_time = "24h"
  disable_hostname          = true
}

# An audit trail first, so every request below is recorded in it.
initialize "audit" {
  request "file" {
    operation = "update"
    path      = "sys/audit/file"
    data = {
      type    = "file"
      options = { file_path = "lab-audit.log" }
    }
  }
}

initialize "secrets" {
  request "kv" {
    operation = "update"
    path      = "sys/mounts/secret"
    data      = { type = "kv", options = { version = "2" } }
  }
  request "app-db" {
    operation = "update"
    path      = "secret/data/app/db"
    data = {
      data = {
        username = "app"
        password = { eval_source = "env", eval_type = "string", env_var = "APP_DB_PASSWORD", require_present = true }
      }
    }
  }
}

initialize "access" {
  request "policy" {
    operation = "update"
    path      = "sys/policies/acl/app"
    data = {
      policy = "path \"secret/data/app/*\" { capabilities = [\"read\"] }"
    }
  }
  request "approle" {
    operation = "update"
    path      = "sys/auth/approle"
    data      = { type = "approle" }
  }
  request "role" {
    operation = "update"
    path      = "auth/approle/role/app"
    data      = { token_policies = ["app"], token_ttl = "1h", secret_id_num_uses = 0 }
  }
  request "role-id" {
    operation = "update"
    path      = "auth/approle/role/app/role-id"
    data = {
      role_id = { eval_source = "env", eval_type = "string", env_var = "APP_ROLE_ID", require_present = true }
    }
  }
  request "secret-id" {
    operation = "update"
    path      = "auth/approle/role/app/custom-secret-id"
    data = {
      secret_id = { eval_source = "env", eval_type = "string", env_var = "APP_SECRET_ID", require_present = true }
    }
  }
}
