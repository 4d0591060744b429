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

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (Howard Hinnant's
 * days_from_civil): no timegm, no TZ. */
static long long lx_days(int y, int m, int d)
{
    long long era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int lx_csrf_parse_time(const char *s, long long *epoch)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec = 0, oh = 0, om = 0, n = 0, k = 0;
    long long off = 0;
    const char *z;

    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10
        || (s[10] != 'T' && s[10] != ' ')
        || sscanf(s + 11, "%2d:%2d%n", &h, &mi, &k) != 2 || k != 5)
        return -1;
    z = s + 16;
    if (*z == ':') {
        if (sscanf(z + 1, "%2d%n", &sec, &k) != 1 || k != 2)
            return -1;
        z += 3;
    }
    if (*z == 'Z' && z[1] == '\0') {
        off = 0;
    }
    else if ((*z == '+' || *z == '-') && sscanf(z + 1, "%2d:%2d%n", &oh, &om, &k) == 2
             && k == 5 && z[6] == '\0' && oh <= 14 && om < 60) {
        off = (oh * 3600LL + om * 60) * (*z == '-' ? -1 : 1);
    }
    else {
        return -1;
    }
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]
        || (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        || h > 23 || mi > 59 || sec > 59 || h < 0 || mi < 0 || sec < 0)
        return -1;
    *epoch = lx_days(y, mo, d) * 86400 + h * 3600LL + mi * 60 + sec - off;
    return 0;
}
