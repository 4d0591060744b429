<?xml version="1.0" encoding="UTF-8"?>
<!--
  admin.xsl (view="admin"): the administrator's pages, one tab at a time
  (GET {base}/admin?tab=operators|setup|steps|cohorts|events|import):
    操作人员      operators, their flags and their points (assign / unassign)
    学校与学院    institutions, colleges and classes (admin-setup.xsl)
    离校点与业务  points and steps: names, modes, who a step applies to, prerequisites
    届别          per cohort: which steps and certificates are enabled; archive; next year;
                  a new cohort from nothing; rename
    接口令牌      the API tokens: issue (shown once), last use, revoke (admin-tokens.xsl)
    导入名单      the roster and the feeds as files
    操作日志      the event log, searched by student, operator, point, step and dates
  <admin> holds flat lists; the keys below join them.
  Every change is a POST to {base}/admin/ACTION with csrf and rid of <admin>; a refused
  change answers with its tab again, the reason in <notice kind="error"> and the form as it
  was typed in <echo form="ACTION" field="value"/> (the forms that know it prefill from it).
  Provides mode="title" and mode="content" for layout.xsl (through layout-desk.xsl, for the
  notice template).
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:import href="layout-desk.xsl"/>
  <xsl:include href="admin-setup.xsl"/>
  <xsl:include href="admin-tokens.xsl"/>

  <xsl:key name="assign-by-login" match="/page/admin/assignment" use="@login"/>
  <xsl:key name="fact" match="/page/admin/fact" use="@code"/>
  <xsl:key name="cohort" match="/page/admin/cohort" use="@id"/>
  <xsl:key name="step" match="/page/admin/step" use="@code"/>
  <xsl:key name="step-by-point" match="/page/admin/step" use="@point"/>
  <xsl:key name="prereq-by-step" match="/page/admin/prereq" use="@step"/>
  <xsl:key name="cs-by-step" match="/page/admin/cohort-step" use="@step"/>
  <xsl:key name="cs" match="/page/admin/cohort-step" use="concat(@cohort, ' ', @step)"/>
  <xsl:key name="cc" match="/page/admin/cohort-certificate" use="concat(@cohort, ' ', @certificate)"/>

  <xsl:variable name="a" select="/page/admin"/>
  <xsl:variable name="tab">
    <xsl:choose>
      <xsl:when test="$a/@tab = 'steps' or $a/@tab = 'cohorts' or $a/@tab = 'events'
                      or $a/@tab = 'import' or $a/@tab = 'setup' or $a/@tab = 'tokens'">
        <xsl:value-of select="$a/@tab"/>
      </xsl:when>
      <xsl:otherwise>operators</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- csrf and rid: every admin POST form carries them. -->
  <xsl:template name="admin-hidden">
    <input type="hidden" name="csrf" value="{$a/@csrf}"/>
    <input type="hidden" name="rid" value="{$a/@rid}"/>
  </xsl:template>

  <xsl:template name="tab-label">
    <xsl:param name="t"/>
    <xsl:choose>
      <xsl:when test="$t = 'operators'">操作人员</xsl:when>
      <xsl:when test="$t = 'setup'">学校与学院</xsl:when>
      <xsl:when test="$t = 'steps'">离校点与业务</xsl:when>
      <xsl:when test="$t = 'cohorts'">届别</xsl:when>
      <xsl:when test="$t = 'tokens'">接口令牌</xsl:when>
      <xsl:when test="$t = 'events'">操作日志</xsl:when>
      <xsl:when test="$t = 'import'">导入名单</xsl:when>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="/page" mode="title">
    <xsl:text>系统管理 · </xsl:text>
    <xsl:call-template name="tab-label">
      <xsl:with-param name="t" select="$tab"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="/page" mode="content">
    <div class="page-head admin-head">
      <div>
        <h1>系统管理</h1>
        <p class="lead">
          <xsl:choose>
            <xsl:when test="$tab = 'operators'">管理操作人员的账号、身份和负责的离校点。</xsl:when>
            <xsl:when test="$tab = 'setup'">设置学校（校区）、学院和班级；不再使用的可以停用。</xsl:when>
            <xsl:when test="$tab = 'steps'">设置离校点、离校业务、办理方式、适用范围和前置业务。</xsl:when>
            <xsl:when test="$tab = 'cohorts'">设置每届启用的离校业务和发放的证件；离校结束后归档。</xsl:when>
            <xsl:when test="$tab = 'tokens'">签发、查看和吊销门户与各系统调用数据接口的令牌。</xsl:when>
            <xsl:when test="$tab = 'import'">从教务系统导出的 Excel（.xlsx）或 CSV 文件导入或更新毕业生名单。</xsl:when>
            <xsl:otherwise>按学生、操作人员、离校点、业务和日期查询操作记录。</xsl:otherwise>
          </xsl:choose>
        </p>
      </div>
    </div>

    <nav class="tabs" aria-label="管理功能">
      <xsl:call-template name="tab-link"><xsl:with-param name="t" select="'operators'"/></xsl:call-template>
      <xsl:call-template name="tab-link"><xsl:with-param name="t" select="'setup'"/></xsl:call-template>
      <xsl:call-template name="tab-link"><xsl:with-param name="t" select="'steps'"/></xsl:call-template>
      <xsl:call-template name="tab-link"><xsl:with-param name="t" select="'cohorts'"/></xsl:call-template>
      <xsl:call-template name="tab-link"><xsl:with-param name="t" select="'tokens'"/></xsl:call-template>
      <xsl:call-template name="tab-link"><xsl:with-param name="t" select="'events'"/></xsl:call-template>
      <xsl:call-template name="tab-link"><xsl:with-param name="t" select="'import'"/></xsl:call-template>
    </nav>

    <xsl:apply-templates select="$a/notice"/>

    <xsl:choose>
      <xsl:when test="$tab = 'setup'"><xsl:call-template name="setup-tab"/></xsl:when>
      <xsl:when test="$tab = 'steps'"><xsl:call-template name="steps-tab"/></xsl:when>
      <xsl:when test="$tab = 'cohorts'"><xsl:call-template name="cohorts-tab"/></xsl:when>
      <xsl:when test="$tab = 'tokens'"><xsl:call-template name="tokens-tab"/></xsl:when>
      <xsl:when test="$tab = 'events'"><xsl:call-template name="events-tab"/></xsl:when>
      <xsl:when test="$tab = 'import'"><xsl:call-template name="import-tab"/></xsl:when>
      <xsl:otherwise><xsl:call-template name="operators-tab"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Import: the upload form (multipart: the only one), then the report of the last file. -->
  <xsl:template name="import-tab">
    <xsl:variable name="imp" select="$a/import"/>
    <xsl:if test="$imp">
      <section class="card import-result" aria-labelledby="h-import-result">
        <h2 id="h-import-result">
          <xsl:choose>
            <xsl:when test="$imp/@outcome = 'imported'">导入完成</xsl:when>
          <xsl:when test="$imp/@outcome = 'fed'">数据已同步</xsl:when>
            <xsl:otherwise>未导入</xsl:otherwise>
          </xsl:choose>
        </h2>
        <xsl:choose>
          <xsl:when test="$imp/@outcome = 'fed'">
            <p class="notice notice-ok">
              <xsl:value-of select="$imp/@message"/>
              <xsl:text>离校业务状态变更 </xsl:text><b><xsl:value-of select="$imp/@states"/></b>
              <xsl:text> 项。</xsl:text>
            </p>
          </xsl:when>
          <xsl:when test="$imp/@outcome = 'imported'">
            <p class="notice notice-ok">
              <xsl:text>新增 </xsl:text><b><xsl:value-of select="$imp/@inserted"/></b>
              <xsl:text> 名，更新 </xsl:text><b><xsl:value-of select="$imp/@updated"/></b>
              <xsl:text> 名，无变化 </xsl:text><b><xsl:value-of select="$imp/@unchanged"/></b>
              <xsl:text> 名；离校业务状态建立或变更 </xsl:text><b><xsl:value-of select="$imp/@states"/></b>
              <xsl:text> 项。</xsl:text>
            </p>
          </xsl:when>
          <xsl:otherwise>
            <p class="notice notice-error"><xsl:value-of select="$imp/@message"/></p>
          </xsl:otherwise>
        </xsl:choose>
        <xsl:if test="$imp/problem">
          <p>共 <b><xsl:value-of select="count($imp/problem)"/></b> 处问题，请在文件中改正后重新导入：</p>
          <div class="table-wrap">
            <table class="list import-problems">
              <thead>
                <tr><th scope="col">行</th><th scope="col">列</th><th scope="col">内容</th><th scope="col">原因</th></tr>
              </thead>
              <tbody>
                <xsl:for-each select="$imp/problem">
                  <tr>
                    <td class="mono"><xsl:value-of select="@line"/></td>
                    <td><xsl:value-of select="@col"/></td>
                    <td class="mono"><xsl:value-of select="@value"/></td>
                    <td><xsl:value-of select="@reason"/></td>
                  </tr>
                </xsl:for-each>
              </tbody>
            </table>
          </div>
        </xsl:if>
      </section>
    </xsl:if>
    <section class="card" aria-labelledby="h-import">
      <h2 id="h-import">上传名单文件</h2>
      <form method="post" action="{$base}/admin/import" enctype="multipart/form-data"
            class="import-form" data-progress="1">
        <xsl:call-template name="admin-hidden"/>
        <p>
          <label for="import-file">CSV 或 Excel 文件</label>
          <input type="file" id="import-file" name="file" required="required"
                 accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"/>
        </p>
        <p>
          <label for="import-sheet">工作表</label>
          <input type="text" id="import-sheet" name="sheet" maxlength="31" placeholder="留空为第一张"/>
          <span class="muted small">（仅 Excel 文件）</span>
        </p>
        <p>
          <label for="import-encoding">文件编码</label>
          <select id="import-encoding" name="encoding" aria-describedby="import-encoding-note">
            <option value="auto">自动识别（UTF-8 或 GB18030）</option>
            <option value="utf-8">UTF-8（Excel“CSV UTF-8”）</option>
            <option value="gb18030">GB18030 / GBK（Excel“CSV（逗号分隔）”）</option>
          </select>
          <span id="import-encoding-note" class="muted small">（仅 CSV；Excel 文件无需选择）</span>
        </p>
        <p><button type="submit" class="submit">导入</button>
          <span class="import-progress muted" hidden="hidden">正在上传并检查，请稍候……</span></p>
      </form>
      <h3>同步图书馆、财务处、银行数据</h3>
      <p class="muted small">各系统也可通过数据接口推送（见 docs/integration.md）。文件第一行为表头：图书馆为“学号,借阅册数,欠款”，财务处为“学号,欠费”，银行为“学号,已还款”（是/否）。有任何一条不符合要求时整个文件都不生效。</p>
      <form method="post" action="{$base}/admin/feed" enctype="multipart/form-data"
            class="import-form" data-progress="1">
        <xsl:call-template name="admin-hidden"/>
        <p>
          <label for="feed-purpose">数据来源</label>
          <select id="feed-purpose" name="purpose">
            <option value="library">图书馆（借阅册数、欠款）</option>
            <option value="finance">财务处（欠费）</option>
            <option value="bank">银行（生源地助学贷款还款）</option>
          </select>
        </p>
        <p>
          <label for="feed-file">CSV 或 Excel 文件</label>
          <input type="file" id="feed-file" name="file" required="required"
                 accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"/>
        </p>
        <p>
          <label for="feed-encoding">文件编码</label>
          <select id="feed-encoding" name="encoding">
            <option value="auto">自动识别（UTF-8 或 GB18030）</option>
            <option value="utf-8">UTF-8</option>
            <option value="gb18030">GB18030 / GBK</option>
          </select>
        </p>
        <p><button type="submit" class="submit">同步</button>
          <span class="import-progress muted" hidden="hidden">正在上传并检查，请稍候……</span></p>
      </form>
      <h3>导出</h3>
      <p>全校已办结（全部必办业务已完成）学生名单：
        <a href="{$base}/admin/export?kind=cleared">CSV（UTF-8）</a> ·
        <a href="{$base}/admin/export?kind=cleared&amp;enc=gb18030">CSV（GB18030）</a> ·
        <a href="{$base}/admin/export?kind=cleared&amp;format=xlsx">导出 Excel</a>。
        按学院或班级导出时加参数 <code>college=学院代码</code>、<code>class=班级代码</code>；
        各离校点未办名单在操作台的实时统计中导出。</p>
      <h3>文件格式</h3>
      <p class="muted small">第一行为表头，共 <xsl:value-of select="count($a/column)"/> 列，顺序如下（可用中文或英文列名）；按学号新增或更新。有任何一行不符合要求时整个文件都不导入，并列出每一处问题。是否类的列填“是”或“否”（也可为 1/0、Y/N，空为否）。每个学校一列“国家助学贷款”（随“学校与学院”中的学校而定），可以省略：省略的列不改变已登记的贷款。</p>
      <p class="mono small roster-header">
        <xsl:for-each select="$a/column">
          <xsl:value-of select="@label"/>
          <xsl:if test="position() != last()">,</xsl:if>
        </xsl:for-each>
      </p>
    </section>
  </xsl:template>

  <xsl:template name="tab-link">
    <xsl:param name="t"/>
    <a href="{$base}/admin?tab={$t}">
      <xsl:choose>
        <xsl:when test="$t = $tab">
          <xsl:attribute name="class">tab current</xsl:attribute>
          <xsl:attribute name="aria-current">page</xsl:attribute>
        </xsl:when>
        <xsl:otherwise>
          <xsl:attribute name="class">tab</xsl:attribute>
        </xsl:otherwise>
      </xsl:choose>
      <xsl:call-template name="tab-label">
        <xsl:with-param name="t" select="$t"/>
      </xsl:call-template>
    </a>
  </xsl:template>

  <!-- A space-separated list of fact codes or mode codes, in words, joined with "、". -->
  <xsl:template name="words">
    <xsl:param name="list"/>
    <xsl:param name="kind"/>
    <xsl:param name="first" select="true()"/>
    <xsl:variable name="l" select="normalize-space($list)"/>
    <xsl:if test="$l != ''">
      <xsl:variable name="w" select="substring-before(concat($l, ' '), ' ')"/>
      <xsl:if test="not($first)">、</xsl:if>
      <xsl:choose>
        <xsl:when test="$kind = 'fact'">
          <xsl:variable name="f" select="key('fact', $w)"/>
          <xsl:choose>
            <xsl:when test="$f"><xsl:value-of select="$f/@name"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="$w"/></xsl:otherwise>
          </xsl:choose>
        </xsl:when>
        <xsl:otherwise>
          <xsl:call-template name="how-label">
            <xsl:with-param name="how" select="$w"/>
          </xsl:call-template>
        </xsl:otherwise>
      </xsl:choose>
      <xsl:call-template name="words">
        <xsl:with-param name="list" select="substring-after($l, ' ')"/>
        <xsl:with-param name="kind" select="$kind"/>
        <xsl:with-param name="first" select="false()"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- ==================================================================== -->
  <!-- 操作人员                                                              -->
  <!-- ==================================================================== -->
  <xsl:template name="operators-tab">
    <xsl:variable name="ops" select="$a/operator"/>
    <div class="grid-2 admin-top">
      <!-- Add an operator. -->
      <section class="card" aria-labelledby="h-add-op">
        <h2 id="h-add-op">添加操作人员</h2>
        <form method="post" action="{$base}/admin/operator" class="admin-form">
          <xsl:call-template name="admin-hidden"/>
          <div class="field">
            <label for="new-login">登录名</label>
            <input type="text" id="new-login" name="login" required="required" autocomplete="off"
                   spellcheck="false" aria-describedby="new-login-hint"/>
            <p id="new-login-hint" class="field-hint">与统一身份认证的账号一致；填写已有的登录名则修改该账号。</p>
          </div>
          <div class="field">
            <label for="new-name">姓名</label>
            <input type="text" id="new-name" name="name" required="required" autocomplete="off"
                   placeholder="如：计算机学院 王老师"/>
          </div>
          <fieldset class="checks">
            <legend>身份</legend>
            <label class="check"><input type="checkbox" name="is_admin" value="1"/> 管理员</label>
            <label class="check"><input type="checkbox" name="is_leader" value="1"/> 校领导（查看统计）</label>
            <label class="check"><input type="checkbox" name="active" value="1" checked="checked"/> 启用</label>
          </fieldset>
          <div class="form-actions"><button type="submit">添加</button></div>
        </form>
      </section>

      <!-- Assign a point (and a college for college-scoped points). -->
      <section class="card" aria-labelledby="h-assign">
        <h2 id="h-assign">分配离校点</h2>
        <form method="post" action="{$base}/admin/assign" class="admin-form">
          <xsl:call-template name="admin-hidden"/>
          <div class="field">
            <label for="as-login">操作人员</label>
            <select id="as-login" name="login" required="required">
              <option value="">请选择操作人员</option>
              <xsl:for-each select="$ops">
                <option value="{@login}">
                  <xsl:value-of select="@name"/>
                  <xsl:text>（</xsl:text><xsl:value-of select="@login"/><xsl:text>）</xsl:text>
                  <xsl:if test="@active = '0'">，已停用</xsl:if>
                </option>
              </xsl:for-each>
            </select>
          </div>
          <div class="field">
            <label for="as-point">离校点</label>
            <select id="as-point" name="point" required="required">
              <option value="">请选择离校点</option>
              <xsl:for-each select="$a/point">
                <option value="{@code}">
                  <xsl:value-of select="@name"/>
                  <xsl:if test="@scope = 'college'">（按学院，须选学院）</xsl:if>
                </option>
              </xsl:for-each>
            </select>
          </div>
          <div class="field">
            <label for="as-college">学院</label>
            <select id="as-college" name="college" aria-describedby="as-college-hint">
              <option value="">不选（全校性离校点）</option>
              <xsl:for-each select="$a/college">
                <option value="{@code}"><xsl:value-of select="@name"/></option>
              </xsl:for-each>
            </select>
            <p id="as-college-hint" class="field-hint">
              <xsl:text>只有按学院划分服务范围的离校点（</xsl:text>
              <xsl:for-each select="$a/point[@scope = 'college']">
                <xsl:value-of select="@name"/>
                <xsl:if test="position() != last()">、</xsl:if>
              </xsl:for-each>
              <xsl:text>）需要选择学院；其他离校点请选“不选”。</xsl:text>
            </p>
          </div>
          <div class="form-actions"><button type="submit">分配</button></div>
        </form>
      </section>
    </div>

    <section class="card" aria-labelledby="h-ops">
      <div class="card-head">
        <h2 id="h-ops">
          <xsl:text>操作人员</xsl:text>
          <span class="h-sub">
            <xsl:text>共 </xsl:text><xsl:value-of select="count($ops)"/><xsl:text> 人</xsl:text>
            <xsl:if test="$ops[@active = '0']">
              <xsl:text>，其中停用 </xsl:text><xsl:value-of select="count($ops[@active = '0'])"/><xsl:text> 人</xsl:text>
            </xsl:if>
          </span>
        </h2>
      </div>
      <xsl:choose>
        <xsl:when test="$ops">
          <div class="table-wrap">
            <table class="list operators cards">
              <thead>
                <tr>
                  <th scope="col">登录名</th>
                  <th scope="col">姓名</th>
                  <th scope="col">身份</th>
                  <th scope="col">负责的离校点</th>
                  <th scope="col">修改 / 删除</th>
                </tr>
              </thead>
              <tbody>
                <xsl:apply-templates select="$ops" mode="row"/>
              </tbody>
            </table>
          </div>
        </xsl:when>
        <xsl:otherwise>
          <p class="muted">还没有操作人员，请在上方添加。</p>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <xsl:template match="operator" mode="row">
    <xsl:variable name="id" select="concat('op', position())"/>
    <xsl:variable name="self" select="@login = /page/@user"/>
    <xsl:variable name="asg" select="key('assign-by-login', @login)"/>
    <tr>
      <xsl:if test="@active = '0'">
        <xsl:attribute name="class">row-inactive</xsl:attribute>
      </xsl:if>
      <td data-label="登录名" class="mono"><xsl:value-of select="@login"/></td>
      <th scope="row">
        <span class="name"><xsl:value-of select="@name"/></span>
        <xsl:if test="$self">
          <xsl:text> </xsl:text><span class="tag tag-here">本人</span>
        </xsl:if>
      </th>
      <td data-label="身份" class="c-badges">
        <xsl:if test="@is-admin = '1'"><span class="badge badge-admin">管理员</span><xsl:text> </xsl:text></xsl:if>
        <xsl:if test="@is-leader = '1'"><span class="badge badge-leader">校领导</span><xsl:text> </xsl:text></xsl:if>
        <xsl:if test="@active = '0'"><span class="badge badge-inactive">停用</span></xsl:if>
        <xsl:if test="not(@is-admin = '1' or @is-leader = '1' or @active = '0')">
          <span class="muted small">操作人员</span>
        </xsl:if>
      </td>
      <td data-label="负责的离校点">
        <xsl:choose>
          <xsl:when test="$asg">
            <ul class="assign-list">
              <xsl:for-each select="$asg">
                <li>
                  <span class="assign-name">
                    <xsl:value-of select="@point-name"/>
                    <xsl:if test="@college-name">
                      <span class="muted"><xsl:text> · </xsl:text><xsl:value-of select="@college-name"/></span>
                    </xsl:if>
                  </span>
                  <form method="post" action="{$base}/admin/unassign" class="inline-form">
                    <xsl:call-template name="admin-hidden"/>
                    <input type="hidden" name="login" value="{@login}"/>
                    <input type="hidden" name="point" value="{@point}"/>
                    <xsl:if test="@college">
                      <input type="hidden" name="college" value="{@college}"/>
                    </xsl:if>
                    <button type="submit" class="link-button">
                      <xsl:text>取消</xsl:text>
                      <span class="vh">
                        <xsl:text>：</xsl:text><xsl:value-of select="@point-name"/>
                        <xsl:if test="@college-name"><xsl:text> · </xsl:text><xsl:value-of select="@college-name"/></xsl:if>
                      </span>
                    </button>
                  </form>
                </li>
              </xsl:for-each>
            </ul>
          </xsl:when>
          <xsl:when test="@is-admin = '1' or @is-leader = '1'">
            <span class="muted small">无（不需要离校点也可使用）</span>
          </xsl:when>
          <xsl:otherwise>
            <span class="warn small">未分配离校点，登录后无法办理业务</span>
          </xsl:otherwise>
        </xsl:choose>
      </td>
      <td class="c-edit">
        <details class="more">
          <summary>修改<span class="vh"><xsl:text> </xsl:text><xsl:value-of select="@name"/></span></summary>
          <form method="post" action="{$base}/admin/operator" class="admin-form small-form">
            <xsl:call-template name="admin-hidden"/>
            <input type="hidden" name="login" value="{@login}"/>
            <div class="field">
              <label for="{$id}-name">姓名</label>
              <input type="text" id="{$id}-name" name="name" required="required" value="{@name}"
                     autocomplete="off"/>
            </div>
            <fieldset class="checks">
              <legend>身份</legend>
              <label class="check">
                <input type="checkbox" name="is_admin" value="1">
                  <xsl:if test="@is-admin = '1'"><xsl:attribute name="checked">checked</xsl:attribute></xsl:if>
                </input>
                <xsl:text> 管理员</xsl:text>
              </label>
              <label class="check">
                <input type="checkbox" name="is_leader" value="1">
                  <xsl:if test="@is-leader = '1'"><xsl:attribute name="checked">checked</xsl:attribute></xsl:if>
                </input>
                <xsl:text> 校领导</xsl:text>
              </label>
              <label class="check">
                <input type="checkbox" name="active" value="1">
                  <xsl:if test="@active = '1'"><xsl:attribute name="checked">checked</xsl:attribute></xsl:if>
                </input>
                <xsl:text> 启用</xsl:text>
              </label>
            </fieldset>
            <xsl:if test="$self">
              <p class="field-hint">这是您本人的账号：取消“管理员”或“启用”后，您将不能再进入本页面。</p>
            </xsl:if>
            <div class="form-actions"><button type="submit" class="small">保存</button></div>
          </form>
          <xsl:choose>
            <xsl:when test="$self">
              <div class="small-form delete-form">
                <button type="button" class="danger small" disabled="disabled"
                        aria-describedby="{$id}-nodel">删除此操作人员</button>
                <p id="{$id}-nodel" class="why-disabled">不能删除当前登录的本人账号。</p>
              </div>
            </xsl:when>
            <xsl:otherwise>
              <form method="post" action="{$base}/admin/operator-delete" class="admin-form small-form delete-form"
                    data-confirm="确定删除操作人员“{@name}”（{@login}）吗？">
                <xsl:call-template name="admin-hidden"/>
                <input type="hidden" name="login" value="{@login}"/>
                <button type="submit" class="danger small">删除此操作人员</button>
                <p class="field-hint">删除后该账号不能再登录；只是暂时不用时，取消勾选“启用”即可。</p>
              </form>
            </xsl:otherwise>
          </xsl:choose>
        </details>
      </td>
    </tr>
  </xsl:template>

  <!-- ==================================================================== -->
  <!-- 离校点与业务                                                          -->
  <!-- ==================================================================== -->
  <xsl:template name="steps-tab">
    <section class="card legend" aria-labelledby="h-legend">
      <h2 id="h-legend">说明</h2>
      <ul class="legend-list small">
        <li><span class="tag tag-gates">前置门槛</span>须完成后才能领取证件（有欠费、借书等未清的学生不能领证）。</li>
        <li><span class="tag tag-reqgates">需全部前置完成</span>证件业务：须先完成全部“前置门槛”业务。</li>
        <li><span class="tag tag-deferral">可缓交</span>缓交办理点可为个别学生关闭此项限制。</li>
        <li><span class="tag tag-optional">自愿</span>不计入离校；<span class="tag tag-cert">证件</span>发放证件的业务。</li>
        <li>设置前置业务时不能形成循环（甲须先办乙、乙又须先办甲），系统会拒绝保存。</li>
        <li>每届启用哪些业务，在“<a href="{$base}/admin?tab=cohorts">届别</a>”中设置。</li>
      </ul>
    </section>

    <nav class="point-index" aria-label="离校点目录">
      <xsl:for-each select="$a/point">
        <a href="#point-{@code}"><xsl:value-of select="@name"/></a>
      </xsl:for-each>
    </nav>

    <xsl:apply-templates select="$a/point" mode="steps"/>
  </xsl:template>

  <xsl:template match="point" mode="steps">
    <xsl:variable name="steps" select="key('step-by-point', @code)"/>
    <section class="card apoint" id="point-{@code}" aria-labelledby="h-point-{@code}">
      <div class="card-head">
        <h2 id="h-point-{@code}">
          <xsl:value-of select="@name"/>
          <span class="h-sub mono"><xsl:value-of select="@code"/></span>
        </h2>
        <span>
          <xsl:choose>
            <xsl:when test="@scope = 'college'"><span class="badge">按学院划分</span></xsl:when>
            <xsl:otherwise><span class="badge">全校（按培养层次）</span></xsl:otherwise>
          </xsl:choose>
          <xsl:if test="@deferral = '1'">
            <xsl:text> </xsl:text><span class="badge badge-deferral">缓交办理点</span>
          </xsl:if>
        </span>
      </div>
      <p class="small">
        <xsl:choose>
          <xsl:when test="normalize-space(@location) != ''">
            <span class="where"><xsl:value-of select="@location"/></span>
          </xsl:when>
          <xsl:otherwise><span class="muted">未填写地点</span></xsl:otherwise>
        </xsl:choose>
      </p>
      <details class="more">
        <summary>修改离校点名称和地点</summary>
        <form method="post" action="{$base}/admin/point" class="admin-form small-form">
          <xsl:call-template name="admin-hidden"/>
          <input type="hidden" name="code" value="{@code}"/>
          <div class="field-row">
            <div class="field">
              <label for="pt-{@code}-name">名称</label>
              <input type="text" id="pt-{@code}-name" name="name" required="required" value="{@name}"/>
            </div>
            <div class="field">
              <label for="pt-{@code}-loc">地点</label>
              <input type="text" id="pt-{@code}-loc" name="location" value="{@location}"
                     placeholder="如：行政楼 203 室"/>
            </div>
          </div>
          <div class="form-actions"><button type="submit" class="small">保存</button></div>
        </form>
      </details>

      <xsl:choose>
        <xsl:when test="$steps">
          <ol class="asteps">
            <xsl:apply-templates select="$steps" mode="admin"/>
          </ol>
        </xsl:when>
        <xsl:when test="@deferral = '1'">
          <p class="muted small">此离校点不办理离校业务，只调整“可缓交”业务的限制。</p>
        </xsl:when>
        <xsl:otherwise>
          <p class="muted small">此离校点还没有离校业务。</p>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <xsl:template match="step" mode="admin">
    <xsl:variable name="code" select="@code"/>
    <xsl:variable name="pre" select="key('prereq-by-step', @code)"/>
    <xsl:variable name="cs" select="key('cs-by-step', @code)"/>
    <xsl:variable name="when" select="concat(' ', normalize-space(@applies-when), ' ')"/>
    <xsl:variable name="unless" select="concat(' ', normalize-space(@applies-unless), ' ')"/>
    <xsl:variable name="m" select="concat(' ', normalize-space(@modes), ' ')"/>
    <li class="astep" id="step-{@code}">
      <div class="astep-head">
        <h3>
          <xsl:value-of select="@name"/>
          <span class="h-sub mono"><xsl:value-of select="@code"/></span>
        </h3>
        <span class="astep-tags">
          <xsl:if test="@optional = '1'"><span class="tag tag-optional">自愿</span></xsl:if>
          <xsl:if test="@certificate = '1'"><span class="tag tag-cert">证件</span></xsl:if>
          <xsl:if test="@gates = '1'"><span class="tag tag-gates">前置门槛</span></xsl:if>
          <xsl:if test="@requires-gates = '1'"><span class="tag tag-reqgates">需全部前置完成</span></xsl:if>
          <xsl:if test="@deferral-gate = '1'"><span class="tag tag-deferral">可缓交</span></xsl:if>
          <xsl:if test="@proposable = '1'"><span class="tag tag-proposed">数据预勾选</span></xsl:if>
        </span>
      </div>
      <xsl:if test="normalize-space(@hint) != ''">
        <p class="hint"><xsl:value-of select="@hint"/></p>
      </xsl:if>
      <dl class="fields astep-fields">
        <div>
          <dt>办理方式</dt>
          <dd>
            <xsl:choose>
              <xsl:when test="@automatic = 'library'">自动（图书馆数据）</xsl:when>
              <xsl:when test="@automatic = 'finance'">自动（财务数据）</xsl:when>
              <xsl:when test="@automatic">自动（<xsl:value-of select="@automatic"/>数据）</xsl:when>
              <xsl:when test="normalize-space(@modes) = ''"><span class="warn">未设置，无法办理</span></xsl:when>
              <xsl:otherwise>
                <xsl:call-template name="words">
                  <xsl:with-param name="list" select="@modes"/>
                  <xsl:with-param name="kind" select="'mode'"/>
                </xsl:call-template>
              </xsl:otherwise>
            </xsl:choose>
          </dd>
        </div>
        <div>
          <dt>适用范围</dt>
          <dd>
            <xsl:choose>
              <xsl:when test="normalize-space(@applies-when) = '' and normalize-space(@applies-unless) = ''">
                <xsl:text>全体毕业生</xsl:text>
              </xsl:when>
              <xsl:otherwise>
                <xsl:if test="normalize-space(@applies-when) != ''">
                  <span class="cond">
                    <xsl:text>仅适用于：</xsl:text>
                    <xsl:call-template name="words">
                      <xsl:with-param name="list" select="@applies-when"/>
                      <xsl:with-param name="kind" select="'fact'"/>
                    </xsl:call-template>
                  </span>
                </xsl:if>
                <xsl:if test="normalize-space(@applies-unless) != ''">
                  <span class="cond">
                    <xsl:text>不适用于：</xsl:text>
                    <xsl:call-template name="words">
                      <xsl:with-param name="list" select="@applies-unless"/>
                      <xsl:with-param name="kind" select="'fact'"/>
                    </xsl:call-template>
                  </span>
                </xsl:if>
              </xsl:otherwise>
            </xsl:choose>
          </dd>
        </div>
        <div>
          <dt>前置业务</dt>
          <dd>
            <xsl:if test="@requires-gates = '1'">
              <span class="cond">全部“前置门槛”业务</span>
            </xsl:if>
            <xsl:choose>
              <xsl:when test="$pre">
                <ul class="prereq-list">
                  <xsl:for-each select="$pre">
                    <li>
                      <span>
                        <xsl:value-of select="@requires-name"/>
                        <xsl:if test="not(@requires-name)"><xsl:value-of select="@requires"/></xsl:if>
                      </span>
                      <form method="post" action="{$base}/admin/prereq-delete" class="inline-form">
                        <xsl:call-template name="admin-hidden"/>
                        <input type="hidden" name="step" value="{@step}"/>
                        <input type="hidden" name="requires" value="{@requires}"/>
                        <button type="submit" class="link-button">
                          <xsl:text>移除</xsl:text>
                          <span class="vh"><xsl:text>前置业务：</xsl:text><xsl:value-of select="@requires-name"/></span>
                        </button>
                      </form>
                    </li>
                  </xsl:for-each>
                </ul>
              </xsl:when>
              <xsl:when test="not(@requires-gates = '1')"><span class="muted">无</span></xsl:when>
            </xsl:choose>
          </dd>
        </div>
        <div>
          <dt>启用的届别</dt>
          <dd>
            <xsl:choose>
              <xsl:when test="$cs">
                <xsl:for-each select="$cs">
                  <xsl:variable name="c" select="key('cohort', @cohort)"/>
                  <span>
                    <xsl:if test="$c/@closed = '1'"><xsl:attribute name="class">muted</xsl:attribute></xsl:if>
                    <xsl:value-of select="$c/@name"/>
                    <xsl:if test="not($c)"><xsl:value-of select="@cohort"/></xsl:if>
                    <xsl:if test="$c/@closed = '1'">（已归档）</xsl:if>
                  </span>
                  <xsl:if test="position() != last()">、</xsl:if>
                </xsl:for-each>
              </xsl:when>
              <xsl:otherwise><span class="warn">未在任何届启用</span></xsl:otherwise>
            </xsl:choose>
          </dd>
        </div>
      </dl>

      <details class="more astep-edit">
        <summary>修改业务设置<span class="vh"><xsl:text>：</xsl:text><xsl:value-of select="@name"/></span></summary>
        <form method="post" action="{$base}/admin/step" class="admin-form small-form">
          <xsl:call-template name="admin-hidden"/>
          <input type="hidden" name="code" value="{@code}"/>
          <div class="field-row">
            <div class="field">
              <label for="st-{@code}-name">业务名称</label>
              <input type="text" id="st-{@code}-name" name="name" required="required" value="{@name}"/>
            </div>
            <div class="field">
              <label for="st-{@code}-hint">办理说明</label>
              <input type="text" id="st-{@code}-hint" name="hint" value="{@hint}"
                     placeholder="显示给学生和操作人员"/>
            </div>
          </div>
          <fieldset class="checks">
            <legend>办理方式</legend>
            <xsl:choose>
              <xsl:when test="@automatic">
                <p class="field-hint">
                  <xsl:text>自动办理，不能设置人工方式（依据</xsl:text>
                  <xsl:choose>
                    <xsl:when test="@automatic = 'library'">图书馆</xsl:when>
                    <xsl:when test="@automatic = 'finance'">财务处</xsl:when>
                    <xsl:otherwise><xsl:value-of select="@automatic"/></xsl:otherwise>
                  </xsl:choose>
                  <xsl:text>同步的数据）。</xsl:text>
                </p>
              </xsl:when>
              <xsl:otherwise>
                <xsl:call-template name="mode-box"><xsl:with-param name="m" select="$m"/><xsl:with-param name="mode" select="'individual'"/></xsl:call-template>
                <xsl:call-template name="mode-box"><xsl:with-param name="m" select="$m"/><xsl:with-param name="mode" select="'class'"/></xsl:call-template>
                <xsl:call-template name="mode-box"><xsl:with-param name="m" select="$m"/><xsl:with-param name="mode" select="'dorm'"/></xsl:call-template>
                <xsl:call-template name="mode-box"><xsl:with-param name="m" select="$m"/><xsl:with-param name="mode" select="'scope'"/></xsl:call-template>
                <p class="field-hint">至少勾选一种。“统一批量”：为离校点服务范围内的全部学生一次确认。</p>
              </xsl:otherwise>
            </xsl:choose>
          </fieldset>
          <fieldset class="facts-set">
            <legend>适用范围</legend>
            <p class="field-hint">都不勾选：适用于全体毕业生。“仅适用于”：只有具备该情况的学生需要办理；“不适用于”：具备该情况的学生无需办理。</p>
            <xsl:if test="$a/fact">
              <table class="facts">
                <thead>
                  <tr>
                    <th scope="col">学生情况</th>
                    <th scope="col" class="c-check">仅适用于</th>
                    <th scope="col" class="c-check">不适用于</th>
                  </tr>
                </thead>
                <tbody>
                  <xsl:for-each select="$a/fact">
                    <xsl:variable name="fc" select="concat(' ', @code, ' ')"/>
                    <tr>
                      <th scope="row"><xsl:value-of select="@name"/></th>
                      <td class="c-check">
                        <input type="checkbox" name="when.{@code}" value="1"
                               aria-label="仅适用于：{@name}">
                          <xsl:if test="contains($when, $fc)"><xsl:attribute name="checked">checked</xsl:attribute></xsl:if>
                        </input>
                      </td>
                      <td class="c-check">
                        <input type="checkbox" name="unless.{@code}" value="1"
                               aria-label="不适用于：{@name}">
                          <xsl:if test="contains($unless, $fc)"><xsl:attribute name="checked">checked</xsl:attribute></xsl:if>
                        </input>
                      </td>
                    </tr>
                  </xsl:for-each>
                </tbody>
              </table>
            </xsl:if>
          </fieldset>
          <div class="form-actions"><button type="submit" class="small">保存</button></div>
        </form>

        <!-- Add a prerequisite: any other step that is not one already. -->
        <xsl:variable name="others" select="$a/step[@code != $code][not(@code = $pre/@requires)]"/>
        <xsl:if test="$others">
          <form method="post" action="{$base}/admin/prereq" class="admin-form small-form">
            <xsl:call-template name="admin-hidden"/>
            <input type="hidden" name="step" value="{@code}"/>
            <label for="pr-{@code}">添加前置业务</label>
            <div class="input-row wide">
              <select id="pr-{@code}" name="requires" required="required" aria-describedby="pr-{@code}-hint">
                <option value="">请选择须先完成的业务</option>
                <xsl:for-each select="$a/point">
                  <xsl:variable name="opts" select="$others[@point = current()/@code]"/>
                  <xsl:if test="$opts">
                    <optgroup label="{@name}">
                      <xsl:for-each select="$opts">
                        <option value="{@code}"><xsl:value-of select="@name"/></option>
                      </xsl:for-each>
                    </optgroup>
                  </xsl:if>
                </xsl:for-each>
              </select>
              <button type="submit" class="small">添加</button>
            </div>
            <p id="pr-{@code}-hint" class="field-hint">学生须先完成所选业务，才能办理“<xsl:value-of select="@name"/>”。形成循环的设置会被拒绝。</p>
          </form>
        </xsl:if>
      </details>
    </li>
  </xsl:template>

  <xsl:template name="mode-box">
    <xsl:param name="m"/>
    <xsl:param name="mode"/>
    <label class="check">
      <input type="checkbox" name="mode.{$mode}" value="1">
        <xsl:if test="contains($m, concat(' ', $mode, ' '))">
          <xsl:attribute name="checked">checked</xsl:attribute>
        </xsl:if>
      </input>
      <xsl:text> </xsl:text>
      <xsl:call-template name="how-label">
        <xsl:with-param name="how" select="$mode"/>
      </xsl:call-template>
    </label>
  </xsl:template>

  <!-- ==================================================================== -->
  <!-- 届别                                                                  -->
  <!-- ==================================================================== -->
  <xsl:template name="cohorts-tab">
    <xsl:choose>
      <xsl:when test="$a/cohort">
        <!-- Current cohorts first, archived ones folded away below. -->
        <xsl:apply-templates select="$a/cohort[not(@closed = '1')]" mode="cohort"/>
        <xsl:if test="$a/cohort[@closed = '1']">
          <h2 class="section-title">已归档的届别</h2>
          <xsl:apply-templates select="$a/cohort[@closed = '1']" mode="cohort"/>
        </xsl:if>
      </xsl:when>
      <xsl:otherwise>
        <p class="notice">还没有届别。请在下方建立第一届。</p>
      </xsl:otherwise>
    </xsl:choose>
    <xsl:call-template name="cohort-create"/>
  </xsl:template>

  <!-- A cohort from nothing: programme, year, name (default: “2027届本科”). -->
  <xsl:template name="cohort-create">
    <xsl:variable name="e" select="$a/echo[@form = 'cohort-create']"/>
    <section class="card" aria-labelledby="h-cohort-new">
      <h2 id="h-cohort-new">新建届别</h2>
      <p class="muted small">新建的届别启用该培养层次所有离校点的离校业务和证件（“退费状态”和“报到证”除外），建立后可在该届的表格中逐项启用或停用。已有上一届时也可用“以此建立下一届”沿用上一届的设置。</p>
      <form method="post" action="{$base}/admin/cohort-create" class="admin-form inline-fields">
        <xsl:call-template name="admin-hidden"/>
        <div class="field">
          <label for="cn-programme">培养层次</label>
          <select id="cn-programme" name="programme" required="required">
            <xsl:for-each select="$a/programme">
              <option value="{@code}">
                <xsl:if test="@code = $e/@programme"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
                <xsl:value-of select="@name"/>
              </option>
            </xsl:for-each>
          </select>
        </div>
        <div class="field">
          <label for="cn-year">毕业年份</label>
          <input type="text" id="cn-year" name="year" required="required" inputmode="numeric"
                 maxlength="4" pattern="[0-9]{{4}}" placeholder="如：2027" value="{$e/@year}"/>
        </div>
        <div class="field">
          <label for="cn-name">名称</label>
          <input type="text" id="cn-name" name="name" maxlength="40" placeholder="留空为“年份届层次”"
                 value="{$e/@name}"/>
        </div>
        <div class="form-actions"><button type="submit">新建届别</button></div>
      </form>
    </section>
  </xsl:template>

  <xsl:template match="cohort" mode="cohort">
    <xsl:choose>
      <xsl:when test="@closed = '1'">
        <details class="card acohort acohort-closed" id="cohort-{@id}">
          <summary>
            <span class="acohort-name"><xsl:value-of select="@name"/></span>
            <xsl:text> </xsl:text>
            <span class="badge badge-archived">已归档</span>
            <span class="muted small">
              <xsl:text> 毕业生 </xsl:text><xsl:value-of select="@students"/><xsl:text> 人</xsl:text>
            </span>
          </summary>
          <xsl:call-template name="cohort-body"/>
        </details>
      </xsl:when>
      <xsl:otherwise>
        <section class="card acohort" id="cohort-{@id}" aria-labelledby="h-cohort-{@id}">
          <div class="card-head">
            <h2 id="h-cohort-{@id}">
              <xsl:value-of select="@name"/>
              <span class="h-sub">
                <xsl:text>毕业生 </xsl:text><xsl:value-of select="@students"/><xsl:text> 人</xsl:text>
              </span>
            </h2>
            <xsl:if test="@programme-name">
              <span class="badge"><xsl:value-of select="@programme-name"/></span>
            </xsl:if>
          </div>
          <xsl:call-template name="cohort-body"/>
        </section>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The steps grid, the certificates and the two buttons (context: <cohort>). -->
  <xsl:template name="cohort-body">
    <xsl:variable name="c" select="."/>
    <xsl:variable name="closed" select="@closed = '1'"/>
    <xsl:variable name="next-year" select="number(@year) + 1"/>
    <xsl:variable name="next" select="$a/cohort[number(@year) = $next-year][@programme = current()/@programme]"/>

    <xsl:if test="$closed">
      <p class="notice notice-closed">该届离校工作已结束，数据已归档，只读：不能再启用或停用业务和证件。</p>
    </xsl:if>

    <h3>
      <xsl:text>离校业务</xsl:text>
      <span class="h-sub">
        <xsl:text>已启用 </xsl:text>
        <xsl:value-of select="count($a/cohort-step[@cohort = $c/@id])"/>
        <xsl:text> / </xsl:text>
        <xsl:value-of select="count($a/step)"/>
        <xsl:text> 项</xsl:text>
      </span>
    </h3>
    <div class="table-wrap">
      <table class="list cohort-steps">
        <thead>
          <tr>
            <th scope="col">离校业务</th>
            <th scope="col" class="wide-only">离校点</th>
            <th scope="col">状态</th>
            <th scope="col" class="num">已办理人数</th>
            <xsl:if test="not($closed)"><th scope="col">操作</th></xsl:if>
          </tr>
        </thead>
        <tbody>
          <xsl:for-each select="$a/step">
            <xsl:variable name="cs" select="key('cs', concat($c/@id, ' ', @code))"/>
            <xsl:variable name="done" select="number($cs/@done)"/>
            <tr>
              <xsl:if test="not($cs)"><xsl:attribute name="class">row-off</xsl:attribute></xsl:if>
              <th scope="row">
                <span class="name"><xsl:value-of select="@name"/></span>
                <xsl:if test="@optional = '1'"><xsl:text> </xsl:text><span class="tag tag-optional">自愿</span></xsl:if>
                <xsl:if test="@certificate = '1'"><xsl:text> </xsl:text><span class="tag tag-cert">证件</span></xsl:if>
              </th>
              <td class="wide-only"><xsl:value-of select="@point-name"/></td>
              <td class="c-state">
                <xsl:choose>
                  <xsl:when test="$cs"><span class="state state-on">已启用</span></xsl:when>
                  <xsl:otherwise><span class="state state-na">未启用</span></xsl:otherwise>
                </xsl:choose>
              </td>
              <td class="num">
                <xsl:choose>
                  <xsl:when test="$cs"><xsl:value-of select="$cs/@done"/></xsl:when>
                  <xsl:otherwise><span class="muted">—</span></xsl:otherwise>
                </xsl:choose>
              </td>
              <xsl:if test="not($closed)">
                <td class="c-toggle">
                  <xsl:choose>
                    <xsl:when test="$cs and $done &gt; 0">
                      <button type="button" class="secondary small" disabled="disabled"
                              aria-describedby="cs-{$c/@id}-{@code}">停用</button>
                      <span id="cs-{$c/@id}-{@code}" class="why-disabled inline">
                        <xsl:text>已有 </xsl:text><xsl:value-of select="$cs/@done"/><xsl:text> 人办理，不能停用</xsl:text>
                      </span>
                    </xsl:when>
                    <xsl:when test="$cs">
                      <form method="post" action="{$base}/admin/cohort-step" class="inline-form">
                        <xsl:call-template name="admin-hidden"/>
                        <input type="hidden" name="cohort" value="{$c/@id}"/>
                        <input type="hidden" name="step" value="{@code}"/>
                        <button type="submit" class="secondary small">
                          <xsl:text>停用</xsl:text><span class="vh"><xsl:text>：</xsl:text><xsl:value-of select="@name"/></span>
                        </button>
                      </form>
                    </xsl:when>
                    <xsl:otherwise>
                      <form method="post" action="{$base}/admin/cohort-step" class="inline-form">
                        <xsl:call-template name="admin-hidden"/>
                        <input type="hidden" name="cohort" value="{$c/@id}"/>
                        <input type="hidden" name="step" value="{@code}"/>
                        <input type="hidden" name="on" value="1"/>
                        <button type="submit" class="small">
                          <xsl:text>启用</xsl:text><span class="vh"><xsl:text>：</xsl:text><xsl:value-of select="@name"/></span>
                        </button>
                      </form>
                    </xsl:otherwise>
                  </xsl:choose>
                </td>
              </xsl:if>
            </tr>
          </xsl:for-each>
        </tbody>
      </table>
    </div>

    <h3>
      <xsl:text>发放的证件</xsl:text>
      <span class="h-sub">
        <xsl:text>已启用 </xsl:text>
        <xsl:value-of select="count($a/cohort-certificate[@cohort = $c/@id])"/>
        <xsl:text> / </xsl:text>
        <xsl:value-of select="count($a/certificate)"/>
        <xsl:text> 种</xsl:text>
      </span>
    </h3>
    <xsl:choose>
      <xsl:when test="$a/certificate">
        <div class="table-wrap">
          <table class="list cohort-certs">
            <thead>
              <tr>
                <th scope="col">证件</th>
                <th scope="col" class="wide-only">随哪项业务发放</th>
                <th scope="col">状态</th>
                <xsl:if test="not($closed)"><th scope="col">操作</th></xsl:if>
              </tr>
            </thead>
            <tbody>
              <xsl:for-each select="$a/certificate">
                <xsl:variable name="on" select="key('cc', concat($c/@id, ' ', @code))"/>
                <tr>
                  <xsl:if test="not($on)"><xsl:attribute name="class">row-off</xsl:attribute></xsl:if>
                  <th scope="row"><span class="name"><xsl:value-of select="@name"/></span></th>
                  <td class="wide-only"><xsl:value-of select="@step-name"/></td>
                  <td class="c-state">
                    <xsl:choose>
                      <xsl:when test="$on"><span class="state state-on">发放</span></xsl:when>
                      <xsl:otherwise><span class="state state-na">不发放</span></xsl:otherwise>
                    </xsl:choose>
                  </td>
                  <xsl:if test="not($closed)">
                    <td class="c-toggle">
                      <form method="post" action="{$base}/admin/cohort-certificate" class="inline-form">
                        <xsl:call-template name="admin-hidden"/>
                        <input type="hidden" name="cohort" value="{$c/@id}"/>
                        <input type="hidden" name="certificate" value="{@code}"/>
                        <xsl:choose>
                          <xsl:when test="$on">
                            <button type="submit" class="secondary small">
                              <xsl:text>不再发放</xsl:text><span class="vh"><xsl:text>：</xsl:text><xsl:value-of select="@name"/></span>
                            </button>
                          </xsl:when>
                          <xsl:otherwise>
                            <input type="hidden" name="on" value="1"/>
                            <button type="submit" class="small">
                              <xsl:text>发放</xsl:text><span class="vh"><xsl:text>：</xsl:text><xsl:value-of select="@name"/></span>
                            </button>
                          </xsl:otherwise>
                        </xsl:choose>
                      </form>
                    </td>
                  </xsl:if>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
        </div>
      </xsl:when>
      <xsl:otherwise><p class="muted small">没有设置证件。</p></xsl:otherwise>
    </xsl:choose>

    <!-- Rename, archive and next year. -->
    <div class="cohort-actions">
      <form method="post" action="{$base}/admin/cohort-rename" class="cohort-action inline-form">
        <xsl:call-template name="admin-hidden"/>
        <input type="hidden" name="cohort" value="{@id}"/>
        <label for="rename-{@id}">名称</label>
        <input type="text" id="rename-{@id}" name="name" required="required" maxlength="40">
          <xsl:attribute name="value">
            <xsl:choose>
              <xsl:when test="$a/echo[@form = 'cohort-rename'][@cohort = current()/@id]">
                <xsl:value-of select="$a/echo[@form = 'cohort-rename']/@name"/>
              </xsl:when>
              <xsl:otherwise><xsl:value-of select="@name"/></xsl:otherwise>
            </xsl:choose>
          </xsl:attribute>
        </input>
        <button type="submit" class="secondary small">改名</button>
      </form>
      <xsl:if test="not($closed)">
        <form method="post" action="{$base}/admin/cohort-close" class="cohort-action"
              data-confirm="确定将“{@name}”归档吗？归档后该届所有数据只读，不能再办理或撤销。">
          <xsl:call-template name="admin-hidden"/>
          <input type="hidden" name="cohort" value="{@id}"/>
          <button type="submit" class="danger">归档（只读）</button>
          <p class="field-hint">离校工作结束后使用：该届所有离校记录变为只读，不能再办理、撤销或调整设置。</p>
        </form>
      </xsl:if>
      <xsl:choose>
        <xsl:when test="$next">
          <div class="cohort-action">
            <button type="button" class="secondary" disabled="disabled"
                    aria-describedby="next-{@id}">以此建立下一届</button>
            <p id="next-{@id}" class="why-disabled">
              <xsl:text>下一届已建立：</xsl:text><xsl:value-of select="$next[1]/@name"/>
            </p>
          </div>
        </xsl:when>
        <xsl:otherwise>
          <form method="post" action="{$base}/admin/cohort-next" class="cohort-action">
            <xsl:call-template name="admin-hidden"/>
            <input type="hidden" name="cohort" value="{@id}"/>
            <button type="submit" class="secondary">以此建立下一届</button>
            <p class="field-hint">
              <xsl:text>建立</xsl:text>
              <xsl:if test="string($next-year) != 'NaN'">
                <xsl:text>“</xsl:text><xsl:value-of select="$next-year"/><xsl:text>届</xsl:text>
                <xsl:value-of select="@programme-name"/>
                <xsl:text>”，</xsl:text>
              </xsl:if>
              <xsl:text>沿用本届启用的业务和证件。</xsl:text>
            </p>
          </form>
        </xsl:otherwise>
      </xsl:choose>
    </div>
  </xsl:template>

  <!-- ==================================================================== -->
  <!-- 操作日志                                                              -->
  <!-- ==================================================================== -->
  <xsl:template name="events-tab">
    <xsl:variable name="f" select="$a/filter"/>
    <xsl:variable name="ev" select="$a/events/event"/>
    <section class="card event-search" aria-labelledby="h-evsearch">
      <h2 id="h-evsearch">查询操作记录</h2>
      <form method="get" action="{$base}/admin" class="admin-form">
        <input type="hidden" name="tab" value="events"/>
        <div class="filter-grid">
          <div class="field">
            <label for="ev-student">学号</label>
            <input type="text" id="ev-student" name="student" value="{$f/@student}" autocomplete="off"
                   spellcheck="false" inputmode="numeric"/>
          </div>
          <div class="field">
            <label for="ev-login">操作人员（登录名）</label>
            <input type="text" id="ev-login" name="login" value="{$f/@login}" autocomplete="off"
                   spellcheck="false"/>
          </div>
          <div class="field">
            <label for="ev-point">离校点</label>
            <select id="ev-point" name="point">
              <option value="">全部</option>
              <xsl:for-each select="$a/point">
                <option value="{@code}">
                  <xsl:if test="@code = $f/@point"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
                  <xsl:value-of select="@name"/>
                </option>
              </xsl:for-each>
            </select>
          </div>
          <div class="field">
            <label for="ev-step">业务</label>
            <select id="ev-step" name="step">
              <option value="">全部</option>
              <xsl:for-each select="$a/point">
                <xsl:variable name="ss" select="key('step-by-point', @code)"/>
                <xsl:if test="$ss">
                  <optgroup label="{@name}">
                    <xsl:for-each select="$ss">
                      <option value="{@code}">
                        <xsl:if test="@code = $f/@step"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
                        <xsl:value-of select="@name"/>
                      </option>
                    </xsl:for-each>
                  </optgroup>
                </xsl:if>
              </xsl:for-each>
            </select>
          </div>
          <div class="field">
            <label for="ev-from">从</label>
            <input type="date" id="ev-from" name="from" value="{$f/@from}"/>
          </div>
          <div class="field">
            <label for="ev-to">到</label>
            <input type="date" id="ev-to" name="to" value="{$f/@to}"/>
          </div>
        </div>
        <div class="form-actions">
          <button type="submit">查询</button>
          <a class="button secondary" href="{$base}/admin?tab=events">清除条件</a>
        </div>
      </form>
    </section>

    <section class="card" aria-labelledby="h-events">
      <xsl:choose>
        <xsl:when test="not($a/events)">
          <h2 id="h-events">查询结果</h2>
          <p class="muted">请至少填写一项查询条件（如学号、操作人员或日期），然后点击“查询”。结果按时间从新到旧排列，最多显示 500 条。</p>
        </xsl:when>
        <xsl:when test="not($ev)">
          <h2 id="h-events">查询结果</h2>
          <p class="muted">没有符合条件的记录。</p>
        </xsl:when>
        <xsl:otherwise>
          <div class="card-head">
            <h2 id="h-events">
              <xsl:text>查询结果</xsl:text>
              <span class="h-sub">
                <xsl:text>共 </xsl:text><xsl:value-of select="count($ev)"/><xsl:text> 条，从新到旧</xsl:text>
              </span>
            </h2>
          </div>
          <xsl:if test="count($ev) &gt;= 500">
            <p class="notice notice-warn">只显示最新的 500 条记录，请缩小查询范围（如加上日期或业务）。</p>
          </xsl:if>
          <div class="table-wrap">
            <table class="list events cards">
              <thead>
                <tr>
                  <th scope="col">时间</th>
                  <th scope="col">类型</th>
                  <th scope="col">操作人员</th>
                  <th scope="col">学生</th>
                  <th scope="col">离校点</th>
                  <th scope="col">业务</th>
                  <th scope="col">方式</th>
                  <th scope="col">状态</th>
                  <th scope="col">备注</th>
                  <th scope="col">来源地址</th>
                  <th scope="col">请求编号</th>
                </tr>
              </thead>
              <tbody>
                <xsl:apply-templates select="$ev"/>
              </tbody>
            </table>
          </div>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <xsl:template match="event">
    <tr class="ev-{@kind}">
      <td data-label="时间" class="c-at">
        <time datetime="{@at}">
          <xsl:choose>
            <xsl:when test="contains(@at, ' ')">
              <span class="nowrap"><xsl:value-of select="substring-before(@at, ' ')"/></span>
              <xsl:text> </xsl:text>
              <span class="nowrap"><xsl:value-of select="substring-after(@at, ' ')"/></span>
            </xsl:when>
            <xsl:otherwise><xsl:value-of select="@at"/></xsl:otherwise>
          </xsl:choose>
        </time>
      </td>
      <td data-label="类型" class="nowrap">
        <span class="evkind evkind-{@kind}">
          <xsl:choose>
            <xsl:when test="@kind = 'confirm'">确认</xsl:when>
            <xsl:when test="@kind = 'revoke'">撤销</xsl:when>
            <xsl:when test="@kind = 'propose'">系统勾选</xsl:when>
            <xsl:when test="@kind = 'unpropose'">取消勾选</xsl:when>
            <xsl:when test="@kind = 'feed'">数据同步</xsl:when>
            <xsl:when test="@kind = 'applicability'">适用变化</xsl:when>
            <xsl:when test="@kind = 'override_on'">关闭限制</xsl:when>
            <xsl:when test="@kind = 'override_off'">开启限制</xsl:when>
            <xsl:when test="@kind = 'import'">导入</xsl:when>
            <xsl:when test="@kind = 'config'">配置</xsl:when>
            <xsl:otherwise><xsl:value-of select="@kind"/></xsl:otherwise>
          </xsl:choose>
        </span>
      </td>
      <td data-label="操作人员">
        <xsl:choose>
          <xsl:when test="@login">
            <a href="{$base}/admin?tab=events&amp;login={@login}" title="只看此操作人员的记录">
              <xsl:value-of select="@login-name"/>
              <xsl:if test="not(@login-name)"><xsl:value-of select="@login"/></xsl:if>
            </a>
            <xsl:if test="@login-name">
              <span class="sub mono"><xsl:value-of select="@login"/></span>
            </xsl:if>
          </xsl:when>
          <xsl:otherwise><span class="muted">系统</span></xsl:otherwise>
        </xsl:choose>
      </td>
      <td data-label="学生">
        <xsl:choose>
          <xsl:when test="@student-no">
            <xsl:value-of select="@student-name"/>
            <a class="sub mono" href="{$base}/admin?tab=events&amp;student={@student-no}"
               title="只看此学生的记录"><xsl:value-of select="@student-no"/></a>
          </xsl:when>
          <xsl:otherwise><span class="muted">—</span></xsl:otherwise>
        </xsl:choose>
      </td>
      <td data-label="离校点" class="c-ps"><xsl:value-of select="@point-name"/></td>
      <td data-label="业务" class="c-ps"><xsl:value-of select="@step-name"/></td>
      <td data-label="方式" class="nowrap">
        <xsl:choose>
          <xsl:when test="@how">
            <xsl:call-template name="how-label">
              <xsl:with-param name="how" select="@how"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:otherwise><span class="muted">—</span></xsl:otherwise>
        </xsl:choose>
      </td>
      <td data-label="状态" class="nowrap">
        <xsl:choose>
          <xsl:when test="@old-state or @new-state">
            <xsl:call-template name="ev-state"><xsl:with-param name="s" select="@old-state"/></xsl:call-template>
            <xsl:text> → </xsl:text>
            <xsl:call-template name="ev-state"><xsl:with-param name="s" select="@new-state"/></xsl:call-template>
          </xsl:when>
          <xsl:otherwise><span class="muted">—</span></xsl:otherwise>
        </xsl:choose>
      </td>
      <td data-label="备注" class="c-note"><xsl:value-of select="@note"/></td>
      <td data-label="来源地址" class="mono small">
        <xsl:value-of select="@source-addr"/>
        <xsl:if test="not(@source-addr)"><span class="muted">—</span></xsl:if>
      </td>
      <td data-label="请求编号" class="mono small c-rid">
        <xsl:value-of select="@request-id"/>
        <xsl:if test="not(@request-id)"><span class="muted">—</span></xsl:if>
      </td>
    </tr>
  </xsl:template>

  <xsl:template name="ev-state">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="string($s) = ''"><span class="muted">无</span></xsl:when>
      <xsl:otherwise>
        <span class="st st-{$s}">
          <xsl:call-template name="state-label">
            <xsl:with-param name="state" select="$s"/>
          </xsl:call-template>
        </span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
