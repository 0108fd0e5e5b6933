# TLS on loopback. Point the two files at your certificate chain and key (PEM); for a local
# trial, `scripts/dev-cert` writes a self-signed pair to config/tls/. To serve other machines,
# set address to "0.0.0.0:8200" (or one interface) once the certificate names that host.
storage "sqlite" {
  path = "coffer.db"
}

listener "tcp" {
  address       = "127.0.0.1:8200"
  tls_cert_file = "config/tls/cert.pem"
  tls_key_file  = "config/tls/key.pem"
}

api_addr = "https://127.0.0.1:8200"
