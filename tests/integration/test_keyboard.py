"""Keyboard only (issue 22, item 5): every stop that Tab reaches on the working pages shows a
visible focus (an outline of 2 px at least, 3:1 at least against the colour behind it), and the
desk's actions (search, confirm, revoke with a reason, a class batch) are done with keys alone,
in Debian's Chromium at 1366 x 768."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from chromium import chromium, focused, login
from data import confirm_via_door, make_class, state

OP, AT, STEP = "op_college_01", "college:01", "party_transfer"
STOPS = 60          # Tab stops looked at per page: more than any page's working part has

# The focused element's outline, and the colour behind it: the first opaque background of it
# or an ancestor (the outline is drawn 2 px outside the element, on the parent's background).
FOCUS = """
function rgb(c) { var m = c.match(/[\\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; }
function lum(c) {
  var v = c.slice(0, 3).map(function (x) { x /= 255;
    return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}
var e = document.activeElement, s = getComputedStyle(e), p = e.parentElement, bg = [255, 255, 255];
for (; p; p = p.parentElement) {
  var b = rgb(getComputedStyle(p).backgroundColor);
  if (b.length < 4 || b[3] > 0.5) { bg = b; break; }
}
var o = rgb(s.outlineColor), a = lum(o), c = lum(bg);
return {tag: e.tagName, text: (e.textContent || e.name || e.id || '').trim().slice(0, 24),
        style: s.outlineStyle, width: parseFloat(s.outlineWidth),
        contrast: (Math.max(a, c) + 0.05) / (Math.min(a, c) + 0.05)};
"""


@pytest.fixture(scope="module")
def browser():
    with chromium(1366, 768) as d:
        yield d


def tab_stops(d):
    """Each stop Tab reaches from the top of the page, until it comes round again."""
    # focus a mark before everything else, so that the first Tab goes to the page's first stop
    d.execute_script("""
        var m = document.createElement('span'); m.tabIndex = -1; m.id = 'lx-tab-start';
        document.body.insertBefore(m, document.body.firstChild); m.focus();""")
    seen, stops = set(), []
    for _ in range(STOPS):
        d.switch_to.active_element.send_keys(Keys.TAB)
        key = d.execute_script(
            "var e = document.activeElement; return e === document.body ? null"
            " : e.outerHTML.slice(0, 200) + (e.id || '') + (e.name || '') + (e.value || '')")
        if key is None or key in seen:
            break
        seen.add(key)
        stops.append(d.execute_script(FOCUS))
    return stops


def test_every_tab_stop_shows_a_visible_focus(httpd, env, browser):
    _, nos = make_class(env, "01", 6, party_member=True)
    confirm_via_door(env, [nos[0]], STEP, login=OP)
    pages = [
        (OP, f"/lx/op?at={AT}"),
        (OP, f"/lx/op?at={AT}&s={nos[0]}"),
        (OP, f"/lx/op/batch?at={AT}&step={STEP}&mode=class&s={nos[1]}"),
        ("2022010002", "/lx/"),
        ("deferral", "/lx/deferral?s=2022010006"),
        ("leader", "/lx/stats"),
        ("admin", "/lx/admin"),
    ]
    bad = {}
    for user, path in pages:
        login(browser, user)
        browser.get(httpd.url + path)
        stops = tab_stops(browser)
        assert len(stops) >= 3, (path, stops)
        weak = [s for s in stops
                if s["style"] == "none" or s["width"] < 2 or s["contrast"] < 3]
        if weak:
            bad[path] = weak[:5]
    assert not bad, bad


def wait_new_page(d):
    WebDriverWait(d, 20).until(lambda d: d.execute_script(
        "return window.lxOldPage === undefined && document.readyState === 'complete'"))


def press(d, *keys):
    d.execute_script("window.lxOldPage = true")
    d.switch_to.active_element.send_keys(*keys)


def tab_to(d, predicate, limit=STOPS):
    """Tab until the focused element satisfies predicate(element); the number of Tabs."""
    for n in range(1, limit + 1):
        d.switch_to.active_element.send_keys(Keys.TAB)
        if predicate(d.switch_to.active_element):
            return n
    raise AssertionError("never reached by Tab")


def test_search_confirm_and_revoke_by_keyboard_alone(httpd, env, browser):
    _, (s,) = make_class(env, "01", 1, party_member=True)
    login(browser, OP)
    browser.get(f"{httpd.url}/lx/op?at={AT}")
    focused(browser, "q")                               # the search box has focus
    press(browser, s, Keys.ENTER)
    wait_new_page(browser)
    assert f"s={s}" in browser.current_url
    focused(browser, "q").send_keys(Keys.ARROW_DOWN)    # to the first step
    first = browser.switch_to.active_element
    assert first.get_attribute("type") == "checkbox"
    code = first.get_attribute("name").removeprefix("step.")
    press(browser, Keys.SPACE, Keys.ENTER)
    wait_new_page(browser)
    assert state(env, s, code) == "done"

    # revoke: Tab to the 撤销 summary, open it, Tab to that step's reason, type, Enter
    tab_to(browser, lambda e: e.tag_name == "summary" and "撤销" in e.text)
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    tab_to(browser, lambda e: e.get_attribute("id") == f"revoke-{code}")
    press(browser, "误操作", Keys.ENTER)
    wait_new_page(browser)
    assert state(env, s, code) == "pending"


def test_a_class_batch_by_keyboard_alone(httpd, env, browser):
    _, nos = make_class(env, "01", 5, party_member=True)
    login(browser, OP)
    browser.get(f"{httpd.url}/lx/op?at={AT}&s={nos[0]}")
    tab_to(browser, lambda e: e.tag_name == "a" and "按班级批量" in e.text
           and f"step={STEP}" in (e.get_attribute("href") or ""))
    press(browser, Keys.ENTER)
    wait_new_page(browser)
    assert "/op/batch" in browser.current_url
    # the first two members: Tab to each checkbox, Space; then Tab to 提交 and Enter
    for _ in range(2):
        tab_to(browser, lambda e: e.get_attribute("type") == "checkbox"
               and (e.get_attribute("name") or "").startswith("sid.") and not e.is_selected())
        browser.switch_to.active_element.send_keys(Keys.SPACE)
    tab_to(browser, lambda e: e.tag_name == "button" and "提交" in e.text)
    press(browser, Keys.ENTER)
    wait_new_page(browser)
    assert [state(env, n, STEP) for n in nos].count("done") == 2
