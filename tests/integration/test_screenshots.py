"""The screenshots of the staff's guides in Chinese (docs/zh/*.md), taken by a real browser
(Debian's chromium through selenium and chromium-driver, as test_browser.py) so that they never
go stale: each screen the guides show is visited as the account the guide names, checked for
what the guide says is on it (a heading, a button, a state), checked for unmasked resident ID
numbers, and saved as docs/zh/img/NAME.png at a fixed window of 1200 x 800.  The last test
checks that every image docs/zh/*.md shows is one of SCREENS and that each of SCREENS is shown.

Students whose state other tests of the session may have changed are made here (data.make_class)
or chosen by their state in the database, never assumed from the demo's accounts."""
import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from chromium import chromium, focused, login
from data import make_class
from lxenv import REPO
from test_season import SEASON_SCREENS

IMG = REPO / "docs" / "zh" / "img"
WIDTH, HEIGHT = 1200, 800

# name -> the guide that shows it (docs/zh/<guide>.md); every one is taken below
SCREENS = {
    "home-staff": "操作员",
    "desk-search": "操作员",
    "desk-matches": "操作员",
    "desk-student": "操作员",
    "desk-record": "操作员",
    "desk-stats": "操作员",
    "desk-scan": "操作员",
    "batch-class": "操作员",
    "desk-after-batch": "操作员",
    "batch-dorm": "操作员",
    "desk-not-applicable": "操作员",
    "desk-automatic": "操作员",
    "desk-proposal": "操作员",
    "desk-certificate": "操作员",
    "student-sheet": "操作员",
    "deferral-student": "缓办点",
    "deferral-closed": "缓办点",
    "admin-operators": "管理员",
    "admin-steps": "管理员",
    "admin-cohorts": "管理员",
    "admin-import": "管理员",
    "admin-events": "管理员",
    "stats": "管理员",
}
# 18 characters, the last a digit or X: a resident ID number shown whole
FULL_ID = re.compile(r"(?<![0-9A-Za-z*])[0-9]{17}[0-9Xx](?![0-9A-Za-z*])")


@pytest.fixture(scope="module")
def browser():
    with chromium(WIDTH, HEIGHT, "--hide-scrollbars", "--force-device-scale-factor=1") as driver:
        # the page's viewport itself, whatever the window's frame takes
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1,
                                "mobile": False})
        yield driver


class Shots:
    def __init__(self, driver, base):
        self.d = driver
        self.base = base
        self.taken = []

    def login(self, user):
        login(self.d, user)

    def get(self, path):
        self.d.get(self.base + path)
        self.ready()

    def ready(self):
        WebDriverWait(self.d, 20).until(
            lambda d: d.execute_script("return document.readyState") == "complete")

    def text(self, css="body"):
        return self.d.find_element(By.CSS_SELECTOR, css).text

    def scroll_to(self, css):
        el = self.d.find_element(By.CSS_SELECTOR, css)
        self.d.execute_script("arguments[0].scrollIntoView({block: 'start'});", el)
        return el

    def save(self, name, expect, css="body"):
        """Check that css holds the text expect, that no whole ID number is visible, and save."""
        assert name in SCREENS, name
        assert self.d.title.endswith("数字离校系统"), self.d.title
        shown = self.text(css)
        assert expect in shown, f"{name}: {expect!r} not in {css}: {shown[:400]!r}"
        whole = FULL_ID.findall(self.text())
        assert not whole, f"{name}: a whole resident ID number is visible: {whole}"
        IMG.mkdir(parents=True, exist_ok=True)
        assert self.d.save_screenshot(str(IMG / f"{name}.png"))
        self.taken.append(name)


def one(env, sql):
    rows = env.cluster.psql(sql)
    assert rows, sql
    return rows[0][0]


def test_screens_of_the_staff_guides(httpd, env, browser):
    s = Shots(browser, httpd.url + "/lx")
    # a class of our own in college 01: party members (so their certificate step waits for
    # the party transfer), league members (confirmed by class below), no library record yet
    _, nos = make_class(env, "01", 8, league_member=True, party_member=True)
    first = nos[0]
    fresh = one(env, f"SELECT name FROM lx.student WHERE student_no = '{first}'")

    # --- 操作员.md: the college operator -----------------------------------------------
    s.login("op_college_01")
    s.get("/")
    s.save("home-staff", "我负责的离校点", "main")

    s.get("/op?at=college:01")
    box = focused(browser, "q")                      # the search box has focus
    box.send_keys(first)
    s.save("desk-search", "查询学生", "#h-search")

    # a name several students share: the desk lists them to pick one
    box = browser.find_element(By.NAME, "q")
    box.clear()
    box.send_keys(fresh[:-1] + Keys.ENTER)          # "测试N号": every student of the class
    s.ready()
    s.save("desk-matches", "名学生，请选择", "#h-matches")

    browser.find_element(By.NAME, "q").clear()
    browser.find_element(By.NAME, "q").send_keys(first + Keys.ENTER)
    WebDriverWait(browser, 20).until(lambda d: f"s={first}" in d.current_url)
    s.ready()
    s.save("desk-student", "办理业务", "#h-steps")
    assert first in s.text("#h-student")

    s.scroll_to("#h-record")
    s.save("desk-record", "离校记录", "#h-record")
    s.scroll_to("#h-stats")
    s.save("desk-stats", "实时统计", "#h-stats")

    # continuous mode: the party transfer for another of the class, by its number and Enter
    s.get(f"/op?at=college:01&s={first}")
    browser.find_element(By.CSS_SELECTOR, "#scan > summary").click()
    box = browser.find_element(By.ID, "scan-no")
    box.send_keys(nos[1] + Keys.ENTER)
    WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-role=scan-now] .scan-ok"))
    s.scroll_to("#h-search")
    s.save("desk-scan", "已办理：党组织关系转出", "#scan")
    s.get(f"/op?at=college:01&s={first}")

    # batch by class: the league transfer of the whole class
    s.scroll_to("#h-steps")
    browser.find_element(
        By.CSS_SELECTOR, 'a[href*="step=league_transfer"][href*="mode=class"]').click()
    WebDriverWait(browser, 20).until(lambda d: "/lx/op/batch" in d.current_url)
    s.ready()
    browser.find_element(By.CSS_SELECTOR, '[data-action="select-all"]').click()
    boxes = browser.find_elements(By.CSS_SELECTOR, 'input[type=checkbox][name^="sid."]')
    assert len(boxes) == len(nos) and all(b.is_selected() for b in boxes)
    s.save("batch-class", "班级成员", "#h-members")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit].submit").click()
    WebDriverWait(browser, 20).until(lambda d: f"students={len(nos)}" in d.current_url)
    s.ready()
    s.save("desk-after-batch", f"已为 {len(nos)} 名学生办理")

    # the certificate point of the same college: the party transfer is still missing
    s.get(f"/op?at=college_cert:01&s={first}")
    s.save("desk-certificate", "前置业务未完成", ".dsteps")
    assert "党组织关系转出" in s.text(".dsteps")

    # "查看离校单": the student's sheet as the operator sees it
    s.get(f"/student/{first}")
    s.save("student-sheet", "毕业生离校单", "h1")

    # --- 操作员.md: department points --------------------------------------------------
    s.login("op_dorm")
    s.get(f"/op/batch?at=dorm&step=dorm_items&mode=dorm&s={first}")
    s.save("batch-dorm", "寝室成员", "#h-members")

    s.login("op_network")
    s.get(f"/op?s={first}")
    s.save("desk-not-applicable", "无需办理", ".dsteps")

    s.login("op_library")
    s.get(f"/op?s={first}")
    s.save("desk-automatic", "依据图书馆数据自动办理", ".dsteps")

    proposed = one(env, """
        SELECT s.student_no FROM lx.step_state ss JOIN lx.student s ON s.id = ss.student_id
          JOIN lx.step st ON st.id = ss.step_id JOIN lx.cohort c ON c.id = s.cohort_id
         WHERE st.code = 'source_loan' AND ss.proposed AND NOT c.closed
         ORDER BY s.student_no LIMIT 1""")
    s.login("op_student_affairs")
    s.get(f"/op?s={proposed}")
    s.save("desk-proposal", "系统已勾选，待确认", ".dsteps")

    # --- 缓办点.md: the deferral officer ----------------------------------------------
    owing = one(env, """
        SELECT s.student_no FROM lx.student s JOIN lx.step_state ss ON ss.student_id = s.id
          JOIN lx.step st ON st.id = ss.step_id AND st.code = 'arrears'
          JOIN lx.cohort c ON c.id = s.cohort_id
         WHERE s.arrears > 0 AND ss.state = 'pending' AND NOT c.closed
           AND NOT EXISTS (SELECT 1 FROM lx.override o WHERE o.student_id = s.id)
         ORDER BY s.student_no LIMIT 1""")
    s.login("deferral")
    s.get(f"/deferral?s={owing}")
    s.save("deferral-student", "关闭限制", "main")
    browser.find_element(By.ID, "gate-note").send_keys("缓证〔2026〕017 号" + Keys.ENTER)
    WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "button.danger"))
    s.ready()
    s.save("deferral-closed", "开启限制", "main")
    assert "已关闭限制的学生" in s.text("main")

    # --- 管理员.md: the administrator ---------------------------------------------------
    s.login("admin")
    s.get("/admin")
    s.save("admin-operators", "添加操作人员", "main")
    s.get("/admin?tab=steps")
    s.save("admin-steps", "办理方式", "main")
    s.get("/admin?tab=cohorts")
    s.save("admin-cohorts", "离校业务已启用", "main")
    s.get("/admin?tab=import")
    s.save("admin-import", "上传名单文件", "main")
    s.get(f"/admin?tab=events&student={first}")
    s.save("admin-events", "查询操作记录", "main")
    assert "团组织关系转出" in s.text("main")      # the class batch above is in the log
    s.get("/stats")
    s.save("stats", "各学院离校情况", "main")

    assert sorted(s.taken) == sorted(SCREENS)


IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")


def test_the_guides_show_exactly_these_screens():
    shown = {}
    for md in sorted((REPO / "docs" / "zh").glob("*.md")):
        for ref in IMAGE.findall(md.read_text()):
            assert ref.startswith("img/") and ref.endswith(".png"), f"{md.name}: {ref}"
            shown.setdefault(ref[4:-4], set()).add(md.stem)
    every = {**SCREENS, **SEASON_SCREENS}       # test_season.py takes the walk-through's
    assert set(shown) <= set(every), f"not taken by the test: {set(shown) - set(every)}"
    for name, guide in every.items():
        assert guide in shown.get(name, set()), f"{name}.png is not shown in {guide}.md"
        assert (IMG / f"{name}.png").is_file(), f"{name}.png was not committed"
