/*
 * lx_csrf.h: tokens that prove a form was rendered by us for this user.  Plain C over
 * OpenSSL's HMAC, unit-tested.
 *
 * A token is "EXPIRY.MAC": EXPIRY the Unix time after which it is refused, MAC the base64url
 * HMAC-SHA256, under the installation's secret, of user, action and expiry.  Nothing is stored:
 * every httpd node that reads the same secret file verifies every other node's tokens, and a
 * graceful restart invalidates nothing.
 */
#ifndef LX_CSRF_H
#define LX_CSRF_H

#include <stddef.h>

#define LX_CSRF_MAX 96          /* room for a token, NUL included */

typedef enum {
    LX_CSRF_OK = 0,
    LX_CSRF_MISSING,            /* no token */
    LX_CSRF_MALFORMED,          /* not EXPIRY.MAC */
    LX_CSRF_EXPIRED,
    LX_CSRF_FORGED,             /* the MAC does not match this user and action */
    LX_CSRF_TOO_FAR             /* an expiry further ahead than any token we issue */
} lx_csrf_result;

/* Clock skew allowed between the nodes that make and check a token, in seconds. */
#define LX_CSRF_SKEW 300

/* Write the token for user and action, valid until expiry, into out (LX_CSRF_MAX bytes).
 * Returns 0, or -1 when the HMAC could not be computed. */
int lx_csrf_make(char out[LX_CSRF_MAX], const unsigned char *secret, size_t secret_len,
                 const char *user, const char *action, long long expiry);

/* Check token for user and action at time now.  An expiry after now + lifetime +
 * LX_CSRF_SKEW is refused (LX_CSRF_TOO_FAR) before its MAC is even computed: lifetime is the
 * longest the module issues, so such a token was never ours, and a leaked or forged one must
 * not stay valid for decades. */
lx_csrf_result lx_csrf_check(const char *token, const unsigned char *secret,
                             size_t secret_len, const char *user, const char *action,
                             long long now, long long lifetime);

/* An ISO 8601 time with its offset ("2026-06-20T18:00+08:00", seconds optional, "Z" for
 * UTC, a space for the T) as Unix time; 0, or -1 when it is not one. */
int lx_csrf_parse_time(const char *s, long long *epoch);

/* base64url without padding of n bytes into out (4 * ceil(n / 3) + 1 bytes). */
void lx_base64url(char *out, const unsigned char *in, size_t n);

#endif
