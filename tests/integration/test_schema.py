"""scripts/migrate.sh: sql/NNN_*.sql (tables and data, each applied once) and then
sql/functions/ (functions, views, triggers, grants, applied on every run).

A database built from nothing and one upgraded from the oldest supported schema must be the
same: tests/fixtures/schema-042.sql.gz is a pg_dump of a database that main's migrations
001..042 built (before sql/functions/ existed), filled with the demo data of size 300.  The
upgrade keeps every row; a second run changes nothing; a database older than 042 is refused;
a failing definition leaves the database as it was (one transaction).

A cluster of the test's own (scripts/pg.sh), with one database per case.
"""
import gzip
import re
import shutil

import pytest

from lxenv import PGBIN, REPO, Cluster, as_postgres, new_base, run

FIXTURE = REPO / "tests/fixtures/schema-042.sql.gz"
OLDEST = "042_safe_exports"
MIGRATIONS = sorted(p.stem for p in (REPO / "sql").glob("[0-9][0-9][0-9]_*.sql"))


@pytest.fixture(scope="module")
def cluster():
    base = new_base("lx-schema-")
    c = Cluster(base)
    run([str(REPO / "scripts/pg.sh"), "init", str(base)])
    c.start()
    # roles lx_owner and lx_app, and database lixiao built from nothing by migrate.sh
    run([str(REPO / "scripts/pg.sh"), "setup", str(base), c.dbpass])
    yield c
    c.stop()
    shutil.rmtree(base, ignore_errors=True)


def restored(cluster, db):
    """A new database db holding the 042 fixture, as an installation of today has it."""
    cluster.psql(f"CREATE DATABASE {db} OWNER lx_owner TEMPLATE template0", db="postgres")
    run(as_postgres([str(PGBIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                     "-h", str(cluster.sock), "-d", db, "-f", "-"]),
        input=gzip.decompress(FIXTURE.read_bytes()).decode())
    return db


def migrate(cluster, db, repo=REPO, check=True):
    return run([str(repo / "scripts/migrate.sh"), str(cluster.sock), db], check=check)


def schema(cluster, db):
    """pg_dump --schema-only, without the \\restrict key that pg_dump makes anew each time."""
    out = run(as_postgres([str(PGBIN / "pg_dump"), "-h", str(cluster.sock), "-d", db,
                           "--schema-only"])).stdout
    return re.sub(r"^\\(un)?restrict \S+$", "", out, flags=re.M)


def columns(cluster, db):
    """Each table of schema lx and public.lx_migration with its columns, in order."""
    out = {}
    for table, column in cluster.psql(
            "SELECT c.oid::regclass, a.attname FROM pg_class c"
            "  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
            " WHERE c.relnamespace IN ('lx'::regnamespace, 'public'::regnamespace)"
            "   AND c.relkind = 'r' AND c.relname NOT LIKE 'pg_stat%'"
            " ORDER BY 1, a.attnum", db=db):
        out.setdefault(table, []).append(column)
    return out


def contents(cluster, db, only=None):
    """Each table of schema lx and public.lx_migration: its row count and a digest of its
    rows; with only ({table: [columns]}), of those tables and of those of their columns that
    the database still has."""
    now = columns(cluster, db)
    tables = {t: [c for c in cols if c in now.get(t, [])] for t, cols in only.items()
              if t in now} if only else now
    return {t: tuple(cluster.psql(
        f"SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), ''))"
        f" FROM (SELECT {', '.join(cols)} FROM {t}) t", db=db)[0]) for t, cols in tables.items()}


def versions(cluster, db):
    return [r[0] for r in cluster.psql(
        "SELECT version FROM public.lx_migration ORDER BY version", db=db)]


def test_fresh_and_upgraded_databases_have_the_same_schema(cluster):
    db = restored(cluster, "upgraded")
    migrate(cluster, db)
    fresh, upgraded = schema(cluster, "lixiao"), schema(cluster, db)
    # the dumps hold what is compared: the door, a view, a trigger, the grants
    for what in ("CREATE FUNCTION lx.change(", "CREATE VIEW lx.student_accounts",
                 "CREATE TRIGGER stat_state_ins", "GRANT SELECT ON TABLE lx.student TO lx_app"):
        assert what in fresh, what
    assert fresh == upgraded
    assert versions(cluster, db) == versions(cluster, "lixiao") == MIGRATIONS


def test_the_upgrade_keeps_every_row(cluster):
    db = restored(cluster, "kept")
    had = columns(cluster, db)
    before = contents(cluster, db)
    # the fixture's demo data: 300 students with their states and events
    assert before['lx.student'][0] == "300" and int(before['lx.step_state'][0]) > 1000
    assert int(before['lx.event'][0]) > 1000
    migrate(cluster, db)
    after = contents(cluster, db, only=had)
    newer = [m for m in MIGRATIONS if m > OLDEST]
    # lx_migration gains the migrations after 042
    assert int(after.pop("lx_migration")[0]) == int(before.pop("lx_migration")[0]) + len(newer)
    # 044 drops the two fixed loan columns of the roster (the institutions' are configured)
    # and links the seeded institutions' facts and steps, which bumps the configuration
    assert int(after.pop("lx.roster_column")[0]) == int(before.pop("lx.roster_column")[0]) - 2
    after.pop("lx.config_version"), before.pop("lx.config_version")
    # 046 writes the certificates step's name with typographic quotes
    after.pop("lx.step"), before.pop("lx.step")
    assert cluster.psql("SELECT name FROM lx.step WHERE code = 'certificates'", db=db) == [
        ["领取“三证”和户口迁移证明"]]
    # every other table is as it was, row by row, in the columns it had
    assert after == before
    # the institutions the demo data uses are kept, with their loan steps
    assert cluster.psql("SELECT i.code, s.code FROM lx.institution i"
                        " JOIN lx.step s ON s.institution_id = i.id ORDER BY 1", db=db) == [
        ["10534", "national_loan_10534"], ["12649", "national_loan_12649"]]


def test_a_second_run_changes_nothing(cluster):
    dump, rows = schema(cluster, "lixiao"), contents(cluster, "lixiao")
    r = migrate(cluster, "lixiao")
    assert r.stdout == "" and r.stderr == ""
    assert schema(cluster, "lixiao") == dump
    assert contents(cluster, "lixiao") == rows


def test_a_database_older_than_042_is_refused(cluster):
    db = restored(cluster, "older")
    cluster.psql(f"DELETE FROM public.lx_migration WHERE version = '{OLDEST}'", db=db)
    dump = schema(cluster, db)
    r = migrate(cluster, db, check=False)
    assert r.returncode == 1
    assert re.search(rf"at schema 041_import_lines, older than {OLDEST}, the oldest", r.stderr)
    assert "migrate: applied" not in r.stdout
    assert schema(cluster, db) == dump and OLDEST not in versions(cluster, db)


def test_a_failing_definition_leaves_nothing(cluster, tmp_path):
    """The migrations and the definitions are one transaction: a definition that fails after
    every migration ran leaves an empty database empty."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "scripts", repo / "scripts")
    shutil.copytree(REPO / "sql", repo / "sql")
    with open(repo / "sql/functions/grants.sql", "a") as f:
        f.write("GRANT SELECT ON lx.no_such_table TO lx_app;\n")
    repo.chmod(0o755)
    tmp_path.chmod(0o755)
    cluster.psql("CREATE DATABASE broken OWNER lx_owner TEMPLATE template0", db="postgres")
    r = migrate(cluster, "broken", repo=repo, check=False)
    assert r.returncode == 1 and "no_such_table" in r.stderr
    assert "nothing was changed" in r.stderr
    assert cluster.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'lx'",
                        db="broken") == [["0"]]
    assert versions(cluster, "broken") == []
