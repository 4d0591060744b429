"""The desk, the class batch and the student's page at the two sizes issue 22 names: a laptop's
1366 x 768 window (625 CSS px of page in headless Chromium) and a phone's 390 x 844.  Each is
checked for what must be on its first screen, for a whole resident ID number shown, and saved as
docs/img/screens/NAME-WxH.png, the screenshots docs/screens.md shows (so they never go stale).
The desk's and the batch's students are made here, in a state no other test changes."""
import pytest
from selenium.webdriver.common.by import By

from chromium import chromium, login
from data import confirm_via_door, make_class
from lxenv import REPO
from test_screenshots import FULL_ID

IMG = REPO / "docs" / "img" / "screens"
OP, AT, STEP = "op_college_01", "college:01", "party_transfer"
STUDENT = "2022010002"
SIZES = {"1366x768": (1366, 768, False), "390x844": (390, 844, True)}


@pytest.fixture(scope="module")
def students(env):
    """A class of 40 party members; the first has the party transfer done, so that the desk and
    the batch show done and pending rows."""
    _, nos = make_class(env, "01", 40, party_member=True)
    confirm_via_door(env, [nos[0]], STEP, login=OP)
    return nos


@pytest.fixture(scope="module", params=sorted(SIZES))
def screen(request):
    width, height, mobile = SIZES[request.param]
    with chromium(width, height, "--hide-scrollbars") as d:
        if mobile:
            d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                              {"width": width, "height": height, "deviceScaleFactor": 2,
                               "mobile": True})
        yield request.param, d


def on_screen(d, css):
    """Whether the element's box lies inside the first screen (the viewport, not scrolled)."""
    return d.execute_script("""
        var e = document.querySelector(arguments[0]);
        if (!e) return false;
        var r = e.getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight
               && r.right <= window.innerWidth + 1;""", css)


def save(d, name, size):
    whole = FULL_ID.findall(d.find_element(By.TAG_NAME, "body").text)
    assert not whole, f"{name}: a whole resident ID number is visible: {whole}"
    assert d.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"), f"{name}: sideways"
    IMG.mkdir(parents=True, exist_ok=True)
    assert d.save_screenshot(str(IMG / f"{name}-{size}.png"))


def test_the_desk(httpd, screen, students):
    size, d = screen
    login(d, OP)
    d.get(f"{httpd.url}/lx/op?at={AT}&s={students[0]}")
    assert on_screen(d, "#h-student") and on_screen(d, "#h-steps")
    if size == "1366x768":          # the whole desk, 提交 included, on a laptop's first screen
        assert on_screen(d, ".desk-submit .submit")
    save(d, "desk", size)


def test_the_class_batch(httpd, screen, students):
    size, d = screen
    login(d, OP)
    d.get(f"{httpd.url}/lx/op/batch?at={AT}&step={STEP}&mode=class&s={students[1]}")
    rows = d.find_elements(By.CSS_SELECTOR, "table.members tbody tr")
    assert len(rows) == 40
    assert on_screen(d, "table.members tbody tr")
    if size == "1366x768":          # all forty and 提交 on one screen
        assert on_screen(d, "table.members tbody tr:last-child")
        assert on_screen(d, ".batch .desk-submit .submit")
    save(d, "batch", size)


def test_the_students_page(httpd, screen):
    """A demo student who can log in (one in httpd's password file), with a library debt."""
    size, d = screen
    login(d, STUDENT)
    d.get(f"{httpd.url}/lx/")
    assert on_screen(d, "h1")
    assert d.find_elements(By.CSS_SELECTOR, "table.steps tr.row-done")
    save(d, "student", size)
