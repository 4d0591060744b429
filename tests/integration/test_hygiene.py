"""Request hygiene (issue 19): no token in a URL (refused by the API, scrubbed from the access
log), a POST's body read before the database is taken (slow uploads stall no page), slow
clients cut off by mod_reqtimeout, a cross-site Referer refused when Origin and Sec-Fetch-Site
are absent, and a CSRF token valid for decades refused."""
import base64
import re
import socket
import threading
import time

import pytest

from data import make_class
from desk import csrf_of, forge_token
from test_api import bearer, error_code, tokens  # noqa: F401 (tokens: a fixture)

SECRET_LIKE = "lxLEAKCHECK" + "q" * 30      # a value that must never reach a log


def access_log(env):
    return (env.base / "log" / "access_log").read_text(errors="replace")


def logged(env, marker, count, timeout=5):
    """The access log's lines holding marker, once count of them are there (httpd writes a
    line after its answer), or when timeout passed."""
    deadline = time.time() + timeout
    while True:
        lines = [ln for ln in access_log(env).splitlines() if marker in ln]
        if len(lines) >= count or time.time() > deadline:
            return lines
        time.sleep(0.1)


# ---- a. tokens in the query string ----------------------------------------------------------

@pytest.mark.parametrize("name", ["access_token", "token", "Bearer", "api_key", "access%5Ftoken"])
def test_api_refuses_a_token_in_the_query_whatever_else_comes(httpd, env, tokens, name):
    marker = f"m{time.time_ns()}"
    url = f"/lx/api/v1/students/2022010002/status?{marker}=1&{name}={SECRET_LIKE}"
    for headers, user in [({}, None), (bearer(tokens["portal"]), None), ({}, "2022010002")]:
        r = httpd.get(url, headers=headers, user=user)
        assert r.status_code == 400 and error_code(r) == "token_in_query", (headers, r.text)
    r = httpd.request("POST", f"/lx/api/v1/feeds/library?{marker}=2&{name}={SECRET_LIKE}",
                      data='{"records": []}',
                      headers=dict(bearer(tokens["library"]), **{"Content-Type": "application/json"}))
    assert r.status_code == 400 and error_code(r) == "token_in_query"
    lines = logged(env, marker, 4)
    assert len(lines) == 4, lines
    assert all("REDACTED" in ln for ln in lines), lines
    assert SECRET_LIKE not in access_log(env)


def test_no_token_value_in_the_access_log_even_when_refused_before_the_module(httpd, env,
                                                                            logcheck):
    logcheck.expect(r"AH01617: user 2022010002: authentication failure")
    marker = f"m{time.time_ns()}"
    # Apache refuses the wrong password (401) before the handler runs; a page takes no token
    r = httpd.get(f"/lx/api/v1/students/2022010002/status?{marker}=1&access_token={SECRET_LIKE}",
                  user="2022010002", password="wrong")
    assert r.status_code == 401
    r = httpd.get(f"/lx/?{marker}=2;token={SECRET_LIKE}", user="2022010002")
    assert r.status_code == 200
    lines = logged(env, marker, 2)
    assert len(lines) == 2 and all("REDACTED" in ln for ln in lines), lines
    assert SECRET_LIKE not in access_log(env)
    assert SECRET_LIKE not in (env.base / "log" / "error_log").read_text(errors="replace")


# ---- b. a POST's body before the database ---------------------------------------------------

def slow_upload(port, chunked):
    """A socket that sent an upload's headers and the start of its body, then stalls."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    auth = base64.b64encode(b"admin:demo").decode()
    start = (b"--XyZ\r\nContent-Disposition: form-data; name=\"encoding\"\r\n\r\nauto\r\n"
             b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.csv\"\r\n\r\n")
    length = "Transfer-Encoding: chunked" if chunked else "Content-Length: 4000000"
    s.sendall((f"POST /lx/admin/import HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Authorization: Basic {auth}\r\n"
               f"Content-Type: multipart/form-data; boundary=XyZ\r\n{length}\r\n\r\n").encode())
    s.sendall(b"%x\r\n%s\r\n" % (len(start), start) if chunked else start)
    return s


def test_slow_uploads_stall_no_page(httpd, env):
    """More stalled uploads than the process has database slots (LixiaoDBSlots 10): pages and
    forms are still answered at once.  Before, each upload took a slot and a connection before
    reading its body, and the page waited 10 s for a slot, then got 503."""
    _, (s,) = make_class(env, "01", 1)
    token = csrf_of(httpd, "op_college_01")
    uploads = [slow_upload(httpd.port, chunked=i % 3 == 0) for i in range(14)]
    try:
        time.sleep(1)                       # every upload is at the module, reading
        t0 = time.time()
        page = httpd.get("/lx/", user="2022010002", timeout=30)
        form = httpd.request("POST", "/lx/op/search", user="op_college_01", timeout=30,
                             data={"at": "college:01", "q": s, "csrf": token})
        elapsed = time.time() - t0
        assert page.status_code == 200, page.status_code
        assert form.status_code == 303, form.status_code
        assert elapsed < 5, elapsed
    finally:
        for u in uploads:
            u.close()


def test_upload_refused_before_the_database_keeps_its_messages(httpd, env):
    """The pre-read keeps the upload's answers: 413 for too big, 403 for a bad token."""
    r = httpd.request("POST", "/lx/admin/import", user="admin",
                      files={"file": ("r.csv", b"x", "text/csv")}, data={"csrf": "x"})
    assert r.status_code == 403 and "表单校验失败" in r.text
    r = httpd.request("POST", "/lx/admin/import", user="admin", data={"csrf": "x"})
    assert r.status_code == 415 and "请通过导入页面的表单上传文件" in r.text


# ---- c. slow headers: mod_reqtimeout --------------------------------------------------------

def header_timeout(env):
    conf = (env.base / "conf" / "httpd.conf").read_text()
    m = re.search(r"^RequestReadTimeout .*header=(\d+)", conf, re.M)
    assert m, "RequestReadTimeout not configured"
    return int(m.group(1))


def cut_off_after(sock, trickle, limit):
    """Seconds until httpd closed sock (or answered 408), sending a byte a second when trickle;
    None when it was still open at limit."""
    t0 = time.time()
    sock.settimeout(1)
    while time.time() - t0 < limit:
        try:
            if trickle:
                sock.sendall(b"a")
            data = sock.recv(4096)
            if not data or b" 408 " in data:
                return time.time() - t0
        except socket.timeout:
            continue
        except OSError:
            return time.time() - t0
    return None


def test_slow_headers_are_cut_off(httpd, env):
    configured = header_timeout(env)
    results = {}

    def client(name, trickle):
        s = socket.create_connection(("127.0.0.1", httpd.port), timeout=5)
        try:
            s.sendall(b"GET /lx/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            results[name] = cut_off_after(s, trickle, configured + 15)
        finally:
            s.close()

    threads = [threading.Thread(target=client, args=(n, t)) for n, t in
               [("trickle", True), ("stalled", False)]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(configured + 30)
    for name in ("trickle", "stalled"):
        assert results.get(name) is not None, (name, results)
        # within the configured header time (a byte a second earns no extension at 500 B/s),
        # and well before httpd's Timeout (30 s), which alone would cut the stalled one
        assert results[name] < configured + 5, (name, results)


# ---- d. Referer when Origin and Sec-Fetch-Site are absent ----------------------------------

def test_cross_site_referer_refused_without_origin(httpd, env):
    _, (s,) = make_class(env, "01", 1)
    token = csrf_of(httpd, "op_college_01")
    fields = {"at": "college:01", "q": s, "csrf": token}
    for referer in ["https://evil.example/page", "http://127.0.0.1:1/lx/op", "not a url"]:
        r = httpd.request("POST", "/lx/op/search", user="op_college_01", data=fields,
                          headers={"Referer": referer})
        assert r.status_code == 403 and "请求来自其他网站" in r.text, referer
    for headers in [{"Referer": httpd.url + "/lx/op?at=college:01"}, {}]:
        r = httpd.request("POST", "/lx/op/search", user="op_college_01", data=fields,
                          headers=headers)
        assert r.status_code == 303, (headers, r.status_code)


# ---- e. a CSRF token's expiry is capped -----------------------------------------------------

def test_far_future_csrf_token_refused(httpd, env):
    _, (s,) = make_class(env, "01", 1)
    now = int(time.time())
    fields = {"at": "college:01", "q": s}
    for ahead in (10 ** 9, 12 * 3600 + 3600):
        r = httpd.request("POST", "/lx/op/search", user="op_college_01", data=dict(
            fields, csrf=forge_token(env, "op_college_01", "desk", now + ahead)))
        assert r.status_code == 403 and "表单校验失败" in r.text, ahead
    # what the module issues (12 h) still passes
    r = httpd.request("POST", "/lx/op/search", user="op_college_01", data=dict(
        fields, csrf=forge_token(env, "op_college_01", "desk", now + 12 * 3600)))
    assert r.status_code == 303
