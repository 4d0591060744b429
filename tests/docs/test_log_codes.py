"""The module's log codes (LXnnnn) and their table in docs/operation.md ("The module's log
codes"): every code the sources write is in the table, once, with what happened and what to
do; every code of the table is still written somewhere; each code is written at one place
only (a line found in the log leads to one place in the code).  Run by make test."""
import re
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "operation.md"
SOURCES = [p for d in ("mod_lixiao", "cli") for p in (REPO / d).rglob("*.[ch]")]
# LXLOGNO(0101) in a log call; LX0101 in a comment or any other text of the sources
LOGNO = re.compile(r"\bLXLOGNO\((\d{4})\)")
MENTION = re.compile(r"\bLX(\d{4})\b")
ROW = re.compile(r"^\| LX(\d{4}) \| ([a-z]+) \| (.+?) \| (.+?) \|$", re.M)
LEVELS = {"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"}
APLOG = {"EMERG": "emerg", "ALERT": "alert", "CRIT": "crit", "ERR": "error",
         "WARNING": "warning", "NOTICE": "notice", "INFO": "info", "DEBUG": "debug"}


def written():
    """code -> [(file, level)] of each log call that writes it."""
    calls = {}
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for m in LOGNO.finditer(text):
            # the level is the APLOG_ constant of the same call, just before the code
            level = re.findall(r"APLOG_([A-Z]+)", text[max(0, m.start() - 200):m.start()])
            calls.setdefault(m.group(1), []).append(
                (str(path.relative_to(REPO)), APLOG.get(level[-1]) if level else None))
    return calls


def mentioned():
    return {m for p in SOURCES for m in MENTION.findall(p.read_text(encoding="utf-8"))}


def table():
    section = DOC.read_text(encoding="utf-8").split("### The module's log codes", 1)[1]
    section = section.split("\n### ", 1)[0]
    return ROW.findall(section)


def test_the_sources_write_codes():
    calls = written()
    assert len(calls) > 25, "no LXLOGNO(nnnn) found in mod_lixiao/"


def test_every_code_of_the_sources_is_in_the_table():
    documented = {code for code, *_ in table()}
    missing = sorted((set(written()) | mentioned()) - documented)
    assert not missing, ("codes written by the module but not in docs/operation.md's table: "
                         + ", ".join("LX" + c for c in missing))


def test_the_table_has_each_code_once_with_what_to_do():
    rows = table()
    twice = [c for c, n in Counter(code for code, *_ in rows).items() if n > 1]
    assert not twice, twice
    calls = written()
    for code, level, what, todo in rows:
        assert level in LEVELS, (code, level)
        assert len(what) > 15 and len(todo) > 5, (code, what, todo)
        levels = {lv for _, lv in calls.get(code, [])}
        assert levels <= {level}, f"LX{code}: the table says {level}, the code logs {levels}"


def test_no_code_of_the_table_is_gone_from_the_sources():
    stale = sorted({code for code, *_ in table()} - set(written()))
    assert not stale, "in the table but written nowhere: " + ", ".join("LX" + c for c in stale)


def test_each_code_is_written_at_one_place():
    many = {code: places for code, places in written().items() if len(places) > 1}
    assert not many, many
