"""A real browser (Debian's chromium, driven by selenium and chromium-driver) at the desk: a
college operator searches a student, confirms a class batch by clicking, and sees the
statistics change.  The screenshots are kept in build/screenshots/."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from chromium import chromium, login
from data import make_class
from lxenv import REPO

SHOTS = REPO / "build" / "screenshots"


@pytest.fixture
def browser():
    with chromium(1280, 1600) as driver:
        yield driver


def wait_url(driver, fragment):
    WebDriverWait(driver, 20).until(lambda d: fragment in d.current_url
                                    and d.execute_script("return document.readyState")
                                    == "complete")


def done_count(driver, step):
    return int(driver.find_element(
        By.CSS_SELECTOR, f'li.stat[data-step="{step}"] .n-done').text)


def test_college_operator_confirms_a_class_batch(httpd, env, browser):
    _, nos = make_class(env, "01", 8, league_member=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(browser, "op_college_01")
    browser.get(httpd.url + "/lx/op")
    assert browser.title.endswith("数字离校系统")
    before = done_count(browser, "league_transfer")

    # the search box has focus: type the class representative's number and Enter
    focused = browser.switch_to.active_element
    assert focused.get_attribute("name") == "q"
    focused.send_keys(nos[0] + Keys.ENTER)
    wait_url(browser, f"s={nos[0]}")
    assert nos[0] in browser.page_source
    browser.save_screenshot(str(SHOTS / "desk-student.png"))

    # the league transfer is confirmed by class: open the class, tick all, submit
    browser.find_element(
        By.CSS_SELECTOR, 'a[href*="step=league_transfer"][href*="mode=class"]').click()
    wait_url(browser, "/lx/op/batch")
    submit = browser.find_element(By.CSS_SELECTOR, 'form button[type=submit].submit')
    assert "已勾选 0 / 8 人" in submit.text          # the live count on the button (issue 22)
    select_all = browser.find_element(By.CSS_SELECTOR, '[data-action="select-all"]')
    select_all.click()
    boxes = browser.find_elements(By.CSS_SELECTOR, 'input[type=checkbox][name^="sid."]')
    assert len(boxes) == len(nos) and all(b.is_selected() for b in boxes)
    assert "已勾选 8 / 8 人" in submit.text
    boxes[0].click()
    assert "已勾选 7 / 8 人" in submit.text
    boxes[0].click()
    browser.save_screenshot(str(SHOTS / "batch-class.png"))
    browser.find_element(By.CSS_SELECTOR, 'form button[type=submit].submit').click()

    # back at the desk: the statistics moved by the class
    wait_url(browser, "students=8")
    assert done_count(browser, "league_transfer") == before + len(nos)
    # issue 22: the class counted as students, not 项
    assert "已为 8 名学生办理。" in browser.page_source and "已办理 8 项" not in browser.page_source
    browser.save_screenshot(str(SHOTS / "desk-after-batch.png"))
    rows = env.cluster.psql(f"""
        SELECT count(*) FROM lx.step_state ss JOIN lx.student s ON s.id = ss.student_id
         WHERE s.student_no IN ({",".join(f"'{n}'" for n in nos)}) AND ss.state = 'done'
           AND ss.how = 'class'
           AND ss.step_id = (SELECT id FROM lx.step WHERE code = 'league_transfer')""")
    assert rows == [["8"]]
