"""Setting up an installation from an empty database without SQL (issue 21): the first
administrator from the documented command, then institutions, colleges, classes and cohorts
through /lx/admin; the roster's loan columns follow the institutions configured; a change that
would break consistency is refused in place, with the reason and what was typed.

One FreshEnv (migrations only, no demo generator) for the module; the tests run in order and
build on each other, as an IT office's first day does."""
import os
import re
import uuid
import xml.etree.ElementTree as ET

import pytest

from data import resident_id
from freshenv import FreshEnv
from lxenv import PGBIN, run

ADMIN = "zhangsan"
ADMIN_PASSWORD = "a long random password"


@pytest.fixture(scope="module")
def fresh():
    env = FreshEnv([ADMIN, "lisi", "stranger"])
    env.start()
    yield env
    env.close()


def as_lx_admin(env, sql, check=True):
    """psql as docs/installation.md's lx_admin (LOGIN, IN ROLE lx_owner), with its password."""
    return run([str(PGBIN / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                "-h", str(env.cluster.sock), "-U", "lx_admin", "-d", "lixiao", "-c", sql],
               env=dict(os.environ, PGPASSWORD=ADMIN_PASSWORD), check=check)


def page(env, path, user=ADMIN):
    r = env.httpd.get(path + ("&" if "?" in path else "?") + "format=xml", user=user)
    assert r.status_code == 200, r.text[:300]
    return ET.fromstring(r.content).find("admin")


def post(env, action, fields, user=ADMIN, xml=False):
    data = {"csrf": page(env, "/lx/admin?tab=setup").get("csrf"), "rid": uuid.uuid4().hex}
    data.update(fields)
    return env.httpd.request("POST", f"/lx/admin/{action}" + ("?format=xml" if xml else ""),
                             user=user, data=data)


def ok(r):
    assert r.status_code == 303, r.text[:500]
    return r


def rows(env, sql):
    return env.cluster.psql(sql)


def test_the_first_administrator_comes_from_the_documented_command(fresh):
    # nothing in the database yet: the login CAS knows is not an operator
    assert fresh.httpd.get("/lx/admin", user=ADMIN).status_code == 403
    fresh.add_lx_admin(ADMIN_PASSWORD)
    # the module's role may not make itself an administrator
    r = fresh.cluster.app_psql(f"SELECT lx.admin_bootstrap('{ADMIN}', '张三')", check=False)
    assert r.returncode != 0 and "permission denied" in r.stderr
    # docs/installation.md's command, as written there
    as_lx_admin(fresh, f"SELECT lx.admin_bootstrap('{ADMIN}', '张三')")
    admin = page(fresh, "/lx/admin?tab=setup")
    assert admin.findall("institution") == []
    assert rows(fresh, "SELECT login, note FROM lx.event WHERE kind = 'config'") == [
        ["lx_admin", f"数据库角色 lx_admin 设立管理员 {ADMIN}（张三）"]]


def test_institutions_colleges_classes_and_the_first_cohort(fresh):
    ok(post(fresh, "institution", {"code": "10534", "name": "校本部"}))
    ok(post(fresh, "institution", {"code": "12649", "name": "潇湘学院"}))
    ok(post(fresh, "college", {"code": "01", "name": "计算机学院", "institution": "10534",
                               "office": "逸夫楼 A203", "cert_office": "逸夫楼 A201"}))
    ok(post(fresh, "college", {"code": "11", "name": "材料学院", "institution": "12649"}))
    # each institution brings its national loan: the fact and the college point's step
    assert rows(fresh, "SELECT s.code, s.name, p.code FROM lx.step s"
                       " JOIN lx.point p ON p.id = s.point_id"
                       " WHERE s.institution_id IS NOT NULL ORDER BY s.code") == [
        ["national_loan_10534", "国家助学贷款还款确认（校本部 10534）", "college"],
        ["national_loan_12649", "国家助学贷款还款确认（潇湘学院 12649）", "college"]]

    # the first cohort, from nothing: the default steps and certificates
    ok(post(fresh, "cohort-create", {"programme": "ug", "year": "2027", "name": ""}))
    cohorts = page(fresh, "/lx/admin?tab=cohorts").findall("cohort")
    assert [(c.get("name"), c.get("year")) for c in cohorts] == [("2027届本科", "2027")]
    cid = cohorts[0].get("id")
    steps = {r[0] for r in rows(fresh, "SELECT s.code FROM lx.cohort_step cs"
                                       f" JOIN lx.step s ON s.id = cs.step_id WHERE cohort_id = {cid}")}
    assert {"national_loan_10534", "national_loan_12649", "certificates", "arrears"} <= steps
    assert "refund" not in steps                        # given up in 2017
    assert "defence" not in steps                       # the graduate school's: pg only
    certs = {r[0] for r in rows(fresh, "SELECT certificate FROM lx.cohort_certificate"
                                       f" WHERE cohort_id = {cid}")}
    assert "diploma" in certs and "registration" not in certs   # 报到证: not since 2023
    ok(post(fresh, "cohort-rename", {"cohort": cid, "name": "2027 届本科毕业生"}))
    ok(post(fresh, "class", {"code": "CS2701", "name": "计科2701", "college": "01",
                             "cohort": cid}))
    classes = page(fresh, "/lx/admin?tab=setup&college=01").findall("class")
    assert [(c.get("code"), c.get("cohort-name")) for c in classes] == [
        ("CS2701", "2027 届本科毕业生")]
    # a new institution in mid-season is enabled in the open cohort at once
    ok(post(fresh, "institution", {"code": "99999", "name": "分校"}))
    assert "national_loan_99999" in {r[0] for r in rows(
        fresh, "SELECT s.code FROM lx.cohort_step cs JOIN lx.step s ON s.id = cs.step_id")}
    # every change is in the event log, under the administrator
    notes = [r[0] for r in rows(fresh, f"SELECT note FROM lx.event WHERE login = '{ADMIN}'"
                                       " ORDER BY id")]
    assert notes[:2] == ["新建学校 10534 校本部（含国家助学贷款还款确认）",
                         "新建学校 12649 潇湘学院（含国家助学贷款还款确认）"]
    assert "新建2027届本科（默认离校业务与证件）" in notes


def roster_file(header, *lines):
    return ("\ufeff" + ",".join(header) + "\r\n" + "".join(l + "\r\n" for l in lines)).encode()


FIXED = ["学号", "姓名", "性别", "证件类型", "证件号码", "学院代码", "班级代码", "班级名称", "培养层次", "届",
         "宿舍楼", "房间号", "党员", "团员", "需归还教学仪器"]
TAIL = ["生源地助学贷款", "借用交换机", "暂缓发放两证", "户口迁入学校"]


def student(no, college, cls, loans):
    idn = resident_id(f"43010220020{int(no[-1]) + 1}15{int(no[-3:]):03d}")
    return ",".join([no, "新生" + no[-2:], "女", "居民身份证", idn, college, cls, "计科2701",
                     "本科", "2027", "", "", "否", "是", "否", *loans, "否", "否", "否", "否"])


def upload(fresh, content):
    csrf = page(fresh, "/lx/admin?tab=import").get("csrf")
    return fresh.httpd.request("POST", "/lx/admin/import?format=xml", user=ADMIN,
                               data={"csrf": csrf, "rid": uuid.uuid4().hex, "encoding": "auto"},
                               files={"file": ("roster.csv", content, "text/csv")}, timeout=60)


def test_the_roster_columns_follow_the_institutions(fresh):
    header = [c.get("label") for c in page(fresh, "/lx/admin?tab=import").findall("column")]
    assert header == FIXED + ["国家助学贷款（校本部 10534）", "国家助学贷款（潇湘学院 12649）",
                              "国家助学贷款（分校 99999）"] + TAIL
    html = fresh.httpd.get("/lx/admin?tab=import", user=ADMIN).text
    assert re.sub(r"\s+", "", ",".join(header)) in re.sub(r"\s+", "", html)
    r = upload(fresh, roster_file(header,
                                  student("2027010001", "01", "CS2701", ["否", "是", "否"]),
                                  student("2027010002", "01", "CS2701", ["是", "否", ""])))
    assert r.status_code == 200, r.text[:800]
    assert rows(fresh, "SELECT s.student_no, i.code FROM lx.student_loan l"
                       " JOIN lx.student s ON s.id = l.student_id"
                       " JOIN lx.institution i ON i.id = l.institution_id ORDER BY 1") == [
        ["2027010001", "12649"], ["2027010002", "10534"]]
    assert rows(fresh, "SELECT ss.state FROM lx.step_state ss"
                       " JOIN lx.student s ON s.id = ss.student_id"
                       " JOIN lx.step st ON st.id = ss.step_id"
                       " WHERE s.student_no = '2027010001' AND st.code LIKE 'national_loan_%'"
                       " ORDER BY st.code") == [["na"], ["pending"], ["na"]]
    # a file without an institution's column leaves those loans as they are
    short = FIXED + ["国家助学贷款（校本部 10534）"] + TAIL
    r = upload(fresh, roster_file(short, student("2027010001", "01", "CS2701", ["是"])))
    assert r.status_code == 200, r.text[:800]
    assert rows(fresh, "SELECT i.code FROM lx.student_loan l JOIN lx.student s ON s.id = l.student_id"
                       " JOIN lx.institution i ON i.id = l.institution_id"
                       " WHERE s.student_no = '2027010001' ORDER BY 1") == [["10534"], ["12649"]]


def refused(r, status, reason):
    assert r.status_code == status, r.text[:500]
    assert reason in r.text, r.text[:2000]
    return r.text


def test_what_would_break_consistency_is_refused_in_place(fresh):
    # the form comes back with the reason and with what was typed
    html = refused(post(fresh, "institution", {"code": "1053", "name": "新校区"}), 400,
                   "学校代码应为 5 位数字")
    assert 'value="1053"' in html and 'value="新校区"' in html
    refused(post(fresh, "institution", {"code": "20000", "name": "校本部"}), 409,
            "已有名为“校本部”的学校")
    refused(post(fresh, "institution-retire", {"code": "10534"}), 409,
            "校本部还有 1 个在用的学院")
    refused(post(fresh, "college-retire", {"code": "01"}), 409,
            "计算机学院在未归档的届别中还有 2 名学生")
    html = refused(post(fresh, "cohort-create", {"programme": "ug", "year": "27", "name": "x届"}),
                   400, "届别年份应为四位数字")
    assert 'value="27"' in html and 'value="x届"' in html
    refused(post(fresh, "cohort-create", {"programme": "ug", "year": "2027"}), 409,
            "2027届本科已经存在")
    refused(post(fresh, "college", {"code": "0 1", "name": "x", "institution": "10534"}), 400,
            "学院代码只能由字母和数字组成")
    # a retired college takes no students and no operators
    ok(post(fresh, "college", {"code": "98", "name": "撤销学院", "institution": "10534"}))
    ok(post(fresh, "college-retire", {"code": "98"}))
    ok(post(fresh, "operator", {"login": "lisi", "name": "李四", "active": "1"}))
    refused(post(fresh, "assign", {"login": "lisi", "point": "college", "college": "98"}), 409,
            "该学院已停用")
    assert "撤销学院" not in [c.get("name") for c in
                            page(fresh, "/lx/admin?tab=operators").findall("college")]
    header = [c.get("label") for c in page(fresh, "/lx/admin?tab=import").findall("column")]
    r = upload(fresh, roster_file(header, student("2027980001", "98", "X98", ["否", "否", "否"])))
    assert r.status_code == 400 and "该学院已停用" in r.text
    # a retired institution's column is gone from the header; a loan there is refused
    ok(post(fresh, "institution-retire", {"code": "99999"}))
    assert "国家助学贷款（分校 99999）" not in [
        c.get("label") for c in page(fresh, "/lx/admin?tab=import").findall("column")]
    r = upload(fresh, roster_file(header, student("2027010003", "01", "CS2701", ["否", "否", "是"])))
    assert r.status_code == 400 and "分校已停用，不能再登记其国家助学贷款" in r.text
    ok(post(fresh, "institution-restore", {"code": "99999"}))
    # nothing of the refusals reached the database
    assert rows(fresh, "SELECT count(*) FROM lx.institution") == [["3"]]
    assert rows(fresh, "SELECT count(*) FROM lx.cohort") == [["1"]]


def test_the_row_to_change_fills_its_form(fresh):
    """修改 on a college's row: the form holds what is saved, so that a change of the name does
    not empty the offices nobody retyped."""
    html = fresh.httpd.get("/lx/admin?tab=setup&edit-college=01", user=ADMIN).text
    form = html[html.index('action="/lx/admin/college"'):]
    form = form[:form.index("</form>")]
    assert 'value="计算机学院"' in form and 'value="逸夫楼 A203"' in form
    assert 'value="逸夫楼 A201"' in form and 'value="10534" selected' in form
    html = fresh.httpd.get("/lx/admin?tab=setup&edit-institution=12649", user=ADMIN).text
    form = html[html.index('action="/lx/admin/institution"'):]
    assert 'value="潇湘学院"' in form[:form.index("</form>")]
