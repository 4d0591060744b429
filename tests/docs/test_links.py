"""The documentation's links: every relative link and image of README.md and docs/**/*.md
points at a file that exists, and at a heading of it when it names one (GitHub's anchors);
every file of docs/ is reachable from README.md.  Run by make test (scripts/test.sh)."""
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])
# [text](target) and ![alt](target), outside code blocks and code spans
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")


def prose(path):
    return CODE.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))


def anchors(path):
    """GitHub's anchors of the headings: lower case, punctuation dropped, spaces to hyphens,
    a repeated one numbered."""
    seen, out = {}, set()
    for line in FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def links(path):
    for target in LINK.findall(prose(path)):
        if re.match(r"^[a-z]+:", target) or target.startswith("//"):
            continue        # http:, https:, mailto:
        yield target


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(doc):
    broken = []
    for target in links(doc):
        file, _, anchor = target.partition("#")
        dest = (doc.parent / unquote(file)).resolve() if file else doc
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and unquote(anchor) not in anchors(dest):
            broken.append(f"{target}: no such heading in {dest.relative_to(REPO)}")
    assert not broken, "\n".join(broken)


def test_every_document_is_reachable_from_the_readme():
    reached, todo = set(), [REPO / "README.md"]
    while todo:
        doc = todo.pop()
        if doc in reached:
            continue
        reached.add(doc)
        for target in links(doc):
            file = target.partition("#")[0]
            dest = (doc.parent / unquote(file)).resolve()
            if file and dest.suffix == ".md" and dest.exists():
                todo.append(dest)
    orphans = [str(d.relative_to(REPO)) for d in DOCS if d not in reached]
    assert not orphans, orphans


def test_a_broken_link_is_found(tmp_path):
    (tmp_path / "a.md").write_text("# Title\n\n[there](b.md) [here](#title) [gone](#nope)\n")
    doc = tmp_path / "a.md"
    assert list(links(doc)) == ["b.md", "#title", "#nope"]
    assert "title" in anchors(doc) and "nope" not in anchors(doc)
    assert not (tmp_path / "b.md").exists()
