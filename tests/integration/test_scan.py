"""Continuous mode (连续办理, issue 22) in a real browser: the operator picks a step once, then
each student number typed or scanned (a barcode scanner types the number and Enter) confirms
it at once through the desk's door, and the answer shows in place: confirmed with the name and
class, already done, or refused with the reason; the box keeps the focus, nothing reloads; Esc
undoes the last one (a revoke, reason 误操作).

The last test clears 100 students in continuous mode and 100 at the normal desk, keyboard
only, and writes keystrokes and seconds per student to build/desk-speed.json (a benchmark
figure, printed, never asserted: these machines are shared)."""
import json
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from chromium import chromium, focused, login
from data import make_class, state
from lxenv import REPO

OP, AT, STEP = "op_college_01", "college:01", "party_transfer"


@pytest.fixture(scope="module")
def browser():
    with chromium(1366, 768) as driver:
        yield driver


def open_scan(browser, httpd, step=STEP):
    login(browser, OP)
    browser.get(f"{httpd.url}/lx/op?at={AT}")
    browser.find_element(By.CSS_SELECTOR, "#scan > summary").click()
    Select(browser.find_element(By.ID, "scan-step")).select_by_value(step)
    box = browser.find_element(By.ID, "scan-no")
    box.click()
    browser.execute_script("window.lxSamePage = true")
    return box


def scan(browser, box, typed, expect_no=None):
    """Type (or scan) a number and Enter; the answer for it, once it is in place."""
    box.send_keys(typed + Keys.ENTER)
    # each answer replaces the last: wait for a new one (marked as seen below)
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(
        "var r = document.querySelector('[data-role=scan-now] .scan-result');"
        "return r && !r.hasAttribute('data-n')"))
    browser.execute_script(
        "document.querySelector('[data-role=scan-now] .scan-result').setAttribute('data-n', '1')")
    res = browser.find_element(By.CSS_SELECTOR, "[data-role=scan-now] .scan-result")
    if expect_no:
        assert res.get_attribute("data-student-no") == expect_no, res.text
    return res


def still_here(browser):
    assert browser.execute_script("return window.lxSamePage === true"), "the page reloaded"
    assert browser.switch_to.active_element.get_attribute("id") == "scan-no"


def test_continuous_mode_confirms_each_scan_in_place(httpd, env, browser):
    cls, nos = make_class(env, "01", 6, party_member=True)
    _, (other,) = make_class(env, "02", 1, party_member=True)
    box = open_scan(browser, httpd)
    for no in nos[:5]:
        res = scan(browser, box, no, no)
        assert "scan-ok" in res.get_attribute("class") and "已办理：党组织关系转出" in res.text
        assert res.get_attribute("data-name") in res.text and "测试" in res.text    # the class
        still_here(browser)
    assert [state(env, n, STEP) for n in nos] == ["done"] * 5 + ["pending"]
    assert browser.find_element(By.CSS_SELECTOR, "[data-role=scan-count]").text == "5"
    # scanned twice: already done, nothing changes
    res = scan(browser, box, nos[0], nos[0])
    assert "scan-same" in res.get_attribute("class") and "此前已办理" in res.text
    # another college's student: refused, and whose number it is stays unsaid
    name = env.cluster.psql(f"SELECT name FROM lx.student WHERE student_no = '{other}'")[0][0]
    res = scan(browser, box, other, other)
    assert "scan-refused" in res.get_attribute("class") and "不在您的服务范围" in res.text
    assert name not in res.text and state(env, other, STEP) == "pending"
    # not a student number; full-width digits of an input method are digits
    res = scan(browser, box, "12345")
    assert "学号应为 10 位数字" in res.text
    res = scan(browser, box, nos[5].translate(str.maketrans("0123456789", "０１２３４５６７８９")),
               nos[5])
    assert "scan-ok" in res.get_attribute("class")
    # Esc: the last confirmation undone, reason 误操作
    box.send_keys(Keys.ESCAPE)
    WebDriverWait(browser, 20).until(lambda d: state(env, nos[5], STEP) == "pending")
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "[data-role=scan-count]").text == "5")
    revoked = [e for e in event_rows(env, [nos[5]], STEP) if e["kind"] == "revoke"]
    assert len(revoked) == 1 and revoked[0]["note"] == "误操作"
    still_here(browser)
    # each confirmation once in the event log, individually, by the operator
    confirms = [e for e in event_rows(env, nos[:5], STEP) if e["kind"] == "confirm"]
    assert len(confirms) == 5 and {e["how"] for e in confirms} == {"individual"}
    assert {e["login"] for e in confirms} == {OP}


def event_rows(env, nos, step):
    nos_sql = ",".join(f"'{n}'" for n in nos)
    cols = ("kind", "how", "login", "note")
    return [dict(zip(cols, r)) for r in env.cluster.psql(f"""
        SELECT e.kind, coalesce(e.how, ''), e.login, coalesce(e.note, '')
          FROM lx.event e JOIN lx.student s ON s.id = e.student_id
         WHERE s.student_no IN ({nos_sql})
           AND e.step_id = (SELECT id FROM lx.step WHERE code = '{step}') ORDER BY e.id""")]


def tabs_to(browser, css, limit=40):
    """Tab until the element css has the focus; how many presses it took."""
    target = browser.find_element(By.CSS_SELECTOR, css)
    for n in range(1, limit + 1):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        if browser.switch_to.active_element == target:
            return n
    raise AssertionError(f"{css} not reached in {limit} Tabs")


def test_speed_of_both_modes_for_100_students(httpd, env, browser):
    figures = {}
    # continuous mode: the number and Enter, nothing else
    _, nos = make_class(env, "01", 100, party_member=True)
    box = open_scan(browser, httpd)
    keys, t0 = 0, time.perf_counter()
    for no in nos:
        res = scan(browser, box, no, no)
        keys += len(no) + 1
        assert "scan-ok" in res.get_attribute("class"), res.text
    elapsed = time.perf_counter() - t0
    assert [state(env, n, STEP) for n in nos] == ["done"] * 100
    figures["continuous"] = {"students": 100, "keystrokes_per_student": keys / 100,
                             "seconds_per_student": round(elapsed / 100, 3)}

    # the normal desk, keyboard only: the number and Enter in the search box, ↓ to the first
    # step that can be ticked, Space, Enter
    _, nos = make_class(env, "01", 100, party_member=True)
    login(browser, OP)
    browser.get(f"{httpd.url}/lx/op?at={AT}")
    keys, t0 = 0, time.perf_counter()
    for no in nos:
        box = focused(browser, "q")
        browser.execute_script("window.lxOldPage = true")
        box.send_keys(no + Keys.ENTER)
        keys += len(no) + 1
        WebDriverWait(browser, 20).until(lambda d: d.execute_script(
            "return window.lxOldPage === undefined && document.readyState === 'complete'"))
        focused(browser, "q").send_keys(Keys.ARROW_DOWN)
        keys += 1
        assert browser.switch_to.active_element.get_attribute("name") == f"step.{STEP}"
        browser.switch_to.active_element.send_keys(Keys.SPACE)
        keys += 1
        browser.execute_script("window.lxOldPage = true")
        browser.switch_to.active_element.send_keys(Keys.ENTER)
        keys += 1
        WebDriverWait(browser, 20).until(lambda d: d.execute_script(
            "return window.lxOldPage === undefined && document.readyState === 'complete'"))
    elapsed = time.perf_counter() - t0
    assert [state(env, n, STEP) for n in nos] == ["done"] * 100
    figures["normal_desk"] = {"students": 100, "keystrokes_per_student": keys / 100,
                              "seconds_per_student": round(elapsed / 100, 3)}
    out = REPO / "build" / "desk-speed.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print("\ndesk speed (1366x768, headless chromium):", json.dumps(figures, ensure_ascii=False))


def test_the_desk_fits_one_screen_and_the_keyboard(httpd, env, browser):
    """Issue 22, item 2: at 1366 x 768 (625 px of page) the student, the point's steps and 提交
    without scrolling; from the search box one key (↓) to the steps; Enter submits; a Tab
    from the search box still reaches the steps (before: 5)."""
    _, (s,) = make_class(env, "01", 1, party_member=True)
    login(browser, OP)
    browser.get(f"{httpd.url}/lx/op?at={AT}&s={s}")
    height = browser.execute_script("return window.innerHeight")
    bottom = browser.execute_script(
        "return document.querySelector('.confirm-form button.submit')"
        ".getBoundingClientRect().bottom")
    print(f"\ndesk at 1366x768: 提交 ends at {bottom:.0f} px of {height} px")
    assert bottom <= height
    assert browser.execute_script(
        "return document.querySelector('#h-student').getBoundingClientRect().top > 0")
    box = focused(browser, "q")
    box.send_keys(Keys.ARROW_DOWN)
    assert browser.switch_to.active_element.get_attribute("name") == f"step.{STEP}"
    browser.switch_to.active_element.send_keys(Keys.SPACE)
    browser.execute_script("window.lxOldPage = true")
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(
        "return window.lxOldPage === undefined && document.readyState === 'complete'"))
    assert "ok=1" in browser.current_url and state(env, s, STEP) == "done"


def test_a_class_of_40_on_one_batch_screen(httpd, env, browser):
    """Issue 22, item 3: every member of a class of 40 and 提交 without scrolling at 1366x768."""
    _, nos = make_class(env, "01", 40, party_member=True)
    login(browser, OP)
    browser.get(f"{httpd.url}/lx/op/batch?at={AT}&step={STEP}&mode=class&s={nos[0]}")
    height = browser.execute_script("return window.innerHeight")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.members tbody tr")
    assert len(rows) == 40
    last = max(r.rect["y"] + r.rect["height"] for r in rows)
    submit = browser.find_element(By.CSS_SELECTOR, ".batch .desk-submit .submit")
    bottom = submit.rect["y"] + submit.rect["height"]
    print(f"\nbatch of 40 at 1366x768: the last member ends at {last:.0f} px, "
          f"提交 at {bottom:.0f} px, of {height} px")
    assert last <= height and bottom <= height
    # every number is whole (the room gives way in a class batch)
    for r in rows[:4]:
        no = r.find_element(By.CSS_SELECTOR, ".c-no")
        assert no.text in nos and no.is_displayed()
