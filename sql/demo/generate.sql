-- sql/demo/generate.sql: deterministic demo data for mod_lixiao.
--
--   psql -X -v ON_ERROR_STOP=1 -v size=10500 -d lixiao -f sql/demo/generate.sql
--
-- -v class_size=N makes classes of about N students instead of 30 (the benchmark's batches of 40
-- need classes of 40).
--
-- Run by the superuser on a freshly migrated database (sql/001..005), in psql's autocommit mode
-- (not with -1 / --single-transaction: the chunked phases commit as they go).  `size` is the total
-- number of students of all cohorts (default 10500, at least 200).  The same size gives the same
-- data: every pseudo-random choice is a hash of a tag and the student number (lx_demo.u), never
-- random(); the serial ids are written explicitly.  Only the times that the database stamps itself
-- (lx.student.updated_at, lx.step_state.at / proposed_at, lx.event.at) are those of the run.
--
-- What it makes (DOMAIN.md):
--   cohorts 2026届本科 (ug), 2026届研究生 (pg) and the closed 2025届本科 (30 students, all in one
--   class of college 01, run through the season and closed at the end); 12 colleges (01-10
--   校本部, 11-12 潇湘学院); classes of about 30; dorm rooms of 4-6 students of one cohort, college
--   and gender, about 5% off campus; facts and feeder figures spread as in life; operators of
--   every point; states spread from untouched to fully cleared; nine fixed students (below).
--
-- States are written only through the one door of 002_change.sql: lx.sync_steps for everyone,
-- then lx.set_proposal (bank data of the source-area loan) and lx.change per step in batches (one
-- call per class, per dorm room (per floor above 200,000 students), or per chunk of at most 5000
-- students), each with the operator who would do it, so that lx.change checks scope, modes and
-- prerequisites as at the desk.  The request id of each call names its batch
-- ('demo-<step>-class<id>', '-room<id>', '-scope...', '-individual...').
--
-- Time on 2 cores, measured: 10,500 students about 25 s, 1,000,000 about 49 min
-- (with the live counters of 011; 22 min before them, 11 of those in lx.sync_steps).
--
-- Assumptions (documented choices, not in the seed):
--   * 2026届研究生 enables graduate_school's defence and project and, of the rest, party_transfer,
--     both national loans, library_books, library_deposit, student_card, source_loan, electricity,
--     dorm_items, switch_return, arrears, certificates, deferred_certificates.  Graduate students
--     have no league relation transfer and no teaching instruments in the demo (league_transfer and
--     instruments are not enabled; must_return_instruments is never set for them).
--   * 潇湘学院 (colleges 11-12, an independent college) has no graduate programme: graduate
--     students are spread over colleges 01-10 only.
--   * Both 2026 cohorts (and 2025) hand out diploma, degree, hukou and the deferred diploma and
--     degree; 报到证 (registration) is not issued since 2023.
--   * Student numbers have 10 digits: ug 2022 || college || seq 0001-9999, pg 2023 || college ||
--     seq 5001-9999, 2025届 2021 || college || seq.  When a college has more students than one
--     block holds (large sizes), the next block raises the leading year by 100 (ug 2122, 2222, ...;
--     pg 2123, 2223, ...): still 10 digits and unique (ug prefixes end in 22, pg in 23, 2025届 in
--     21), up to about 800,000 undergraduates and 400,000 graduates per college.
--   * Resident ID numbers are synthetic but valid (GB 11643-1999) and unique: an injective map of
--     each student's rank among students of the same gender onto (region, birth date 2000-2004,
--     sequence with the gender's parity).  A handful hold a passport ('E' + 8 digits) or a Hong
--     Kong / Macao / Taiwan residence permit (810000 / 820000 / 830000, valid check digit).
--   * Progress share per student: 15% untouched (only the feeds acted), 25% most steps done
--     (each people's step with probability 0.7), 40% all but one or two (feeder debts count
--     among those), 20% everything including certificates (their library and finance records are
--     clean).  The optional deposit refund is done by 30% / 50% / 80% of the last three groups.
--   * Feeder times lie in June of the graduation year (Asia/Shanghai); the generation itself is
--     stamped with the time of the run.
--   * Hashes use hashtextextended: identical on every little-endian machine (x86-64, arm64).
--
-- Fixed students (whatever the size; college 01 unless said):
--   2022010001 张明远  fully cleared: every applicable step done, certificates issued; in a dorm
--   2022010002 李思雨  library debt (3 loans, 12.50 fines): library_books, library_deposit and
--                      certificates pending, everything else done
--   2022010003 王建国  party member with national loans at 10534 and 12649: party_transfer and both
--                      loan confirmations pending, the other people's steps done
--   2022010004 刘晓峰  off campus: electricity and dorm_items pending, the rest (but certificates)
--                      done
--   2023015001 陈静怡  graduate student: defence done, project pending (everything else but the
--                      certificates done)
--   2022010005 杨子涵  certificates deferred: every non-certificate step done, certificates done,
--                      deferred_certificates pending
--   2022010006 赵海波  arrears 3500.00 unpaid (arrears pending), everything else but certificates
--                      done
--   2022010007 黄丽娟  source-area loan proposed by the bank (pre-ticked) and pending, everything
--                      else but certificates done
--   2022020001 周文博  college 02, partly done: league_transfer, instruments and student_card done,
--                      the rest pending

\set QUIET on
\if :{?class_size}
\else
\set class_size 30
\endif
\if :{?size}
\else
\set size 10500
\endif

SET ROLE lx_owner;
SET client_min_messages = warning;
SET TIME ZONE 'Asia/Shanghai';
-- thousands of short calls: compiling their plans costs more than it saves
SET jit = off;

\echo 'generate: base data'
BEGIN;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM lx.student) OR EXISTS (SELECT 1 FROM lx.cohort) THEN
        RAISE EXCEPTION 'generate.sql wants a freshly migrated database '
                        '(lx.student or lx.cohort is not empty)';
    END IF;
END;
$$;

DROP SCHEMA IF EXISTS lx_demo CASCADE;
CREATE SCHEMA lx_demo;

CREATE UNLOGGED TABLE lx_demo.param AS
SELECT :'size'::int AS size, 30 AS n_old, round(:'size'::int / 7.0)::int AS n_pg,
       :'class_size'::int AS class_size;

DO $$
BEGIN
    IF (SELECT size FROM lx_demo.param) < 200 THEN
        RAISE EXCEPTION 'size must be at least 200 (the fixed students need room)';
    END IF;
END;
$$;

-- A uniform number in [0, 1) from a tag and a key: 53 bits of hashtextextended.
CREATE FUNCTION lx_demo.u(tag text, key text) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ((hashtextextended(tag || '|' || key, 20260601) >> 11) & 9007199254740991)::float8
           / 9007199254740992.0
$$;

-- The character of a string that a uniform number in [0, 1) picks.
CREATE FUNCTION lx_demo.pick(chars text, u float8) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT substr(chars, floor(u * length(chars))::int + 1, 1)
$$;

-- n with at least w digits (lpad would cut longer numbers).
CREATE FUNCTION lx_demo.pad(n bigint, w int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lpad(n::text, greatest(w, length(n::text)), '0')
$$;

-- 17 digits and their GB 11643-1999 check character.
CREATE FUNCTION lx_demo.id18(p17 text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p17 || substr('10X98765432',
                         (SELECT sum((ascii(substr(p17, k, 1)) - 48)
                                     * (ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[k])
                            FROM generate_series(1, 17) AS k)::int % 11 + 1, 1)
$$;

-- ---------------------------------------------------------------------------------------------
-- Institutions, as an administrator creates them (each brings its national loan fact and step,
-- sql/functions/setup.sql): 校本部 gets id 1, 潇湘学院 id 2

DO $$
BEGIN
    PERFORM lx.admin_institution_save('lixiao-demo', '10534', '校本部');
    PERFORM lx.admin_institution_save('lixiao-demo', '12649', '潇湘学院');
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- Cohorts and the steps and certificates they enable

INSERT INTO lx.cohort (id, year, programme, name, closed) VALUES
    (1, 2026, 'ug', '2026届本科', false),
    (2, 2026, 'pg', '2026届研究生', false),
    (3, 2025, 'ug', '2025届本科', false);       -- closed at the end, after its season

INSERT INTO lx.cohort_step (cohort_id, step_id)
SELECT c.id, s.id
  FROM lx.cohort c
  JOIN lx.step s ON CASE c.programme
      WHEN 'ug' THEN s.code NOT IN ('refund', 'defence', 'project')
      -- graduates: no league relation transfer, no teaching instruments (assumption, see header)
      ELSE s.code IN ('defence', 'project', 'party_transfer', 'national_loan_10534',
                      'national_loan_12649', 'library_books', 'library_deposit', 'student_card',
                      'source_loan', 'electricity', 'dorm_items', 'switch_return', 'arrears',
                      'certificates', 'deferred_certificates') END
 ORDER BY c.id, s.id;

INSERT INTO lx.cohort_certificate (cohort_id, certificate)
SELECT c.id, x.code
  FROM lx.cohort c
 CROSS JOIN unnest(ARRAY['diploma', 'degree', 'hukou', 'deferred_diploma', 'deferred_degree'])
       AS x (code)
 ORDER BY c.id, x.code;

-- ---------------------------------------------------------------------------------------------
-- Colleges: weights of undergraduate and graduate enrolment, share of men, offices, the
-- surnames of the college's two operators, majors (class names)

CREATE UNLOGGED TABLE lx_demo.college_cfg (
    id int, code text, name text, short text, institution_id smallint, majors text[],
    pg_name text, w_ug int, w_pg int, male float8, office text, cert_office text,
    t_college text, t_cert text);
INSERT INTO lx_demo.college_cfg VALUES
    (1, '01', '计算机科学与工程学院', '计算机学院', 1, '{计科,软件,网络}', '计算机', 14, 16, 0.70,
     '逸夫楼 A203（学院办公室）', '逸夫楼 A201（学院教务办公室）', '王', '陈'),
    (2, '02', '机电工程学院', '机电学院', 1, '{机械,自动化,电气}', '机械', 12, 13, 0.80,
     '机电楼 312（学院办公室）', '机电楼 308（学院教务办公室）', '刘', '杨'),
    (3, '03', '土木工程学院', '土木学院', 1, '{土木,道桥,给排水}', '土木', 10, 11, 0.72,
     '土木楼 B105（学院办公室）', '土木楼 B107（学院教务办公室）', '张', '黄'),
    (4, '04', '化学化工学院', '化工学院', 1, '{化工,应化,制药}', '化学', 8, 11, 0.55,
     '化工楼 216（学院办公室）', '化工楼 218（学院教务办公室）', '赵', '吴'),
    (5, '05', '外国语学院', '外国语学院', 1, '{英语,日语,翻译}', '外语', 7, 6, 0.18,
     '外语楼 402（学院办公室）', '外语楼 405（学院教务办公室）', '周', '徐'),
    (6, '06', '数学与计算科学学院', '数学学院', 1, '{数学,信计,统计}', '数学', 7, 8, 0.52,
     '数学楼 301（学院办公室）', '数学楼 303（学院教务办公室）', '孙', '马'),
    (7, '07', '物理与电子科学学院', '物电学院', 1, '{物理,电信,光电}', '物理', 8, 10, 0.62,
     '物电楼 110（学院办公室）', '物电楼 112（学院教务办公室）', '朱', '胡'),
    (8, '08', '商学院', '商学院', 1, '{会计,金融,工商}', '工商管理', 10, 12, 0.38,
     '商学院楼 506（学院办公室）', '商学院楼 502（学院教务办公室）', '郭', '何'),
    (9, '09', '法学与公共管理学院', '法学院', 1, '{法学,行管,社工}', '法学', 7, 8, 0.36,
     '法学楼 207（学院办公室）', '法学楼 209（学院教务办公室）', '高', '林'),
    (10, '10', '人文学院', '人文学院', 1, '{汉语言,新闻,历史}', '中文', 6, 5, 0.26,
     '人文楼 318（学院办公室）', '人文楼 320（学院教务办公室）', '罗', '郑'),
    (11, '11', '材料科学与工程学院', '材料学院', 2, '{材料,冶金}', '材料', 6, 0, 0.70,
     '潇湘学院综合楼 605（学院办公室）', '潇湘学院综合楼 607（学院教务办公室）', '梁', '谢'),
    (12, '12', '建筑与艺术设计学院', '建艺学院', 2, '{建筑,环设,视传}', '设计', 5, 0, 0.45,
     '潇湘学院艺术楼 203（学院办公室）', '潇湘学院艺术楼 205（学院教务办公室）', '宋', '唐');

INSERT INTO lx.college (id, institution_id, code, name, office, cert_office)
SELECT id, institution_id, code, name, office, cert_office FROM lx_demo.college_cfg ORDER BY id;

-- ---------------------------------------------------------------------------------------------
-- Students per cohort and college (ord: 1 = 2026届本科, 2 = 2026届研究生, 3 = 2025届本科)

CREATE UNLOGGED TABLE lx_demo.grp AS
WITH w AS (
    SELECT c.*, sum(w_ug) OVER (ORDER BY id) AS cum_ug, sum(w_pg) OVER (ORDER BY id) AS cum_pg,
           sum(w_ug) OVER () AS tot_ug, sum(w_pg) OVER () AS tot_pg
      FROM lx_demo.college_cfg c
), n AS (
    SELECT size - n_pg - n_old AS n_ug, n_pg, n_old FROM lx_demo.param
)
SELECT 1 AS ord, 1 AS cohort_id, 'ug' AS prog, w.id AS college_id, w.code AS cc,
       (floor(n.n_ug::numeric * w.cum_ug / w.tot_ug)
        - floor(n.n_ug::numeric * (w.cum_ug - w.w_ug) / w.tot_ug))::int AS n
  FROM w, n
UNION ALL
SELECT 2, 2, 'pg', w.id, w.code,
       (floor(n.n_pg::numeric * w.cum_pg / w.tot_pg)
        - floor(n.n_pg::numeric * (w.cum_pg - w.w_pg) / w.tot_pg))::int
  FROM w, n
 WHERE w.w_pg > 0
UNION ALL
SELECT 3, 3, 'ug', 1, '01', n.n_old FROM n;

-- The fixed students: their facts, feeder figures and how far they got (applied below).
CREATE UNLOGGED TABLE lx_demo.fixed (
    no text, name text, gender char(1), id17 text, party bool, league bool, instr bool,
    source bool, nl_a bool, nl_b bool, switch bool, deferred bool, hukou bool, off_campus bool,
    lib_loans int, lib_fines numeric, arrears numeric,
    only_steps text[],          -- people's steps to do (NULL: all that apply)
    skip_steps text[],          -- people's steps to leave pending
    certs bool, deposit bool, propose bool);
INSERT INTO lx_demo.fixed VALUES
    ('2022010001', '张明远', 'M', '43010520040315031', false, true, false, false, false, false,
     false, false, true, false, 0, 0.00, 0.00, NULL, '{}', true, true, false),
    ('2022010002', '李思雨', 'F', '43010520031108042', false, true, false, false, false, false,
     false, false, false, false, 3, 12.50, 0.00, NULL, '{}', false, false, false),
    ('2022010003', '王建国', 'M', '43010520030521053', true, true, false, false, true, true,
     false, false, false, false, 0, 0.00, 0.00, NULL,
     '{party_transfer,national_loan_10534,national_loan_12649}', false, false, false),
    ('2022010004', '刘晓峰', 'M', '43010520040102071', false, true, false, false, false, false,
     false, false, false, true, 0, 0.00, 0.00, NULL, '{electricity,dorm_items}', false, false,
     false),
    ('2023015001', '陈静怡', 'F', '43010520010917084', false, false, false, false, false, false,
     false, false, false, false, 0, 0.00, 0.00, NULL, '{project}', false, false, false),
    ('2022010005', '杨子涵', 'F', '43010520040620026', false, true, false, false, false, false,
     false, true, true, false, 0, 0.00, 0.00, NULL, '{deferred_certificates}', true, true, false),
    ('2022010006', '赵海波', 'M', '43010520030830097', false, true, false, false, false, false,
     false, false, false, false, 0, 0.00, 3500.00, NULL, '{}', false, false, false),
    ('2022010007', '黄丽娟', 'F', '43010520041225068', false, true, false, true, false, false,
     false, false, false, false, 0, 0.00, 0.00, NULL, '{source_loan}', false, false, true),
    ('2022020001', '周文博', 'M', '43010520030412115', false, true, false, false, false, false,
     false, false, false, false, 0, 0.00, 0.00, '{league_transfer,instruments,student_card}',
     '{}', false, false, false);

-- Every student with every choice; sid is the student's id.
CREATE UNLOGGED TABLE lx_demo.s AS
WITH base AS (
    SELECT g.ord, g.cohort_id, g.prog, g.college_id, g.cc, g.n, k,
           greatest(1, round(g.n / (SELECT class_size FROM lx_demo.param)::numeric))::int AS ncls,
           CASE g.ord
               WHEN 1 THEN (2022 + 100 * ((k - 1) / 9999))::text || g.cc
                           || lpad(((k - 1) % 9999 + 1)::text, 4, '0')
               WHEN 2 THEN (2023 + 100 * ((k - 1) / 4999))::text || g.cc
                           || lpad((5001 + (k - 1) % 4999)::text, 4, '0')
               ELSE '2021' || g.cc || lpad(k::text, 4, '0')
           END AS no,
           c.male
      FROM lx_demo.grp g
      JOIN lx_demo.college_cfg c ON c.id = g.college_id
     CROSS JOIN generate_series(1, g.n) AS k
)
SELECT row_number() OVER (ORDER BY ord, college_id, k)::int AS sid,
       ord, cohort_id, prog, college_id, cc, k, no,
       ((k - 1) * ncls / n + 1)::int AS ci,
       CASE WHEN lx_demo.u('gender', no) < male THEN 'M' ELSE 'F' END::char(1) AS gender,
       NULL::text AS name,
       lx_demo.u('offcampus', no) < 0.05 AS off_campus,
       lx_demo.u('party', no) < CASE prog WHEN 'pg' THEN 0.35 ELSE 0.12 END AS party,
       lx_demo.u('league', no) < 0.75 AS league,
       prog = 'ug' AND lx_demo.u('instr', no) < 0.20 AS instr,
       -- a student has a national loan (18%) or a source-area loan (10%), not both
       lx_demo.u('loan', no) >= 0.18 AND lx_demo.u('loan', no) < 0.28 AS source,
       lx_demo.u('loan', no) < 0.18 AS nl,
       lx_demo.u('switch', no) < 0.03 AS switch,
       lx_demo.u('deferred', no) < 0.02 AS deferred,
       lx_demo.u('hukou', no) < 0.30 AS hukou,
       -- progress group: 0 untouched, 1 most done, 2 all but one or two, 3 everything
       CASE WHEN ord = 3 THEN CASE WHEN k IN (7, 19) THEN 2 ELSE 3 END
            WHEN lx_demo.u('progress', no) < 0.15 THEN 0
            WHEN lx_demo.u('progress', no) < 0.40 THEN 1
            WHEN lx_demo.u('progress', no) < 0.80 THEN 2
            ELSE 3 END AS g,
       false AS fixed,
       NULL::text AS id_type, NULL::text AS id_number,
       NULL::bool AS nl_a, NULL::bool AS nl_b,
       NULL::int AS lib_loans, NULL::numeric(10, 2) AS lib_fines, NULL::timestamptz AS lib_at,
       NULL::numeric(12, 2) AS arrears, NULL::timestamptz AS fin_at,
       NULL::int AS class_id, NULL::int AS dorm_room_id
  FROM base;

-- National loans: about 10% of holders at both institutions, the others at their college's
-- institution (a few at the other one: they transferred).
UPDATE lx_demo.s
   SET nl_a = nl AND (lx_demo.u('loanplace', no) < 0.10
                      OR (college_id <= 10) = (lx_demo.u('loanplace', no) < 0.975)),
       nl_b = nl AND (lx_demo.u('loanplace', no) < 0.10
                      OR (college_id > 10) = (lx_demo.u('loanplace', no) < 0.975));

-- Feeder figures: the library's record arrived for 95% (8% of them owe books or fines), the
-- finance office's for 97% (6% owe).  Students who cleared everything owe nothing.
UPDATE lx_demo.s
   SET (lib_loans, lib_fines, lib_at) = (
           SELECT CASE WHEN NOT rec THEN NULL
                       WHEN debt AND kind < 0.7 THEN 1 + floor(lx_demo.u('libloans', no) * 5)::int
                       ELSE 0 END,
                  CASE WHEN NOT rec THEN NULL WHEN debt AND kind >= 0.4
                       THEN 0.50 + floor(lx_demo.u('libfines', no) * 296) / 10.0 ELSE 0.00 END,
                  CASE WHEN rec THEN make_date(y, 6, 1) + time '08:00'
                       + make_interval(secs => floor(lx_demo.u('libat', no) * 28 * 86400)) END
             FROM (SELECT g = 3 OR lx_demo.u('librec', no) < 0.95 AS rec,
                          g <> 3 AND lx_demo.u('libdebt', no) < 0.08 AS debt,
                          lx_demo.u('libkind', no) AS kind,
                          CASE ord WHEN 3 THEN 2025 ELSE 2026 END AS y) x),
       (arrears, fin_at) = (
           SELECT CASE WHEN NOT rec THEN NULL
                       WHEN owes THEN 200 + floor(lx_demo.u('arrears', no) * 581) * 10
                       ELSE 0.00 END,
                  CASE WHEN rec THEN make_date(y, 6, 1) + time '08:00'
                       + make_interval(secs => floor(lx_demo.u('finat', no) * 28 * 86400)) END
             FROM (SELECT g = 3 OR lx_demo.u('finrec', no) < 0.97 AS rec,
                          g <> 3 AND lx_demo.u('owes', no) < 0.06 AS owes,
                          CASE ord WHEN 3 THEN 2025 ELSE 2026 END AS y) x);

-- Names: a surname (the more common ones more often) and one or two given-name characters.
UPDATE lx_demo.s
   SET name = lx_demo.pick('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董'
                           || '袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白'
                           || '邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
                            power(lx_demo.u('surname', no), 1.8))
              || CASE WHEN lx_demo.u('twochars', no) < 0.72 THEN
                     lx_demo.pick(CASE gender WHEN 'M' THEN '子文思一家俊志建明晓宇嘉天浩'
                                            ELSE '子文思一嘉晓梦雨诗欣佳可心雅' END,
                                  lx_demo.u('given1', no))
                 ELSE '' END
              || lx_demo.pick(CASE gender
                     WHEN 'M' THEN '伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳晨睿博文轩泽然昊天哲翔毅峰锋建志坤亮宏航'
                     ELSE '芳娜敏静丽艳娟霞燕玲婷雪慧颖琳洁倩晶欣怡萱悦佳梦雨璐瑶妍琪蕾丹萍红月莉菲露彤薇媛嘉诗涵思语馨可心晓蓉' END,
                     lx_demo.u('given2', no));

-- The fixed students.
UPDATE lx_demo.s s
   SET fixed = true, name = f.name, gender = f.gender,
       id_type = 'resident', id_number = lx_demo.id18(f.id17),
       party = f.party, league = f.league, instr = f.instr, source = f.source,
       nl = f.nl_a OR f.nl_b, nl_a = f.nl_a, nl_b = f.nl_b, switch = f.switch,
       deferred = f.deferred, hukou = f.hukou, off_campus = f.off_campus,
       lib_loans = f.lib_loans, lib_fines = f.lib_fines,
       lib_at = timestamptz '2026-06-08 10:20:00+08',
       arrears = f.arrears, fin_at = timestamptz '2026-06-05 16:00:00+08',
       g = -1
  FROM lx_demo.fixed f
 WHERE s.no = f.no;
DO $$
BEGIN
    IF (SELECT count(*) FROM lx_demo.s WHERE fixed) <> (SELECT count(*) FROM lx_demo.fixed) THEN
        RAISE EXCEPTION 'a fixed student number was not generated';
    END IF;
END;
$$;

-- Identity documents.  Resident IDs: rank r among the students of one gender, mapped
-- injectively (r * 1000003 + 7 mod 25 * 1827 * 499, the multiplier prime to the modulus) onto
-- region (25), birth date (1827 days of 2000-2004) and sequence (499 values with the gender's
-- parity: odd for men).  The fixed students use region 430105, which the map never yields.
UPDATE lx_demo.s s
   SET id_type = CASE WHEN x.pp THEN 'passport' WHEN x.hmt THEN 'hmt_permit' ELSE 'resident' END,
       id_number = CASE WHEN x.pp
           THEN 'E' || lpad(floor(lx_demo.u('passportno', s.no) * 1e8)::bigint::text, 8, '0')
           ELSE lx_demo.id18(
               CASE WHEN x.hmt THEN (ARRAY['810000', '820000', '830000'])[1 + (x.c % 3)::int]
                    ELSE (ARRAY['430102', '430103', '430104', '430111', '430121', '430202',
                                '430302', '430321', '430405', '430502', '430602', '430702',
                                '430802', '430902', '431002', '431102', '431202', '431302',
                                '360102', '420102', '440106', '450102', '510104', '520102',
                                '110101'])[1 + (x.c % 25)::int] END
               || to_char(date '2000-01-01' + ((x.c / 25) % 1827)::int, 'YYYYMMDD')
               || lpad(((x.c / (25 * 1827)) * 2 + CASE s.gender WHEN 'M' THEN 1 ELSE 2 END)::text,
                       3, '0')) END
  FROM (SELECT sid,
               (row_number() OVER (PARTITION BY gender ORDER BY sid) * 1000003::bigint + 7)
                   % (25 * 1827 * 499) AS c,
               lx_demo.u('passport', no) < 0.0005 AS pp,
               lx_demo.u('hmt', no) < 0.0005 AS hmt
          FROM lx_demo.s) x
 WHERE s.sid = x.sid AND NOT s.fixed;

-- ---------------------------------------------------------------------------------------------
-- Classes: about 30 students each, consecutive student numbers

CREATE UNLOGGED TABLE lx_demo.cls AS
SELECT row_number() OVER (ORDER BY x.ord, x.college_id, x.ci)::int AS id, x.*
  FROM (SELECT DISTINCT ord, cohort_id, college_id, cc, ci FROM lx_demo.s) x;

INSERT INTO lx.class (id, college_id, cohort_id, code, name)
SELECT k.id, k.college_id, k.cohort_id,
       CASE k.ord WHEN 1 THEN 'U' || k.cc || '-22' WHEN 2 THEN 'P' || k.cc || '-23'
                  ELSE 'U' || k.cc || '-21' END || lx_demo.pad(k.ci, 2),
       CASE k.ord
           WHEN 2 THEN c.pg_name || '2023级硕士' || k.ci || '班'
           ELSE c.majors[(k.ci - 1) % cardinality(c.majors) + 1]
                || CASE k.ord WHEN 1 THEN '22' ELSE '21' END
                || lx_demo.pad((k.ci - 1) / cardinality(c.majors) + 1, 2) || '班' END
  FROM lx_demo.cls k
  JOIN lx_demo.college_cfg c ON c.id = k.college_id
 ORDER BY k.id;

UPDATE lx_demo.s s SET class_id = k.id
  FROM lx_demo.cls k
 WHERE k.ord = s.ord AND k.college_id = s.college_id AND k.ci = s.ci;

-- ---------------------------------------------------------------------------------------------
-- Dorm rooms: the residents of one cohort, college and gender fill rooms in student-number order
-- (undergraduates up to 6 a room, graduates up to 5, balanced: mostly 5-6 and 4-5).  Buildings
-- hold 120 rooms (floors 1-6, rooms 01-20) of one programme and gender: undergraduate men first,
-- then undergraduate women, graduate men, graduate women.

CREATE UNLOGGED TABLE lx_demo.res AS
SELECT sid, ord, prog, college_id, gender,
       (r * nrooms / m)::int AS room_in_grp
  FROM (SELECT sid, ord, prog, college_id, gender,
               row_number() OVER w - 1 AS r,
               count(*) OVER w AS m,
               ceil(count(*) OVER w / CASE prog WHEN 'ug' THEN 6.0 ELSE 5.0 END)::int AS nrooms
          FROM lx_demo.s
         WHERE NOT off_campus
        WINDOW w AS (PARTITION BY ord, college_id, gender ORDER BY sid
                     ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) x;

CREATE UNLOGGED TABLE lx_demo.room AS
WITH r AS (
    SELECT DISTINCT prog, gender, ord, college_id, room_in_grp FROM lx_demo.res
), q AS (
    SELECT r.*,
           CASE prog WHEN 'ug' THEN 0 ELSE 2 END + CASE gender WHEN 'M' THEN 0 ELSE 1 END AS seg,
           row_number() OVER (PARTITION BY prog, gender ORDER BY ord, college_id, room_in_grp)
               - 1 AS q
      FROM r
), b AS (
    SELECT seg, ceil(count(*) / 120.0)::int AS nb FROM q GROUP BY seg
), off AS (
    SELECT seg, coalesce(sum(nb) OVER (ORDER BY seg ROWS BETWEEN UNBOUNDED PRECEDING
                                        AND 1 PRECEDING), 0)::int AS first FROM b
)
SELECT row_number() OVER (ORDER BY q.seg, q.q)::int AS id, q.*,
       (off.first + q.q / 120 + 1) || '栋' AS building,
       ((q.q % 120) / 20 + 1)::text || lpad((q.q % 20 + 1)::text, 2, '0') AS room
  FROM q JOIN off ON off.seg = q.seg;

INSERT INTO lx.dorm_room (id, building, room)
SELECT id, building, room FROM lx_demo.room ORDER BY id;

UPDATE lx_demo.s s SET dorm_room_id = m.id
  FROM lx_demo.res r
  JOIN lx_demo.room m ON m.ord = r.ord AND m.college_id = r.college_id
                     AND m.gender = r.gender AND m.room_in_grp = r.room_in_grp
 WHERE r.sid = s.sid;

-- ---------------------------------------------------------------------------------------------
-- The students and their national loans

INSERT INTO lx.student (id, student_no, name, gender, id_type, id_number, college_id, class_id,
                        cohort_id, dorm_room_id, party_member, league_member,
                        must_return_instruments, source_loan, borrowed_switch,
                        certificates_deferred, hukou_moved, library_loans, library_fines,
                        library_received_at, arrears, arrears_received_at)
SELECT sid, no, name, gender, id_type, id_number, college_id, class_id, cohort_id, dorm_room_id,
       party, league, instr, source, switch, deferred, hukou, lib_loans, lib_fines, lib_at,
       arrears, fin_at
  FROM lx_demo.s
 ORDER BY sid;

INSERT INTO lx.student_loan (student_id, institution_id)
SELECT sid, 1 FROM lx_demo.s WHERE nl_a
UNION ALL
SELECT sid, 2 FROM lx_demo.s WHERE nl_b
 ORDER BY 1, 2;

-- ---------------------------------------------------------------------------------------------
-- Operators

INSERT INTO lx.operator (login, name, is_admin, is_leader) VALUES
    ('admin', '系统管理员', true, false),
    ('leader', '校领导', false, true),
    ('deferral', '缓交办理员 钱芳', false, false),
    ('op_library', '图书馆 李明', false, false),
    ('op_student_affairs', '学生工作处 王芳', false, false),
    ('op_utilities', '水电通信中心 赵强', false, false),
    ('op_dorm', '宿管中心 孙丽华', false, false),
    ('op_network', '网络信息中心 周杰', false, false),
    ('op_finance', '财务处 吴敏', false, false),
    ('op_graduate', '研究生学院 郑华', false, false),
    ('op_academic', '教务处 冯雪', false, false);
INSERT INTO lx.operator (login, name)
SELECT 'op_college_' || code, short || ' ' || t_college || '老师' FROM lx_demo.college_cfg
UNION ALL
SELECT 'op_cert_' || code, short || ' ' || t_cert || '老师（证件）' FROM lx_demo.college_cfg
 ORDER BY 1;

INSERT INTO lx.operator_point (login, point_id, college_id)
SELECT x.login, p.id, NULL
  FROM (VALUES ('deferral', 'deferral'), ('op_library', 'library'),
               ('op_student_affairs', 'student_affairs'), ('op_utilities', 'utilities'),
               ('op_dorm', 'dorm'), ('op_network', 'network'), ('op_finance', 'finance'),
               ('op_graduate', 'graduate_school'), ('op_academic', 'academic_affairs'))
       AS x (login, point)
  JOIN lx.point p ON p.code = x.point
UNION ALL
-- the college operator works both college points (the point switcher); the certificate
-- operator only the certificate desk
SELECT x.login, p.id, c.id
  FROM lx_demo.college_cfg c
 CROSS JOIN LATERAL (VALUES ('op_college_' || c.code, 'college'),
                            ('op_college_' || c.code, 'college_cert'),
                            ('op_cert_' || c.code, 'college_cert')) AS x (login, point)
  JOIN lx.point p ON p.code = x.point
 ORDER BY 1, 2, 3;

-- the ids were written explicitly: move the sequences past them
DO $$
BEGIN
    PERFORM setval('lx.cohort_id_seq', (SELECT max(id) FROM lx.cohort));
    PERFORM setval('lx.college_id_seq', (SELECT max(id) FROM lx.college));
    PERFORM setval('lx.class_id_seq', (SELECT max(id) FROM lx.class));
    PERFORM setval('lx.dorm_room_id_seq', (SELECT max(id) FROM lx.dorm_room));
    PERFORM setval('lx.student_id_seq', (SELECT max(id) FROM lx.student));
END;
$$;

COMMIT;
ANALYZE lx.student, lx.student_loan, lx.class, lx.dorm_room, lx.cohort_step, lx_demo.s;

-- ---------------------------------------------------------------------------------------------
-- States: lx.sync_steps for everyone, in chunks of 5000, each chunk committed.

\echo 'generate: sync_steps'
CREATE PROCEDURE lx_demo.sync_all()
LANGUAGE plpgsql AS $$
DECLARE
    lo int;
BEGIN
    FOR lo IN SELECT generate_series(1, max(sid), 5000) FROM lx_demo.s LOOP
        PERFORM lx.sync_steps(ARRAY(SELECT id FROM lx.student
                                     WHERE id >= lo AND id < lo + 5000 ORDER BY id),
                              'system:import');
        COMMIT;
    END LOOP;
END;
$$;
-- lx.sync_steps joins its fresh (never analysed) temp table to lx.step_state: with hash or
-- merge joins allowed, the planner hashes or scans the whole of lx.step_state for every chunk once
-- it holds a few million rows (measured: the 1,000,000 run slowed down quadratically).  Index
-- nested loops keep each chunk's cost independent of the table's size; the same holds for the
-- batches of lx.change below.
SET enable_hashjoin = off;
SET enable_mergejoin = off;
CALL lx_demo.sync_all();
RESET enable_hashjoin;
RESET enable_mergejoin;
ANALYZE lx.step_state;

-- ---------------------------------------------------------------------------------------------
-- The plan: which people's steps each student has done.  Candidates are the pending steps that
-- people confirm (after sync_steps, every applicable one).

\echo 'generate: plan'
BEGIN;
CREATE UNLOGGED TABLE lx_demo.cand AS
SELECT ss.student_id, ss.step_id, st.code, st.optional, st.certificate, p.code AS point,
       s.no, s.g, s.fixed, s.cc, s.cohort_id, s.class_id, s.dorm_room_id, s.instr
  FROM lx.step_state ss
  JOIN lx.step st ON st.id = ss.step_id
  JOIN lx.point p ON p.id = st.point_id
  JOIN lx_demo.s s ON s.sid = ss.student_id
 WHERE ss.state = 'pending' AND st.automatic IS NULL;

CREATE UNLOGGED TABLE lx_demo.plan AS
WITH c AS (
    SELECT cand.*,
           -- group 2 leaves its k_left first steps (in a per-student random order) pending
           row_number() OVER (PARTITION BY student_id, optional OR certificate
                              ORDER BY lx_demo.u('left:' || code, no), code) AS lrank
      FROM lx_demo.cand
     WHERE NOT fixed
), k AS (
    SELECT sid,
           greatest(0, CASE WHEN lx_demo.u('kleft', no) < 0.5 THEN 1 ELSE 2 END
                       - CASE WHEN lib_at IS NULL OR lib_loans > 0 OR lib_fines > 0
                              THEN 1 ELSE 0 END
                       - CASE WHEN fin_at IS NULL OR arrears > 0 THEN 1 ELSE 0 END) AS k_left
      FROM lx_demo.s
     WHERE g = 2
)
SELECT c.student_id, c.step_id, c.code, c.point, c.no, c.cc, c.cohort_id, c.class_id,
       c.dorm_room_id, c.instr
  FROM c
  LEFT JOIN k ON k.sid = c.student_id
 WHERE CASE
           WHEN c.optional THEN lx_demo.u('deposit', c.no)
                                < CASE c.g WHEN 3 THEN 0.8 WHEN 2 THEN 0.5 WHEN 1 THEN 0.3
                                           ELSE 0 END
           WHEN c.certificate THEN c.g = 3
           WHEN c.g = 3 THEN true
           WHEN c.g = 2 THEN c.lrank > k.k_left
           WHEN c.g = 1 THEN lx_demo.u('most:' || c.code, c.no) < 0.7
           ELSE false
       END
UNION ALL
SELECT c.student_id, c.step_id, c.code, c.point, c.no, c.cc, c.cohort_id, c.class_id,
       c.dorm_room_id, c.instr
  FROM lx_demo.cand c
  JOIN lx_demo.fixed f ON f.no = c.no
 WHERE (f.only_steps IS NULL OR c.code = ANY (f.only_steps))
   AND NOT c.code = ANY (f.skip_steps)
   AND (NOT c.certificate OR f.certs)
   AND (NOT c.optional OR f.deposit);

-- How, by whom and in which batch each is confirmed.
CREATE UNLOGGED TABLE lx_demo.todo AS
WITH h AS (
    SELECT p.*,
           CASE
               WHEN code = 'party_transfer' THEN
                   CASE WHEN lx_demo.u('partyhow', no) < 0.7 THEN 'class' ELSE 'individual' END
               WHEN code IN ('league_transfer', 'student_card') THEN 'class'
               WHEN code = 'instruments' THEN
                   CASE WHEN instr THEN 'individual' ELSE 'scope' END
               WHEN code IN ('electricity', 'dorm_items') THEN
                   CASE WHEN dorm_room_id IS NOT NULL AND lx_demo.u('alone:' || code, no) >= 0.05
                        THEN 'dorm' ELSE 'individual' END
               WHEN code = 'certificates' THEN
                   CASE WHEN lx_demo.u('certhow', no) < 0.85 THEN 'class' ELSE 'individual' END
               ELSE 'individual'
           END AS how
      FROM lx_demo.plan p
), l AS (
    SELECT h.*,
           CASE point
               WHEN 'college' THEN 'op_college_' || cc
               -- certificates: class batches at the certificate desk; students who come alone
               -- are served by the college operator after switching points
               WHEN 'college_cert' THEN CASE how WHEN 'class' THEN 'op_cert_' ELSE 'op_college_' END
                                        || cc
               WHEN 'library' THEN 'op_library'
               WHEN 'student_affairs' THEN 'op_student_affairs'
               WHEN 'utilities' THEN 'op_utilities'
               WHEN 'dorm' THEN 'op_dorm'
               WHEN 'network' THEN 'op_network'
               WHEN 'graduate_school' THEN 'op_graduate'
               WHEN 'academic_affairs' THEN 'op_academic'
           END AS login
      FROM h
)
SELECT l.student_id, l.step_id, l.code, l.how, l.login,
       CASE l.how
           WHEN 'class' THEN 'class' || l.class_id
           -- a dorm batch is one room; above 200,000 students one floor (20 rooms) per call,
           -- which saves about 5 of the 26 minutes of the 1,000,000 run
           WHEN 'dorm' THEN CASE WHEN (SELECT size FROM lx_demo.param) > 200000
                                 THEN 'floor' || r.building || '-' || ((r.q % 120) / 20 + 1)
                                 ELSE 'room' || l.dorm_room_id END
           ELSE l.how || l.cohort_id || '-' || l.login || '-'
                || (row_number() OVER (PARTITION BY l.step_id, l.how, l.cohort_id, l.login
                                       ORDER BY l.student_id) - 1) / 5000
       END AS batch,
       CASE
           WHEN l.code = 'instruments' AND l.how = 'scope' THEN '无借用仪器，学院统一确认'
           WHEN l.code = 'instruments' THEN '仪器已归还'
           WHEN l.code IN ('electricity', 'dorm_items') AND l.how = 'individual' THEN '本人单独办理'
           WHEN l.code = 'certificates' AND l.how = 'individual' THEN '本人单独领取'
       END AS note
  FROM l
  LEFT JOIN lx_demo.room r ON r.id = l.dorm_room_id;
COMMIT;

-- ---------------------------------------------------------------------------------------------
-- Bank data proposes the source-area loan for the students whose repayment it saw: those the
-- office confirms below and about 60% of those it does not (still pending, pre-ticked).

\echo 'generate: proposals'
SELECT count(*) AS proposals
  FROM (SELECT ids FROM (
            SELECT s.sid / 5000 AS chunk, array_agg(s.sid ORDER BY s.sid) AS ids
              FROM lx_demo.s s
             WHERE s.source
               AND (CASE WHEN s.fixed THEN (SELECT propose FROM lx_demo.fixed f WHERE f.no = s.no)
                         ELSE lx_demo.u('bank', s.no) < 0.6 END
                    OR EXISTS (SELECT 1 FROM lx_demo.plan p
                                WHERE p.student_id = s.sid AND p.code = 'source_loan'))
             GROUP BY 1) c
         ORDER BY chunk) c
 CROSS JOIN LATERAL (SELECT lx.set_proposal((SELECT id FROM lx.step WHERE code = 'source_loan'),
                                            c.ids, true, 'system:bank')) x
\g /dev/null

-- ---------------------------------------------------------------------------------------------
-- The confirmations, step by step (gates first, then the certificate steps), each batch one call
-- of lx.change; each step committed.  Every outcome is counted: anything but ok is a plan error.

\echo 'generate: confirmations'
CREATE UNLOGGED TABLE lx_demo.outcome (step text, outcome text, detail text, n bigint);

CREATE PROCEDURE lx_demo.confirm_all()
LANGUAGE plpgsql AS $$
DECLARE
    st record;
    b record;
BEGIN
    FOR st IN SELECT s.id, s.code
                FROM lx.step s
                JOIN lx.point p ON p.id = s.point_id
               WHERE s.id IN (SELECT DISTINCT step_id FROM lx_demo.todo)
               ORDER BY s.certificate, s.requires_gates, p.sort, s.sort, s.id LOOP
        FOR b IN SELECT t.batch, t.how, t.login, t.note,
                        array_agg(t.student_id ORDER BY t.student_id) AS ids
                   FROM lx_demo.todo t
                  WHERE t.step_id = st.id
                  GROUP BY t.batch, t.how, t.login, t.note
                  ORDER BY min(t.student_id), t.batch LOOP
            INSERT INTO lx_demo.outcome (step, outcome, detail, n)
            SELECT st.code, r.outcome, r.detail, count(*)
              FROM lx.change('confirm', st.id, b.ids, b.how, b.login, b.note, NULL,
                             'demo-' || st.code || '-' || b.batch) r
             GROUP BY r.outcome, r.detail;
        END LOOP;
        COMMIT;
    END LOOP;
END;
$$;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
CALL lx_demo.confirm_all();
RESET enable_hashjoin;
RESET enable_mergejoin;

-- The deferral point has been at work: a dozen students with unpaid arrears (not the fixed
-- 2022010006, whose gate is the demo's to close) have their finance gate closed on a deferral
-- certificate (lx.set_override of 007, the deferral point's door).
DO $$
DECLARE
    r record;
    n integer := 0;
BEGIN
    FOR r IN SELECT s.student_no
               FROM lx.student s
               JOIN lx.cohort c ON c.id = s.cohort_id AND NOT c.closed
               JOIN lx.step_state ss ON ss.student_id = s.id AND ss.state = 'pending'
               JOIN lx.step st ON st.id = ss.step_id AND st.deferral_gate
              WHERE s.arrears > 0 AND s.student_no <> '2022010006'
              ORDER BY s.id LIMIT 12 LOOP
        n := n + 1;
        PERFORM lx.set_override(r.student_no, 'arrears', true, 'deferral',
                                format('缓交证明 HX-2026-%s', lpad(n::text, 3, '0')), NULL,
                                'demo-deferral-' || r.student_no);
    END LOOP;
END;
$$;

-- The 2025 cohort's season is over.
UPDATE lx.cohort SET closed = true WHERE id = 3;

-- ---------------------------------------------------------------------------------------------
-- Checks and summary

DO $$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(format('%s %s %s: %s', step, outcome, detail, n), '; ') INTO bad
      FROM lx_demo.outcome WHERE outcome <> 'ok';
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'lx.change refused planned confirmations: %', bad;
    END IF;
END;
$$;

\echo 'generate: students per cohort'
SELECT ch.name AS cohort, ch.programme, ch.closed, count(s.id) AS students,
       count(*) FILTER (WHERE s.dorm_room_id IS NULL) AS off_campus,
       count(*) FILTER (WHERE NOT EXISTS (
           SELECT 1 FROM lx.step_state ss JOIN lx.step st ON st.id = ss.step_id
            WHERE ss.student_id = s.id AND ss.state = 'pending' AND NOT st.optional))
           AS cleared
  FROM lx.cohort ch
  LEFT JOIN lx.student s ON s.cohort_id = ch.id
 GROUP BY ch.id, ch.name, ch.programme, ch.closed
 ORDER BY ch.id;

\echo 'generate: states'
SELECT state, count(*) AS states FROM lx.step_state GROUP BY state ORDER BY state;

\echo 'generate: events'
SELECT kind, count(*) AS events FROM lx.event GROUP BY kind ORDER BY kind;

DROP SCHEMA lx_demo CASCADE;
RESET ROLE;
