"""The printed leaving form (issue 22): the student's page printed by Debian's Chromium (its
PDF, as the print dialog makes it, A4) fits one page for an undergraduate and two at most for a
graduate with many steps; it printed on 3."""
import base64
import re

import pytest

from chromium import chromium, login

UNDERGRADUATE = "2022010001"        # fully cleared: every step with who and when
GRADUATE = "2023015001"             # the graduate school's steps too


@pytest.fixture(scope="module")
def browser():
    with chromium(1200, 900) as driver:
        yield driver


def pages(browser, httpd, student):
    login(browser, student)
    browser.get(f"{httpd.url}/lx/")
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {
        "paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": True,
        "printBackground": False})["data"])
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_the_leaving_form_fits_one_a4_page(httpd, browser):
    n = pages(browser, httpd, UNDERGRADUATE)
    print(f"\nleaving form, undergraduate {UNDERGRADUATE}: {n} A4 page(s)")
    assert n == 1


def test_a_graduates_form_fits_two_pages(httpd, browser):
    n = pages(browser, httpd, GRADUATE)
    print(f"\nleaving form, graduate {GRADUATE}: {n} A4 page(s)")
    assert n <= 2
