"""CSRF on every POST route of the module (lx_route.c): a missing, malformed, foreign (another
user's, another form's, signed with another key), tampered or expired token, and a right token
sent from another site (Origin, Sec-Fetch-Site), are refused with 403 and change nothing: no
table of the schema changes, the event log included, and the form's rid is not used up, which
the same form then shows by doing what it asks once it comes with its right token from this
site.  The JSON feeds take a bearer token, never the browser's login."""
import time
import uuid
import xml.etree.ElementTree as ET

from data import make_class, state
from desk import csrf_of, forge_token
from test_deferral_admin import token, unpaid_student
from test_import import HEADER_ZH, row


def snapshot(env):
    """Every table of lx: its row count and a sum of the rows' hashes."""
    tables = [t for (t,) in env.cluster.psql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'lx' ORDER BY 1")]
    sql = "\nUNION ALL ".join(
        f"SELECT '{t}', count(*), coalesce(sum(hashtext(x::text)::bigint), 0) FROM lx.{t} x"
        for t in tables)
    return {name: (n, h) for name, n, h in env.cluster.psql(sql)}


def changed_tables(before, after):
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


FORM_OF = {"desk": ("/lx/op", "desk"), "deferral": ("/lx/deferral", "deferral"),
           "admin": ("/lx/admin", "admin")}


def page_token(httpd, user, form):
    if form == "desk":
        return csrf_of(httpd, user)
    path, element = FORM_OF[form]
    return token(httpd, user, path, element)


def refusals(env, user, form, good):
    """(name, csrf or None for no field, extra headers, what the page says) of every refused
    request."""
    now = int(time.time())
    other_form = "admin" if form != "admin" else "desk"
    expiry, mac = good.split(".")
    other_user = "op_college_02" if user != "op_college_02" else "op_college_03"
    cross_site = [{"Origin": "https://evil.example"}, {"Origin": "null"},
                  {"Origin": "http://127.0.0.1:1"},
                  {"Origin": "http://127.0.0.1.evil.example"},
                  {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}]
    refused, expired, foreign = "表单校验失败", "页面已过期", "请求来自其他网站"
    return ([("missing", None, {}, refused),
             ("empty", "", {}, refused),
             ("malformed", "x", {}, refused),
             ("another user's", forge_token(env, other_user, form, now + 600), {}, refused),
             ("another form's", forge_token(env, user, other_form, now + 600), {}, refused),
             ("another key's", forge_token(env, user, form, now + 600, secret=b"k" * 48), {},
              refused),
             ("expiry moved", f"{int(expiry) + 3600}.{mac}", {}, refused),
             ("expired", forge_token(env, user, form, now - 5), {}, expired)]
            + [("cross-site " + str(h), good, h, foreign) for h in cross_site])


def send(httpd, user, path, fields, csrf, headers, files=None):
    data = dict(fields)
    if csrf is not None:
        data["csrf"] = csrf
    return httpd.request("POST", path, user=user, data=data, headers=headers,
                         files=files() if files else None, timeout=60)


def through_the_gate(httpd, env, user, path, fields, form, files=None):
    """Every refusal of the route refused and without effect; then the same form (the same
    rid) with its right token from this site, whose answer is returned."""
    fields = dict(fields, rid=fields.get("rid", uuid.uuid4().hex))
    good = page_token(httpd, user, form)
    before = snapshot(env)
    for name, csrf, headers, message in refusals(env, user, form, good):
        r = send(httpd, user, path, fields, csrf, headers, files)
        assert r.status_code == 403, (path, name, r.status_code, r.text[:300])
        assert message in r.text, (path, name, r.text[:300])
    assert changed_tables(before, snapshot(env)) == [], path
    return send(httpd, user, path, fields, good,
                {"Origin": httpd.url, "Sec-Fetch-Site": "same-origin"}, files)


# ---- the desk -------------------------------------------------------------------------------

def test_desk_search(httpd, env):
    _, (s,) = make_class(env, "01", 1)
    r = through_the_gate(httpd, env, "op_college_01", "/lx/op/search",
                         {"at": "college:01", "q": s}, "desk")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"s={s}")


def test_desk_confirm_one_student(httpd, env):
    _, (s,) = make_class(env, "01", 1, party_member=True)
    r = through_the_gate(httpd, env, "op_college_01", "/lx/op/confirm",
                         {"at": "college:01", "how": "individual", "s": s,
                          "step.party_transfer": "1"}, "desk")
    assert r.status_code == 303 and state(env, s, "party_transfer") == "done"


def test_desk_confirm_a_class_then_revoke(httpd, env):
    _, nos = make_class(env, "06", 3)
    fields = {"at": "student_affairs", "how": "class", "s": nos[0],
              "step.student_card": "1", **{f"sid.{n}": "1" for n in nos}}
    r = through_the_gate(httpd, env, "op_student_affairs", "/lx/op/confirm", fields, "desk")
    assert r.status_code == 303
    assert [state(env, n, "student_card") for n in nos] == ["done"] * 3
    r = through_the_gate(httpd, env, "op_student_affairs", "/lx/op/revoke",
                         {"at": "student_affairs", "s": nos[0], "step": "student_card",
                          "reason": "误操作"}, "desk")
    assert r.status_code == 303
    assert [state(env, n, "student_card") for n in nos] == ["pending", "done", "done"]


def test_desk_whole_scope(httpd, env):
    _, nos = make_class(env, "09", 2)
    r = through_the_gate(httpd, env, "op_college_09", "/lx/op/scope",
                         {"at": "college:09", "s": nos[0], "step": "instruments",
                          "confirmed": "1"}, "desk")
    assert r.status_code == 303
    assert [state(env, n, "instruments") for n in nos] == ["done"] * 2


# ---- the deferral point ---------------------------------------------------------------------

def test_deferral_search_close_and_open(httpd, env):
    s = unpaid_student(env, "04")
    r = through_the_gate(httpd, env, "deferral", "/lx/deferral/search", {"q": s}, "deferral")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"s={s}")
    gate = f"""SELECT count(*) FROM lx.override o JOIN lx.student s ON s.id = o.student_id
                WHERE s.student_no = '{s}'"""
    r = through_the_gate(httpd, env, "deferral", "/lx/deferral/close",
                         {"s": s, "note": "缓交证明 C-1"}, "deferral")
    assert r.status_code == 303 and env.cluster.psql(gate) == [["1"]]
    r = through_the_gate(httpd, env, "deferral", "/lx/deferral/open", {"s": s}, "deferral")
    assert r.status_code == 303 and env.cluster.psql(gate) == [["0"]]


# ---- the administrator's changes: each pair leaves the configuration as it found it ---------

def admin_change(httpd, env, action, fields):
    r = through_the_gate(httpd, env, "admin", f"/lx/admin/{action}", fields, "admin")
    assert r.status_code == 303, (action, r.status_code, r.text[:500])


def one(env, sql):
    return env.cluster.psql(sql)[0][0]


def test_admin_operator_and_assignment(httpd, env):
    login = "op_csrf_" + uuid.uuid4().hex[:6]
    exists = f"SELECT count(*) FROM lx.operator WHERE login = '{login}'"
    assigned = f"SELECT count(*) FROM lx.operator_point WHERE login = '{login}'"
    admin_change(httpd, env, "operator", {"login": login, "name": "跨站测试", "active": "1"})
    assert one(env, exists) == "1"
    admin_change(httpd, env, "assign", {"login": login, "point": "library"})
    assert one(env, assigned) == "1"
    admin_change(httpd, env, "unassign", {"login": login, "point": "library"})
    assert one(env, assigned) == "0"
    admin_change(httpd, env, "operator-delete", {"login": login})
    assert one(env, exists) == "0"


def test_admin_point_and_step(httpd, env):
    doc = ET.fromstring(httpd.get("/lx/admin?tab=steps&format=xml", user="admin").content)
    point = doc.find("admin/point[@code='network']")
    fields = {"code": "network", "name": point.get("name"), "location": point.get("location")}
    admin_change(httpd, env, "point", dict(fields, location="临时地点"))
    assert one(env, "SELECT location FROM lx.point WHERE code = 'network'") == "临时地点"
    admin_change(httpd, env, "point", fields)
    assert one(env, "SELECT location FROM lx.point WHERE code = 'network'") \
        == point.get("location")

    sw = doc.find("admin/step[@code='switch_return']")
    fields = {"code": "switch_return", "name": sw.get("name"), "hint": sw.get("hint") or "",
              **{f"mode.{m}": "1" for m in sw.get("modes").split()},
              **{f"when.{f}": "1" for f in (sw.get("applies-when") or "").split()},
              **{f"unless.{f}": "1" for f in (sw.get("applies-unless") or "").split()}}
    admin_change(httpd, env, "step", dict(fields, hint="临时说明"))
    assert one(env, "SELECT hint FROM lx.step WHERE code = 'switch_return'") == "临时说明"
    admin_change(httpd, env, "step", fields)
    assert one(env, "SELECT hint FROM lx.step WHERE code = 'switch_return'") \
        == (sw.get("hint") or "")


def test_admin_prerequisite(httpd, env):
    pair = {"step": "library_deposit", "requires": "switch_return"}
    admin_change(httpd, env, "prereq", pair)
    assert one(env, "SELECT count(*) FROM lx.step_prereq") == "1"
    admin_change(httpd, env, "prereq-delete", pair)
    assert one(env, "SELECT count(*) FROM lx.step_prereq") == "0"


def test_admin_cohort_step_and_certificate(httpd, env):
    ug = one(env, "SELECT id FROM lx.cohort WHERE programme = 'ug' AND NOT closed "
                  "ORDER BY year DESC LIMIT 1")
    refund = f"""SELECT count(*) FROM lx.cohort_step cs JOIN lx.step s ON s.id = cs.step_id
                  WHERE s.code = 'refund' AND cs.cohort_id = {ug}"""
    admin_change(httpd, env, "cohort-step", {"cohort": ug, "step": "refund", "on": "1"})
    assert one(env, refund) == "1"
    admin_change(httpd, env, "cohort-step", {"cohort": ug, "step": "refund"})
    assert one(env, refund) == "0"
    issued = (f"SELECT count(*) FROM lx.cohort_certificate WHERE cohort_id = {ug} "
              f"AND certificate = 'registration'")
    assert one(env, issued) == "0"
    admin_change(httpd, env, "cohort-certificate",
                 {"cohort": ug, "certificate": "registration", "on": "1"})
    assert one(env, issued) == "1"
    admin_change(httpd, env, "cohort-certificate", {"cohort": ug, "certificate": "registration"})
    assert one(env, issued) == "0"


def test_admin_next_cohort_then_closed(httpd, env):
    # graduates: the undergraduates' next cohort is test_deferral_admin's
    pg = one(env, "SELECT id FROM lx.cohort WHERE programme = 'pg' AND NOT closed "
                  "ORDER BY year DESC LIMIT 1")
    admin_change(httpd, env, "cohort-next", {"cohort": pg})
    nxt = one(env, "SELECT id FROM lx.cohort WHERE programme = 'pg' ORDER BY year DESC LIMIT 1")
    assert nxt != pg
    admin_change(httpd, env, "cohort-close", {"cohort": nxt})
    assert one(env, f"SELECT closed FROM lx.cohort WHERE id = {nxt}") == "t"


# ---- the uploads (multipart) ----------------------------------------------------------------

def test_roster_upload(httpd, env):
    no = "2026780001"
    roster = "\n".join([HEADER_ZH, row(no, cls="CSRF-1", cls_name="跨站1班",
                                       building="C1栋")]).encode()
    r = through_the_gate(httpd, env, "admin", "/lx/admin/import?format=xml",
                         {"encoding": "auto"}, "admin",
                         files=lambda: {"file": ("roster.csv", roster, "text/csv")})
    assert r.status_code == 200, r.text[-500:]
    assert one(env, f"SELECT count(*) FROM lx.student WHERE student_no = '{no}'") == "1"


def test_feed_upload(httpd, env):
    _, (s,) = make_class(env, "05", 1)
    content = f"学号,借阅册数,欠款\n{s},0,0\n".encode()
    r = through_the_gate(httpd, env, "admin", "/lx/admin/feed?format=xml",
                         {"purpose": "library"}, "admin",
                         files=lambda: {"file": ("feed.csv", content, "text/csv")})
    assert r.status_code == 200, r.text[-500:]
    assert state(env, s, "library_books") == "done"


def test_feeds_take_no_login_as_their_token(httpd, env):
    """What a browser logged in as admin could be made to send: refused, nothing changed."""
    _, (s,) = make_class(env, "05", 1)
    before = snapshot(env)
    for ctype in ("application/json", "text/plain"):
        r = httpd.request("POST", "/lx/api/v1/feeds/library", user="admin",
                          data=f'{{"records": [{{"student_no": "{s}", "loans": 0, "fines": 0}}]}}',
                          headers={"Content-Type": ctype, "Origin": "https://evil.example"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    assert changed_tables(before, snapshot(env)) == []
