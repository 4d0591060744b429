"""The documentation's links: every relative link and image of README.md and docs/**/*.md
points at a file of the checkout, and at a heading of it when the link names an anchor
(GitHub's rule: lower case, punctuation dropped, spaces to hyphens); every file of docs/ that
is a page (.md) is reachable from README.md through such links.  External links (http:,
mailto:) are not followed.  Run by make test (scripts/test.sh)."""
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md"] + sorted((REPO / "docs").rglob("*.md"))
# [text](target) and ![alt](target); code spans and fenced blocks are removed first
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def prose(text):
    return CODE.sub("", FENCE.sub("", text))


def slug(heading):
    """GitHub's anchor of a heading."""
    s = CODE.sub(lambda m: m.group(0)[1:-1], heading).strip().lower()
    s = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", s)          # a link in a heading: its text
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(page):
    seen, out = {}, set()
    for h in HEADING.findall(FENCE.sub("", page.read_text())):
        a = slug(h)
        n = seen.get(a, 0)
        seen[a] = n + 1
        out.add(a if n == 0 else f"{a}-{n}")
    out |= set(re.findall(r'<a\s+(?:name|id)="([^"]+)"', page.read_text()))
    return out


def links(page):
    for target in LINK.findall(prose(page.read_text())):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):        # http:, https:, mailto:
            continue
        yield target


def resolve(page, target):
    path, _, anchor = target.partition("#")
    dest = (page.parent / unquote(path)).resolve() if path else page
    return dest, unquote(anchor)


def rel(p):
    return p.relative_to(REPO) if p.is_relative_to(REPO) else p


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(rel(p)))
def test_every_link_and_image_resolves(page):
    broken = []
    for target in links(page):
        dest, anchor = resolve(page, target)
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif not dest.is_relative_to(REPO):
            broken.append(f"{target}: outside the checkout")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {rel(dest)}")
    assert not broken, f"{rel(page)}:\n  " + "\n  ".join(broken)


def test_every_docs_page_is_reachable_from_the_readme():
    seen, todo = set(), [REPO / "README.md"]
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        for target in links(page):
            dest, _ = resolve(page, target)
            if dest.suffix == ".md" and dest.is_file():
                todo.append(dest)
    unreachable = [str(rel(p)) for p in PAGES if p not in seen]
    assert not unreachable, f"not linked from README.md or a page it links: {unreachable}"


def test_the_checker_finds_what_it_must():
    """The rules above, on known text: a test that cannot fail checks nothing."""
    assert slug("Failover, measured (`make test-cluster`)") == "failover-measured-make-test-cluster"
    assert slug("2. The database") == "2-the-database"
    assert slug("What the module serves") == "what-the-module-serves"
    text = "see [a](x.md#b), ![i](img/p.png), `[c](not-a-link.md)` and [w](https://e.org)"
    found = [t for t in LINK.findall(prose(text)) if not t.startswith("https:")]
    assert found == ["x.md#b", "img/p.png"]
