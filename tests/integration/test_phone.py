"""Pages on a phone (issue 22): at 390 x 844 CSS px in Debian's Chromium nothing scrolls
sideways, on any page of any role, and no table hides a column beyond the screen: the student's
steps show 办理方式, 经办人 and 办理时间 (the 760 px table scrolled sideways and hid them), and
every other table shows each row as a block of labelled cells."""
import pytest
from selenium.webdriver.common.by import By

from chromium import chromium, login
from data import every_page

WIDTH, HEIGHT = 390, 844


@pytest.fixture(scope="module")
def phone():
    with chromium(WIDTH, HEIGHT) as d:
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 2,
                           "mobile": True})
        yield d


def sideways(d):
    """The page's width beyond the screen, and every table wrapper that scrolls sideways."""
    return d.execute_script("""
        var out = [], w = document.querySelectorAll('.table-wrap');
        for (var i = 0; i < w.length; i++)
            if (w[i].scrollWidth > w[i].clientWidth + 1) out.push(w[i].scrollWidth);
        return [document.documentElement.scrollWidth - window.innerWidth, out];""")


@pytest.mark.parametrize("student", ["2022010001", "2022010002", "2023015001"])
def test_the_students_page_on_a_phone(httpd, phone, student):
    login(phone, student)
    phone.get(f"{httpd.url}/lx/")
    beyond, wide = sideways(phone)
    assert beyond <= 0 and wide == [], (beyond, wide)
    done = phone.find_elements(By.CSS_SELECTOR, "table.steps tr.row-done")
    assert done, "no step done to look at"
    for cell in ("c-how", "c-who", "c-at"):
        el = done[0].find_element(By.CSS_SELECTOR, f"td.{cell}")
        assert el.is_displayed() and el.rect["x"] + el.rect["width"] <= WIDTH, cell


def cells_beyond(d):
    """Table cells, shown, whose right edge is beyond the screen, as 'table-class: text'."""
    return d.execute_script("""
        var out = [], cells = document.querySelectorAll('table td, table th');
        for (var i = 0; i < cells.length; i++) {
            var r = cells[i].getBoundingClientRect();
            if (r.width > 0 && r.right > window.innerWidth + 1)
                out.push(cells[i].closest('table').className + ': '
                         + cells[i].textContent.trim().slice(0, 20));
        }
        return out;""")


def test_no_page_scrolls_sideways_on_a_phone(httpd, env, phone):
    found = {}
    for user, path in every_page(env):
        login(phone, user)
        phone.get(httpd.url + path)
        beyond, wide = sideways(phone)
        cells = sorted(set(c.split(":")[0] for c in cells_beyond(phone)))
        if beyond > 0 or wide or cells:
            found[f"{user} {path}"] = (beyond, wide, cells)
    assert not found, "\n".join(f"{k}: page {b} px beyond, wrappers {w}, cells {c}"
                                 for k, (b, w, c) in found.items())
