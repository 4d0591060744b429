"""A private PostgreSQL cluster as an IT office's database server looks to its clients: TCP
on 127.0.0.1 (a free port) with TLS only, a server certificate for "localhost" signed by a CA
made with openssl in the cluster's directory, and the roles of docs/installation.md (lx_owner
owns the schema, lx_app the module's login, lx_admin the IT office's, a member of lx_owner),
who log in with passwords (scram-sha-256).  The superuser reaches it by its unix socket
(scripts/pg.sh) for the set-up.  Used by test_migrate.py and test_backup.py.
"""
import shutil
from pathlib import Path

from lxenv import IS_ROOT, PGBIN, REPO, as_postgres, free_port, new_base, run

ADMIN_PASSWORD = "admin-pw-7c1e"
APP_PASSWORD = "app-pw-52d9"


def openssl(*args, cwd):
    run(["openssl", *args], cwd=cwd)


def make_ca(d: Path, name):
    """A self-signed CA in d/NAME.key, d/NAME.pem."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=d)
    return d / f"{name}.pem"


def make_server_cert(d: Path, ca, name="server", host="localhost"):
    """d/NAME.key and d/NAME.pem for host (and 127.0.0.1), signed by the CA ca (make_ca)."""
    (d / f"{name}.ext").write_text(f"subjectAltName = DNS:{host}, IP:127.0.0.1\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={host}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem",
            cwd=d)
    return d / f"{name}.pem", d / f"{name}.key"


class TlsCluster:
    def __init__(self, prefix):
        self.base = new_base(prefix)
        self.sock = self.base / "run"
        self.port = free_port()
        self.tls = self.base / "tls"
        self.ca = None

    def create(self):
        try:
            self._create()
        except BaseException:
            self.close()
            raise
        return self

    def _create(self):
        run([str(REPO / "scripts/pg.sh"), "init", str(self.base)])
        self.tls.mkdir()
        self.ca = make_ca(self.tls, "ca")
        cert, key = make_server_cert(self.tls, "ca")
        # the server's key: the server's user alone may read it (PostgreSQL refuses it otherwise)
        key.chmod(0o600)
        if IS_ROOT:
            shutil.chown(key, "postgres", "postgres")
        pgdata = self.base / "pg"
        with open(pgdata / "postgresql.conf", "a") as f:
            f.write(f"\n# --- as a database server: TCP with TLS (tlspg.py) ---\n"
                    f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                    f"ssl = on\nssl_cert_file = '{cert}'\nssl_key_file = '{key}'\n")
        with open(pgdata / "pg_hba.conf", "a") as f:
            f.write("hostssl all     lx_admin,lx_app 127.0.0.1/32    scram-sha-256\n")
        self.start()
        self.psql("postgres", f"""
CREATE ROLE lx_owner NOLOGIN;
CREATE ROLE lx_app LOGIN PASSWORD '{APP_PASSWORD}';
CREATE ROLE lx_admin LOGIN PASSWORD '{ADMIN_PASSWORD}' IN ROLE lx_owner;
""")

    def create_db(self, name):
        """A new empty database as docs/installation.md makes it."""
        self.psql("postgres",
                  f"CREATE DATABASE {name} OWNER lx_owner ENCODING 'UTF8' LOCALE 'C.UTF-8' "
                  f"TEMPLATE template0;\nREVOKE ALL ON DATABASE {name} FROM PUBLIC;\n"
                  f"GRANT CONNECT ON DATABASE {name} TO lx_app, lx_admin;\n")
        return name

    def conninfo(self, db, **more):
        """A libpq connection string to db as lx_admin over TCP (no password: PGPASSWORD or
        a password file gives it)."""
        params = dict(host="localhost", port=self.port, dbname=db, user="lx_admin")
        params.update(more)
        return " ".join(f"{k}={v}" for k, v in params.items())

    def start(self):
        run([str(REPO / "scripts/pg.sh"), "start", str(self.base)])

    def stop(self):
        run([str(REPO / "scripts/pg.sh"), "stop", str(self.base)], check=False)

    def close(self):
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def psql(self, db, sql, variables=None):
        """SQL as the superuser by the unix socket; the rows as lists of strings."""
        argv = [str(PGBIN / "psql"), "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                "-h", str(self.sock), "-p", str(self.port), "-d", db, "-f", "-"]
        for k, v in (variables or {}).items():
            argv[1:1] = ["-v", f"{k}={v}"]
        out = run(as_postgres(argv), input=sql).stdout
        return [line.split("\t") for line in out.splitlines()]

    def table_owner(self, db, table):
        return self.psql(db, f"SELECT relowner::regrole FROM pg_class "
                             f"WHERE oid = '{table}'::regclass")[0][0]

    def row_counts(self, db):
        """Every table of schemas lx and public with its number of rows."""
        tables = [r[0] for r in self.psql(db, """
SELECT c.oid::regclass FROM pg_class c
 WHERE c.relnamespace IN ('lx'::regnamespace, 'public'::regnamespace) AND c.relkind = 'r'
 ORDER BY 1""")]
        sql = "\n".join(f"SELECT '{t}', count(*) FROM {t};" for t in tables)
        return dict((t, int(n)) for t, n in self.psql(db, sql))


def pgpass(path: Path, cluster, db="*"):
    """A password file for lx_admin (libpq ignores one that others may read)."""
    path.write_text(f"localhost:{cluster.port}:{db}:lx_admin:{ADMIN_PASSWORD}\n")
    path.chmod(0o600)
    return path
