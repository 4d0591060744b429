"""scripts/migrate.sh against a database server as an IT office has one (tlspg.py: TCP on a
port of its own, TLS with a CA made here, password logins), as lx_admin, never the superuser:
through a libpq connection string with a port, a URI, and sslmode=verify-full with the CA named
by sslrootcert (a wrong CA is refused before anything changes); with the psql found on PATH
(Debian's /usr/bin/psql) or named by $PSQL.  Every time public.lx_migration ends up owned by
lx_owner, also when an older migrate.sh had left it to the migrating role, and a second run
applies nothing.  The old form (HOST [DBNAME], libpq's PG* variables) still works.
"""
import os

import pytest

from lxenv import PGBIN, REPO, run
from tlspg import ADMIN_PASSWORD, TlsCluster, make_ca, pgpass

MIGRATIONS = sorted(p.stem for p in (REPO / "sql").glob("[0-9][0-9][0-9]_*.sql"))
APPLIED = [w for m in MIGRATIONS for w in ("migrate:", "applied", m)]


@pytest.fixture(scope="module")
def server():
    c = TlsCluster("lx-migrate-").create()
    yield c
    c.close()


@pytest.fixture
def home(tmp_path):
    """An empty home: no ~/.pgpass or ~/.postgresql/root.crt of the machine's user helps."""
    h = tmp_path / "home"
    h.mkdir()
    return h


def clean_env(home, **more):
    """The caller's environment without libpq's variables, with HOME=home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return dict(env, HOME=str(home), **more)


def migrate(*args, env):
    return run([str(REPO / "scripts/migrate.sh"), *args], env=env, check=False)


def versions(server, db):
    return [r[0] for r in server.psql(db, "SELECT version FROM public.lx_migration ORDER BY 1")]


def assert_migrated(server, db, first, again):
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == APPLIED and first.stderr == ""
    assert versions(server, db) == MIGRATIONS
    assert server.table_owner(db, "public.lx_migration") == "lx_owner"
    # the schema, too, belongs to lx_owner, not to the role that ran the migrations
    assert server.psql(db, "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'lx'") \
        == [["lx_owner"]]
    assert again.returncode == 0, again.stderr
    assert again.stdout == "" and again.stderr == ""
    assert versions(server, db) == MIGRATIONS


def test_a_connection_string_with_a_port(server, home):
    """host= port= dbname= user=, the password from PGPASSWORD, psql from cron's PATH
    (/usr/bin/psql, Debian's wrapper for whichever client version is installed)."""
    db = server.create_db("by_conninfo")
    env = clean_env(home, PATH="/usr/bin:/bin", PGPASSWORD=ADMIN_PASSWORD)
    target = server.conninfo(db)
    assert f"port={server.port}" in target
    assert_migrated(server, db, migrate(target, env=env), migrate(target, env=env))


def test_a_uri_and_the_psql_of_PSQL(server, home, tmp_path):
    """postgresql://user@host:port/db?sslmode=require, the password from the file named by
    PGPASSFILE, and $PSQL before any psql on PATH (the one on PATH here fails)."""
    db = server.create_db("by_uri")
    wrong = tmp_path / "bin"
    wrong.mkdir()
    (wrong / "psql").write_text("#!/bin/sh\necho 'not this psql' >&2\nexit 99\n")
    (wrong / "psql").chmod(0o755)
    env = clean_env(home, PATH=f"{wrong}:/usr/bin:/bin", PSQL=str(PGBIN / "psql"),
                    PGPASSFILE=str(pgpass(tmp_path / "pgpass", server)))
    uri = f"postgresql://lx_admin@localhost:{server.port}/{db}?sslmode=require"
    assert_migrated(server, db, migrate(uri, env=env), migrate(uri, env=env))


def test_tls_with_the_ca_named_by_sslrootcert(server, home, tmp_path):
    """sslmode=verify-full checks the server's certificate and its name against the CA file of
    sslrootcert: with another CA the connection is refused and the database stays empty; with
    the server's CA it migrates."""
    db = server.create_db("by_tls")
    env = clean_env(home, PGPASSWORD=ADMIN_PASSWORD)
    other = make_ca(tmp_path, "other-ca")
    r = migrate(server.conninfo(db, sslmode="verify-full", sslrootcert=other), env=env)
    assert r.returncode != 0 and "certificate verify failed" in r.stderr, r.stderr
    assert r.stdout == ""
    assert server.psql(db, "SELECT to_regclass('public.lx_migration')") == [[""]]

    target = server.conninfo(db, sslmode="verify-full", sslrootcert=server.ca)
    assert_migrated(server, db, migrate(target, env=env), migrate(target, env=env))


def test_a_record_left_to_the_migrating_role_goes_to_lx_owner(server, home):
    """The migrate.sh of earlier versions created public.lx_migration as whoever ran it
    (lx_admin): the next run gives it to lx_owner, and keeps its rows."""
    db = server.create_db("old_owner")
    env = clean_env(home, PGPASSWORD=ADMIN_PASSWORD)
    target = server.conninfo(db)
    run([str(PGBIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target, "-c",
         "CREATE TABLE public.lx_migration (version text PRIMARY KEY,"
         " applied_at timestamptz NOT NULL DEFAULT now())"], env=env)
    assert server.table_owner(db, "public.lx_migration") == "lx_admin"
    assert_migrated(server, db, migrate(target, env=env), migrate(target, env=env))


def test_the_old_form_host_and_database(server, home):
    """migrate.sh HOST DBNAME with libpq's variables, as the previous documentation said
    (PGUSER, PGPORT, PGSSLMODE, PGSSLROOTCERT): still the same."""
    db = server.create_db("by_host")
    env = clean_env(home, PGUSER="lx_admin", PGPASSWORD=ADMIN_PASSWORD, PGPORT=str(server.port),
                    PGSSLMODE="verify-full", PGSSLROOTCERT=str(server.ca))
    assert_migrated(server, db, migrate("localhost", db, env=env),
                    migrate("localhost", db, env=env))


def test_what_is_refused(server, home, tmp_path):
    """A connection string with a database name besides it; a psql older than 10; no psql."""
    env = clean_env(home, PGPASSWORD=ADMIN_PASSWORD)
    r = migrate(server.conninfo("lixiao"), "lixiao", env=env)
    assert r.returncode == 2 and "a connection string names its database" in r.stderr
    old = tmp_path / "psql-9.6"
    old.write_text("#!/bin/sh\necho 'psql (PostgreSQL) 9.6.24'\n")
    old.chmod(0o755)
    r = migrate(server.conninfo("lixiao"), env=dict(env, PSQL=str(old)))
    assert r.returncode == 1 and "psql 10 or later is needed" in r.stderr, r.stderr
    r = migrate(server.conninfo("lixiao"), env=dict(env, PSQL=str(tmp_path / "no-psql")))
    assert r.returncode == 1 and "no psql" in r.stderr, r.stderr
