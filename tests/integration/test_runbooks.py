"""docs/runbooks.md, "Season start", "Season close", "Rotating API tokens" and "CAS
registration", run as written against a new installation (FreshEnv: migrations only): the
blocks' lines one after another in bash, with only the connection ($LX: the test cluster's
socket instead of db.example.edu.cn), the scripts' and commands' directories, and an id the
text says to look up replaced.  ("Backup", "Restore into production", "Upgrade" and "Removal"
are run by test_backup.py and test_uninstall.py.)"""
import json
import os
import re
import subprocess

import pytest

from data import resident_id
from freshenv import FreshEnv
from lxenv import REPO
from test_backup import blocks, section

PASSWORD = "lx_admin runbook password"


@pytest.fixture(scope="module")
def fresh():
    env = FreshEnv(["zhangsan", "wanglaoshi"])
    env.start()
    env.add_lx_admin(PASSWORD)
    yield env
    env.close()


@pytest.fixture(scope="module")
def shell(fresh, tmp_path_factory):
    """Runs a runbook line in bash as root would on a web server: lixiao-admin and
    lixiao-import on PATH (the build's), the password in ~/.pgpass, $LX the test's database."""
    home = tmp_path_factory.mktemp("home")
    work = tmp_path_factory.mktemp("work")
    pgpass = home / ".pgpass"
    pgpass.write_text(f"*:*:*:lx_admin:{PASSWORD}\n")
    pgpass.chmod(0o600)
    env = dict(os.environ, HOME=str(home), PATH=f"{REPO / 'build'}:{os.environ['PATH']}")
    env.pop("PGPASSWORD", None)
    conninfo = f"host={fresh.cluster.sock} dbname=lixiao user=lx_admin"

    def local(line):
        line = re.sub(r'^export LX=".*"$', f'export LX="{conninfo}"', line)
        return (line.replace("/usr/share/mod_lixiao/scripts/", f"{REPO}/scripts/")
                .replace("/var/backups/", f"{work}/backups/"))

    def run(lines, replace=None):
        """Each line in one bash (set -e: the first failure stops it); the output of each."""
        outs = []
        state = ""
        for line in lines:
            line = local(line)
            for old, new in (replace or {}).items():
                line = line.replace(old, new)
            r = subprocess.run(["bash", "-c", f"set -e\n{state}\n{line}"], cwd=work, env=env,
                               capture_output=True, text=True, timeout=300)
            # pytest -s shows each line with what it printed (the closing notes quote them)
            print(f"$ {line}\n{r.stdout}{r.stderr}", end="")
            assert r.returncode == 0, f"{line}\n{r.stdout}{r.stderr}"
            if line.startswith("export "):
                state += line + "\n"
            outs.append(r.stdout)
        return outs

    run.work = work
    return run


def roster(path):
    header = ("学号,姓名,性别,证件类型,证件号码,学院代码,班级代码,班级名称,培养层次,届,宿舍楼,房间号,党员,"
              "团员,需归还教学仪器,国家助学贷款（校本部 10534）,生源地助学贷款,借用交换机,暂缓发放两证,"
              "户口迁入学校")
    rows = [f"20270100{i:02d},学生{i},男,居民身份证,{resident_id(f'4301022004060{i}00{i}')},01,"
            f"CS2701,计科2701,本科,2027,1栋,10{i},否,是,否,{'是' if i == 1 else '否'},否,否,否,否"
            for i in range(1, 4)]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def test_season_start_as_written(fresh, shell):
    lines = blocks("Season start")
    assert lines[0].startswith('export LX="host=db.example.edu.cn')
    roster(shell.work / "2027届本科毕业生.csv")
    outs = shell(lines)
    assert outs[1].endswith("与本程序一致。\n")                          # schema
    joined = "".join(outs)
    assert "已设立管理员。" in joined and "已保存学校。" in joined and "已保存学院。" in joined
    assert re.search(r"^id\n\d+\n", joined, re.M)                       # cohort create
    assert "导入完成" in joined and "新增 3 名" in joined
    assert re.search(r"^id\ttoken\n\d+\t[0-9a-f]{64}\n", joined, re.M)   # token issue
    # what the commands made is what the pages show
    assert fresh.httpd.get("/lx/admin", user="zhangsan").status_code == 200
    assert fresh.cluster.psql("SELECT s.student_no FROM lx.student_loan l"
                              " JOIN lx.student s ON s.id = l.student_id") == [["2027010001"]]
    assert fresh.cluster.psql("SELECT login, p.code, c.code FROM lx.operator_point op"
                              " JOIN lx.point p ON p.id = op.point_id"
                              " JOIN lx.college c ON c.id = op.college_id") == [
        ["wanglaoshi", "college", "01"]]
    assert fresh.httpd.get("/lx/op", user="wanglaoshi").status_code == 200


def test_rotating_api_tokens_as_written(fresh, shell):
    (old,) = fresh.cluster.psql("SELECT id FROM lx.api_token WHERE active")[0]
    lines = [blocks("Season start")[0]] + blocks("Rotating API tokens")
    assert lines[-1].endswith("token revoke 3")
    outs = shell(lines, replace={"token revoke 3": f"token revoke {old}"})
    assert re.search(r"^\d+\t[0-9a-f]{64}$", outs[1], re.M)
    assert outs[-1].strip() == "已吊销。"
    assert fresh.cluster.psql("SELECT id, active FROM lx.api_token ORDER BY id") == [
        [old, "f"], [str(int(old) + 1), "t"]]


def test_season_close_as_written(fresh, shell):
    (cohort,) = fresh.cluster.psql("SELECT id FROM lx.cohort")[0]
    lines = [blocks("Season start")[0]] + blocks("Season close")
    outs = shell(lines, replace={" close 1": f" close {cohort}", " next 1": f" next {cohort}"})
    assert "已归档（只读）。" in outs[2] and re.match(r"id\n\d+\n", outs[3])
    assert fresh.cluster.psql("SELECT name, closed FROM lx.cohort ORDER BY year") == [
        ["2027届本科", "t"], ["2028届本科", "f"]]
    dumps = list((shell.work / "backups" / "lixiao-closed").glob("lixiao-*.dump"))
    assert len(dumps) == 1 and dumps[0].stat().st_size > 10000


def test_the_cas_service_pattern_is_anchored_and_escaped():
    text = section("CAS registration")
    (definition,) = re.findall(r"```json\n(.*?)```", text, re.S)
    service = json.loads(definition)
    assert service["logoutType"] == "NONE"
    pattern = service["serviceId"]
    assert f"`{pattern}`" in text                       # the bullet names the same pattern
    for url in ("https://lixiao.example.edu.cn/lx/", "https://lixiao.example.edu.cn/lx/op?x=1"):
        assert re.match(pattern, url), url
    for url in ("https://lixiao.example.edu.cn.evil.example/lx/", "http://lixiao.example.edu.cn/lx/",
                "https://lixiaoXexample.edu.cn/lx/", "https://evil.example/?https://lixiao.example.edu.cn/lx/"):
        assert not re.match(pattern, url), url


def test_graduation_days_commands_as_written(fresh, shell):
    """The probe and the search of both logs for a 请求编号, on the test's httpd (its logs are
    error_log and access_log, in the lixiao format as lixiao.conf's lixiao_access.log)."""
    lines = blocks("Graduation day")
    page = fresh.httpd.get("/lx/admin", user="wanglaoshi")         # 403: not an administrator
    assert page.status_code == 403
    rid = re.findall(r"请求编号\s*<code>([^<]+)</code>", page.text)[0]
    log = fresh.base / "log"
    outs = shell(lines, replace={"https://lixiao.example.edu.cn": fresh.httpd.url,
                                 "REQUEST_ID": rid,
                                 "/var/log/apache2/error.log": str(log / "error_log"),
                                 "/var/log/apache2/lixiao_access.log": str(log / "access_log")})
    assert json.loads(outs[0])["status"] == "ok"
    assert rid in outs[1] and "access_log" in outs[1]
