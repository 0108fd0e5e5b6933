vault { address = "http://127.0.0.1:8200" retry { num_retries = 2 } }
auto_auth {
  method "approle" {
    config = { role_id_file_path = "/r", secret_id_file_path = "/s" }
    min_backoff = "1s"
  }
  sink "file" { config = { path = "/t", mode = 0600 } wrap_ttl = "5m" }
}
template { source = "/a.tpl" destination = "/a" perms = "0640" command = "true" }
template_config { static_secret_render_interval = "10s" exit_on_retry_failure = true }
cache { use_auto_auth_token = "force" }
listener "tcp" { address = "127.0.0.1:8100" tls_disable = true }
