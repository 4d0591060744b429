"""Bad input (issue 8 part 3): student numbers and resident ID numbers, names and notes with
SQL metacharacters, CR/LF, NUL, invalid UTF-8 and very long strings, oversize bodies (with
Content-Length and chunked), too many fields, duplicate keys, wrong Content-Type, batches over
the cap.  Each gets a clear error or is handled correctly: never a 5xx, never a partial write.
Resident ID numbers never appear in a URL or, unmasked, in ?format=xml (the logs are checked
at the end of the session: conftest.py, idleak.py).
"""
import json
import re
import socket
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import pytest

from authz import World, fingerprint, set_state
from data import resident_id

OP = "op_college_01"
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def id_ending_in_x(env, year):
    """A valid resident ID number of someone born in year whose check character is X, that
    no student of the session holds yet (data.make_class makes numbers of the same shape: a
    search by it must find one student)."""
    taken = {r[0] for r in env.cluster.psql(
        f"SELECT id_number FROM lx.student WHERE id_number LIKE '430102{year}%X'")}
    # every date of the year and sequence number, not a thousand of them: test_import's
    # rosters take hundreds of numbers of this shape, and after it none of a thousand was free
    for seq in range(1000):
        for day in range(12 * 28):
            idn = resident_id(f"430102{year}{day // 28 + 1:02d}{day % 28 + 1:02d}{seq:03d}")
            if idn.endswith("X") and idn not in taken:
                return idn
    raise AssertionError("no X")


@pytest.fixture(scope="module")
def world(env):
    w = World(env)
    # one student of ours whose number ends in X, for the lowercase search
    idn = id_ending_in_x(env, "2002")
    env.cluster.psql(f"UPDATE lx.student SET id_number = '{idn}' WHERE student_no = '{w.a[0]}'")
    w.x_id = idn
    w.ids = {no: env.cluster.psql(f"SELECT id_number FROM lx.student WHERE student_no = '{no}'")[0][0]
             for no in w.a + w.b}
    return w


def post(world, user, path, fields, action, headers=None, raw=None, **kw):
    data = dict(fields)
    data.setdefault("csrf", world.csrf(user, action))
    data.setdefault("rid", uuid.uuid4().hex)
    if raw is not None:
        body = raw(data)
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return world.env.httpd.request("POST", path, user=user, data=body, headers=h, **kw)
    return world.env.httpd.request("POST", path, user=user, data=data, headers=headers or {}, **kw)


def encoded(pairs):
    """A form body from (key, value) pairs already %-encoded as the test wants them."""
    return "&".join(f"{k}={v}" for k, v in pairs).encode()


def q(s):
    return urllib.parse.quote(s, safe="")


def assert_clean(r, *secrets):
    assert r.status_code < 500, (r.status_code, r.text[:400])
    loc = r.headers.get("Location", "")
    for s in secrets:
        if s:
            assert s not in loc and s not in r.text, "an ID number came back"
            assert s.lower() not in loc.lower()


# ---- searching by student number and resident ID number -----------------------------------

def bad_ids():
    ok17 = "43010220030412"
    return {
        "bad-check-digit": ("4301022003041211" + "10")[:18],
        "30-february": resident_id("43010220030230123"),
        "future-birth": resident_id("43010220990101123"),
        "legacy-15-digit": "430102030412123",
        "overlong-19": resident_id(ok17 + "123") + "1",
        "letters": "43010220030412ABCD",
        "x-in-the-middle": "4301022003X4121234",
    }


def _message(r):
    doc = ET.fromstring(r.content)
    return " ".join(n.get("text") or n.text or "" for n in doc.iter("notice"))


@pytest.mark.parametrize("case", sorted(bad_ids()))
def test_desk_search_refuses_bad_id_numbers_clearly(httpd, world, case):
    value = bad_ids()[case]
    if case == "bad-check-digit":
        good = resident_id(value[:17])
        value = value[:17] + ("1" if good[17] != "1" else "2")
    r = post(world, OP, "/lx/op/search?format=xml", {"q": value}, "desk")
    assert r.status_code == 400, (case, r.status_code, r.text[:300])
    assert_clean(r, value)
    assert _message(r), "no reason given"
    expected = {"bad-check-digit": "校验位", "30-february": "出生日期不存在",
                "future-birth": "晚于今天", "legacy-15-digit": "18 位",
                "overlong-19": "18 位", "letters": "17 位数字",
                "x-in-the-middle": "17 位数字"}[case]
    assert expected in _message(r), (case, _message(r))


def test_desk_search_by_id_number_lowercase_x_and_full_width(httpd, world):
    no, idn = world.a[0], world.x_id
    for typed in (idn, idn.lower(), idn.translate(FULLWIDTH), f"  {idn.lower()}  ",
                  idn[:17].translate(FULLWIDTH) + "x"):
        r = post(world, OP, "/lx/op/search", {"q": typed}, "desk")
        assert r.status_code == 303, (typed, r.status_code, r.text[:300])
        assert r.headers["Location"].endswith(f"&s={no}"), r.headers["Location"]
        assert_clean(r, idn)
    # a full-width student number is the student number
    r = post(world, OP, "/lx/op/search", {"q": no.translate(FULLWIDTH)}, "desk")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"&s={no}")


def test_deferral_search_by_id_number(httpd, world):
    no, idn = world.a[0], world.x_id
    for typed in (idn.lower(), idn.translate(FULLWIDTH)):
        r = post(world, "deferral", "/lx/deferral/search", {"q": typed}, "deferral")
        assert r.status_code == 303 and r.headers["Location"].endswith(f"s={no}"), \
            (typed, r.status_code, r.headers.get("Location"))
        assert_clean(r, idn)
    for case, value in bad_ids().items():
        if case == "bad-check-digit":
            value = value[:17] + ("1" if resident_id(value[:17])[17] != "1" else "2")
        r = post(world, "deferral", "/lx/deferral/search?format=xml", {"q": value}, "deferral")
        assert r.status_code == 400, (case, r.status_code)
        assert_clean(r, value)


@pytest.mark.parametrize("text", [
    "'; DROP TABLE lx.student; --", "\" OR 1=1 --", "%", "_", "\\", "李%", "a' || pg_sleep(5) --",
    "测试\r\n姓名", "\t", "$1", "::text", "<script>alert(1)</script>", "]]>&amp;", "测" * 60,
])
def test_desk_search_by_name_with_metacharacters(httpd, env, world, text):
    before = fingerprint(env)
    r = post(world, OP, "/lx/op/search?format=xml", {"q": text}, "desk", timeout=10)
    # only white space: "type a number or a name" (400); anything else is a name to look for:
    # a list (200), or the one student it names (303; test_import's roster has hostile names)
    assert r.status_code in ((400,) if not text.strip() else (200, 303)), (text, r.status_code)
    if text.strip() in ("%", "_", "\\", "李%"):
        # LIKE's wildcards are only characters: only a name that starts with them is found
        if r.status_code == 303:
            no = re.search(r"[?&]s=(\d+)", r.headers["Location"]).group(1)
            found = [bytes.fromhex(env.cluster.psql(
                "SELECT encode(convert_to(name, 'UTF8'), 'hex') FROM lx.student"
                f" WHERE student_no = '{no}'")[0][0]).decode()]
        else:
            found = [m.get("name") for m in ET.fromstring(r.content).findall(".//match")]
        assert all(n.startswith(text.strip()) for n in found), (text, found)
    elif r.status_code == 200:
        ET.fromstring(r.content)    # well-formed
    assert fingerprint(env) == before


@pytest.mark.parametrize("raw,why", [
    ("%00", "NUL"), ("a%00b", "NUL"), ("%FF%FE", "invalid UTF-8"), ("%C0%AF", "overlong UTF-8"),
    ("%ED%A0%80", "surrogate"), ("%1B%5B31m", "escape"), ("%", "bad escape"), ("%zz", "bad escape"),
])
def test_desk_search_refuses_nul_and_bad_bytes(httpd, world, raw, why):
    body = lambda d: encoded([("csrf", q(d["csrf"])), ("rid", d["rid"]), ("q", raw)])  # noqa
    r = post(world, OP, "/lx/op/search", {}, "desk", raw=body)
    assert r.status_code == 400, (why, r.status_code)
    assert "系统内部出错" not in r.text


def test_search_too_long_and_overlong_numbers(httpd, world):
    for text in ("2" * 11, "2" * 30, "9" * 200, "测" * 61):
        r = post(world, OP, "/lx/op/search?format=xml", {"q": text}, "desk")
        assert r.status_code == 400, (text[:20], r.status_code)
        assert _message(r)


# each answer exactly: a page of its own kind with the message in place (200), or the error
# page (400: a parameter that cannot be meant, 404: no such student or page)
@pytest.mark.parametrize("path,status", [
    ("/lx/student/２０２２０１０００１", 404), ("/lx/student/20220100011", 404),
    ("/lx/student/202201000", 404), ("/lx/student/2022010001%00", 404),
    ("/lx/student/%FF", 404), ("/lx/student/2022010001;", 404), ("/lx/student/-1", 404),
    ("/lx/student/2022010001/x", 404), ("/lx/student/' OR '1'='1", 404),
    ("/lx/op?s=２０２２０１０００１", 200), ("/lx/op?s=%00", 200), ("/lx/op?s=%FF", 200),
    ("/lx/op/batch?step=instruments&mode=class&s=%00", 400),
    ("/lx/op/batch?step=a%27b&mode=class&s=2022010001", 400), ("/lx/deferral?s=2022%00", 200),
    ("/lx/admin?tab=events&student=%27", 200), ("/lx/admin?tab=events&from=2026-02-30", 200),
    ("/lx/admin?tab=events&from=9999-99-99", 200), ("/lx/admin?tab=events&login=%FF", 200),
    ("/lx/stats?cohort=1%27", 400), ("/lx/stats?college=%FF", 400),
    ("/lx/stats?cohort=99999999999", 400), ("/lx/op/export?kind=pending&step=%27", 400),
    ("/lx/lookup?no=%00", 400),
])
def test_bad_numbers_and_parameters_in_urls(httpd, world, path, status):
    user = "admin"
    r = httpd.get(urllib.parse.quote(path, safe="/?=&%;'"), user=user)
    assert r.status_code == status, (path, r.status_code, r.text[:300])


@pytest.mark.parametrize("no", ["２０２２０１０００１", "20220100011", "2022010001%00", "%FF", "x",
                                "2022010001'", "0" * 300])
def test_bad_numbers_in_the_status_api(httpd, world, no):
    r = httpd.get(f"/lx/api/v1/students/{urllib.parse.quote(no, safe='%')}/status",
                  headers=world.headers("portal"))
    assert r.status_code == 404, (no, r.status_code)
    if r.headers["Content-Type"].startswith("application/json"):
        assert r.json()["error"]["code"] == "not_found"
    else:
        # httpd itself refuses an encoded NUL in a path before any module sees it
        assert "%00" in no and r.status_code == 404


# ---- names and notes --------------------------------------------------------------------

NOTES = ["'); DELETE FROM lx.event; --", "a\r\nb", "x" * 200, "测" * 200, "<b>&amp;</b>]]>",
         "\\x00", "$$; SELECT 1; $$"]


@pytest.mark.parametrize("note", NOTES, ids=range(len(NOTES)))
def test_notes_are_stored_exactly(httpd, env, world, note):
    no = world.a[1]
    set_state(env, no, "instruments", "pending")
    r = post(world, OP, "/lx/op/confirm", {"how": "individual", "s": no, "step.instruments": "1",
                                          "note": note}, "desk")
    assert r.status_code == 303, r.text[:300]
    got = env.cluster.psql(f"""SELECT note FROM lx.event WHERE student_id =
        (SELECT id FROM lx.student WHERE student_no = '{no}') ORDER BY id DESC LIMIT 1""")
    # psql -At shows the note's own line breaks as lines
    stored = "\n".join("\t".join(x) for x in got)
    assert stored == note.replace("\r\n", "\r\n") or stored.replace("\r", "") == note.replace("\r", "")


@pytest.mark.parametrize("field,value,status", [
    ("note", "x" * 201, 400), ("note", "测" * 201, 400), ("note", "%00", 400),
    ("note", "%FF", 400), ("note", "a%0Bb", 400), ("note", "x" * 70000, 413),
])
def test_bad_notes_change_nothing(httpd, env, world, field, value, status):
    no = world.a[1]
    set_state(env, no, "instruments", "pending")
    before = fingerprint(env)
    enc = value if "%" in value else q(value)
    body = lambda d: encoded([("csrf", q(d["csrf"])), ("rid", d["rid"]), ("how", "individual"),  # noqa
                              ("s", no), ("step.instruments", "1"), (field, enc)])
    r = post(world, OP, "/lx/op/confirm", {}, "desk", raw=body)
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert fingerprint(env) == before
    # the revoke's reason and the deferral's note the same
    set_state(env, no, "instruments", "done")
    before = fingerprint(env)
    body = lambda d: encoded([("csrf", q(d["csrf"])), ("rid", d["rid"]), ("s", no),  # noqa
                              ("step", "instruments"), ("reason", enc)])
    r = post(world, OP, "/lx/op/revoke", {}, "desk", raw=body)
    assert r.status_code == status and fingerprint(env) == before
    body = lambda d: encoded([("csrf", q(d["csrf"])), ("rid", d["rid"]), ("s", no),  # noqa
                              ("note", enc)])
    r = post(world, "deferral", "/lx/deferral/close", {}, "deferral", raw=body)
    assert r.status_code == status, r.status_code
    assert fingerprint(env) == before


@pytest.mark.parametrize("name,status", [
    ("O'Brien; DROP TABLE lx.operator; --", 303), ("名\r\n字", 400), ("<i>x</i>&", 303),
    ("长" * 61, 400), ("x" * 5000, 400), ("%00", 400), ("%FF", 400),
])
def test_operator_names(httpd, env, world, name, status):
    login = "authz_name_" + uuid.uuid4().hex[:6]
    before = fingerprint(env)
    enc = name if name.startswith("%") else q(name)
    body = lambda d: encoded([("csrf", q(d["csrf"])), ("rid", d["rid"]), ("login", login),  # noqa
                              ("name", enc), ("active", "1")])
    r = post(world, "admin", "/lx/admin/operator", {}, "admin", raw=body)
    assert r.status_code == status, (name[:20], r.status_code, r.text[:300])
    stored = env.cluster.psql(f"SELECT name FROM lx.operator WHERE login = '{login}'")
    if status == 303:
        assert stored == [[name]]
    else:
        assert stored == [] and fingerprint(env) == before


# ---- the shape of the request: size, fields, keys, Content-Type -----------------------------

def raw_request(httpd, method, path, headers, body=b"", chunks=None, user=OP):
    """Send one request over a socket; chunks: a list of byte strings sent chunked."""
    import base64
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{httpd.port}", "Connection: close"]
    if user:
        lines.append("Authorization: Basic " + base64.b64encode(f"{user}:demo".encode()).decode())
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if chunks is not None:
        lines.append("Transfer-Encoding: chunked")
    elif "Content-Length" not in headers:
        lines.append(f"Content-Length: {len(body)}")
    with socket.create_connection(("127.0.0.1", httpd.port), timeout=30) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            if chunks is not None:
                for c in chunks:
                    s.sendall(b"%x\r\n" % len(c) + c + b"\r\n")
                s.sendall(b"0\r\n\r\n")
            else:
                s.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass            # the server answered before reading everything: fine
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
    return int(out.split(b" ", 2)[1]), out


def desk_form(world, user=OP, extra=b"", note_bytes=0):
    no = world.a[1]
    return encoded([("csrf", q(world.csrf(user, "desk"))), ("rid", uuid.uuid4().hex),
                    ("how", "individual"), ("s", no), ("step.instruments", "1"),
                    ("note", "n" * note_bytes)]) + extra


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("size", [64 * 1024 + 1, 1024 * 1024 + 1])
def test_oversize_form_is_413_with_content_length_and_chunked(httpd, env, world, logcheck, size):
    logcheck.expect(r"AH02018|AH01393|request body.*exceeds|AH00127")
    set_state(env, world.a[1], "instruments", "pending")
    before = fingerprint(env)
    body = desk_form(world, note_bytes=size)
    status, _ = raw_request(httpd, "POST", "/lx/op/confirm", FORM, body)
    assert status == 413
    status, _ = raw_request(httpd, "POST", "/lx/op/confirm", FORM,
                            chunks=[body[i:i + 8192] for i in range(0, len(body), 8192)])
    assert status == 413
    assert fingerprint(env) == before


def test_a_lying_content_length_is_refused_before_the_body(httpd, world, logcheck):
    logcheck.expect(r"AH02018|AH01393|exceeds")
    for path, ctype in (("/lx/op/confirm", FORM["Content-Type"]),
                        ("/lx/admin/import", "multipart/form-data; boundary=xyz")):
        status, _ = raw_request(httpd, "POST", path,
                                {"Content-Type": ctype, "Content-Length": str(40 * 1024 * 1024)},
                                b"x", user="admin")
        assert status == 413, path


def test_oversize_feed_is_413_with_content_length_and_chunked(httpd, env, world, logcheck):
    logcheck.expect(r"AH02018|AH01393|exceeds")
    before = fingerprint(env)
    tok = world.headers("feed")["Authorization"]
    big = b'{"records": [' + b" " * (16 * 1024 * 1024) + b"]}"
    for kw in ({"body": big}, {"chunks": [big[i:i + (1 << 20)] for i in range(0, len(big), 1 << 20)]}):
        status, out = raw_request(httpd, "POST", "/lx/api/v1/feeds/library",
                                  {"Content-Type": "application/json", "Authorization": tok},
                                  user=None, **kw)
        assert status == 413, out[:300]
    assert fingerprint(env) == before


def test_too_many_fields_duplicate_keys_and_content_type(httpd, env, world):
    set_state(env, world.a[1], "instruments", "pending")
    before = fingerprint(env)
    cases = [
        (desk_form(world, extra=b"".join(b"&f%d=1" % i for i in range(300))), FORM, 400),
        (desk_form(world, extra=b"&how=class"), FORM, 400),
        (desk_form(world, extra=b"&step.instruments=1"), FORM, 400),
        (desk_form(world, extra=b"&csrf=x"), FORM, 400),
        (desk_form(world), {"Content-Type": "text/plain"}, 415),
        (desk_form(world), {"Content-Type": "application/json"}, 415),
        (desk_form(world), {"Content-Type": "multipart/form-data; boundary=x"}, 415),
        (desk_form(world), {"Content-Type": "application/x-www-form-urlencodedX"}, 415),
        (desk_form(world), {}, 415),
    ]
    for body, headers, want in cases:
        status, out = raw_request(httpd, "POST", "/lx/op/confirm", headers, body)
        assert status == want, (headers, body[-40:], status, out[:200])
    # the other forms the same
    for path, action, user in (("/lx/deferral/close", "deferral", "deferral"),
                               ("/lx/admin/operator", "admin", "admin"),
                               ("/lx/op/search", "desk", OP)):
        body = encoded([("csrf", q(world.csrf(user, action))), ("rid", uuid.uuid4().hex),
                        ("s", world.a[1]), ("s", world.a[2]), ("q", "x"), ("login", "a")])
        assert raw_request(httpd, "POST", path, FORM, body, user=user)[0] == 400, path
        assert raw_request(httpd, "POST", path, {"Content-Type": "text/plain"}, body,
                           user=user)[0] == 415, path
    # the feed and the import
    tok = world.headers("feed")
    r = httpd.request("POST", "/lx/api/v1/feeds/library", data="{}",
                      headers=dict(tok, **{"Content-Type": "text/plain"}))
    assert r.status_code == 415
    r = httpd.request("POST", "/lx/api/v1/feeds/library",
                      data='{"records": [], "records": []}',
                      headers=dict(tok, **{"Content-Type": "application/json"}))
    # a repeated key is accepted (RFC 8259 leaves it open); both say no records: no change
    assert r.status_code == 200 and r.json() == {"ok": True, "changed": 0}
    r = httpd.request("POST", "/lx/admin/import", user="admin", data={"a": "1"})
    assert r.status_code == 415
    assert fingerprint(env) == before


def test_batches_over_the_cap(httpd, env, world):
    before = fingerprint(env)
    sids = [("sid.%010d" % (2900000000 + i), "1") for i in range(201)]
    for path, fields in (("/lx/op/confirm", [("how", "class"), ("step.instruments", "1")]),
                         ("/lx/op/revoke", [("how", "class"), ("step", "instruments"),
                                            ("reason", "x")])):
        body = encoded([("csrf", q(world.csrf(OP, "desk"))), ("rid", uuid.uuid4().hex),
                        ("s", world.a[0])] + fields + sids)
        status, out = raw_request(httpd, "POST", path, FORM, body)
        assert status == 400, (path, status)
        assert "200" in out.decode("utf-8", "replace")
    # 21 steps ticked at once for one student
    body = encoded([("csrf", q(world.csrf(OP, "desk"))), ("rid", uuid.uuid4().hex),
                    ("s", world.a[0]), ("how", "individual")]
                   + [(f"step.s{i}", "1") for i in range(21)])
    assert raw_request(httpd, "POST", "/lx/op/confirm", FORM, body)[0] == 400
    assert fingerprint(env) == before


# ---- the roster import ------------------------------------------------------------------

HEADER = ("student_no,name,gender,id_type,id_number,college,class,class_name,programme,year,"
          "building,room,party_member,league_member,must_return_instruments,"
          "national_loan_10534,national_loan_12649,source_loan,borrowed_switch,"
          "certificates_deferred,hukou_moved")


def roster_row(no, idn, name="导入测试", id_type="居民身份证"):
    return (f"{no},{name},男,{id_type},{idn},01,BAD-1,坏数据1班,本科,2026,,,否,是,否,否,否,否,"
            f"否,否,否")


def upload(httpd, world, content):
    return httpd.request("POST", "/lx/admin/import?format=xml", user="admin",
                         data={"csrf": world.csrf("admin", "admin"), "rid": uuid.uuid4().hex,
                               "encoding": "utf-8"},
                         files={"file": ("roster.csv", content, "text/csv")}, timeout=60)


def import_cases():
    good17 = "43010220040506"
    return {
        "bad-check-digit": lambda: (lambda g: g[:17] + ("1" if g[17] != "1" else "2"))(
            resident_id(good17 + "123")),
        "30-february": lambda: resident_id("43010220040230123"),
        "future-birth": lambda: resident_id("43010220990101123"),
        "legacy-15-digit": lambda: "430102040506123",
        "overlong": lambda: resident_id(good17 + "125") + "0",
        "empty": lambda: "",
    }


@pytest.mark.parametrize("case", sorted(import_cases()))
def test_import_refuses_bad_id_numbers_and_writes_nothing(httpd, env, world, case):
    idn = import_cases()[case]()
    good = resident_id("43010220040506126")
    before = fingerprint(env)
    csv = "\n".join([HEADER, roster_row("2026790001", good), roster_row("2026790002", idn)])
    r = upload(httpd, world, csv.encode())
    assert r.status_code == 400, (case, r.status_code, r.text[-400:])
    imp = ET.fromstring(r.content).find("admin/import")
    assert imp.get("outcome") in ("refused", "unreadable")
    lines = {p.get("line") for p in imp.iter("problem")}
    assert imp.get("outcome") == "unreadable" or "3" in lines, (case, lines)
    assert idn not in r.text and good not in r.text if idn else True
    assert fingerprint(env) == before


def test_import_reads_full_width_digits_as_digits(httpd, env, world):
    """The search's rule (issue 19): a number typed with full-width digits is that number."""
    idn = resident_id("43010220040506124")
    r = upload(httpd, world, "\n".join([HEADER, roster_row("2026790012",
                                                          idn.translate(FULLWIDTH))]).encode())
    assert r.status_code == 200, r.text[-400:]
    assert env.cluster.psql("SELECT id_number FROM lx.student WHERE student_no = '2026790012'") \
        == [[idn]]


def test_import_lowercase_x_is_stored_as_x(httpd, env, world):
    idn = id_ending_in_x(env, "2004")
    r = upload(httpd, world, "\n".join([HEADER, roster_row("2026790011", idn.lower())]).encode())
    assert r.status_code == 200, r.text[-400:]
    assert env.cluster.psql("SELECT id_number FROM lx.student WHERE student_no = '2026790011'") \
        == [[idn]]
    assert idn not in r.text and idn.lower() not in r.text


@pytest.mark.parametrize("name,ok", [
    ("O'Brien\"; DROP TABLE lx.student; --", True), ("<b>&</b>]]>", True),
    ("\"名\r\n字\"", False), ("长" * 61, False), ("x" * 10000, False), ("\"\"", False),
])
def test_import_names(httpd, env, world, name, ok):
    no = "20267900%02d" % (20 + abs(hash(name)) % 70)
    idn = resident_id("43010220040506" + no[-3:])
    before = fingerprint(env)
    csv = "\n".join([HEADER, roster_row(no, idn, name=name if name.startswith("\"")
                                         else '"' + name.replace('"', '""') + '"')])
    r = upload(httpd, world, csv.encode())
    assert r.status_code == (200 if ok else 400), (name[:20], r.status_code, r.text[-400:])
    if ok:
        assert env.cluster.psql(f"SELECT name FROM lx.student WHERE student_no = '{no}'") == [[name]]
    else:
        assert fingerprint(env) == before


@pytest.mark.parametrize("content,why", [
    (b"\x00\x01", "NUL"), (HEADER.encode() + b"\n2026790099,\xff\xfe,x", "invalid UTF-8"),
    (HEADER.encode() + b"\n\"unterminated", "quote"), (b"a,b\n" * 10, "columns"),
])
def test_import_unreadable_files_write_nothing(httpd, env, world, content, why):
    before = fingerprint(env)
    r = upload(httpd, world, content)
    assert r.status_code == 400, (why, r.status_code, r.text[-300:])
    assert fingerprint(env) == before


def test_feed_records_with_bad_numbers_write_nothing(httpd, env, world):
    before = fingerprint(env)
    tok = world.headers("feed")
    for rec in ({"student_no": "２０２２０１０００２", "loans": 0, "fines": 0},
                {"student_no": "2022010002'; --", "loans": 0, "fines": 0},
                {"student_no": "2022010002", "loans": -1, "fines": 0},
                {"student_no": "2022010002", "loans": 1e30, "fines": 0},
                {"student_no": "2022010002", "loans": "1", "fines": "NaN"},
                {"student_no": "2022010002\u0000", "loans": 0, "fines": 0}):
        doc = {"records": [{"student_no": world.a[3], "loans": 0, "fines": 0}, rec]}
        r = httpd.request("POST", "/lx/api/v1/feeds/library", data=json.dumps(doc),
                          headers=dict(tok, **{"Content-Type": "application/json"}))
        assert r.status_code == 400, (rec, r.status_code, r.text[:300])
    assert fingerprint(env) == before


# ---- ID numbers in ?format=xml -----------------------------------------------------------

def test_xml_documents_show_id_numbers_masked_only(httpd, env, world):
    no, idn = world.a[0], world.ids[world.a[0]]
    pages = [(no, f"/lx/?format=xml"), ("admin", f"/lx/student/{no}?format=xml"),
             (OP, f"/lx/op?s={no}&format=xml"),
             (OP, f"/lx/op/batch?step=instruments&mode=class&s={no}&format=xml"),
             ("deferral", f"/lx/deferral?s={no}&format=xml"),
             ("admin", f"/lx/admin?tab=events&student={no}&format=xml")]
    for user, path in pages:
        r = httpd.get(path, user=user)
        assert r.status_code == 200, (path, r.status_code)
        assert idn not in r.text and idn[:17] not in r.text, path
        assert idn[6:14] not in r.text or path.endswith("events&student=%s&format=xml" % no), path
    sheet = ET.fromstring(httpd.get(f"/lx/student/{no}?format=xml", user="admin").content)
    masked = sheet.find("student").get("id-masked")
    assert masked and "*" in masked and masked != idn
    r = httpd.get(f"/lx/api/v1/students/{no}/status", headers=world.headers("portal"))
    assert idn not in r.text


# ---- ID numbers in the logs --------------------------------------------------------------

def test_refused_imports_put_no_id_number_in_any_log(httpd, env, world):
    """PostgreSQL reports a COPY error with the line it could not read (CONTEXT) and a broken
    constraint with the failing row (DETAIL): neither may carry an ID number into its log."""
    import idleak
    idn = resident_id("43010220040506777")
    for content in ("\n".join([HEADER, roster_row("2026790031", idn) + ",extra"]),
                    "\n".join([HEADER, roster_row("2026790032", idn)[:-8]]),
                    # a lone CR ends a line: the second row repeats the student number
                    "\n".join([HEADER, roster_row("2026790033", idn) + "\r"
                               + roster_row("2026790033", idn)])):
        r = upload(httpd, world, content.encode())
        assert r.status_code == 400, r.text[-300:]
        assert idn not in r.text
    for path in (env.base / "log").iterdir():
        assert idn.encode() not in path.read_bytes(), f"the ID number is in {path.name}"
    assert not idleak.leaks(env), idleak.describe(idleak.leaks(env))


def test_feed_over_the_record_cap_writes_nothing(httpd, env, world):
    """lx.feed_apply takes at most 100,000 records in one document (sql/functions/feed.sql)."""
    before = fingerprint(env)
    rec = {"student_no": world.a[3], "loans": 0, "fines": 0}
    doc = json.dumps({"records": [rec] * 100001})
    r = httpd.request("POST", "/lx/api/v1/feeds/library", data=doc, timeout=120,
                      headers=dict(world.headers("feed"), **{"Content-Type": "application/json"}))
    assert r.status_code == 400, r.text[:300]
    assert "too_many_records" in r.text
    assert fingerprint(env) == before
