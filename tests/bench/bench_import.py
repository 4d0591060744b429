"""make bench-import: a roster of 30,000 students imported through the module (the
administrator's upload) against the same COPY into staging, check and merge run by hand in psql
(psql's \\copy of the file, the staged lines numbered, lx.roster_check, lx.roster_merge).  Target: module / psql <= 1.25.  Both run three times in one run,
alternating, on the same private PostgreSQL and httpd; the medians are compared."""
import statistics
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from lxenv import Env, as_postgres  # noqa: E402
from test_import import HEADER_ZH, row  # noqa: E402

ROWS = 30000


def roster(block):
    """30,000 new students, numbers 2026BB#### from block BB on, in classes of 30."""
    lines = [HEADER_ZH]
    for i in range(ROWS):
        no = f"2026{block + i // 10000:02d}{i % 10000:04d}"
        lines.append(row(no, name=f"压测{i}", cls=f"K{block}-{i // 30:04d}",
                         cls_name=f"压测{block}-{i // 30}班", college=f"{(i // 30) % 12 + 1:02d}",
                         building=f"K{block}-{i // 600}栋", room=f"{(i // 5) % 120 + 101}"))
    return ("\n".join(lines) + "\n").encode("gb18030")


def via_module(env, content):
    h = env.httpd
    csrf = ET.fromstring(h.get("/lx/admin?tab=import&format=xml", user="admin").content) \
        .find("admin").get("csrf")
    t0 = time.perf_counter()
    r = h.request("POST", "/lx/admin/import?format=xml", user="admin",
                  data={"csrf": csrf, "rid": uuid.uuid4().hex, "encoding": "gb18030"},
                  files={"file": ("roster.csv", content, "text/csv")}, timeout=600)
    elapsed = time.perf_counter() - t0
    assert r.status_code == 200, r.text[-500:]
    return elapsed


FIXED = ("student_no, name, gender, id_type, id_number, college, class, class_name, "
         "programme, year, building, room, party_member, league_member, "
         "must_return_instruments")
TAIL = "source_loan, borrowed_switch, certificates_deferred, hukou_moved"
# the file's columns; the two campuses' loan cells are staged as one JSON cell (044)
COLUMNS = f"{FIXED}, loan_10534, loan_12649, {TAIL}"


def via_psql(env, content, path):
    """What a DBA would type: the file by psql's \\copy, its lines numbered as the module's
    reader numbers them (the header is line 1), then the check and the merge."""
    path.write_bytes(content)
    path.chmod(0o644)
    path.parent.chmod(0o755)
    script = path.with_suffix(".sql")
    script.write_text(f"""BEGIN;
SELECT set_config('lx.import_id', 'bench-{uuid.uuid4().hex}', true) \\g /dev/null
CREATE TEMP TABLE raw ({", ".join(c + " text" for c in COLUMNS.split(", "))}) ON COMMIT DROP;
\\copy raw ({COLUMNS}) FROM '{path}' WITH (FORMAT csv, HEADER true, ENCODING 'GB18030')
INSERT INTO lx.roster_stage ({FIXED}, national_loans, {TAIL})
SELECT {FIXED}, json_build_object('10534', loan_10534, '12649', loan_12649)::text, {TAIL}
  FROM raw;
UPDATE lx.roster_stage s SET line = n.line
  FROM (SELECT seq, row_number() OVER (ORDER BY seq) + 1 AS line FROM lx.roster_stage
         WHERE import_id = current_setting('lx.import_id')) n WHERE n.seq = s.seq;
SELECT count(*) FROM lx.roster_check(current_setting('lx.import_id')) \\g /dev/null
SELECT * FROM lx.roster_merge(current_setting('lx.import_id'), 'bench', NULL, true) \\g /dev/null
COMMIT;
""")
    script.chmod(0o644)
    t0 = time.perf_counter()
    r = subprocess.run(as_postgres(["/usr/lib/postgresql/15/bin/psql", "-X", "-q",
                        "-v", "ON_ERROR_STOP=1", "-h", str(env.cluster.sock), "-d", "lixiao",
                        "-f", str(script)]), capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr
    return elapsed


def main():
    env = Env(size=400)
    try:
        env.start()
        module, psql = [], []
        for k in range(3):
            module.append(via_module(env, roster(10 + 6 * k)))
            psql.append(via_psql(env, roster(13 + 6 * k), env.base / f"roster{k}.csv"))
        m, p = statistics.median(module), statistics.median(psql)
        print(f"roster import, {ROWS} rows (GB18030), 3 runs each, alternating:")
        print(f"  module upload   : {', '.join(f'{t:.2f}' for t in module)} s  median {m:.2f} s"
              f"  ({ROWS / m:,.0f} rows/s)")
        print(f"  psql by hand    : {', '.join(f'{t:.2f}' for t in psql)} s  median {p:.2f} s")
        print(f"  ratio module/psql: {m / p:.2f}  (target <= 1.25)")
    finally:
        env.close()


if __name__ == "__main__":
    main()
