"""The student's clearance page at /lx/, its XML, and who may see whose record."""
import re
import xml.etree.ElementTree as ET

import pytest

from data import students_who_log_in

CLEARED = "2022010001"
LIBRARY_DEBT = "2022010002"
PARTY_TWO_LOANS = "2022010003"
OFF_CAMPUS = "2022010004"
GRADUATE = "2023015001"
DEFERRED = "2022010005"
OTHER_COLLEGE = "2022020001"


def xml_of(httpd, user, path="/lx/"):
    r = httpd.get(path + "?format=xml", user=user)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/xml")
    return ET.fromstring(r.content)


def steps(doc):
    return {s.get("code"): s for s in doc.iter("step")}


def raw_id(env, student_no):
    return env.cluster.psql(f"SELECT id_number FROM lx.student WHERE student_no = '{student_no}'")[0][0]


def test_own_page_is_html5_in_chinese(httpd, env):
    r = httpd.get("/lx/", user=CLEARED)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    body = r.text
    assert body.startswith("<!DOCTYPE html>")
    assert 'lang="zh-CN"' in body
    name = env.cluster.psql(f"SELECT name FROM lx.student WHERE student_no = '{CLEARED}'")[0][0]
    assert name in body
    assert "离校" in body
    assert 'name="viewport"' in body
    # personal page: not stored (LixiaoOwnPageCache no-store, the default), but a client that
    # keeps its own copy may revalidate it by its ETag; never framed, no inline script
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["ETag"].startswith(f'W/"{CLEARED}-')
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in body


def test_own_page_revalidates_until_the_sheet_changes(httpd, env):
    from data import confirm_via_door
    fixed = "','".join([CLEARED, LIBRARY_DEBT, PARTY_TWO_LOANS, OFF_CAMPUS, GRADUATE, DEFERRED,
                        OTHER_COLLEGE, "2022010006", "2022010007"])
    no, other = [row[0] for row in env.cluster.psql(f"""
        SELECT s.student_no FROM lx.student s
          JOIN lx.step_state ss ON ss.student_id = s.id AND ss.state = 'pending'
          JOIN lx.step st ON st.id = ss.step_id AND st.code = 'student_card'
         WHERE s.student_no NOT IN ('{fixed}')  -- in the password file: made with the cluster
           AND s.id < 300
           AND EXISTS (SELECT 1 FROM lx.step_state a JOIN lx.step ast ON ast.id = a.step_id
                        WHERE a.student_id = s.id AND ast.code = 'arrears'
                          AND a.state = 'pending')       -- a gate the deferral point can lift
         ORDER BY s.id DESC LIMIT 2""")]
    first = httpd.get("/lx/", user=no)
    etag = first.headers["ETag"]
    again = httpd.get("/lx/", user=no, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    # a browser shared with another student never gets the first one's page as current
    assert httpd.get("/lx/", user=other, headers={"If-None-Match": etag}).status_code == 200
    # a confirmed step, a lifted gate, a renamed step: each makes the old copy stale
    assert confirm_via_door(env, [no], "student_card", how="class") == [["ok"]]
    changed = httpd.get("/lx/", user=no, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    etag = changed.headers["ETag"]
    assert env.cluster.psql(f"SET ROLE lx_owner; SELECT outcome FROM lx.set_override("
                            f"'{no}', 'arrears', true, 'deferral', '缓交证明 T-1')") == [["ok"]]
    changed = httpd.get("/lx/", user=no, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    etag = changed.headers["ETag"]
    env.cluster.psql("UPDATE lx.step SET hint = hint WHERE code = 'student_card'")
    assert httpd.get("/lx/", user=no, headers={"If-None-Match": etag}).status_code == 200
    # staff views and the XML are never kept
    r = httpd.get(f"/lx/student/{no}", user="admin")
    assert r.headers["Cache-Control"] == "no-store" and "ETag" not in r.headers


def test_own_page_in_one_statement_is_the_usual_page(httpd, env):
    """GET /lx/ without If-None-Match takes the account and the sheet in one statement
    (page_student.c, lx_page_own_sheet); with a stale ETag it goes the usual way (the
    account, then the sheet).  Both give the same page; a student who is also an active
    operator (a student assistant) is staff either way."""
    def page(user, stale):
        headers = {"If-None-Match": 'W/"stale"'} if stale else {}
        r = httpd.get("/lx/?format=xml", user=user, headers=headers)
        assert r.status_code == 200, r.text
        doc = ET.fromstring(r.content)
        for volatile in ("request-id", "now"):
            doc.attrib.pop(volatile, None)
        return doc.get("view"), ET.tostring(doc)

    for no in (CLEARED, LIBRARY_DEBT, PARTY_TWO_LOANS, GRADUATE, DEFERRED):
        assert page(no, stale=False) == page(no, stale=True)
        assert page(no, stale=False)[0] == "student"
        html = httpd.get("/lx/", user=no)
        assert html.status_code == 200 and html.headers["ETag"].startswith(f'W/"{no}-')
        assert httpd.get("/lx/", user=no, headers={"If-None-Match": html.headers["ETag"]}
                         ).status_code == 304
    assistant = "2022010007"
    env.cluster.psql(f"INSERT INTO lx.operator (login, name) VALUES ('{assistant}', '学生助理')")
    try:
        assert page(assistant, stale=False)[0] == "home"
        assert page(assistant, stale=True)[0] == "home"
    finally:
        env.cluster.psql(f"DELETE FROM lx.operator WHERE login = '{assistant}'")
    assert page(assistant, stale=False)[0] == "student"


def test_fully_cleared_student(httpd):
    doc = xml_of(httpd, CLEARED)
    st = steps(doc)
    required = [s for s in st.values() if s.get("optional") == "0" and s.get("state") != "na"]
    assert required and all(s.get("state") == "done" for s in required)
    cert = st["certificates"]
    assert cert.get("state") == "done"
    assert cert.get("by-login") and cert.get("at") and cert.get("how")
    assert cert.find("requires") is None
    page = httpd.get("/lx/", user=CLEARED).text
    assert "已完成全部离校手续" in page


def test_every_applicable_step_is_grouped_by_point(httpd, env):
    doc = xml_of(httpd, PARTY_TWO_LOANS)
    student = doc.find("student")
    points = [p.get("code") for p in student.findall("point")]
    assert points[0] == "college" and "library" in points and "finance" in points
    assert len(points) == len(set(points)), "each point once"
    # what the database enables for this student's cohort, in the same order
    rows = env.cluster.psql(f"""
        SELECT st.code, ss.state FROM lx.step_state ss
          JOIN lx.step st ON st.id = ss.step_id JOIN lx.point p ON p.id = st.point_id
          JOIN lx.student s ON s.id = ss.student_id
         WHERE s.student_no = '{PARTY_TWO_LOANS}' ORDER BY p.sort, p.id, st.sort, st.id""")
    assert [(s.get("code"), s.get("state")) for s in doc.iter("step")] == [tuple(r) for r in rows]
    st = steps(doc)
    assert st["party_transfer"].get("state") == "pending"
    assert st["national_loan_10534"].get("state") == "pending"
    assert st["national_loan_12649"].get("state") == "pending"
    assert "10534" in student.get("national-loans") and "12649" in student.get("national-loans")
    # pending steps carry no who/when
    assert st["party_transfer"].get("by-login") is None


def test_certificate_step_names_missing_prerequisites(httpd):
    doc = xml_of(httpd, LIBRARY_DEBT)
    st = steps(doc)
    assert st["library_books"].get("state") == "pending"
    lib = doc.find("student/library")
    assert lib.get("loans") == "3" and lib.get("fines") == "12.50"
    cert = st["certificates"]
    assert cert.get("state") == "pending"
    missing = {r.get("code"): r.get("name") for r in cert.findall("requires")}
    assert "library_books" in missing and missing["library_books"] == "图书归还"
    page = httpd.get("/lx/", user=LIBRARY_DEBT).text
    assert "图书归还" in page and "3" in page


def test_off_campus_student_has_no_dorm(httpd):
    doc = xml_of(httpd, OFF_CAMPUS)
    assert doc.find("student").get("dorm") is None
    st = steps(doc)
    assert st["electricity"].get("state") == "pending"


def test_graduate_student_sees_graduate_school_steps(httpd):
    doc = xml_of(httpd, GRADUATE)
    assert doc.find("student").get("programme") == "研究生"
    st = steps(doc)
    assert st["defence"].get("state") == "done"
    assert st["project"].get("state") == "pending"
    assert "instruments" not in st and "league_transfer" not in st


def test_deferred_certificates(httpd):
    st = steps(xml_of(httpd, DEFERRED))
    assert st["deferred_certificates"].get("state") == "pending"
    assert st["deferred_certificates"].find("requires") is None
    assert "毕业证书" not in (st["certificates"].get("certificates") or "")


def test_resident_id_is_masked_everywhere(httpd, env):
    full = raw_id(env, CLEARED)
    assert len(full) == 18
    for path in ("/lx/", "/lx/?format=xml"):
        body = httpd.get(path, user=CLEARED).text
        assert full not in body
    masked = xml_of(httpd, CLEARED).find("student").get("id-masked")
    assert masked == full[:6] + "*" * 8 + full[-4:]


def test_a_student_cannot_see_another_students_record(httpd, env):
    other_name = env.cluster.psql(
        f"SELECT name FROM lx.student WHERE student_no = '{LIBRARY_DEBT}'")[0][0]
    for path in (f"/lx/student/{LIBRARY_DEBT}", f"/lx/student/{LIBRARY_DEBT}?format=xml"):
        r = httpd.get(path, user=CLEARED)
        assert r.status_code == 403
        assert other_name not in r.text and LIBRARY_DEBT not in r.text.replace(path, "")
    # own record through the explicit URL is fine
    assert httpd.get(f"/lx/student/{CLEARED}", user=CLEARED).status_code == 200
    # an unknown or malformed number tells nothing either
    assert httpd.get("/lx/student/2099999999", user=CLEARED).status_code == 403
    assert httpd.get("/lx/student/abc", user=CLEARED).status_code == 404


@pytest.mark.parametrize("user,student,status", [
    ("admin", LIBRARY_DEBT, 200),
    ("op_college_01", LIBRARY_DEBT, 200),      # college point of the student's college
    ("op_college_01", OTHER_COLLEGE, 403),     # another college: out of scope
    ("op_college_02", OTHER_COLLEGE, 200),
    ("op_library", OTHER_COLLEGE, 200),        # a department point serves every graduate
    ("op_graduate", LIBRARY_DEBT, 403),        # graduate school: graduates only
    ("op_graduate", GRADUATE, 200),
    ("deferral", LIBRARY_DEBT, 200),           # the deferral point finds any student
    ("leader", LIBRARY_DEBT, 403),             # leaders see statistics, not records
])
def test_staff_see_records_within_their_scope(httpd, user, student, status):
    r = httpd.get(f"/lx/student/{student}", user=user)
    assert r.status_code == status
    if status == 200:
        assert f"{student}" in r.text


def test_staff_home_and_lookup(httpd):
    r = httpd.get("/lx/", user="op_college_01")
    assert r.status_code == 200
    doc = ET.fromstring(httpd.get("/lx/?format=xml", user="op_college_01").content)
    assert doc.get("view") == "home"
    points = {a.get("point") for a in doc.find("account").findall("assignment")}
    assert points == {"college", "college_cert"}
    r = httpd.get(f"/lx/lookup?no={LIBRARY_DEBT}", user="op_college_01")
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/lx/student/{LIBRARY_DEBT}")
    r = httpd.get("/lx/lookup?no=12345", user="op_college_01")
    assert r.status_code == 400 and "学号" in r.text


def test_unknown_user_gets_our_403_page(httpd):
    r = httpd.get("/lx/", user="stranger")
    assert r.status_code == 403
    assert "未登记" in r.text and r.text.startswith("<!DOCTYPE html>")


def test_wrong_password_is_apaches_401(httpd, logcheck):
    logcheck.expect(r"AH01617: user 2022010001: authentication failure")
    assert httpd.get("/lx/", user=CLEARED, password="wrong").status_code == 401
    assert httpd.get("/lx/").status_code == 401


def test_unknown_url_gets_our_404_page(httpd):
    for path in ("/lx/nope", "/lx/student", "/lx/student/", "/lx/student/2022010001/x"):
        r = httpd.get(path, user=CLEARED)
        assert r.status_code == 404, path
    r = httpd.get("/lx/nope", user=CLEARED)
    assert r.status_code == 404 and "页面不存在" in r.text
    r = httpd.get("/lx/nope?format=xml", user=CLEARED)
    assert r.status_code == 404
    assert ET.fromstring(r.content).find("error").get("status") == "404"


def test_methods_other_than_get_are_refused(httpd):
    for method in ("POST", "PUT", "DELETE"):
        r = httpd.request(method, "/lx/", user=CLEARED, data="x=1")
        assert r.status_code == 405, method
        assert "GET" in r.headers["Allow"]
    r = httpd.request("HEAD", "/lx/", user=CLEARED)
    assert r.status_code == 200 and r.content == b""


def test_xml_is_well_formed_with_hostile_text(httpd, env):
    # a note with markup, an ampersand, a CDATA end and a control character, written through
    # the one door as an administrator would
    env.cluster.psql(f"""
        SET ROLE lx_owner;
        SELECT * FROM lx.change('revoke', (SELECT id FROM lx.step WHERE code = 'instruments'),
            ARRAY[(SELECT id FROM lx.student WHERE student_no = '{OTHER_COLLEGE}')],
            'individual', 'admin', 'test');
        SELECT * FROM lx.change('confirm', (SELECT id FROM lx.step WHERE code = 'instruments'),
            ARRAY[(SELECT id FROM lx.student WHERE student_no = '{OTHER_COLLEGE}')],
            'individual', 'admin', E'<script>alert(1)</script> & ]]> \\x01 end');""")
    r = httpd.get(f"/lx/student/{OTHER_COLLEGE}?format=xml", user="admin")
    note = steps(ET.fromstring(r.content))["instruments"].get("note")
    assert note.startswith("<script>alert(1)</script> & ]]>") and note.endswith("end")
    html = httpd.get(f"/lx/student/{OTHER_COLLEGE}", user="admin").text
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt;" in html
    assert "\x01" not in html


def test_static_files_are_served(httpd):
    r = httpd.get("/lx/static/lx.css")
    assert r.status_code == 200 and "text/css" in r.headers["Content-Type"]
    assert re.search(r"@media\s+print", r.text)


@pytest.mark.parametrize("path", [
    "/lx/student/%32%30%32%32%30%31%30%30%30%31",
    "/lx/student/2022010001%00",
    "/lx/student/..%2f..%2fetc%2fpasswd",
    "/lx/student/" + "9" * 5000,
    "/lx/?format=xml&format=html",
    "/lx/?format=%zz",
    "/lx/?" + "a=1&" * 2000,
    "/lx/lookup?no=%00",
    "/lx/lookup?no=２０２２０１０００１",
    "/lx/lookup?no=2022010001&no=2022010002",
    "/lx/%e5%bc",
    "/lx//student//2022010001",
    "/lx/static/../student/2022010001",
])
def test_odd_requests_never_get_a_5xx(httpd, logcheck, path):
    logcheck.expect(r"AH00126|AH10244|AH00127")     # httpd's own refusals of bad URIs
    r = httpd.get(path, user=CLEARED)
    assert r.status_code < 500, (path, r.status_code)


def test_sheet_agrees_with_the_rule_functions_for_every_student(env):
    """lx.student_sheet (sql/functions/sheet.sql) is one inlined statement over the student's
    rows: it applies the prerequisite rule (lx.prereq_blocks) to the states it read instead of
    calling lx.missing_prereqs, and reads the revisions for lx.sheet_version itself; it
    writes out lx.student_facts.  For every student of the demo data, each
    step's missing prerequisites (codes and names), lifted gate, certificates and the sheet's
    version are those the rule functions give."""
    bad = env.cluster.psql("""
        SET timezone = 'Asia/Shanghai';
        CREATE TEMP TABLE sheet AS
        SELECT s.id AS sid, s.cohort_id, st.id AS step_id, o.*
          FROM lx.student s
         CROSS JOIN LATERAL lx.student_sheet(s.student_no) o
          LEFT JOIN lx.step st ON st.code = o.step_code;
        CREATE TEMP TABLE facts AS SELECT s.id AS sid, lx.student_facts(s.id) AS f
          FROM lx.student s;
        SELECT 'missing', sid::text, step_code FROM sheet
         WHERE step_id IS NOT NULL AND missing IS DISTINCT FROM
               CASE WHEN state = 'pending' THEN lx.missing_prereqs(sid, step_id) END
        UNION ALL
        SELECT 'missing_names', sid::text, step_code FROM sheet
         WHERE missing_names IS DISTINCT FROM
               (SELECT string_agg(d.name, E'\\x1f' ORDER BY array_position(
                                      string_to_array(missing, ' '), d.code))
                  FROM lx.step d WHERE d.code = ANY (string_to_array(missing, ' ')))
        UNION ALL
        SELECT 'overridden', sid::text, step_code FROM sheet
         WHERE step_id IS NOT NULL
           AND overridden <> EXISTS (SELECT 1 FROM lx.override o
                                      WHERE o.student_id = sid AND o.step_id = sheet.step_id)
        UNION ALL
        SELECT 'certificates', sh.sid::text, sh.step_code FROM sheet sh
          JOIN facts fa ON fa.sid = sh.sid
         WHERE sh.certificates IS DISTINCT FROM
               CASE WHEN sh.certificate AND sh.state <> 'na' THEN
                   (SELECT string_agg(ce.name, '、' ORDER BY ce.sort)
                      FROM lx.cohort_certificate cc
                      JOIN lx.certificate ce ON ce.code = cc.certificate
                     WHERE cc.cohort_id = sh.cohort_id AND ce.step_id = sh.step_id
                       AND (ce.needs_fact IS NULL OR ce.needs_fact = ANY (fa.f))
                       AND (ce.unless_fact IS NULL OR NOT ce.unless_fact = ANY (fa.f))) END
        UNION ALL
        SELECT 'version', sid::text, NULL FROM sheet
         WHERE student_no IS NOT NULL
           AND version IS DISTINCT FROM
               (SELECT lx.sheet_version(r.rev, c.rev) FROM lx.config_version c
                  LEFT JOIN lx.sheet_rev r ON r.student_id = sid)
        UNION ALL
        SELECT 'steps', s.id::text, NULL FROM lx.student s
          LEFT JOIN (SELECT student_id, count(*) AS n FROM lx.step_state GROUP BY 1) a
                 ON a.student_id = s.id
          LEFT JOIN (SELECT sid, count(*) AS n FROM sheet WHERE step_code IS NOT NULL
                      GROUP BY 1) b ON b.sid = s.id
         WHERE coalesce(a.n, 0) <> coalesce(b.n, 0)
         LIMIT 20""")
    checked = env.cluster.psql("""
        SELECT count(*) FILTER (WHERE o.missing IS NOT NULL),
               count(*) FILTER (WHERE o.overridden),
               count(*) FILTER (WHERE o.certificates IS NOT NULL)
          FROM lx.student s, LATERAL lx.student_sheet(s.student_no) o""")[0]
    assert bad == [], bad
    # the demo data has every case: steps waiting for others, lifted gates, certificates
    assert all(int(n) > 0 for n in checked), checked


def test_the_students_form_speaks_the_students_language(httpd, env):
    """Issue 22: the form showed logins ("feed:library", "system:import"), "可：个人办理、按班级"
    on pending steps, the optional deposit refund as an orange to-do, ASCII quotes, and
    "状态待定" with nothing to do about it."""
    cleared = httpd.get("/lx/", user=CLEARED).text
    assert "图书馆（数据同步）" in cleared and "财务处（数据同步）" in cleared
    assert not re.search(r"(feed|system|cli):", cleared), re.findall(r"\w+:\w+", cleared)[:5]
    assert "领取“三证”和户口迁移证明" in cleared and '"三证"' not in cleared
    debt = httpd.get("/lx/", user=LIBRARY_DEBT).text
    assert "可：" not in debt
    row = debt[debt.index("押金退还"):]
    row = row[:row.index("</tr>")]
    assert "自愿，未办理" in row and "state-pending" not in row
    # Only a student in httpd's password file can log in: an earlier test may have imported
    # students without library data who sort first and cannot.
    logins = set(students_who_log_in(env, 10 ** 6))
    nodata = next(r[0] for r in env.cluster.psql(
        "SELECT s.student_no FROM lx.student s JOIN lx.cohort c ON c.id = s.cohort_id"
        " WHERE s.library_received_at IS NULL AND NOT c.closed ORDER BY 1") if r[0] in logins)
    page = httpd.get("/lx/", user=nodata).text
    assert "图书馆还没有发来您的借阅数据" in page and "状态待定" not in page


def test_a_leader_is_labelled_a_leader_only(httpd):
    html = httpd.get("/lx/stats", user="leader").text
    header = html[:html.index("</header>")]
    assert "badge-leader" in header and ">操作人员<" not in header
