"""lixiao-admin (issue 21): an installation set up from the command line, as the IT office
does it (docs/runbooks.md): the first administrator, institutions, colleges, a cohort, a class,
operators and their points, API tokens; refusals with the reason and exit 1; usage errors 2;
a database it cannot reach or a schema of another version 3."""
import pytest

from freshenv import FreshEnv

PASSWORD = "the IT office password"


@pytest.fixture(scope="module")
def fresh():
    env = FreshEnv(["wangwu", "lisi"])
    env.start()
    env.add_lx_admin(PASSWORD)
    yield env
    env.close()


def ok(r):
    assert r.returncode == 0, r.stderr
    return r.stdout


def rows(out):
    """A list command's output: its header and rows, split on tabs."""
    head, *body = out.strip("\n").split("\n")
    return [dict(zip(head.split("\t"), line.split("\t"))) for line in body]


def test_usage_and_help(fresh):
    r = fresh.admin_command("--help")
    assert r.returncode == 0 and "cohort create PROGRAMME(ug|pg) YEAR [NAME]" in r.stdout
    assert fresh.admin_command().returncode == 2
    r = fresh.admin_command("college", "fly")
    assert r.returncode == 2 and "没有这个命令" in r.stderr
    r = fresh.admin_command("institution", "add", "10534")
    assert r.returncode == 2 and "用法: lixiao-admin institution add CODE NAME" in r.stderr


def test_a_season_set_up_from_the_command_line(fresh):
    assert "与本程序一致" in ok(fresh.admin_command("schema"))
    assert fresh.httpd.get("/lx/admin", user="wangwu").status_code == 403
    ok(fresh.admin_command("admin", "add", "wangwu", "王五"))
    assert fresh.httpd.get("/lx/admin", user="wangwu").status_code == 200
    ok(fresh.admin_command("institution", "add", "10534", "校本部"))
    ok(fresh.admin_command("college", "add", "01", "计算机学院", "10534", "逸夫楼 A203"))
    (cohort,) = rows(ok(fresh.admin_command("cohort", "create", "ug", "2027")))
    ok(fresh.admin_command("class", "add", "CS2701", "计科2701", "01", cohort["id"]))
    ok(fresh.admin_command("operator", "add", "lisi", "李四"))
    ok(fresh.admin_command("operator", "assign", "lisi", "college", "01"))
    assert rows(ok(fresh.admin_command("operator", "list")))[0] == {
        "login": "lisi", "name": "李四", "is_admin": "f", "is_leader": "f", "active": "t",
        "points": "college:01"}
    assert [c["name"] for c in rows(ok(fresh.admin_command("cohort", "list")))] == ["2027届本科"]
    assert fresh.httpd.get("/lx/op", user="lisi").status_code == 200
    # a token, printed once; it authenticates at once
    (tok,) = rows(ok(fresh.admin_command("token", "issue", "portal", "门户")))
    r = fresh.httpd.get("/lx/api/v1/students/2027010001/status",
                        headers={"Authorization": f"Bearer {tok['token']}"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    listed = rows(ok(fresh.admin_command("token", "list")))
    assert [(t["id"], t["name"], t["active"]) for t in listed] == [(tok["id"], "门户", "t")]
    assert listed[0]["last_used"]
    ok(fresh.admin_command("token", "revoke", tok["id"]))
    # every change is in the event log, under who ran the command
    logins = {r[0] for r in fresh.cluster.psql("SELECT DISTINCT login FROM lx.event")}
    assert logins == {"lx_admin"} | {l for l in logins if l.startswith("cli:")}
    assert len(logins) == 2
    ok(fresh.admin_command("-l", "it-office-zhao", "cohort", "rename", cohort["id"],
                           "2027 届本科"))
    assert fresh.cluster.psql("SELECT login FROM lx.event ORDER BY id DESC LIMIT 1") == [
        ["it-office-zhao"]]


def test_refusals_say_why_and_change_nothing(fresh):
    r = fresh.admin_command("institution", "add", "1053", "新校区")
    assert r.returncode == 1 and "学校代码应为 5 位数字" in r.stderr
    r = fresh.admin_command("institution", "retire", "10534")
    assert r.returncode == 1 and "校本部还有 1 个在用的学院" in r.stderr
    r = fresh.admin_command("cohort", "create", "ug", "2027")
    assert r.returncode == 1 and "2027届本科已经存在" in r.stderr
    r = fresh.admin_command("operator", "disable", "nobody")
    assert r.returncode == 1 and "没有这个操作人员" in r.stderr
    assert fresh.cluster.psql("SELECT count(*) FROM lx.institution") == [["1"]]


def test_a_database_it_cannot_use(fresh):
    r = fresh.admin_command("institution", "list", db="host=/nonexistent dbname=lixiao")
    assert r.returncode == 3 and "无法连接数据库" in r.stderr
    fresh.cluster.psql("INSERT INTO public.lx_migration (version) VALUES ('999_future')")
    try:
        r = fresh.admin_command("institution", "list")
        assert r.returncode == 3 and "数据库比本程序新" in r.stderr
    finally:
        fresh.cluster.psql("DELETE FROM public.lx_migration WHERE version = '999_future'")
    assert fresh.admin_command("institution", "list").returncode == 0
