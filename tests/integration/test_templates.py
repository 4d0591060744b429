"""The stylesheets and the pages they make: a stylesheet reads nothing outside the template
directory, nothing from the network, and writes nothing (libxslt's security preferences and,
for what libxml2 loads while parsing, the module's entity loader); hostile text from the
database comes out escaped and every page stays well-formed HTML (html5lib, as a browser parses
it, with no parse error); every answer of the module carries the security headers, and
personal pages are never stored by caches (Cache-Control: no-store); a site may let the
student's browser keep and revalidate their own page (LixiaoOwnPageCache revalidate: private,
no-cache), which issue 7's 304 benchmark measures."""
import shutil
import socket
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib
import pytest
import requests

from data import make_class
from desk import csrf_of, post
from lxenv import PASSWORD, free_port, httpd_env

XSL = "http://www.w3.org/1999/XSL/Transform"


# ---- stylesheets in a sandbox ---------------------------------------------------------------

class Sandbox:
    """A second httpd on the session's database whose home view (home.xsl, the staff's /lx/)
    is a stylesheet of the test's, beside canary files outside its template directory."""

    def __init__(self, env, base):
        self.env, self.base = env, base
        base.chmod(0o755)
        self.templates = base / "templates"
        shutil.copytree(env.templates, self.templates)
        self.outside = base / "outside"
        self.outside.mkdir()
        (self.outside / "canary.xml").write_text("<c>CANARY-XML-OUTSIDE</c>")
        (self.outside / "canary.txt").write_text("CANARY-TEXT-OUTSIDE")
        (self.outside / "canary.dtd").write_text('<!ENTITY leak "CANARY-DTD-OUTSIDE">')
        (self.outside / "canary.xsl").write_text(
            f'<xsl:stylesheet version="1.0" xmlns:xsl="{XSL}"><xsl:template match="/page" '
            f'mode="content">CANARY-XSL-OUTSIDE</xsl:template></xsl:stylesheet>')
        (self.templates / "data.xml").write_text("<d>DATA-INSIDE</d>")
        (self.templates / "inside.txt").write_text("TEXT-INSIDE")
        (self.templates / "leaky.xml").write_text(
            f'<!DOCTYPE d [<!ENTITY x SYSTEM "file://{self.outside}/canary.txt">]><d>&x;</d>')
        for p in (self.outside, self.templates):
            for f in [p, *p.rglob("*")]:
                f.chmod(0o755 if f.is_dir() else 0o644)
        self.port = free_port()
        self.log = base / "error_log"
        # a listener that notes whether anybody connected (the network must stay unused)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.setblocking(False)
        self.net = f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def nobody_connected(self):
        try:
            self.listener.accept()[0].close()
            return False
        except BlockingIOError:
            return True

    def start(self, home_xsl):
        (self.templates / "home.xsl").write_text(home_xsl)
        conf = (self.env.base / "conf" / "httpd.conf").read_text()
        conf = conf.replace(f"Listen 127.0.0.1:{self.env.httpd.port}",
                            f"Listen 127.0.0.1:{self.port}")
        conf = conf.replace(str(self.env.base / "run" / "httpd.pid"),
                            str(self.base / "httpd.pid"))
        conf = conf.replace(str(self.env.base / "log" / "error_log"), str(self.log))
        conf = conf.replace(f'LixiaoTemplates "{self.env.templates}"',
                            f'LixiaoTemplates "{self.templates}"')
        (self.base / "httpd.conf").write_text(conf)
        r = subprocess.run(["apache2", "-f", str(self.base / "httpd.conf"), "-k", "start"],
                           capture_output=True, text=True, timeout=60, env=httpd_env())
        if r.returncode != 0:
            return False, r.stdout + r.stderr + self.read_log()
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True, ""
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("sandbox httpd did not start: " + self.read_log())

    def get_home(self):
        return requests.get(f"http://127.0.0.1:{self.port}/lx/", auth=("admin", PASSWORD),
                            timeout=20)

    def read_log(self):
        return self.log.read_text() if self.log.exists() else ""

    def stop(self):
        subprocess.run(["apache2", "-f", str(self.base / "httpd.conf"), "-k", "stop"],
                       capture_output=True, timeout=60, env=httpd_env())
        deadline = time.time() + 20
        while (self.base / "httpd.pid").exists() and time.time() < deadline:
            time.sleep(0.1)
        self.listener.close()


def home(body, doctype="", head=""):
    """A home.xsl on the shared layout whose content is body."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}\n'
            f'<xsl:stylesheet version="1.0" xmlns:xsl="{XSL}" '
            f'xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl">'
            f'<xsl:import href="layout.xsl"/>{head}'
            f'<xsl:template match="/page" mode="title">沙箱</xsl:template>'
            f'<xsl:template match="/page" mode="content"><p>[{body}]</p></xsl:template>'
            f'</xsl:stylesheet>')


CANARIES = ("CANARY-XML-OUTSIDE", "CANARY-TEXT-OUTSIDE", "CANARY-DTD-OUTSIDE",
            "CANARY-XSL-OUTSIDE")

# (name, home.xsl given the sandbox, what the log names): refused while compiling, at start-up
AT_START = [
    ("external entity", lambda s: home(
        "&leak;", f'<!DOCTYPE xsl:stylesheet [<!ENTITY leak SYSTEM '
                  f'"file://{s.outside}/canary.txt">]>'), "canary.txt"),
    ("external entity by plain path", lambda s: home(
        "&leak;", f'<!DOCTYPE xsl:stylesheet [<!ENTITY leak SYSTEM '
                  f'"{s.outside}/canary.txt">]>'), "canary.txt"),
    ("parameter entity", lambda s: home(
        "&leak;", f'<!DOCTYPE xsl:stylesheet [<!ENTITY % p SYSTEM "{s.outside}/canary.dtd"> '
                  f'%p;]>'), "canary.dtd"),
    ("external DTD over the network", lambda s: home(
        "x", f'<!DOCTYPE xsl:stylesheet SYSTEM "{s.net}/x.dtd">'), "/x.dtd"),
    ("entity over the network", lambda s: home(
        "&leak;", f'<!DOCTYPE xsl:stylesheet [<!ENTITY leak SYSTEM "{s.net}/x">]>'),
     "127.0.0.1"),
    ("xsl:import outside", lambda s: home(
        "x", head=f'<xsl:import href="{s.outside}/canary.xsl"/>').replace(
            '<xsl:import href="layout.xsl"/><xsl:import', '<xsl:import'), "canary.xsl"),
    ("xsl:include by a way up", lambda s: home(
        "x", head='<xsl:include href="../outside/canary.xsl"/>'), "canary.xsl"),
]

# refused while the page is made: a 500 page, the reason in the log
AT_REQUEST = [
    ("document() by path", lambda s: home(
        f"<xsl:value-of select=\"document('{s.outside}/canary.xml')\"/>"), "canary.xml"),
    ("document() by file URL", lambda s: home(
        f"<xsl:value-of select=\"document('file://{s.outside}/canary.xml')\"/>"),
     "canary.xml"),
    ("document() by a way up", lambda s: home(
        "<xsl:value-of select=\"document('../outside/canary.xml')\"/>"), "canary.xml"),
    ("document() by an escaped way up", lambda s: home(
        "<xsl:value-of select=\"document('%2e%2e/outside/canary.xml')\"/>"), "canary.xml"),
    ("document() over the network", lambda s: home(
        f"<xsl:value-of select=\"document('{s.net}/x.xml')\"/>"), "x.xml"),
    ("document() of a file inside with an entity outside", lambda s: home(
        "<xsl:value-of select=\"document('leaky.xml')\"/>"), "canary.txt"),
    ("xsl:document writes a file", lambda s: home(
        f'<xsl:document href="{s.outside}/written.html" method="html">'
        f'<p>written</p></xsl:document>'), "written.html"),
    ("exsl:document writes beside the templates", lambda s: home(
        '<exsl:document href="written.html" method="html"><p>written</p></exsl:document>'),
     "written.html"),
    ("xsl:document over the network", lambda s: home(
        f'<xsl:document href="{s.net}/put" method="html"><p>sent</p></xsl:document>'),
     "/put"),
]


@pytest.fixture
def sandbox(env):
    # not pytest's tmp_path: httpd's children (www-data) must reach the files
    base = Path(tempfile.mkdtemp(prefix="lx-sandbox-", dir="/tmp"))
    s = Sandbox(env, base)
    yield s
    s.stop()
    shutil.rmtree(base, ignore_errors=True)


def test_the_sandbox_reads_its_own_files(sandbox):
    """The control: a stylesheet that reads only inside its directory works."""
    ok, out = sandbox.start(home(
        "&inside;|<xsl:value-of select=\"document('data.xml')\"/>|&nb;",
        '<!DOCTYPE xsl:stylesheet [<!ENTITY inside SYSTEM "inside.txt">'
        '<!ENTITY nb "INTERNAL-ENTITY">]>'))
    assert ok, out
    r = sandbox.get_home()
    assert r.status_code == 200, sandbox.read_log()
    assert "[TEXT-INSIDE|DATA-INSIDE|INTERNAL-ENTITY]" in r.text
    assert "LX0207" not in sandbox.read_log() and "LX0208" not in sandbox.read_log()


@pytest.mark.parametrize("name,xsl,names", AT_START, ids=[c[0] for c in AT_START])
def test_a_stylesheet_reading_outside_does_not_start(sandbox, name, xsl, names):
    ok, out = sandbox.start(xsl(sandbox))
    assert not ok, name
    assert "LX0208" in out and names in out, out
    assert "home.xsl does not compile" in out
    assert not any(c in out for c in CANARIES)
    assert sandbox.nobody_connected()


@pytest.mark.parametrize("name,xsl,names", AT_REQUEST, ids=[c[0] for c in AT_REQUEST])
def test_a_stylesheet_reading_outside_or_writing_fails_the_page(sandbox, name, xsl, names):
    ok, out = sandbox.start(xsl(sandbox))
    assert ok, out
    r = sandbox.get_home()
    assert r.status_code == 500, (name, r.status_code, r.text[:300])
    assert "系统内部出错" in r.text
    assert not any(c in r.text for c in CANARIES)
    log = sandbox.read_log()
    refused = [line for line in log.splitlines() if "LX0207" in line]
    assert refused and names in refused[0], log
    assert not (sandbox.outside / "written.html").exists()
    assert not (sandbox.templates / "written.html").exists()
    assert sandbox.nobody_connected()


# ---- hostile text ---------------------------------------------------------------------------

# markup, an ampersand, a CDATA end, quotes, and characters that neither XML nor HTML may
# carry (C0 controls, DEL, a C1 control, a non-character): these become U+FFFD
HOSTILE = "<script>alert(1)</script> & ]]> \"q\" 'a' \x01\x0b\x7f\u0085\ufdd0 end"
SHOWN = "<script>alert(1)</script> & ]]> \"q\" 'a' " + "\ufffd" * 5 + " end"


def sql_text(s):
    """s as a PostgreSQL E'' literal."""
    return "E'" + "".join(c if c.isprintable() and c not in "'\\" else
                          f"\\u{ord(c):04x}" for c in s) + "'"


def parse_html(text):
    """The page as a browser's parser builds it, and the parse errors it met."""
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    tree = parser.parse(text)
    return tree, [f"{pos}: {code} {data}" for pos, code, data in parser.errors]


def texts(tree):
    """Every text node and attribute value of the tree."""
    out = []
    for el in tree.iter():
        out.extend(v for v in el.attrib.values())
        out.extend(t for t in (el.text, el.tail) if t)
    return out


@pytest.fixture(scope="module")
def hostile(env):
    """Two students of one class in college 01 with a hostile name, in a dorm room and a class
    whose names are hostile too, a step confirmed by an operator with a hostile name and a
    hostile note, a step revoked for a hostile reason, and a gate lifted on hostile evidence."""
    code, nos = make_class(env, "01", 2, party_member=True)
    s = nos[0]
    h = sql_text(HOSTILE)
    env.cluster.psql(f"""
        UPDATE lx.student SET name = {h} || ' ' || right(student_no, 1),
               arrears = 800, arrears_received_at = now()
         WHERE student_no IN ('{nos[0]}', '{nos[1]}');
        UPDATE lx.class SET name = {h} WHERE code = '{code}';
        UPDATE lx.dorm_room SET building = {h}
         WHERE id = (SELECT dorm_room_id FROM lx.student WHERE student_no = '{s}');
        SET ROLE lx_owner;
        SELECT lx.sync_steps(ARRAY(SELECT id FROM lx.student WHERE student_no = '{s}'), 't');
        SELECT lx.admin_operator_save('admin', 'op_hostile', {h}, false, false, true);
        SELECT lx.admin_assign('admin', 'op_hostile', 'college', '01', true);
        SELECT outcome FROM lx.change('confirm', (SELECT id FROM lx.step
            WHERE code = 'party_transfer'), ARRAY(SELECT id FROM lx.student
            WHERE student_no = '{s}'), 'individual', 'op_hostile', {h});
        SELECT outcome FROM lx.change('confirm', (SELECT id FROM lx.step
            WHERE code = 'student_card'), ARRAY(SELECT id FROM lx.student
            WHERE student_no = '{s}'), 'class', 'admin');
        SELECT outcome FROM lx.change('revoke', (SELECT id FROM lx.step
            WHERE code = 'student_card'), ARRAY(SELECT id FROM lx.student
            WHERE student_no = '{s}'), 'class', 'admin', {h});
        SELECT outcome FROM lx.set_override('{s}', 'arrears', true, 'deferral', {h});""")
    env.httpd.configure()        # the new students log in
    cohort, college = env.cluster.psql(f"""
        SELECT s.cohort_id, c.code FROM lx.student s JOIN lx.college c ON c.id = s.college_id
         WHERE s.student_no = '{s}'""")[0]
    return {"s": s, "class": code, "cohort": cohort, "college": college}


def hostile_pages(httpd, h):
    s = h["s"]
    yield "own sheet", httpd.get("/lx/", user=s)
    yield "sheet for staff", httpd.get(f"/lx/student/{s}", user="admin")
    yield "desk", httpd.get(f"/lx/op?at=college:01&s={s}", user="op_college_01")
    yield "batch", httpd.get(f"/lx/op/batch?at=college:01&step=party_transfer&mode=class"
                             f"&s={s}", user="op_college_01")
    yield "dorm batch", httpd.get(f"/lx/op/batch?at=dorm&step=dorm_items&mode=dorm&s={s}",
                                  user="op_dorm")
    yield "search by name", post(httpd, "op_college_01", "/lx/op/search",
                                 {"at": "college:01", "q": "<script>alert(1)"}, xml=False)
    yield "deferral", httpd.get(f"/lx/deferral?s={s}", user="deferral")
    yield "deferral list", httpd.get("/lx/deferral", user="deferral")
    yield "operators", httpd.get("/lx/admin?tab=operators", user="admin")
    yield "event log", httpd.get(f"/lx/admin?tab=events&student={s}", user="admin")
    yield "statistics of the class", httpd.get(
        f"/lx/stats?cohort={h['cohort']}&college={h['college']}&class={h['class']}",
        user="leader")


def test_hostile_text_is_escaped_and_pages_stay_well_formed(httpd, hostile):
    shown_somewhere = set()
    for name, r in hostile_pages(httpd, hostile):
        assert r.status_code in (200, 303), (name, r.status_code, r.text[:300])
        if r.status_code == 303:
            r = httpd.get(r.headers["Location"].split(str(httpd.port), 1)[1],
                          user="op_college_01")
        tree, errors = parse_html(r.text)
        assert errors == [], (name, errors[:5])
        # no script but ours (by src), no markup from the data
        assert all(el.get("src") and not (el.text or "").strip()
                   for el in tree.iter("script")), name
        assert "<script>alert" not in r.text and "\x01" not in r.text, name
        values = texts(tree)
        if any(SHOWN in v for v in values):
            shown_somewhere.add(name)
        # whatever of the hostile text the page shows, it shows as text, cleaned
        for bad in ("\x01", "\x0b", "\x7f", "\u0085", "\ufdd0"):
            assert not any(bad in v for v in values), (name, repr(bad))
    assert {"own sheet", "sheet for staff", "desk", "batch", "deferral", "deferral list",
            "operators", "event log"} <= shown_somewhere, shown_somewhere


def test_hostile_text_in_the_xml_comes_back_as_it_was_cleaned(httpd, hostile):
    r = httpd.get(f"/lx/student/{hostile['s']}?format=xml", user="admin")
    doc = ET.fromstring(r.content)
    values = [v for el in doc.iter() for v in el.attrib.values()]
    assert any(SHOWN in v for v in values)
    assert not any(c in r.text for c in "\x01\x0b\x7f\u0085\ufdd0")


# ---- headers --------------------------------------------------------------------------------

def every_kind_of_answer(httpd, env):
    """(what, response) for a page of each route and each kind of answer the module gives."""
    _, (s,) = make_class(env, "02", 1, party_member=True)
    yield "home", httpd.get("/lx/", user="admin")
    yield "sheet for staff", httpd.get("/lx/student/2022010003", user="admin")
    yield "sheet as XML", httpd.get("/lx/student/2022010003?format=xml", user="admin")
    yield "lookup (303)", httpd.get("/lx/lookup?no=2022010003", user="admin")
    yield "desk", httpd.get("/lx/op", user="op_college_01")
    yield "batch", httpd.get("/lx/op/batch?at=college:02&step=student_card&mode=class"
                             f"&s={s}", user="op_college_02")
    yield "search (303)", post(httpd, "op_college_02", "/lx/op/search",
                               {"at": "college:02", "q": s}, xml=False)
    yield "confirm (303)", post(httpd, "op_college_02", "/lx/op/confirm",
                                {"at": "college:02", "how": "individual", "s": s,
                                 "step.party_transfer": "1"}, xml=False)
    yield "refused confirm (409)", post(httpd, "op_library", "/lx/op/confirm",
                                        {"at": "library", "how": "individual", "s": s,
                                         "step.library_books": "1"}, xml=False)
    yield "export (CSV)", httpd.get("/lx/op/export?at=college:02&kind=cleared",
                                    user="op_college_02")
    yield "admin export (CSV)", httpd.get("/lx/admin/export?kind=cleared&college=02",
                                          user="admin")
    yield "deferral", httpd.get("/lx/deferral", user="deferral")
    yield "admin", httpd.get("/lx/admin?tab=steps", user="admin")
    yield "stats", httpd.get("/lx/stats", user="leader")
    yield "stats (CSV)", httpd.get("/lx/stats?format=csv&table=cohort", user="leader")
    yield "forbidden (403)", httpd.get("/lx/op", user="2022010001")
    yield "unknown account (403)", httpd.get("/lx/", user="stranger")
    yield "not found (404)", httpd.get("/lx/nope", user="admin")
    yield "method (405)", httpd.request("PUT", "/lx/op", user="op_college_01", data="x")
    yield "bad form (400)", httpd.request(
        "POST", "/lx/op/confirm", user="op_college_01",
        data=f"csrf={csrf_of(httpd, 'op_college_01')}&a=1&a=2",
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    yield "media type (415)", httpd.request("POST", "/lx/op/confirm", user="op_college_01",
                                            data="x", headers={"Content-Type": "text/plain"})
    yield "too large (413)", httpd.request(
        "POST", "/lx/op/confirm", user="op_college_01", data="x=" + "a" * 70000,
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    yield "API status", httpd.get("/lx/api/v1/students/2022010001/status", user="2022010001")
    yield "API error (401)", httpd.get("/lx/api/v1/students/2022010001/status")
    yield "API error (404)", httpd.get("/lx/api/v1/nope", user="2022010001")


def test_security_headers_on_every_answer(httpd, env):
    seen = []
    for what, r in every_kind_of_answer(httpd, env):
        seen.append((what, r.status_code))
        h = r.headers
        csp = h.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, what
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, what
        assert h.get("X-Content-Type-Options") == "nosniff", what
        assert h.get("X-Frame-Options") == "DENY", what
        assert h.get("Referrer-Policy") == "same-origin", what
        assert h.get("Cache-Control") == "no-store", (what, h.get("Cache-Control"))
        if r.status_code == 200 and h["Content-Type"].startswith("text/html"):
            assert parse_html(r.text)[1] == [], what
    statuses = {st for _, st in seen}
    assert {200, 303, 400, 403, 404, 405, 409, 413, 415, 401} <= statuses, seen


def own_page_headers(httpd):
    r = httpd.get("/lx/", user="2022010002")
    assert r.status_code == 200 and parse_html(r.text)[1] == []
    again = httpd.get("/lx/", user="2022010002", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    for resp in (r, again):
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    # everything else of the student's: never stored, whatever the setting
    for path in ("/lx/?format=xml", "/lx/api/v1/students/2022010002/status"):
        assert httpd.get(path, user="2022010002").headers["Cache-Control"] == "no-store", path
    return r.headers["Cache-Control"], again.headers["Cache-Control"]


def test_the_students_own_page_is_not_stored_by_default(httpd):
    """Issue 8: no-store on personal pages, the student's own included.  Its ETag is still
    honoured for a client that keeps its own copy (the portal's app)."""
    assert own_page_headers(httpd) == ("no-store", "no-store")


def test_a_site_may_let_the_students_browser_revalidate_their_page(httpd):
    """LixiaoOwnPageCache revalidate (issue 7's choice for the page a student reloads all
    season): the student's own browser may keep it but asks again each time (304 when
    unchanged); no shared cache keeps it."""
    with httpd.extra_conf("own-page", "LixiaoOwnPageCache revalidate\n"):
        assert own_page_headers(httpd) == ("private, no-cache", "private, no-cache")


# ---- the module's HTML writer against libxml2's ---------------------------------------------

VOLATILE = [(r"请求编号 <code>[^<]*</code>", "请求编号 ID"),
            (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?", "TIME"),
            (r'name="(csrf|rid)" value="[^"]*"', r'name="\1" value="X"'),
            (r'data-csrf="[^"]*"', 'data-csrf="X"')]


def normalised(html):
    """What differs between two requests for the same page: its id, the time, form tokens."""
    import re
    for pattern, repl in VOLATILE:
        html = re.sub(pattern, repl, html)
    return html


def test_pages_are_written_as_libxml2_writes_them(httpd, env, hostile):
    """core/lx_html.c writes the result trees instead of libxml2's HTML serializer: for every
    view, with hostile text in it, the page is byte for byte what xsltproc (libxml2's writer)
    makes of the same page's XML."""
    s = hostile["s"]
    pages = [(s, "/lx/"), ("admin", f"/lx/student/{s}"), ("admin", "/lx/"),
             ("op_college_01", f"/lx/op?at=college:01&s={s}"),
             ("op_college_01", f"/lx/op/batch?at=college:01&step=party_transfer&mode=class&s={s}"),
             ("op_dorm", f"/lx/op/batch?at=dorm&step=dorm_items&mode=dorm&s={s}"),
             ("deferral", f"/lx/deferral?s={s}"), ("deferral", "/lx/deferral"),
             ("admin", "/lx/admin?tab=operators"), ("admin", f"/lx/admin?tab=events&student={s}"),
             ("admin", "/lx/admin?tab=steps"),
             ("leader", f"/lx/stats?cohort={hostile['cohort']}&college={hostile['college']}"
                        f"&class={hostile['class']}"),
             ("leader", "/lx/stats"), ("admin", "/lx/no-such-page")]
    for user, path in pages:
        page = httpd.get(path, user=user)
        assert page.headers["Content-Type"] == "text/html; charset=utf-8", path
        xml = httpd.get(path + ("&" if "?" in path else "?") + "format=xml", user=user)
        view = ET.fromstring(xml.content).get("view")
        libxml2 = subprocess.run(["xsltproc", str(env.templates / f"{view}.xsl"), "-"],
                                 input=xml.content, capture_output=True, check=True).stdout
        assert normalised(page.content.decode()) == normalised(libxml2.decode()), path
