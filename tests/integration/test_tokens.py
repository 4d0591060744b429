"""API tokens issued, listed (with their last use) and revoked in /lx/admin (issue 21): the
token is shown once and never stored, its last use is written at most once a minute, a
revoked token is refused at once, and every change is in the event log."""
import re
import uuid
import xml.etree.ElementTree as ET


def admin_doc(httpd, tab="tokens"):
    r = httpd.get(f"/lx/admin?tab={tab}&format=xml", user="admin")
    assert r.status_code == 200, r.text[:300]
    return ET.fromstring(r.content).find("admin")


def post(httpd, action, fields, xml=True):
    data = {"csrf": admin_doc(httpd).get("csrf"), "rid": uuid.uuid4().hex, **fields}
    return httpd.request("POST", f"/lx/admin/{action}" + ("?format=xml" if xml else ""),
                         user="admin", data=data)


def status(httpd, token, no="2022010002"):
    return httpd.get(f"/lx/api/v1/students/{no}/status",
                     headers={"Authorization": f"Bearer {token}"})


def listed(httpd, tid):
    (row,) = [t for t in admin_doc(httpd).findall("token") if t.get("id") == tid]
    return row


def test_issue_use_and_revoke_a_token(httpd, env):
    r = post(httpd, "token-issue", {"purpose": "portal", "name": "学校门户 测试"})
    assert r.status_code == 200, r.text[:500]
    assert r.headers["Cache-Control"] == "no-store"
    issued = ET.fromstring(r.content).find("admin/issued")
    tid, token = issued.get("id"), issued.get("token")
    assert re.fullmatch(r"[0-9a-f]{64}", token)
    # only its SHA-256 is stored; the list never shows the token again
    assert env.cluster.psql(f"SELECT encode(token_hash, 'hex') = encode(sha256('{token}'), 'hex')"
                            f" FROM lx.api_token WHERE id = {tid}") == [["t"]]
    assert token not in httpd.get("/lx/admin?tab=tokens&format=xml", user="admin").text
    html = post(httpd, "token-issue", {"purpose": "library", "name": "图书馆 测试"}, xml=False).text
    assert "只显示这一次" in html
    row = listed(httpd, tid)
    assert row.get("active") == "1" and row.get("created-by") == "admin"
    assert row.get("last-used") is None

    # the first call records the use; calls within the minute write nothing
    assert status(httpd, token).status_code == 200
    first = env.cluster.psql(f"SELECT last_used_at FROM lx.api_token WHERE id = {tid}")
    assert first != [[""]]
    assert status(httpd, token).status_code == 200
    assert env.cluster.psql(f"SELECT last_used_at FROM lx.api_token WHERE id = {tid}") == first
    assert listed(httpd, tid).get("last-used")
    # a minute later, the next call records it again
    env.cluster.psql(f"UPDATE lx.api_token SET last_used_at = now() - interval '61 seconds'"
                     f" WHERE id = {tid}")
    assert status(httpd, token).status_code == 200
    assert env.cluster.psql(f"SELECT now() - last_used_at < interval '10 seconds'"
                            f" FROM lx.api_token WHERE id = {tid}") == [["t"]]

    # revoked: refused from the next request on
    r = post(httpd, "token-revoke", {"id": tid}, xml=False)
    assert r.status_code == 303
    r = status(httpd, token)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    row = listed(httpd, tid)
    assert row.get("active") == "0" and row.get("revoked-by") == "admin" and row.get("revoked")
    # a second revocation is refused in place
    r = post(httpd, "token-revoke", {"id": tid}, xml=False)
    assert r.status_code == 404 and "没有这个令牌，或已吊销" in r.text
    notes = [n for (n,) in env.cluster.psql(
        "SELECT note FROM lx.event WHERE kind = 'config' AND login = 'admin'"
        f" AND note LIKE '%令牌 #{tid}%' ORDER BY id")]
    assert notes == [f"签发接口令牌 #{tid}（学校门户 测试，用途 portal）",
                     f"吊销接口令牌 #{tid}（学校门户 测试，用途 portal）"]
    # the token is in no log
    logs = (env.base / "log").glob("*")
    assert not any(token in p.read_text(errors="replace") for p in logs if p.is_file())


def test_a_token_needs_a_purpose_and_a_name(httpd):
    r = post(httpd, "token-issue", {"purpose": "everything", "name": "x"}, xml=False)
    assert r.status_code == 400 and "请选择令牌的用途" in r.text
    r = post(httpd, "token-issue", {"purpose": "bank", "name": ""}, xml=False)
    assert r.status_code == 400 and "请填写令牌名称" in r.text
    assert 'value="bank" selected' in r.text or 'selected="selected"' in r.text


def test_only_administrators_issue_tokens(httpd):
    data = {"csrf": "x", "rid": uuid.uuid4().hex, "purpose": "portal", "name": "x"}
    r = httpd.request("POST", "/lx/admin/token-issue", user="op_finance", data=data)
    assert r.status_code in (400, 403)
    assert httpd.get("/lx/admin?tab=tokens", user="op_finance").status_code == 403
