#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/sha.h>

/* SHA-256's context-level functions, which OpenSSL 3 deprecates in favour of EVP. An HMAC of a
   token id or an audit field is two compressions; EVP's per-use context allocation and copies
   cost more than that, while these run the same SHA extensions on a plain struct that can be
   copied. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
static inline int coffer_sha256_init(SHA256_CTX *context) { return SHA256_Init(context); }
static inline int coffer_sha256_update(SHA256_CTX *context, const void *data, size_t length) {
    return SHA256_Update(context, data, length);
}
static inline int coffer_sha256_final(unsigned char *digest, SHA256_CTX *context) { return SHA256_Final(digest, context); }
#pragma clang diagnostic pop
