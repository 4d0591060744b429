/*
 * lx_csrf.c: see lx_csrf.h.
 */
#include "lx_csrf.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lx_base64url(char *out, const unsigned char *in, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t i;
    char *o = out;
    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = tab[v >> 6 & 63];
        *o++ = tab[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
    }
    else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = tab[v >> 6 & 63];
    }
    *o = '\0';
}

/* The MAC part: base64url(HMAC-SHA256(secret, user NUL action NUL expiry)). */
static int lx_csrf_mac(char out[64], const unsigned char *secret, size_t secret_len,
                       const char *user, const char *action, long long expiry)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char exp[24];
    size_t ulen = strlen(user), alen = strlen(action), elen;
    unsigned char *msg;

    elen = (size_t)snprintf(exp, sizeof(exp), "%lld", expiry);
    msg = malloc(ulen + alen + elen + 2);
    if (!msg)
        return -1;
    memcpy(msg, user, ulen + 1);
    memcpy(msg + ulen + 1, action, alen + 1);
    memcpy(msg + ulen + alen + 2, exp, elen);
    if (!HMAC(EVP_sha256(), secret, (int)secret_len, msg, ulen + alen + 2 + elen, mac,
              &mac_len)) {
        free(msg);
        return -1;
    }
    free(msg);
    lx_base64url(out, mac, mac_len);
    return 0;
}

int lx_csrf_make(char out[LX_CSRF_MAX], const unsigned char *secret, size_t secret_len,
                 const char *user, const char *action, long long expiry)
{
    char mac[64];
    if (lx_csrf_mac(mac, secret, secret_len, user, action, expiry) != 0)
        return -1;
    snprintf(out, LX_CSRF_MAX, "%lld.%s", expiry, mac);
    return 0;
}

lx_csrf_result lx_csrf_check(const char *token, const unsigned char *secret,
                             size_t secret_len, const char *user, const char *action,
                             long long now, long long lifetime)
{
    char mac[64];
    const char *dot;
    char *end;
    long long expiry;

    if (!token || !*token)
        return LX_CSRF_MISSING;
    dot = strchr(token, '.');
    if (!dot || dot == token || dot - token > 19 || strlen(dot + 1) != 43)
        return LX_CSRF_MALFORMED;
    expiry = strtoll(token, &end, 10);
    if (end != dot || expiry <= 0)
        return LX_CSRF_MALFORMED;
    if (expiry < now)
        return LX_CSRF_EXPIRED;
    if (expiry - now > lifetime + LX_CSRF_SKEW)
        return LX_CSRF_TOO_FAR;
    if (lx_csrf_mac(mac, secret, secret_len, user, action, expiry) != 0)
        return LX_CSRF_FORGED;
    if (CRYPTO_memcmp(mac, dot + 1, 43) != 0)
        return LX_CSRF_FORGED;
    return LX_CSRF_OK;
}
