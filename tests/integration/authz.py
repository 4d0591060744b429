"""Helpers of the authorisation and bad-input tests: the people of the matrix, their
credentials, valid CSRF tokens made for any user (so that a refusal is the module's decision
about the user, not the token's), and a fingerprint of everything a request could change."""
import base64
import hashlib
import hmac
import secrets
import time

from data import make_class

ROLES = ["anon", "self", "other", "op_in", "op_out", "op_other", "deferral", "leader",
         "portal", "feed", "admin", "stranger"]


class World:
    """Students and tokens of our own: class A (college 01, party members) and class B
    (college 02); their logins are added to the password file."""

    def __init__(self, env):
        self.env = env
        _, self.a = make_class(env, "01", n=4, party_member=True)
        _, self.b = make_class(env, "02", n=2)
        # the new student numbers log in like the demo's (scripts/httpd-conf.sh re-reads the
        # accounts; httpd reads the GDBM file on each request)
        env.httpd.configure()
        self.tokens = {}
        for purpose in ("portal", "library"):
            tok = f"lx_authz_{purpose}_" + secrets.token_urlsafe(24)
            env.cluster.psql(f"SET ROLE lx_owner; "
                             f"SELECT lx.token_add('{purpose}', 'authz', '{tok}')")
            self.tokens[purpose] = tok
        env.cluster.psql("INSERT INTO lx.operator (login, name) VALUES ('authz_probe', '探针') "
                         "ON CONFLICT DO NOTHING")
        self.secret = (env.base / "conf" / "secret").read_bytes()

    # the person of each role and the student they act on
    def user(self, role):
        return {"self": self.a[0], "other": self.a[1], "op_in": "op_college_01",
                "op_out": "op_college_01", "op_other": "op_network", "deferral": "deferral",
                "leader": "leader", "admin": "admin", "stranger": "stranger"}.get(role)

    def target(self, role):
        """op_out acts on a student of college 02; admin on a student of its own (its
        changes succeed); everyone else on self's record."""
        return {"op_out": self.b[0], "admin": self.a[2]}.get(role, self.a[0])

    def headers(self, role):
        if role == "portal":
            return {"Authorization": "Bearer " + self.tokens["portal"]}
        if role == "feed":
            return {"Authorization": "Bearer " + self.tokens["library"]}
        return {}

    def csrf(self, user, action):
        """A token exactly as lx_csrf_make writes it: expiry.base64url(HMAC-SHA256(secret,
        user NUL action NUL expiry))."""
        expiry = str(int(time.time()) + 3600)
        mac = hmac.new(self.secret, b"\0".join([user.encode(), action.encode(), expiry.encode()]),
                       hashlib.sha256).digest()
        return expiry + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def send(self, role, method, path, **kw):
        user = self.user(role)
        headers = dict(self.headers(role), **kw.pop("headers", {}))
        return self.env.httpd.request(method, path, user=user, headers=headers, **kw)


def fingerprint(env):
    """Everything a refused request might have changed: the event log, the states, the gates,
    the feeder figures, operators and their points, the roster."""
    return env.cluster.psql("""
        SELECT (SELECT count(*) FROM lx.event),
               (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), ''))
                  FROM lx.step_state x),
               (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), ''))
                  FROM lx.override x),
               (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), ''))
                  FROM lx.operator x),
               (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), ''))
                  FROM lx.operator_point x),
               (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), ''))
                  FROM lx.student x)""")[0]


def set_state(env, no, step, state):
    """Put a student's step into 'done' or 'pending' through the one door (as admin)."""
    action = "confirm" if state == "done" else "revoke"
    env.cluster.psql(f"""
        SET ROLE lx_owner;
        SELECT outcome FROM lx.change('{action}', (SELECT id FROM lx.step WHERE code = '{step}'),
            ARRAY(SELECT id FROM lx.student WHERE student_no = '{no}'), 'individual', 'admin',
            'authz test set-up')""")


def set_gate(env, no, closed):
    env.cluster.psql(f"""
        SET ROLE lx_owner;
        SELECT outcome FROM lx.set_override('{no}', 'arrears', {str(closed).lower()}, 'admin',
                                            'authz test set-up')""")
