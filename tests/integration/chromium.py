"""Debian's chromium, headless, driven by selenium and chromium-driver, for the browser tests
(test_browser.py, test_screenshots.py): a fresh profile each time, removed afterwards."""
import contextlib
import shutil
import tempfile
from base64 import b64encode

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync")


@contextlib.contextmanager
def chromium(width, height, *extra):
    profile = tempfile.mkdtemp(prefix="lx-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in FLAGS + extra + (f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.execute_cdp_cmd("Network.enable", {})
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def login(driver, user, password="demo"):
    """HTTP Basic for every request of this browser (as a password dialog would)."""
    token = b64encode(f"{user}:{password}".encode()).decode()
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders",
                           {"headers": {"Authorization": f"Basic {token}"}})


def focused(browser, name):
    """The element with focus once it is the field called name: Chromium applies autofocus a
    moment after the page is complete (on a loaded machine, after the test looked: CI failed
    on it), as a person sees the cursor arrive before typing."""
    WebDriverWait(browser, 10).until(
        lambda d: d.switch_to.active_element.get_attribute("name") == name)
    return browser.switch_to.active_element
