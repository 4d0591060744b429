"""A whole season from nothing, in a real browser (issue 21): an empty database (migrations
only, no demo generator), the first administrator from the documented command (lixiao-admin
admin add), then everything through the pages: an institution and a college, the first cohort,
the roster, the operators and their points, the feeds' tokens; the library and the finance
office push their figures, the desks confirm (a class batch in the browser, dorm batches and
one student at a time), the certificate point hands out, the statistics add up, the cohort is
closed and next year's is set up.

It is also the walk-through of docs/zh/从零开始.md: its screenshots (SEASON_SCREENS) are saved
to docs/zh/img as test_screenshots.py saves the other guides', at the same window size."""
import json
import re
import tempfile
import uuid
from pathlib import Path

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from chromium import chromium, login
from data import resident_id
from desk import batch, confirm, outcomes
from freshenv import FreshEnv
from lxenv import REPO

IMG = REPO / "docs" / "zh" / "img"
WIDTH, HEIGHT = 1200, 800
GUIDE = "从零开始"
SEASON_SCREENS = {
    "season-setup": GUIDE,
    "season-cohort": GUIDE,
    "season-import": GUIDE,
    "season-operators": GUIDE,
    "season-tokens": GUIDE,
    "season-certificate": GUIDE,
    "season-stats": GUIDE,
    "season-next": GUIDE,
}
ADMIN, PASSWORD = "zhangsan", "lx_admin password"
STUDENTS = [f"202701000{i}" for i in range(1, 5)]
ROOMS = {"2027010001": "101", "2027010002": "101", "2027010003": "102", "2027010004": "102"}


@pytest.fixture(scope="module")
def fresh():
    env = FreshEnv([ADMIN, "op_college", "op_cert", "op_depts", "leader", *STUDENTS])
    env.start()
    env.add_lx_admin(PASSWORD)
    yield env
    env.close()


@pytest.fixture(scope="module")
def browser():
    with chromium(WIDTH, HEIGHT, "--hide-scrollbars", "--force-device-scale-factor=1") as d:
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1,
                           "mobile": False})
        yield d


class Walk:
    """The browser as one person at a time, with the guide's screenshots."""

    def __init__(self, driver, base):
        self.d, self.base, self.taken = driver, base, []

    def login(self, user):
        login(self.d, user)

    def ready(self):
        WebDriverWait(self.d, 20).until(
            lambda d: d.execute_script("return document.readyState") == "complete")

    def get(self, path):
        self.d.get(self.base + path)
        self.ready()

    def text(self, css="main"):
        return self.d.find_element(By.CSS_SELECTOR, css).text

    def submit(self, action, fields, accept=False):
        """Fill the form that posts to {base}/ACTION and send it, as a person would: text by
        typing, selects by value, checkboxes by clicking; accept: the confirm() it asks."""
        form = self.d.find_element(By.CSS_SELECTOR, f'form[action$="/lx/{action}"]')
        for name, value in fields.items():
            el = form.find_element(By.NAME, name)
            if el.tag_name == "select":
                Select(el).select_by_value(value)
            elif el.get_attribute("type") == "checkbox":
                if el.is_selected() != bool(value):
                    el.click()
            else:
                el.clear()
                el.send_keys(value)
        self.click(form.find_element(By.CSS_SELECTOR, "button[type=submit]"), accept)

    def click(self, element, accept=False):
        """Click what loads a new page, and wait for that page (not the old one's state): the
        old page's window carries a mark the new one does not."""
        self.d.execute_script("window.lxOldPage = true")
        element.click()
        if accept:
            WebDriverWait(self.d, 10).until(EC.alert_is_present())
            self.d.switch_to.alert.accept()
        WebDriverWait(self.d, 30, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.execute_script("return window.lxOldPage === undefined"
                                       " && document.readyState === 'complete'"))

    def saved(self):
        assert "已保存" in self.text(), self.text()[:600]

    def save(self, name, expect, css="main", scroll=None):
        assert name in SEASON_SCREENS, name
        if scroll:
            self.d.execute_script("arguments[0].scrollIntoView({block: 'start'});",
                                  self.d.find_element(By.CSS_SELECTOR, scroll))
        assert expect in self.text(css), f"{name}: {expect!r} not in {self.text(css)[:500]!r}"
        IMG.mkdir(parents=True, exist_ok=True)
        assert self.d.save_screenshot(str(IMG / f"{name}.png"))
        self.taken.append(name)


def roster(header):
    """The registrar's file: four graduates of one class in two dorm rooms; no loans."""
    lines = [",".join(header)]
    for i, no in enumerate(STUDENTS):
        idn = resident_id(f"4301022004051{i}{int(no[-2:]):02d}1")
        cells = {"学号": no, "姓名": ["赵一", "钱二", "孙三", "李四"][i], "性别": "男女"[i % 2],
                 "证件类型": "居民身份证", "证件号码": idn, "学院代码": "01", "班级代码": "CS2701",
                 "班级名称": "计科2701", "培养层次": "本科", "届": "2027", "宿舍楼": "1栋",
                 "房间号": ROOMS[no]}
        lines.append(",".join(cells.get(h, "否") for h in header))
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def feed(fresh, purpose, token, records):
    r = fresh.httpd.request("POST", f"/lx/api/v1/feeds/{purpose}",
                            data=json.dumps({"records": records}),
                            headers={"Authorization": f"Bearer {token}",
                                     "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    return r.json()


def cleared(fresh):
    return [r[0] for r in fresh.cluster.psql(
        "SELECT s.student_no FROM lx.student s WHERE NOT EXISTS ("
        "  SELECT 1 FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id"
        "   WHERE ss.student_id = s.id AND ss.state = 'pending' AND NOT st.optional)"
        " ORDER BY 1")]


def test_a_season_from_an_empty_database(fresh, browser):
    http = fresh.httpd
    w = Walk(browser, http.url + "/lx")

    # the IT office: the first administrator (docs/installation.md, docs/runbooks.md)
    r = fresh.admin_command("admin", "add", ADMIN, "张三")
    assert r.returncode == 0, r.stderr

    # the administrator: the institution and the college
    w.login(ADMIN)
    w.get("/admin?tab=setup")
    assert "还没有学校" in w.text()
    w.submit("admin/institution", {"code": "10534", "name": "校本部"})
    w.saved()
    w.submit("admin/college", {"institution": "10534", "code": "01", "name": "计算机学院",
                               "office": "逸夫楼 A203（学院办公室）",
                               "cert_office": "逸夫楼 A201（学院教务办公室）"})
    w.saved()
    w.save("season-setup", "计算机学院", scroll="#h-insts")

    # the first cohort, with the default steps and certificates
    w.get("/admin?tab=cohorts")
    assert "还没有届别" in w.text()
    w.submit("admin/cohort-create", {"programme": "ug", "year": "2027"})
    w.saved()
    w.save("season-cohort", "2027届本科")

    # the roster, under the header the import tab shows
    w.get("/admin?tab=import")
    header = w.text(".roster-header").replace("\n", "").split(",")
    assert header[15] == "国家助学贷款（校本部 10534）"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "2027届本科毕业生.csv"
        path.write_text(roster(header), encoding="utf-8")
        browser.find_element(By.ID, "import-file").send_keys(str(path))
        w.click(browser.find_element(By.CSS_SELECTOR,
                                     'form[action$="/admin/import"] button.submit'))
    w.save("season-import", "新增 4 名")

    # the operators and their points
    w.get("/admin")
    for login_, name, flags in [("op_college", "计算机学院 王老师", {}),
                                ("op_cert", "计算机学院 陈老师", {}),
                                ("op_depts", "后勤与学工 刘老师", {}),
                                ("leader", "校领导 周校长", {"is_leader": True})]:
        w.submit("admin/operator", {"login": login_, "name": name, **flags})
        w.saved()
    for login_, point, college in [("op_college", "college", "01"),
                                   ("op_cert", "college_cert", "01"),
                                   ("op_depts", "student_affairs", ""),
                                   ("op_depts", "utilities", ""), ("op_depts", "dorm", "")]:
        w.submit("admin/assign", {"login": login_, "point": point, "college": college})
        w.saved()
    w.save("season-operators", "后勤与学工 刘老师")

    # the feeds' tokens, each shown once
    w.get("/admin?tab=tokens")
    tokens = {}
    for purpose, name in [("library", "图书馆管理系统"), ("finance", "财务收费系统")]:
        w.submit("admin/token-issue", {"purpose": purpose, "name": name})
        tokens[purpose] = browser.find_element(By.ID, "issued-token").get_attribute("value")
        assert re.fullmatch(r"[0-9a-f]{64}", tokens[purpose])
    w.save("season-tokens", "新令牌已签发")

    # the library and the finance office push their figures; one student still owes
    feed(fresh, "library", tokens["library"],
         [{"student_no": no, "loans": 0, "fines": 0} for no in STUDENTS])
    feed(fresh, "finance", tokens["finance"],
         [{"student_no": no, "arrears": 0 if no != STUDENTS[3] else 120.5} for no in STUDENTS])

    # the college desk: the teaching instruments for the whole class, in the browser
    w.login("op_college")
    w.get(f"/op?at=college:01&s={STUDENTS[0]}")
    w.click(browser.find_element(
        By.CSS_SELECTOR, 'a[href*="step=instruments"][href*="mode=class"]'))
    browser.find_element(By.CSS_SELECTOR, '[data-action="select-all"]').click()
    w.click(browser.find_element(By.CSS_SELECTOR, "form button[type=submit].submit"))
    assert "students=4" in browser.current_url

    # the departments: student cards by class, electricity and dorm items by room
    assert {o[2] for o in outcomes(batch(http, "op_depts", "student_affairs", STUDENTS[0],
                                         "student_card", "class", STUDENTS))} == {"ok"}
    for room in ("101", "102"):
        mates = [no for no in STUDENTS if ROOMS[no] == room]
        for at, step in [("utilities", "electricity"), ("dorm", "dorm_items")]:
            r = batch(http, "op_depts", at, mates[0], step, "dorm", mates)
            assert {o[2] for o in outcomes(r)} == {"ok"}, r.text[:500]
    assert cleared(fresh) == []                 # the certificates are still to hand out

    # the certificate point hands out: in the browser for the first, then the others
    w.login("op_cert")
    w.get(f"/op?at=college_cert:01&s={STUDENTS[0]}")
    browser.find_element(By.CSS_SELECTOR, 'input[name="step.certificates"]').click()
    w.click(browser.find_element(By.CSS_SELECTOR, ".confirm-form button.submit"))
    w.save("season-certificate", "已完成", ".dsteps")
    for no in STUDENTS[1:3]:
        assert outcomes(confirm(http, "op_cert", "college_cert:01", no, ["certificates"]))[0][2] \
            == "ok"
    r = confirm(http, "op_cert", "college_cert:01", STUDENTS[3], ["certificates"])
    assert r.status_code == 409 and outcomes(r)[0][3] == "缴清欠费"     # 120.50 yuan unpaid
    assert cleared(fresh) == STUDENTS[:3]

    # the statistics add up: the leader's dashboard against the states
    w.login("leader")
    w.get("/stats")
    w.save("season-stats", "各学院离校情况")
    import xml.etree.ElementTree as ET
    stats = ET.fromstring(http.get("/lx/stats?format=xml", user="leader").content).find("stats")
    (college,) = stats.findall("college")
    assert (college.get("code"), college.get("students"), college.get("cleared")) == \
        ("01", "4", "3")
    # the student sees their own clearance
    assert http.get(f"/lx/student/{STUDENTS[0]}", user=STUDENTS[0]).status_code == 200

    # the season closes; next year's cohort keeps this year's steps and certificates
    w.login(ADMIN)
    w.get("/admin?tab=cohorts")
    w.submit("admin/cohort-close", {}, accept=True)
    w.saved()
    # the archived cohort is folded away: open it, as a person clicks its summary
    browser.find_element(By.CSS_SELECTOR, "details.acohort-closed summary").click()
    w.submit("admin/cohort-next", {})
    w.saved()
    w.save("season-next", "2028届本科")
    steps = fresh.cluster.psql(
        "SELECT c.name, c.closed, array_agg(s.code ORDER BY s.code) FROM lx.cohort c"
        " JOIN lx.cohort_step cs ON cs.cohort_id = c.id JOIN lx.step s ON s.id = cs.step_id"
        " GROUP BY c.id ORDER BY c.year")
    assert [r[:2] for r in steps] == [["2027届本科", "t"], ["2028届本科", "f"]]
    assert steps[0][2] == steps[1][2]
    # a closed cohort is read-only
    r = confirm(http, "op_cert", "college_cert:01", STUDENTS[3], ["certificates"])
    assert r.status_code in (403, 409)
    assert sorted(w.taken) == sorted(SEASON_SCREENS)
