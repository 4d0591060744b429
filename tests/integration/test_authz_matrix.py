"""Authorisation (issue 8 part 1): every route and method of the module against every kind of
caller, each with exactly its expected status; refused state changes change nothing; a student
enumerating other students' numbers learns nothing; forged identity headers change nothing.

The callers (authz.ROLES): anon (no credentials), self (a student, on their own record), other
(another student, on self's record), op_in / op_out (op_college_01 on a student of its college /
of college 02), op_other (op_network, another point, on self's record), deferral (the deferral
officer), leader, portal and feed (bearer tokens of the portal and the library), admin (on a
student of its own, so that its changes go through), stranger (let in by Apache, unknown to the
module).  Every form carries a valid CSRF token made for its user: what is tested is the user's
right, not the token.

Where the answer of an authorised caller is a 4xx, the request was let through and refused on
its content (a scope batch of a step that has no scope mode, a file that is no roster): the
table says so, so that a change of rights shows up as a change of the table.
"""
import json
import re
import uuid

import pytest

from authz import ROLES, World, fingerprint, set_gate, set_state

R = dict  # one row of expected statuses, by role


def row(anon, self, other, op_in, op_out, op_other, deferral, leader, portal, feed, admin,
        stranger):
    return dict(zip(ROLES, [anon, self, other, op_in, op_out, op_other, deferral, leader,
                            portal, feed, admin, stranger]))


# The pages: Apache asks every caller without a Basic login (anon, the bearer tokens) for one.
#                                   anon self oth  in   out  othp  def  lead port feed adm  str
STAFF_DESK = row(401, 403, 403, 200, 200, 200, 403, 403, 401, 401, 200, 403)
ADMIN_ONLY = row(401, 403, 403, 403, 403, 403, 403, 403, 401, 401, 200, 403)
DEFERRAL_ONLY = row(401, 403, 403, 403, 403, 403, 200, 403, 401, 401, 200, 403)

# (name, method, path, form kind or None, expected)
ROUTES = [
    ("home", "GET", "/lx/", None,
     row(401, 200, 200, 200, 200, 200, 200, 200, 401, 401, 200, 403)),
    ("home-xml", "GET", "/lx/?format=xml", None,
     row(401, 200, 200, 200, 200, 200, 200, 200, 401, 401, 200, 403)),
    ("sheet", "GET", "/lx/student/{t}", None,
     row(401, 200, 403, 200, 403, 200, 200, 403, 401, 401, 200, 403)),
    ("sheet-xml", "GET", "/lx/student/{t}?format=xml", None,
     row(401, 200, 403, 200, 403, 200, 200, 403, 401, 401, 200, 403)),
    ("lookup", "GET", "/lx/lookup?no={t}", None,
     row(401, 303, 303, 303, 303, 303, 303, 303, 401, 401, 303, 403)),
    ("desk", "GET", "/lx/op", None, STAFF_DESK),
    ("desk-student-xml", "GET", "/lx/op?s={t}&format=xml", None, STAFF_DESK),
    # a desk that is not the operator's own: refused, whatever the student
    ("desk-foreign", "GET", "/lx/op?at=college:02&s={t}&format=xml", None,
     row(401, 403, 403, 403, 403, 403, 403, 403, 401, 401, 200, 403)),
    ("desk-search", "POST", "/lx/op/search", "search",
     row(401, 403, 403, 303, 200, 303, 403, 403, 401, 401, 303, 403)),
    ("batch", "GET", "/lx/op/batch?step=instruments&mode=class&s={t}", None,
     row(401, 403, 403, 200, 404, 404, 403, 403, 401, 401, 200, 403)),
    ("confirm", "POST", "/lx/op/confirm", "confirm",
     row(401, 403, 403, 303, 403, 403, 403, 403, 401, 401, 303, 403)),
    # op_college_01 through college 02's desk: refused.  The one door decides by the person's
    # rights, not by the desk they sit at: the administrator's cover every student, so its
    # confirmation through college 02's desk for a college-01 student goes through (303).
    ("confirm-foreign-desk", "POST", "/lx/op/confirm", "confirm-foreign",
     row(401, 403, 403, 403, 403, 403, 403, 403, 401, 401, 303, 403)),
    ("revoke", "POST", "/lx/op/revoke", "revoke",
     row(401, 403, 403, 303, 403, 403, 403, 403, 401, 401, 303, 403)),
    # party_transfer has no scope mode: an authorised desk is refused on the step (400); the
    # network desk has no such step (404).  The scope is the desk's, whatever s says.
    ("scope", "POST", "/lx/op/scope", "scope",
     row(401, 403, 403, 400, 400, 404, 403, 403, 401, 401, 400, 403)),
    ("desk-export", "GET", "/lx/op/export?kind=cleared", None, STAFF_DESK),
    ("stats", "GET", "/lx/stats", None,
     row(401, 403, 403, 200, 200, 200, 403, 200, 401, 401, 200, 403)),
    ("stats-csv", "GET", "/lx/stats?format=csv&table=cohort", None,
     row(401, 403, 403, 403, 403, 403, 403, 200, 401, 401, 200, 403)),
    ("deferral", "GET", "/lx/deferral", None, DEFERRAL_ONLY),
    ("deferral-student", "GET", "/lx/deferral?s={t}&format=xml", None, DEFERRAL_ONLY),
    ("deferral-search", "POST", "/lx/deferral/search", "dsearch",
     row(401, 403, 403, 403, 403, 403, 303, 403, 401, 401, 303, 403)),
    ("deferral-close", "POST", "/lx/deferral/close", "close",
     row(401, 403, 403, 403, 403, 403, 303, 403, 401, 401, 303, 403)),
    ("deferral-open", "POST", "/lx/deferral/open", "open",
     row(401, 403, 403, 403, 403, 403, 303, 403, 401, 401, 303, 403)),
    ("admin", "GET", "/lx/admin", None, ADMIN_ONLY),
    ("admin-events", "GET", "/lx/admin?tab=events&student={t}&format=xml", None, ADMIN_ONLY),
    ("admin-operator", "POST", "/lx/admin/operator", "operator",
     row(401, 403, 403, 403, 403, 403, 403, 403, 401, 401, 303, 403)),
    ("admin-assign", "POST", "/lx/admin/assign", "assign",
     row(401, 403, 403, 403, 403, 403, 403, 403, 401, 401, 303, 403)),
    # a file that is no roster: the administrator is let through and told why (400)
    ("admin-import", "POST", "/lx/admin/import", "import",
     row(401, 403, 403, 403, 403, 403, 403, 403, 401, 401, 400, 403)),
    ("admin-feed", "POST", "/lx/admin/feed", "feedfile",
     row(401, 403, 403, 403, 403, 403, 403, 403, 401, 401, 400, 403)),
    ("admin-export", "GET", "/lx/admin/export?kind=cleared", None, ADMIN_ONLY),
    # the JSON API authenticates systems itself; a Basic login is only a student's own status
    ("api-status", "GET", "/lx/api/v1/students/{t}/status", None,
     row(401, 200, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403)),
    ("api-feed", "POST", "/lx/api/v1/feeds/library", "feedjson",
     row(401, 401, 401, 401, 401, 401, 401, 401, 403, 200, 401, 401)),
    ("api-feed-finance", "POST", "/lx/api/v1/feeds/finance", "feedjson",
     row(401, 401, 401, 401, 401, 401, 401, 401, 403, 403, 401, 401)),
    ("api-feed-bank", "POST", "/lx/api/v1/feeds/bank", "feedjson",
     row(401, 401, 401, 401, 401, 401, 401, 401, 403, 403, 401, 401)),
    # wrong methods: 405 once the caller is known (the API says so to anyone)
    ("post-home", "POST", "/lx/", "empty",
     row(401, 405, 405, 405, 405, 405, 405, 405, 401, 401, 405, 403)),
    ("put-sheet", "PUT", "/lx/student/{t}", "empty",
     row(401, 405, 405, 405, 405, 405, 405, 405, 401, 401, 405, 403)),
    ("delete-desk", "DELETE", "/lx/op", None,
     row(401, 405, 405, 405, 405, 405, 405, 405, 401, 401, 405, 403)),
    ("get-confirm", "GET", "/lx/op/confirm", None,
     row(401, 405, 405, 405, 405, 405, 405, 405, 401, 401, 405, 403)),
    ("get-close", "GET", "/lx/deferral/close", None,
     row(401, 405, 405, 405, 405, 405, 405, 405, 401, 401, 405, 403)),
    ("get-admin-operator", "GET", "/lx/admin/operator", None,
     row(401, 405, 405, 405, 405, 405, 405, 405, 401, 401, 405, 403)),
    ("post-stats", "POST", "/lx/stats", "empty",
     row(401, 405, 405, 405, 405, 405, 405, 405, 401, 401, 405, 403)),
    ("post-admin-page", "POST", "/lx/admin", "empty",
     row(401, 405, 405, 405, 405, 405, 405, 405, 401, 401, 405, 403)),
    ("api-post-status", "POST", "/lx/api/v1/students/{t}/status", "empty",
     row(405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405)),
    ("api-get-feed", "GET", "/lx/api/v1/feeds/library", None,
     row(405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405)),
    # the balancer's probe: anyone, with or without credentials, and no personal data
    ("health", "GET", "/lx/health", None,
     row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("unknown", "GET", "/lx/nope", None,
     row(401, 404, 404, 404, 404, 404, 404, 404, 401, 401, 404, 403)),
    ("unknown-admin-action", "POST", "/lx/admin/nope", "empty",
     row(401, 404, 404, 404, 404, 404, 404, 404, 401, 401, 404, 403)),
    ("unknown-api", "GET", "/lx/api/v1/nope", None,
     row(404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
]

STATE_CHANGING = {"confirm", "confirm-foreign", "revoke", "scope", "close", "open", "operator", "assign",
                  "import", "feedfile", "feedjson"}


@pytest.fixture(scope="module")
def world(env):
    return World(env)


def form(world, role, kind, target):
    """(data, files, headers) of the form of this kind, as its page would send it."""
    user = world.user(role) or "nobody"
    rid = uuid.uuid4().hex
    desk = lambda **f: dict(f, csrf=world.csrf(user, "desk"), rid=rid)      # noqa: E731
    dfr = lambda **f: dict(f, csrf=world.csrf(user, "deferral"), rid=rid)   # noqa: E731
    adm = lambda **f: dict(f, csrf=world.csrf(user, "admin"), rid=rid)      # noqa: E731
    if kind == "search":
        return desk(q=target), None, {}
    if kind in ("confirm", "confirm-foreign"):
        at = {"at": "college:02"} if kind == "confirm-foreign" else {}
        return desk(how="individual", s=target, **at, **{"step.instruments": "1"}), None, {}
    if kind == "revoke":
        return desk(s=target, step="instruments", reason="授权测试"), None, {}
    if kind == "scope":
        return desk(s=target, step="party_transfer"), None, {}
    if kind == "dsearch":
        return dfr(q=target), None, {}
    if kind in ("close", "open"):
        return dfr(s=target, note="缓交证明 AUTHZ-1"), None, {}
    if kind == "operator":
        # an escalation, were it let through: the probe becomes a leader
        return adm(login="authz_probe", name="探针", is_leader="1", active="1"), None, {}
    if kind == "assign":
        return adm(login="authz_probe", point="library"), None, {}
    if kind in ("import", "feedfile"):
        fields = adm(encoding="utf-8")
        if kind == "feedfile":
            fields["purpose"] = "library"
        return fields, {"file": ("x.csv", b"\"unterminated\n", "text/csv")}, {}
    if kind == "feedjson":
        doc = {"records": [{"student_no": target, "loans": 1, "fines": 0}]}
        return json.dumps(doc), None, {"Content-Type": "application/json"}
    if kind == "empty":
        return {"x": "1"}, None, {}
    raise AssertionError(kind)


def prepare(env, kind, target):
    """Put the target where the request would change it, so that a hole shows."""
    if kind in ("confirm", "confirm-foreign"):
        set_state(env, target, "instruments", "pending")
    elif kind == "revoke":
        set_state(env, target, "instruments", "done")
    elif kind == "close":
        set_gate(env, target, False)
    elif kind == "open":
        set_gate(env, target, True)


def one_cell(env, world, name, role):
    """The request of one cell of the table: a list of what is wrong with its answer."""
    _, method, path, kind, expected = next(r for r in ROUTES if r[0] == name)
    target = world.target(role)
    url = path.format(t=target)
    kw = {}
    if kind:
        data, files, headers = form(world, role, kind, target)
        kw = {"data": data, "files": files, "headers": headers}
        prepare(env, kind, target)
    refused = expected[role] >= 400 or kind not in STATE_CHANGING
    before = fingerprint(env) if kind in STATE_CHANGING and refused else None
    r = world.send(role, method, url, **kw)
    wrong = []
    if r.status_code != expected[role]:
        wrong.append(f"status {r.status_code}, expected {expected[role]}: {r.text[:200]!r}")
    if before is not None and fingerprint(env) != before:
        wrong.append("refused, yet the database changed")
    # a refusal is our page (HTML or, under /lx/api, JSON), never httpd's default document
    if r.status_code in (403, 404, 405) and "/api/" not in url \
            and not ("数字离校" in r.text or "无权" in r.text or "不存在" in r.text):
        wrong.append("not our error page")
    # the target's name never reaches a caller who may not see their sheet
    may_see = next(r[4] for r in ROUTES if r[0] == "sheet")[role] == 200
    if expected[role] in (401, 403, 404, 405) and not may_see:
        for (n,) in env.cluster.psql(f"SELECT name FROM lx.student WHERE student_no = '{target}'"):
            if n in r.text:
                wrong.append(f"the name of {target} is in the answer")
    return wrong


@pytest.mark.parametrize("name", [r[0] for r in ROUTES])
def test_matrix(httpd, env, world, logcheck, name):
    """One route, every caller: all the cells that differ from the table, at once."""
    # Apache's own complaint about a bearer token where it asks for Basic
    logcheck.expect(r"AH01614: client used wrong authentication scheme")
    wrong = [f"{name} / {role}: {w}" for role in ROLES for w in one_cell(env, world, name, role)]
    assert not wrong, "\n".join(wrong)


def test_matrix_covers_every_route_of_the_dispatcher():
    """Each route of lx_route.c's table appears in the table."""
    src = (env_repo() / "mod_lixiao/lx_route.c").read_text()
    paths = set(re.findall(r'\{(?:M_GET|M_POST|-1),\s*"(/[a-z0-9/]*)"', src))
    assert len(paths) > 20, "lx_route.c's table not found"
    covered = {p.split("?")[0].replace("{t}", "") for _, _, p, _, _ in ROUTES}
    covered = {c[len("/lx"):] for c in covered}
    # a prefix (/student/, /admin/, /api/v1/) is covered by a path below it; /op/ by /op
    missing = {p for p in paths
               if not any(c == p or c == p.rstrip("/") or (p.endswith("/") and c.startswith(p))
                          for c in covered)}
    assert not missing, missing


def env_repo():
    from lxenv import REPO
    return REPO


# ---- a refused batch shows nothing of students outside the desk's scope ---------------------

def test_refused_batch_names_no_student_outside_the_scope(httpd, env, world):
    """op_college_01 ticks a college-02 student into a class batch of its own student: refused,
    nothing changes, and the page shows the number typed, never that student's name."""
    user, anchor, outsider = "op_college_01", world.a[3], world.b[1]
    name = env.cluster.psql(f"SELECT name FROM lx.student WHERE student_no = '{outsider}'")[0][0]
    set_state(env, outsider, "instruments", "pending")
    for action, fields in (("confirm", {"how": "class", "step.instruments": "1"}),
                           ("revoke", {"how": "class", "step": "instruments", "reason": "误"})):
        data = dict(fields, s=anchor, csrf=world.csrf(user, "desk"), rid=uuid.uuid4().hex,
                    **{f"sid.{outsider}": "1"})
        for fmt in ("", "?format=xml"):
            before = fingerprint(env)
            r = httpd.request("POST", f"/lx/op/{action}{fmt}", user=user, data=data)
            assert r.status_code == 403, (action, r.status_code, r.text[:300])
            assert name not in r.text
            assert fingerprint(env) == before


# ---- a student enumerating other students' numbers learns nothing -------------------------

def _shape(text, nos):
    """A body with every number and request id blanked: equal shapes say nothing apart."""
    for n in nos:
        text = text.replace(n, "#")
    text = re.sub(r"<code>[^<]*</code>|<time[^>]*>[^<]*</time>", "~", text)
    text = re.sub(r'(request-id|now|time)="[^"]*"', "~", text)
    return re.sub(r'"(request_id|id)": "[^"]*"', "~", text)


def test_enumerating_1000_student_numbers_reveals_nothing(httpd, env, world):
    import random
    import requests

    me = world.a[0]
    rows = env.cluster.psql(f"SELECT student_no, name FROM lx.student WHERE student_no <> '{me}' "
                            "ORDER BY random() LIMIT 500")
    existing = {no: name for no, name in rows}
    rng = random.Random(8)
    missing = set()
    while len(missing) < 1000 - len(existing):
        no = f"20{rng.randrange(10**8):08d}"
        if no not in existing and no != me:
            missing.add(no)
    known_missing = {no for (no,) in env.cluster.psql(
        "SELECT student_no FROM lx.student WHERE student_no IN ("
        + ",".join(f"'{n}'" for n in missing) + ")")}
    missing -= known_missing
    s = requests.Session()
    s.auth = (me, "demo")
    shapes = {}
    for no in list(existing) + sorted(missing):
        for kind, path in (("page", f"/lx/student/{no}"), ("xml", f"/lx/student/{no}?format=xml"),
                           ("api", f"/lx/api/v1/students/{no}/status")):
            r = s.get(httpd.url + path, allow_redirects=False, timeout=20)
            assert r.status_code == 403, (path, r.status_code)
            if no in existing:
                assert existing[no] not in r.text, (path, "name leaked")
            assert no not in r.text, (path, "the number is echoed")
            shapes.setdefault(kind, set()).add(_shape(r.text, [no, me]))
            # the header lines the same too (no length or tag that tells them apart)
            shapes.setdefault(kind + "-headers", set()).add(
                tuple(sorted(k for k in r.headers if k.lower() not in ("date", "keep-alive", "connection"))))
    # one shape per kind of request, whether the number exists or not
    for kind, found in shapes.items():
        assert len(found) == 1, (kind, len(found))


# ---- forged identity headers change nothing ------------------------------------------------

FORGED = [
    {"X-Remote-User": "admin"}, {"Remote-User": "admin"}, {"REMOTE_USER": "admin"},
    {"X-Forwarded-User": "admin"}, {"CAS-User": "admin"}, {"CAS_User": "admin"},
    {"CAS-Attributes": "is_admin=true"}, {"X-CAS-User": "admin"}, {"X-User": "admin"},
    {"X-Authenticated-User": "admin"}, {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"},
]


@pytest.mark.parametrize("headers", FORGED, ids=[next(iter(h)) for h in FORGED])
def test_forged_identity_headers_change_nothing(httpd, env, world, logcheck, headers):
    logcheck.expect(r"AH01614")
    other, target = world.a[1], world.a[0]
    for user, path, want in ((other, f"/lx/student/{target}", 403),
                             (other, "/lx/admin", 403),
                             (other, "/lx/op", 403),
                             (other, f"/lx/api/v1/students/{target}/status", 403),
                             (None, "/lx/admin", 401),
                             (None, f"/lx/student/{target}", 401),
                             (None, f"/lx/api/v1/students/{target}/status", 401),
                             ("leader", f"/lx/student/{target}", 403)):
        r = httpd.request("GET", path, user=user, headers=headers)
        assert r.status_code == want, (headers, user, path, r.status_code)
    # and a state change as the student with an administrator's forged headers
    before = fingerprint(env)
    r = httpd.request("POST", "/lx/admin/operator", user=other, headers=headers,
                      data={"login": "authz_probe", "name": "探针", "is_admin": "1",
                            "active": "1", "csrf": world.csrf(other, "admin"),
                            "rid": uuid.uuid4().hex})
    assert r.status_code == 403 and fingerprint(env) == before


def _raw(httpd, method, path, header_lines, body=b""):
    """One request with exactly these header lines (duplicates allowed): (status, body)."""
    import socket
    req = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{httpd.port}", "Connection: close"]
    req += header_lines
    if body:
        req.append(f"Content-Length: {len(body)}")
    data = ("\r\n".join(req) + "\r\n\r\n").encode() + body
    with socket.create_connection(("127.0.0.1", httpd.port), timeout=20) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    head, _, rest = out.partition(b"\r\n\r\n")
    return int(head.split()[1]), rest


def _basic(user, password="demo"):
    import base64
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_authorization_header_tricks(httpd, env, world, logcheck):
    logcheck.expect(r"AH01614|AH01617|AH01618|AH01615|AH02009|AH01613")
    other, target = world.a[1], world.a[0]
    portal = "Bearer " + world.tokens["portal"]
    # httpd joins repeated headers with ", ": the first credentials are the ones checked, and at
    # best the caller is the student they logged in as (403), never the administrator
    cases = [
        # two Authorization headers: a student's and the administrator's with a wrong password
        ("/lx/admin", [f"Authorization: {_basic(other)}", f"Authorization: {_basic('admin', 'x')}"],
         {400, 401, 403}),
        ("/lx/admin", [f"Authorization: {_basic('admin', 'x')}", f"Authorization: {_basic(other)}"],
         {400, 401}),
        # a colon in the user: the user is what comes before the first colon
        ("/lx/admin", [f"Authorization: {_basic('admin:' + other)}"], {401}),
        ("/lx/admin", [f"Authorization: {_basic(other + ':admin')}"], {401}),
        ("/lx/admin", ["Authorization: Basic " + __import__("base64").b64encode(
            b"admin").decode()], {401}),
        # Bearer and Basic at once, either order, on the pages and the API
        ("/lx/admin", [f"Authorization: {portal}", f"Authorization: {_basic(other)}"], {400, 401}),
        ("/lx/admin", [f"Authorization: {_basic(other)}", f"Authorization: {portal}"],
         {400, 401, 403}),
        (f"/lx/api/v1/students/{world.a[2]}/status",
         [f"Authorization: {portal}, {_basic(other)}"], {401}),
        (f"/lx/api/v1/students/{world.a[2]}/status",
         [f"Authorization: {_basic(other)}", f"Authorization: {portal}"], {400, 401, 403}),
        # the scheme in lower case or with odd spacing gets no further than no credentials
        (f"/lx/api/v1/students/{target}/status",
         [f"Authorization: basic {_basic(other).split()[1]}"], {401, 403}),
        (f"/lx/api/v1/students/{target}/status", ["Authorization: Bearer  " + "a" * 40], {401}),
        (f"/lx/student/{target}", [f"Authorization: {_basic(other)}",
                                   "X-Remote-User: " + target], {403}),
    ]
    for path, lines, want in cases:
        status, body = _raw(httpd, "GET", path, lines)
        assert status in want, (path, lines, status, body[:300])
        for n in (target, world.a[2]):
            name = env.cluster.psql(f"SELECT name FROM lx.student WHERE student_no = '{n}'")[0][0]
            assert name.encode() not in body
    # a feed with a portal token, an administrator's Basic login beside it: refused, unchanged
    before = fingerprint(env)
    status, _ = _raw(httpd, "POST", "/lx/api/v1/feeds/library",
                     [f"Authorization: {portal}", "Content-Type: application/json",
                      "X-Remote-User: admin"],
                     json.dumps({"records": [{"student_no": target, "loans": 9,
                                              "fines": 0}]}).encode())
    assert status == 403 and fingerprint(env) == before
