"""The JSON API: the portal's status lookup and the library, finance and bank feeds."""
import json
import secrets

import pytest

from data import events, lx_app_statements, make_class, state

TOKENS = {}


@pytest.fixture(scope="module")
def tokens(env):
    if not TOKENS:
        for purpose in ("portal", "library", "finance", "bank"):
            tok = f"lx_{purpose}_" + secrets.token_urlsafe(24)
            env.cluster.psql(f"SET ROLE lx_owner; SELECT lx.token_add('{purpose}', 'test', '{tok}')")
            TOKENS[purpose] = tok
    return TOKENS


def bearer(tok):
    return {"Authorization": f"Bearer {tok}"}


def status(httpd, no, headers=None, user=None):
    return httpd.get(f"/lx/api/v1/students/{no}/status", user=user, headers=headers or {})


def feed(httpd, purpose, doc, tok, ctype="application/json"):
    body = doc if isinstance(doc, (str, bytes)) else json.dumps(doc)
    return httpd.request("POST", f"/lx/api/v1/feeds/{purpose}", data=body,
                         headers=dict(bearer(tok), **{"Content-Type": ctype}))


def error_code(r):
    assert r.headers["Content-Type"].startswith("application/json")
    return r.json()["error"]["code"]


# ---- the portal's status lookup -----------------------------------------------------------

def test_a_status_lookup_is_one_statement(httpd, env, tokens):
    """Issue 23: the portal's lookup cost two round trips (the token, then the rows); the token's
    check and the rows are one statement now, with the same answers for a token of another
    purpose (403), an unknown token (401) and an unknown student (404)."""
    status(httpd, "2022010002", bearer(tokens["portal"]))      # the token's last use written
    env.cluster.psql("SELECT pg_stat_statements_reset()")
    for _ in range(20):
        assert status(httpd, "2022010002", bearer(tokens["portal"])).status_code == 200
    assert lx_app_statements(env) == 20
    assert error_code(status(httpd, "2022010002", bearer(tokens["library"]))) == "forbidden"
    assert error_code(status(httpd, "2022010002", bearer("x" * 40))) == "unauthenticated"
    assert error_code(status(httpd, "2099999999", bearer(tokens["portal"]))) == "not_found"


def test_status_for_the_portal(httpd, tokens):
    r = status(httpd, "2022010002", bearer(tokens["portal"]))
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    doc = r.json()
    assert doc["student"]["student_no"] == "2022010002"
    assert doc["cleared"] is False
    codes = [s["step"] for s in doc["steps"]]
    assert "library_books" in codes and "switch_return" not in codes      # na left out
    assert {"step", "name", "point", "point_name", "state", "at", "optional"} <= set(doc["steps"][0])
    assert any(x["step"] == "library_books" and x["location"] for x in doc["left"])
    assert doc["required_done"] < doc["required_steps"]
    cleared = status(httpd, "2022010001", bearer(tokens["portal"])).json()
    assert cleared["cleared"] is True and cleared["left"] == []


def test_status_for_the_student_themself_only(httpd, tokens):
    assert status(httpd, "2022010002", user="2022010002").status_code == 200
    r = status(httpd, "2022010002", user="2022010001")
    assert r.status_code == 403 and error_code(r) == "forbidden"
    r = status(httpd, "2022010002", user="op_library")
    assert r.status_code == 403


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-wrong-token-wrong-token"},
                                     {"Authorization": "Bearer short"},
                                     {"Authorization": "Token abc"}])
def test_status_without_valid_credentials_is_401(httpd, headers):
    r = status(httpd, "2022010002", headers)
    assert r.status_code == 401 and error_code(r) == "unauthenticated"
    assert "Bearer" in r.headers["WWW-Authenticate"]


def test_other_systems_tokens_cannot_read_status(httpd, tokens):
    for purpose in ("library", "finance", "bank"):
        r = status(httpd, "2022010002", bearer(tokens[purpose]))
        assert r.status_code == 403 and error_code(r) == "forbidden"


def test_unknown_student_and_route(httpd, tokens):
    r = status(httpd, "2099999999", bearer(tokens["portal"]))
    assert r.status_code == 404 and error_code(r) == "not_found"
    r = httpd.get("/lx/api/v1/nothing", headers=bearer(tokens["portal"]))
    assert r.status_code == 404 and error_code(r) == "not_found"
    r = httpd.request("POST", "/lx/api/v1/students/2022010002/status",
                      headers=bearer(tokens["portal"]))
    assert r.status_code == 405 and error_code(r) == "method_not_allowed"


# ---- feeds --------------------------------------------------------------------------------

def test_library_feed_takes_effect_at_once(httpd, env, tokens):
    _, (a, b) = make_class(env, "03", 2)
    assert state(env, a, "library_books") == "pending"          # no record yet
    r = feed(httpd, "library", {"records": [{"student_no": a, "loans": 0, "fines": 0},
                                            {"student_no": b, "loans": 2, "fines": 3.5}]},
             tokens["library"])
    assert r.status_code == 200 and r.json()["ok"] is True
    assert state(env, a, "library_books") == "done"
    assert state(env, b, "library_books") == "pending"
    page = httpd.get(f"/lx/student/{b}?format=xml", user="admin").text
    assert 'loans="2"' in page and 'fines="3.50"' in page
    # a new debt makes it pending again; paying makes it done, each logged as a feed
    feed(httpd, "library", {"records": [{"student_no": a, "loans": 1, "fines": 0}]},
         tokens["library"])
    assert state(env, a, "library_books") == "pending"
    feed(httpd, "library", {"records": [{"student_no": a, "loans": 0, "fines": 0}]},
         tokens["library"])
    assert state(env, a, "library_books") == "done"
    logins = env.cluster.psql(f"""SELECT e.login, e.kind, e.new_state FROM lx.event e
        JOIN lx.student s ON s.id = e.student_id WHERE s.student_no = '{a}'
         AND e.step_id = (SELECT id FROM lx.step WHERE code = 'library_books') ORDER BY e.id""")
    assert logins == [["feed:library", "feed", "done"], ["feed:library", "feed", "pending"],
                      ["feed:library", "feed", "done"]]


def test_finance_feed_and_the_gate(httpd, env, tokens):
    _, (s,) = make_class(env, "03", 1)
    r = feed(httpd, "finance", {"records": [{"student_no": s, "arrears": 1200.5}]},
             tokens["finance"])
    assert r.status_code == 200 and state(env, s, "arrears") == "pending"
    r = feed(httpd, "finance", {"records": [{"student_no": s, "arrears": 0}]}, tokens["finance"])
    assert r.status_code == 200 and state(env, s, "arrears") == "done"


def test_bank_feed_only_proposes(httpd, env, tokens):
    _, (s,) = make_class(env, "03", 1, source_loan=True)
    r = feed(httpd, "bank", {"records": [{"student_no": s, "repaid": True}]}, tokens["bank"])
    assert r.status_code == 200
    assert state(env, s, "source_loan") == "pending"
    proposed = env.cluster.psql(f"""SELECT ss.proposed FROM lx.step_state ss
        JOIN lx.student st ON st.id = ss.student_id WHERE st.student_no = '{s}'
         AND ss.step_id = (SELECT id FROM lx.step WHERE code = 'source_loan')""")[0][0]
    assert proposed == "t"


def test_bad_feed_documents_change_nothing(httpd, env, tokens):
    _, (s,) = make_class(env, "03", 1)
    before = events(env, [s])
    doc = {"records": [{"student_no": s, "loans": 0, "fines": 0},
                       {"student_no": "2099999999", "loans": 0, "fines": 0},
                       {"student_no": s, "loans": -1, "fines": "x"}]}
    r = feed(httpd, "library", doc, tokens["library"])
    assert r.status_code == 400 and error_code(r) == "invalid_records"
    items = r.json()["error"]["items"]
    found = {(i["index"], i["code"]) for i in items}
    assert (1, "unknown_student") in found and (2, "bad_number") in found
    assert (2, "bad_amount") in found and (0, "duplicate") in found
    assert all(i["message"] for i in items)
    assert state(env, s, "library_books") == "pending" and events(env, [s]) == before
    for body in ("{", "[]", '{"records": {}}', "null", '{"records": [1]}'):
        r = feed(httpd, "library", body, tokens["library"])
        assert r.status_code == 400, body
        assert error_code(r) in ("bad_json", "invalid_records"), body
    r = feed(httpd, "library", "{}", tokens["library"], ctype="text/plain")
    assert r.status_code == 415 and error_code(r) == "unsupported_media_type"


@pytest.mark.parametrize("purpose,token_of,status_code", [
    ("library", None, 401), ("library", "wrong", 401), ("library", "finance", 403),
    ("finance", "library", 403), ("bank", "portal", 403), ("library", "library", 200)])
def test_feed_tokens(httpd, env, tokens, purpose, token_of, status_code):
    _, (s,) = make_class(env, "04", 1)
    tok = {None: None, "wrong": "x" * 40}.get(token_of, tokens.get(token_of))
    headers = {"Content-Type": "application/json"}
    if tok:
        headers.update(bearer(tok))
    doc = {"records": [{"student_no": s, "loans": 0, "fines": 0}]} if purpose == "library" \
        else {"records": []}
    r = httpd.request("POST", f"/lx/api/v1/feeds/{purpose}", data=json.dumps(doc),
                      headers=headers)
    assert r.status_code == status_code
    if status_code != 200:
        assert error_code(r) in ("unauthenticated", "forbidden")
        assert state(env, s, "library_books") == "pending"
