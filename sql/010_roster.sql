-- 010_roster: the roster import.  A CSV file, as universities export it from Excel, is copied
-- (COPY, in the importer's transaction) into lx.roster_stage under an import id, checked as a
-- whole (lx.roster_check: every bad cell with its line, column, value and the reason in
-- Chinese), and merged set-based (lx.roster_merge: insert or update by student number, then
-- lx.sync_steps for the states).  A file with any bad row imports nothing.  The module and the
-- command line (scripts/import-roster.sh) take the same path.
--
-- Columns, in this order (the header row may use the Chinese or the English names):
--   学号 student_no | 姓名 name | 性别 gender | 证件类型 id_type | 证件号码 id_number |
--   学院代码 college | 班级代码 class | 班级名称 class_name | 培养层次 programme | 届 year |
--   宿舍楼 building | 房间号 room | 党员 party_member | 团员 league_member |
--   需归还教学仪器 must_return_instruments | 校本部国家助学贷款 national_loan_10534 |
--   潇湘学院国家助学贷款 national_loan_12649 | 生源地助学贷款 source_loan |
--   借用交换机 borrowed_switch | 暂缓发放两证 certificates_deferred | 户口迁入学校 hukou_moved
--
-- The functions, views, triggers and grants it defined are in sql/functions/ (?.sql, export.sql,
-- feed.sql, grants.sql, roster.sql), which scripts/migrate.sh applies after the migrations.

CREATE UNLOGGED TABLE lx.roster_stage (
    import_id   text NOT NULL DEFAULT current_setting('lx.import_id'),
    seq         bigserial,
    student_no text, name text, gender text, id_type text, id_number text, college text,
    class text, class_name text, programme text, year text, building text, room text,
    party_member text, league_member text, must_return_instruments text,
    national_loan_10534 text, national_loan_12649 text, source_loan text, borrowed_switch text,
    certificates_deferred text, hukou_moved text
);
CREATE INDEX roster_stage_import_idx ON lx.roster_stage (import_id, seq);

CREATE TABLE lx.roster_column (
    pos     smallint PRIMARY KEY,
    name    text NOT NULL UNIQUE,       -- the staging column, the English header
    label   text NOT NULL UNIQUE        -- the Chinese header
);
INSERT INTO lx.roster_column VALUES
    (1, 'student_no', '学号'), (2, 'name', '姓名'), (3, 'gender', '性别'),
    (4, 'id_type', '证件类型'), (5, 'id_number', '证件号码'), (6, 'college', '学院代码'),
    (7, 'class', '班级代码'), (8, 'class_name', '班级名称'), (9, 'programme', '培养层次'),
    (10, 'year', '届'), (11, 'building', '宿舍楼'), (12, 'room', '房间号'),
    (13, 'party_member', '党员'), (14, 'league_member', '团员'),
    (15, 'must_return_instruments', '需归还教学仪器'),
    (16, 'national_loan_10534', '校本部国家助学贷款'),
    (17, 'national_loan_12649', '潇湘学院国家助学贷款'),
    (18, 'source_loan', '生源地助学贷款'), (19, 'borrowed_switch', '借用交换机'),
    (20, 'certificates_deferred', '暂缓发放两证'), (21, 'hukou_moved', '户口迁入学校');

-- ---- feed files ---------------------------------------------------------------------------
-- The library's, the finance office's and the bank's figures may also come as a CSV file
-- uploaded by an administrator: 学号,借阅册数,欠款 | 学号,欠费 | 学号,已还款 (header row first).
-- The rows become the same JSON document the push API takes, and lx.feed_apply checks and
-- applies it: one path for both.

CREATE UNLOGGED TABLE lx.feed_stage (
    import_id   text NOT NULL DEFAULT current_setting('lx.import_id'),
    seq         bigserial,
    c1 text, c2 text, c3 text
);
CREATE INDEX feed_stage_import_idx ON lx.feed_stage (import_id, seq);
