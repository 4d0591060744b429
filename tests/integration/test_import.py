"""The roster import: good and bad files, encodings, the report, atomicity, 30,000 rows, and the
command-line path."""
import os
import shutil
import subprocess
import tempfile
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from data import resident_id
from lxenv import REPO

HEADER_ZH = ("学号,姓名,性别,证件类型,证件号码,学院代码,班级代码,班级名称,培养层次,届,宿舍楼,房间号,"
             "党员,团员,需归还教学仪器,校本部国家助学贷款,潇湘学院国家助学贷款,生源地助学贷款,借用交换机,"
             "暂缓发放两证,户口迁入学校")
HEADER_EN = ("student_no,name,gender,id_type,id_number,college,class,class_name,programme,year,"
             "building,room,party_member,league_member,must_return_instruments,"
             "national_loan_10534,national_loan_12649,source_loan,borrowed_switch,"
             "certificates_deferred,hukou_moved")


def row(no, name="导入生", cls="IMP-1", cls_name="导入1班", college="01", idn=None,
        building="I1栋", room="101", party="否", loan1="否", loan2="否", hukou="否"):
    idn = idn or resident_id(f"4301022002{int(no[-4:]) % 12 + 1:02d}{int(no[-4:]) % 28 + 1:02d}"
                             f"{int(no[-3:]):03d}")
    return (f"{no},{name},男,居民身份证,{idn},{college},{cls},{cls_name},本科,2026,{building},"
            f"{room},{party},是,否,{loan1},{loan2},否,否,否,{hukou}")


def upload(httpd, content, encoding="auto", user="admin", xml=True, name="roster.csv",
           sheet=None):
    doc = ET.fromstring(httpd.get("/lx/admin?tab=import&format=xml", user="admin").content)
    csrf = doc.find("admin").get("csrf")
    data = {"csrf": csrf, "rid": uuid.uuid4().hex, "encoding": encoding}
    if sheet is not None:
        data["sheet"] = sheet
    return httpd.request("POST", "/lx/admin/import" + ("?format=xml" if xml else ""), user=user,
                         data=data, files={"file": (name, content, "text/csv")}, timeout=120)


def result(r):
    return ET.fromstring(r.content).find("admin/import")


def count(env, where):
    return int(env.cluster.psql(f"SELECT count(*) FROM lx.student WHERE {where}")[0][0])


def test_utf8_with_bom_imports_and_updates(httpd, env):
    lines = [HEADER_ZH, row("2026710001", party="是", loan1="是", loan2="是"),
             row("2026710002", building="", room="")]
    r = upload(httpd, ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    assert r.status_code == 200, r.text[-800:]
    imp = result(r)
    assert (imp.get("outcome"), imp.get("inserted"), imp.get("updated")) == ("imported", "2", "0")
    assert count(env, "student_no LIKE '20267100%'") == 2
    sheet = ET.fromstring(httpd.get("/lx/student/2026710001?format=xml", user="admin").content)
    steps = {s.get("code"): s.get("state") for s in sheet.iter("step")}
    assert steps["party_transfer"] == "pending" and steps["national_loan_12649"] == "pending"
    assert sheet.find("student").get("dorm") == "I1栋 101"
    # the same numbers again: updated, not duplicated; the loans follow the file
    r = upload(httpd, "\n".join([HEADER_EN, row("2026710001", name="改名了")]).encode())
    imp = result(r)
    assert (imp.get("inserted"), imp.get("updated")) == ("0", "1")
    assert env.cluster.psql("SELECT name FROM lx.student WHERE student_no = '2026710001'") == [["改名了"]]
    sheet = ET.fromstring(httpd.get("/lx/student/2026710001?format=xml", user="admin").content)
    steps = {s.get("code"): s.get("state") for s in sheet.iter("step")}
    assert steps["national_loan_12649"] == "na" and steps["party_transfer"] == "na"
    assert env.cluster.psql("SELECT count(*) FROM lx.event WHERE kind = 'import'")[0][0] >= "2"


def test_gb18030_detected_and_chosen(httpd, env):
    content = "\n".join([HEADER_ZH, row("2026720001", name="龘䶮鿏"),
                         row("2026720002", name="欧阳")]).encode("gb18030")
    r = upload(httpd, content)
    assert r.status_code == 200 and result(r).get("inserted") == "2"
    assert env.cluster.psql("SELECT name FROM lx.student WHERE student_no = '2026720001'") == [["龘䶮鿏"]]
    content = "\n".join([HEADER_ZH, row("2026720003")]).encode("gb18030")
    assert upload(httpd, content, encoding="gb18030").status_code == 200
    # chosen wrongly: a clear refusal, nothing imported
    r = upload(httpd, "\n".join([HEADER_ZH, row("2026720004")]).encode("gb18030"),
               encoding="utf-8")
    assert r.status_code == 400
    assert any(p.get("line") == "1" and "UTF-8 编码" in p.get("reason")
               for p in result(r).findall("problem"))
    assert count(env, "student_no = '2026720004'") == 0


def test_a_bad_row_imports_nothing_and_is_reported(httpd, env):
    good = row("2026730001")
    bad_id = row("2026730002", idn="430102200107151235")
    rows = [HEADER_ZH, good, bad_id,
            row("2026730003", college="99"),
            row("2026730001"),                                   # duplicate number
            row("2026730004", hukou="也许"),
            "12345,短号,男,居民身份证," + resident_id("43010220020101123") + ",01,IMP-1,导入1班,本科,2026,,,否,否,否,否,否,否,否,否,否",
            row("2026730005", cls="U01-2201"),                  # a class of another cohort? exists
            row("2026730006", building="I9栋", room="")]
    r = upload(httpd, "\n".join(rows).encode())
    assert r.status_code == 400
    imp = result(r)
    assert imp.get("outcome") == "refused"
    problems = [(int(p.get("line")), p.get("col"), p.get("reason")) for p in imp.findall("problem")]
    lines = {(l, c) for l, c, _ in problems}
    assert (3, "证件号码") in lines and (4, "学院代码") in lines
    assert (2, "学号") in lines and (5, "学号") in lines
    assert (6, "户口迁入学校") in lines and (7, "学号") in lines and (9, "房间号") in lines
    assert all(reason for _, _, reason in problems)
    # the ID number itself is not echoed in the report
    assert "430102200107151235" not in r.text
    assert count(env, "student_no LIKE '20267300%'") == 0
    html = httpd.request("POST", "/lx/admin/import", user="admin",
                         data={"csrf": ET.fromstring(httpd.get("/lx/admin?tab=import&format=xml",
                                                              user="admin").content)
                                       .find("admin").get("csrf"),
                               "rid": uuid.uuid4().hex},
                         files={"file": ("r.csv", "\n".join(rows).encode(), "text/csv")})
    assert html.status_code == 400 and "没有这个学院代码" in html.text


def test_unreadable_files(httpd):
    r = upload(httpd, "学号,姓名\n1,2\n".encode())
    reasons = [p.get("reason") for p in result(r).findall("problem")]
    assert r.status_code == 400 and "缺少“性别”列（表头可写“性别”或“gender”）" in reasons
    r = upload(httpd, "\ufeffa,b".encode("utf-16"))
    assert r.status_code == 400
    r = upload(httpd, (HEADER_ZH + "\n").encode())
    assert r.status_code == 400 and result(r).find("problem").get("reason").startswith("文件中没有学生数据")
    r = upload(httpd, "\n".join(["wrong,header" + ",x" * 19, row("2026740001")]).encode())
    assert r.status_code == 400 and result(r).find("problem").get("line") == "1"


def test_only_administrators_import(httpd, env):
    for user in ("op_library", "deferral", "2022010001"):
        r = upload(httpd, "\n".join([HEADER_ZH, row("2026750001")]).encode(), user=user)
        assert r.status_code == 403
    assert count(env, "student_no = '2026750001'") == 0


def test_thirty_thousand_rows(httpd, env):
    lines = [HEADER_ZH]
    for i in range(30000):
        no = f"2026{60 + i // 10000:02d}{i % 10000:04d}"
        lines.append(row(no, name=f"批量{i}", cls=f"BIG-{i // 30:04d}", cls_name=f"批量{i // 30}班",
                         college=f"{i % 12 + 1:02d}", building=f"B{i // 600}栋",
                         room=f"{(i // 5) % 120 + 101}"))
    # each class in one college: rows of a class share the college of its first row
    for k in range(1, len(lines)):
        i = k - 1
        parts = lines[k].split(",")
        parts[5] = f"{(i // 30) % 12 + 1:02d}"
        lines[k] = ",".join(parts)
    r = upload(httpd, "\n".join(lines).encode("gb18030"))
    assert r.status_code == 200, r.text[-1000:]
    assert result(r).get("inserted") == "30000"
    assert count(env, "student_no >= '2026600000' AND student_no < '2026630000'") == 30000


def cli(env, f, *args):
    """lixiao-import as a libpq program: the postgres user, the test cluster's socket (the
    command and the file copied where that user can reach them: the checkout may lie below
    /root, mode 0700)."""
    readable = Path(tempfile.mkdtemp(prefix="lx-import-"))
    readable.chmod(0o755)
    copy = readable / f.name
    if f.exists():
        copy.write_bytes(f.read_bytes())
    command = readable / "lixiao-import"
    shutil.copy(REPO / "build/lixiao-import", command)
    command.chmod(0o755)
    cmd = [str(command), *args, str(copy)]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    try:
        return subprocess.run(cmd, capture_output=True, text=True,
                              env={**os.environ, "PGHOST": str(env.cluster.sock),
                                   "PGDATABASE": "lixiao"})
    finally:
        shutil.rmtree(readable)


def test_command_line_import(env, tmp_path):
    f = tmp_path / "roster.csv"
    f.write_bytes("\n".join([HEADER_ZH, row("2026760001"), row("2026760002")]).encode("gb18030"))
    r = cli(env, f)
    assert r.returncode == 0, r.stderr
    assert "新增 2 名" in r.stdout
    assert count(env, "student_no LIKE '20267600%'") == 2
    f.write_text("\n".join([HEADER_ZH, row("2026760003", college="99")]))
    r = cli(env, f, "--encoding", "utf-8")
    assert r.returncode == 1 and "没有这个学院代码" in r.stdout
    assert count(env, "student_no = '2026760003'") == 0
    assert cli(env, f, "--encoding", "latin1").returncode == 2
    assert cli(env, tmp_path / "missing.csv").returncode == 2
    r = subprocess.run([str(REPO / "build/lixiao-import"), "--help"], capture_output=True,
                       text=True)
    assert r.returncode == 0 and "Exit status" in r.stdout


def report(items):
    """The report as (line, column, value, reason), from the page or the command."""
    return [(int(p.get("line") or 0), p.get("col") or "", p.get("value") or "", p.get("reason"))
            for p in items.findall("problem")]


def cli_report(out):
    lines = out.splitlines()[2:]
    return [(int(l.split("\t")[0] or 0), *l.split("\t")[1:]) for l in lines]


END_OF_COPY = [HEADER_ZH, row("2026870001"), "\\.", "\\! touch {marker}",
               row("2026870002")]


def test_end_of_copy_line_is_data_never_a_command(httpd, env, tmp_path):
    """A line "\\." ended psql's COPY early and psql ran the next line as a command (as
    postgres); the web upload stored the rows before it and dropped the rest."""
    marker = tmp_path / "pwned"
    text = "\n".join(END_OF_COPY).replace("{marker}", str(marker)) + "\n"
    r = upload(httpd, text.encode())
    assert r.status_code == 400, r.text[-500:]
    items = report(result(r))
    assert [i[0] for i in items] == [3, 4]                  # the two short rows, by line
    assert count(env, "student_no LIKE '20268700%'") == 0
    f = tmp_path / "copy-end.csv"
    f.write_text(text)
    c = cli(env, f)
    assert c.returncode == 1, c.stdout + c.stderr
    assert not marker.exists()
    assert cli_report(c.stdout) == items                    # the same report, both ways
    assert count(env, "student_no LIKE '20268700%'") == 0
    # as a cell, "\\." and backslashes are a name like any other
    f.write_text("\n".join([HEADER_ZH, row("2026870003", name='"\\.\\N\\\\"')]))
    assert cli(env, f).returncode == 0
    assert env.cluster.psql("SELECT name FROM lx.student WHERE student_no = '2026870003'") \
        == [["\\.\\N\\\\"]]


def test_reports_name_physical_lines_columns_and_mask_ids(httpd, env, tmp_path):
    bad_id = "430102200107151235"
    rows = [HEADER_ZH,
            row("2026780001", name='"两行\n的名字"'),             # lines 2-3: one record
            row("2026780002", idn=bad_id),                          # line 4
            "2026780003,短行,男",                                   # line 5
            row("2026780004", college="99") + ",多出"]              # line 6
    content = "\r\n".join(rows).encode()
    r = upload(httpd, content)
    items = report(result(r))
    assert (4, "证件号码", "", "身份证号无效（位数、校验位或出生日期不对）") in items
    assert any(i[:2] == (5, "证件类型") and "缺少" in i[3] for i in items)
    assert any(i[0] == 6 and "多出" in i[3] for i in items)
    assert any(i[:2] == (2, "姓名") for i in items)           # the line break, where it starts
    assert bad_id not in r.text
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    c = cli(env, f)
    assert c.returncode == 1 and bad_id not in c.stdout
    assert cli_report(c.stdout) == items
    # GB18030 pasted into a UTF-8 file: the bad line, not the header
    mixed = ("\n".join([HEADER_ZH, row("2026780005")]) + "\n").encode() \
        + (row("2026780006", name="张三") + "\n").encode("gb18030")
    items = report(result(upload(httpd, mixed)))
    assert items and {i[0] for i in items} == {3}


def test_unicode_spaces_trimmed_and_unchanged_reimport(httpd, env):
    content = "\n".join([HEADER_ZH, row("2026790001", name="\u3000王五\u00a0",
                                         cls_name="\u3000导入9班 ", cls="IMP-9")]).encode()
    assert upload(httpd, content).status_code == 200
    assert env.cluster.psql("SELECT s.name, c.name FROM lx.student s JOIN lx.class c "
                            "ON c.id = s.class_id WHERE s.student_no = '2026790001'") \
        == [["王五", "导入9班"]]
    before = env.cluster.psql("SELECT updated_at::text FROM lx.student "
                              "WHERE student_no = '2026790001'")
    events = env.cluster.psql("SELECT count(*) FROM lx.event WHERE kind = 'import'")
    imp = result(upload(httpd, content))
    assert (imp.get("inserted"), imp.get("updated"), imp.get("unchanged")) == ("0", "0", "1")
    assert "无变化 <b>1</b> 名" in upload(httpd, content, xml=False).text
    assert env.cluster.psql("SELECT updated_at::text FROM lx.student "
                            "WHERE student_no = '2026790001'") == before
    assert env.cluster.psql("SELECT count(*) FROM lx.event WHERE kind = 'import'") == events


def upload_feed(httpd, purpose, content):
    doc = ET.fromstring(httpd.get("/lx/admin?tab=import&format=xml", user="admin").content)
    return httpd.request("POST", "/lx/admin/feed?format=xml", user="admin",
                         data={"csrf": doc.find("admin").get("csrf"), "rid": uuid.uuid4().hex,
                               "purpose": purpose},
                         files={"file": ("feed.csv", content, "text/csv")})


def test_feed_files(httpd, env):
    from data import make_class, state
    _, (a, b) = make_class(env, "05", 2)
    r = upload_feed(httpd, "library", f"学号,借阅册数,欠款\n{a},0,0\n{b},1,2.5\n".encode("gb18030"))
    assert r.status_code == 200 and result(r).get("outcome") == "fed"
    assert state(env, a, "library_books") == "done" and state(env, b, "library_books") == "pending"
    r = upload_feed(httpd, "finance", f"学号,欠费\n{a},abc\n2099999999,0\n".encode())
    assert r.status_code == 400
    problems = {(p.get("line"), p.get("col")) for p in result(r).findall("problem")}
    assert ("2", "欠费") in problems and ("3", "学号") in problems
    values = {p.get("col"): p.get("value") for p in result(r).findall("problem")}
    assert values == {"欠费": "abc", "学号": "2099999999"}
    assert state(env, a, "arrears") == "pending"


def test_feed_numbers_one_rule(httpd, env, tmp_path):
    """ "2.0" was 2 loans from CSV and from a JSON number, but refused as a JSON string."""
    from data import make_class
    _, (a, b, c) = make_class(env, "06", 3)
    r = upload_feed(httpd, "library", f"学号,借阅册数,欠款\n{a},2.0,0.50\n".encode())
    assert r.status_code == 200, r.text[-500:]
    for no, loans in ((b, '2.0'), (c, '"2.0"')):
        ok = env.cluster.psql(
            "SELECT ok FROM lx.feed_apply('library', "
            f"""'{{"records": [{{"student_no": "{no}", "loans": {loans}, "fines": "0.50"}}]}}'"""
            "::jsonb, NULL, 'test')")
        assert ok == [["t"]], (no, loans)
    assert env.cluster.psql(f"SELECT library_loans, library_fines FROM lx.student "
                            f"WHERE student_no IN ('{a}', '{b}', '{c}') ORDER BY 1") \
        == [["2", "0.50"]] * 3
    r = upload_feed(httpd, "library", f"学号,借阅册数,欠款\n{a},2.5,0\n".encode())
    assert r.status_code == 400 and result(r).find("problem").get("col") == "借阅册数"
    # the command says the same of the same file
    f = tmp_path / "library.csv"
    f.write_text(f"学号,借阅册数,欠款\n{a},2.5,0\n")
    out = cli(env, f, "--kind", "library")
    assert out.returncode == 1 and cli_report(out.stdout) == report(result(r))


def workbook(rows, sheet="名单", id_as_number=False, extra_sheet=True):
    """An .xlsx file as a registrar's system writes it: strings, a number-typed student year,
    a date cell elsewhere; with id_as_number the ID column typed as a number (Excel keeps 15
    digits of it)."""
    import io
    import openpyxl
    wb = openpyxl.Workbook()
    if extra_sheet:
        wb.active.title = "说明"
        wb.active["A1"] = "第二张工作表是名单"
        ws = wb.create_sheet(sheet)
    else:
        ws = wb.active
        ws.title = sheet
    ws.append(HEADER_ZH.split(","))
    for r in rows:
        cells = r.split(",")
        cells[9] = int(cells[9])                                # 届 as a number cell
        if id_as_number:
            cells[4] = int(cells[4])
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_roster_through_the_page_and_the_command(httpd, env, tmp_path):
    content = workbook([row("2026810001", name="表格导入"), row("2026810002")])
    r = upload(httpd, content, name="roster.xlsx", sheet="名单")
    assert r.status_code == 200, r.text[-800:]
    imp = result(r)
    assert (imp.get("outcome"), imp.get("inserted"), imp.get("source")) == ("imported", "2", "xlsx")
    assert env.cluster.psql("SELECT name, (SELECT year FROM lx.cohort c WHERE c.id = s.cohort_id)"
                            " FROM lx.student s WHERE student_no = '2026810001'") \
        == [["表格导入", "2026"]]
    # the first sheet is not the roster: named, and the page says what sheets there are
    r = upload(httpd, content, name="roster.xlsx")
    assert r.status_code == 400
    # an 18-digit ID typed as a number lost digits: refused with the reason, masked
    bad = workbook([row("2026810003")], id_as_number=True, extra_sheet=False)
    r = upload(httpd, bad, name="roster.xlsx")
    items = report(result(r))
    assert r.status_code == 400 and len(items) == 1
    assert items[0][:2] == (2, "证件号码") and "15 位" in items[0][3]
    assert count(env, "student_no = '2026810003'") == 0
    f = tmp_path / "roster.xlsx"
    f.write_bytes(bad)
    c = cli(env, f)
    assert c.returncode == 1 and cli_report(c.stdout) == items
    f.write_bytes(workbook([row("2026810004")]))
    c = cli(env, f, "--sheet", "名单")
    assert c.returncode == 0, c.stdout + c.stderr
    assert count(env, "student_no = '2026810004'") == 1
