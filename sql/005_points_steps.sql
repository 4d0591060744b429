-- 005_points_steps: the reference data and the clearance points and steps of DOMAIN.md
-- (seed §2.1, §3).  Configuration, not code: administrators change names, places, rules and modes
-- later, and cohorts choose which steps they enable (demo data: sql/demo/).

INSERT INTO lx.institution (id, code, name) VALUES
    (1, '10534', '校本部'),
    (2, '12649', '潇湘学院');

INSERT INTO lx.programme (code, name) VALUES
    ('ug', '本科'),
    ('pg', '研究生');

INSERT INTO lx.id_type (code, name, checked) VALUES
    ('resident', '居民身份证', true),
    ('hmt_permit', '港澳台居民居住证', true),
    ('passport', '护照', false),
    ('other', '其他证件', false);

INSERT INTO lx.fact (code, name) VALUES
    ('party_member', '党员'),
    ('league_member', '团员'),
    ('must_return_instruments', '需归还教学仪器'),
    ('source_loan', '生源地助学贷款'),
    ('borrowed_switch', '借用交换机'),
    ('certificates_deferred', '暂缓发放两证'),
    ('hukou_moved', '户口已迁入学校'),
    ('dorm_resident', '在校住宿'),
    ('national_loan_10534', '国家助学贷款（校本部 10534）'),
    ('national_loan_12649', '国家助学贷款（潇湘学院 12649）');

INSERT INTO lx.point (code, name, scope, location, cert_desk, deferral, sort) VALUES
    ('college', '学院离校点', 'college', '', false, false, 10),
    ('library', '图书馆', 'programme', '图书馆一楼总服务台', false, false, 20),
    ('student_affairs', '学生工作处', 'programme', '行政楼 203 室', false, false, 30),
    ('utilities', '水电通信中心', 'programme', '后勤服务楼 105 室', false, false, 40),
    ('dorm', '宿管中心', 'programme', '学生公寓管理服务中心', false, false, 50),
    ('network', '网络信息中心', 'programme', '信息大楼 302 室', false, false, 60),
    ('finance', '财务处', 'programme', '行政楼 110 室（财务大厅）', false, false, 70),
    ('graduate_school', '研究生学院', 'programme', '研究生楼 408 室', false, false, 80),
    ('college_cert', '学院领取证件', 'college', '', true, false, 90),
    ('academic_affairs', '教务处', 'programme', '行政楼 318 室', false, false, 100),
    ('deferral', '缓交办理点', 'programme', '行政楼 112 室', false, true, 110);

INSERT INTO lx.point_programme (point_id, programme)
SELECT p.id, g.programme
  FROM lx.point p
  JOIN (VALUES ('college', 'ug'), ('college', 'pg'),
               ('library', 'ug'), ('library', 'pg'),
               ('student_affairs', 'ug'), ('student_affairs', 'pg'),
               ('utilities', 'ug'), ('utilities', 'pg'),
               ('dorm', 'ug'), ('dorm', 'pg'),
               ('network', 'ug'), ('network', 'pg'),
               ('finance', 'ug'), ('finance', 'pg'),
               ('graduate_school', 'pg'),
               ('college_cert', 'ug'), ('college_cert', 'pg'),
               ('academic_affairs', 'ug'), ('academic_affairs', 'pg'),
               ('deferral', 'ug'), ('deferral', 'pg')) AS g (point, programme)
    ON g.point = p.code;

-- columns: point, code, name, hint, sort, applies_when, modes, automatic, optional, gates,
-- requires_gates, certificate, proposable
INSERT INTO lx.step (point_id, code, name, hint, sort, applies_when, modes, automatic, optional,
                     gates, requires_gates, certificate, proposable)
SELECT p.id, v.code, v.name, v.hint, v.sort, v.applies_when::text[], v.modes::text[],
       v.automatic, v.optional, v.gates, v.requires_gates, v.certificate, v.proposable
  FROM (VALUES
    ('college', 'party_transfer', '党组织关系转出', '到学院领取党组织关系介绍信', 10,
     '{party_member}', '{individual,class}', NULL, false, true, false, false, false),
    ('college', 'league_transfer', '团组织关系转出', '由班级统一办理团组织关系转出', 20,
     '{league_member}', '{class}', NULL, false, true, false, false, false),
    ('college', 'instruments', '归还教学仪器', '借有教学仪器的须先归还，无需归还的由学院统一确认', 30,
     '{}', '{individual,class,scope}', NULL, false, true, false, false, false),
    ('college', 'national_loan_10534', '国家助学贷款还款确认（校本部 10534）',
     '先在国家开发银行系统中确认还款，再到学院确认', 40,
     '{national_loan_10534}', '{individual}', NULL, false, true, false, false, false),
    ('college', 'national_loan_12649', '国家助学贷款还款确认（潇湘学院 12649）',
     '先在国家开发银行系统中确认还款，再到学院确认', 41,
     '{national_loan_12649}', '{individual}', NULL, false, true, false, false, false),
    ('library', 'library_books', '图书归还',
     '借阅册数和欠费均为 0 时自动完成；否则到图书馆办理，结果自动同步', 10,
     '{}', '{}', 'library', false, true, false, false, false),
    ('library', 'library_deposit', '押金退还', '自愿办理，与离校无关', 20,
     '{}', '{individual}', NULL, true, false, false, false, false),
    ('student_affairs', 'student_card', '归还学生证', '学生证交班级负责人，由其统一上交', 10,
     '{}', '{class}', NULL, false, true, false, false, false),
    ('student_affairs', 'source_loan', '生源地助学贷款还款确认',
     '先在国家开发银行系统中确认还款，再由学生工作处确认', 20,
     '{source_loan}', '{individual}', NULL, false, true, false, false, true),
    ('utilities', 'electricity', '清理电费', '按寝室缴清电费；不在校住宿的单独办理', 10,
     '{}', '{dorm,individual}', NULL, false, true, false, false, false),
    ('dorm', 'dorm_items', '清理宿舍物品', '按寝室清理宿舍物品；不在校住宿的单独办理', 10,
     '{}', '{dorm,individual}', NULL, false, true, false, false, false),
    ('network', 'switch_return', '归还交换机', '归还向网络信息中心借用的交换机', 10,
     '{borrowed_switch}', '{individual}', NULL, false, true, false, false, false),
    ('finance', 'arrears', '缴清欠费',
     '欠费为 0 时自动完成；否则到财务处缴清，结果自动同步', 10,
     '{}', '{}', 'finance', false, true, false, false, false),
    ('finance', 'refund', '退费状态', '2017 年起取消', 20,
     '{}', '{class,individual}', NULL, false, true, false, false, false),
    ('graduate_school', 'defence', '毕业答辩结果确认', '答辩结果由研究生学院确认', 10,
     '{}', '{individual}', NULL, false, true, false, false, false),
    ('graduate_school', 'project', '项目结题等确认', '项目结题等材料由研究生学院确认', 20,
     '{}', '{individual}', NULL, false, true, false, false, false),
    ('college_cert', 'certificates', '领取"三证"和户口迁移证明',
     '完成以上全部离校业务后到学院领取', 10,
     '{}', '{class,individual}', NULL, false, false, true, true, false),
    ('academic_affairs', 'deferred_certificates', '暂缓发放两证',
     '毕业证或学位证暂缓发放的，清理相关事项后到教务处领取', 10,
     '{certificates_deferred}', '{individual}', NULL, false, false, true, true, false)
  ) AS v (point, code, name, hint, sort, applies_when, modes, automatic, optional, gates,
          requires_gates, certificate, proposable)
  JOIN lx.point p ON p.code = v.point;

UPDATE lx.step SET batch_unless = '{must_return_instruments}' WHERE code = 'instruments';

INSERT INTO lx.certificate (code, name, step_id, needs_fact, unless_fact, sort)
SELECT v.code, v.name, s.id, v.needs_fact, v.unless_fact, v.sort
  FROM (VALUES
    ('diploma', '毕业证书', 'certificates', NULL, 'certificates_deferred', 10),
    ('degree', '学位证书', 'certificates', NULL, 'certificates_deferred', 20),
    ('registration', '报到证', 'certificates', NULL, NULL, 30),
    ('hukou', '户口迁移证明', 'certificates', 'hukou_moved', NULL, 40),
    ('deferred_diploma', '毕业证书（暂缓发放）', 'deferred_certificates', NULL, NULL, 50),
    ('deferred_degree', '学位证书（暂缓发放）', 'deferred_certificates', NULL, NULL, 60)
  ) AS v (code, name, step, needs_fact, unless_fact, sort)
  JOIN lx.step s ON s.code = v.step;
