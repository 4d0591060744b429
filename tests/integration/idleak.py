"""Resident ID numbers never reach a log (STYLE.md "Never log a resident ID number"): every
file under the test environment's log directory (httpd's error and access logs, PostgreSQL's
log) is searched for every identity number in the database and for anything shaped like one
(17 digits and a digit or X, ASCII or full-width), whether a student has it or not: the bad
input tests type invalid ones too."""
import re

SHAPE = re.compile(r"(?<![0-9０-９])[0-9０-９]{17}[0-9Xx０-９Ｘｘ](?![0-9０-９])")


def leaks(env):
    """[(file, line number, masked match)] of every ID-shaped string in the session's logs."""
    known = {row[0] for row in env.cluster.psql(
        "SELECT id_number FROM lx.student WHERE id_type IN ('resident', 'hmt_permit')")}
    found = []
    for path in sorted((env.base / "log").rglob("*")):
        if not path.is_file():
            continue
        with open(path, "rb") as f:
            for n, raw in enumerate(f, 1):
                line = raw.decode("utf-8", "replace")
                for m in SHAPE.findall(line):
                    kind = "a student's" if m.upper() in known else "ID-shaped"
                    # the report itself must not spread the number
                    found.append((path.name, n, f"{m[:6]}********{m[-4:]} ({kind})"))
    return found


def describe(found):
    return "resident ID numbers in the logs:\n" + "\n".join(
        f"  {name}:{n}: {masked}" for name, n, masked in found[:50])
