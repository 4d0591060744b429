"""Every page passes axe-core (issue 22): npm's axe-core, run in Debian's Chromium on the pages
of every role, with no serious or critical violation.  axe-core is installed by npm into
build/axe (once; the npm registry is reachable from the test machines), nowhere else."""
import json
import subprocess

import pytest

from chromium import chromium, login
from data import every_page
from lxenv import REPO

AXE_DIR = REPO / "build" / "axe"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def axe():
    if not AXE.exists():
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund",
                        "--prefix", str(AXE_DIR), "axe-core@4"], check=True,
                       capture_output=True, text=True, timeout=300)
    return AXE.read_text()


@pytest.fixture(scope="module")
def browser():
    with chromium(1366, 768) as d:
        yield d


def violations(d, source):
    d.execute_script(source)
    return d.execute_async_script("""
        var done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']}).then(function (r) {
            done(r.violations.filter(function (v) {
                return v.impact === 'serious' || v.impact === 'critical';
            }).map(function (v) {
                return {id: v.id, impact: v.impact, nodes: v.nodes.length,
                        first: v.nodes[0].target.join(' '),
                        why: v.nodes[0].failureSummary.slice(0, 300)};
            }));
        });""")


def test_no_serious_or_critical_violation_on_any_page(httpd, env, browser, axe):
    found = {}
    for user, path in every_page(env):
        login(browser, user)
        browser.get(httpd.url + path)
        bad = violations(browser, axe)
        if bad:
            found[f"{user} {path}"] = bad
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
