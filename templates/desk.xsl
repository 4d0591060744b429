<?xml version="1.0" encoding="UTF-8"?>
<!--
  desk.xsl (view="desk"): the operator desk (操作台), the six areas of seed §3.2:
    1 point switcher   2 search   3 live statistics of the point
    4 the student's basic information   5 the point's steps as checkboxes + submit,
      with the batch buttons   6 the student's whole clearance record.
  A desk worker on a 1280px screen: search, student and steps on the left, statistics on the
  right, the record below; on a phone the same blocks one under the other.
  The three-action rule: type a number + Enter, tick, submit.
  Provides mode="title" and mode="content" for layout.xsl (through layout-desk.xsl).
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:import href="layout-desk.xsl"/>

  <xsl:variable name="s" select="/page/student"/>
  <xsl:variable name="sno" select="$s/@student-no"/>
  <!-- The current point's steps for this student. -->
  <xsl:variable name="cur" select="$s/point[@code = $desk/@point]"/>
  <!-- Read only: an archived cohort, or the operator's own record. -->
  <xsl:variable name="locked" select="$s/@cohort-closed = '1' or $s/@own = '1'"/>
  <!-- This page, for the refresh link. -->
  <xsl:variable name="here">
    <xsl:value-of select="$desk-url"/>
    <xsl:if test="$s"><xsl:value-of select="concat('&amp;s=', $sno)"/></xsl:if>
  </xsl:variable>

  <xsl:template match="/page" mode="title">
    <xsl:text>操作台 · </xsl:text>
    <xsl:value-of select="$desk/@point-name"/>
    <xsl:if test="$s/@name">
      <xsl:text> · </xsl:text>
      <xsl:value-of select="$s/@name"/>
    </xsl:if>
  </xsl:template>

  <xsl:template match="/page" mode="content">
    <div class="page-head desk-head">
      <div>
        <h1>
          <xsl:value-of select="$desk/@point-name"/>
          <xsl:if test="$desk/@college-name">
            <span class="h-sub"><xsl:value-of select="$desk/@college-name"/></span>
          </xsl:if>
        </h1>
        <p class="lead">离校业务操作台</p>
      </div>
    </div>

    <xsl:call-template name="switcher"/>

    <div class="desk-grid">
      <div class="desk-main">
        <xsl:call-template name="search"/>
        <xsl:apply-templates select="$desk/notice"/>
        <xsl:apply-templates select="$desk/result"/>
        <xsl:apply-templates select="$desk/scope-confirm"/>
        <xsl:apply-templates select="$desk/matches"/>
        <xsl:choose>
          <xsl:when test="$s">
            <xsl:call-template name="student-info"/>
            <xsl:call-template name="point-steps"/>
          </xsl:when>
          <xsl:when test="not($desk/matches)">
            <section class="card desk-empty">
              <h2>请先查询学生</h2>
              <ol class="three-steps">
                <li>在上方输入学号（或身份证号、姓名），按回车；</li>
                <li>在出现的业务列表中勾选已办结的业务；</li>
                <li>点击“提交”。</li>
              </ol>
              <p class="muted small">班级代表或寝室代表前来办理时，输入其本人学号，再点击业务旁的“按班级批量”或“按寝室批量”。</p>
            </section>
          </xsl:when>
        </xsl:choose>
      </div>
      <aside class="desk-side" aria-label="实时统计">
        <xsl:call-template name="stats"/>
      </aside>
    </div>

    <xsl:if test="$s">
      <xsl:call-template name="record"/>
    </xsl:if>
  </xsl:template>

  <!-- 1 Point switcher ====================================================== -->
  <xsl:template name="switcher">
    <xsl:variable name="all" select="$desk/assignment"/>
    <xsl:if test="count($all) &gt; 1">
      <xsl:choose>
        <!-- A few points (the usual college operator has two): tabs. -->
        <xsl:when test="count($all) &lt;= 6">
          <nav class="switcher" aria-label="切换离校点">
            <xsl:apply-templates select="$all" mode="switch"/>
          </nav>
        </xsl:when>
        <!-- Many (administrators): folded away, the current one named. -->
        <xsl:otherwise>
          <details class="switcher-many">
            <summary>
              <xsl:text>切换离校点（共 </xsl:text><xsl:value-of select="count($all)"/>
              <xsl:text> 个）</xsl:text>
            </summary>
            <nav class="switcher" aria-label="切换离校点">
              <xsl:apply-templates select="$all" mode="switch"/>
            </nav>
          </details>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:if>
  </xsl:template>

  <!-- the student at the desk stays: from the college point to its certificate desk without
       searching again -->
  <xsl:template match="assignment" mode="switch">
    <a>
      <xsl:attribute name="href">
        <xsl:value-of select="concat($base, '/op?at=', @key)"/>
        <xsl:if test="$s"><xsl:value-of select="concat('&amp;s=', $sno)"/></xsl:if>
      </xsl:attribute>
      <xsl:choose>
        <xsl:when test="@current = '1'">
          <xsl:attribute name="class">switch current</xsl:attribute>
          <xsl:attribute name="aria-current">page</xsl:attribute>
        </xsl:when>
        <xsl:otherwise>
          <xsl:attribute name="class">switch</xsl:attribute>
        </xsl:otherwise>
      </xsl:choose>
      <span class="switch-point"><xsl:value-of select="@point-name"/></span>
      <xsl:if test="@college-name">
        <span class="switch-college"><xsl:value-of select="@college-name"/></span>
      </xsl:if>
    </a>
  </xsl:template>

  <!-- 2 Search ================================================================ -->
  <xsl:template name="search">
    <section class="card desk-search" aria-labelledby="h-search">
      <h2 id="h-search">查询学生</h2>
      <form method="post" action="{$base}/op/search" class="search-form">
        <xsl:call-template name="desk-hidden"/>
        <label class="vh" for="desk-q">学号、身份证号或姓名</label>
        <div class="input-row">
          <input type="text" id="desk-q" name="q" autofocus="autofocus" required="required"
                 maxlength="60" autocomplete="off" spellcheck="false"
                 placeholder="学号 / 身份证号 / 姓名">
            <!-- A name search with several matches: keep the name to refine it; a search
                 that found nothing or was refused: keep what was typed, to correct it. -->
            <xsl:if test="$desk/matches/@query or $desk/@query">
              <xsl:attribute name="value">
                <xsl:value-of select="$desk/matches/@query"/>
                <xsl:value-of select="$desk/@query"/>
              </xsl:attribute>
            </xsl:if>
          </input>
          <button type="submit">查询</button>
        </div>
      </form>
      <xsl:if test="$s">
        <p class="vh" id="desk-keys">查到学生后，在空的查询框中按向下键到办理业务，空格勾选，回车提交。</p>
      </xsl:if>
      <xsl:call-template name="scan-panel"/>
    </section>
  </xsl:template>

  <!-- 2b Continuous mode (连续办理): one step chosen once, then each number scanned or typed
       and Enter confirms it for that student at once (static/lx.js posts it with scan=1 and
       puts the answer, view "scan", in place; Esc undoes the last one).  Needs the script:
       hidden without it, the desk above works as ever. -->
  <xsl:template name="scan-panel">
    <xsl:if test="$desk/scan-step">
      <details class="scan-panel js-only-block" id="scan" data-scan="1" data-base="{$base}"
               data-at="{$desk/@key}" data-csrf="{$desk/@csrf}">
        <summary>连续办理（扫码或输入学号，回车即办理）</summary>
        <div class="scan-setup">
          <label for="scan-step">业务</label>
          <select id="scan-step">
            <xsl:for-each select="$desk/scan-step">
              <option value="{@code}"><xsl:value-of select="@name"/></option>
            </xsl:for-each>
          </select>
          <label for="scan-note">备注</label>
          <input type="text" id="scan-note" maxlength="200" autocomplete="off" placeholder="备注（可选）"/>
        </div>
        <label for="scan-no" class="scan-label">学号</label>
        <input type="text" id="scan-no" class="scan-input" inputmode="numeric" maxlength="20"
               autocomplete="off" spellcheck="false" placeholder="扫码或输入学号，回车"
               aria-describedby="scan-hint"/>
        <p id="scan-hint" class="muted small">每个学号回车即办理所选业务；按 Esc 撤销上一条（原因：误操作）。</p>
        <div class="scan-now" role="status" aria-live="assertive" data-role="scan-now"></div>
        <p class="scan-tally">本次已办理 <b data-role="scan-count">0</b> 人</p>
        <ol class="scan-log" data-role="scan-log" reversed="reversed"></ol>
      </details>
    </xsl:if>
  </xsl:template>

  <!-- 4a Several matches: pick one ============================================ -->
  <xsl:template match="matches">
    <section class="card desk-matches" aria-labelledby="h-matches">
      <h2 id="h-matches">
        <xsl:choose>
          <xsl:when test="@query">
            <xsl:text>“</xsl:text><xsl:value-of select="@query"/><xsl:text>”</xsl:text>
          </xsl:when>
          <xsl:otherwise>查询结果</xsl:otherwise>
        </xsl:choose>
        <xsl:text>：找到 </xsl:text>
        <xsl:value-of select="count(match)"/>
        <xsl:if test="@more = '1'"><xsl:text>+</xsl:text></xsl:if>
        <xsl:text> 名学生，请选择</xsl:text>
      </h2>
      <xsl:if test="@more = '1'">
        <p class="notice notice-warn">结果超过 50 条，以下仅列出前 50 条，请输入更完整的信息（如完整姓名或学号）。</p>
      </xsl:if>
      <div class="table-wrap">
        <table class="list matches">
          <thead>
            <tr>
              <th scope="col">姓名</th>
              <th scope="col">学号</th>
              <th scope="col" class="wide-only">学院</th>
              <th scope="col">班级</th>
              <th scope="col" class="wide-only">届别</th>
            </tr>
          </thead>
          <tbody>
            <xsl:for-each select="match">
              <xsl:variable name="href" select="concat($base, '/op?at=', $desk/@key, '&amp;s=', @student-no)"/>
              <tr>
                <th scope="row"><a href="{$href}"><xsl:value-of select="@name"/></a></th>
                <td class="mono"><a href="{$href}"><xsl:value-of select="@student-no"/></a></td>
                <td class="wide-only"><xsl:value-of select="@college"/></td>
                <td><xsl:value-of select="@class"/></td>
                <td class="wide-only"><xsl:value-of select="@cohort"/></td>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
      </div>
    </section>
  </xsl:template>

  <!-- 4 The student's basic information ======================================= -->
  <xsl:template name="student-info">
    <section class="card desk-student" aria-labelledby="h-student">
      <div class="card-head">
        <h2 id="h-student">
          <xsl:value-of select="$s/@name"/>
          <span class="h-sub mono"><xsl:value-of select="$sno"/></span>
        </h2>
        <a class="button secondary small" href="{$base}/student/{$sno}">查看离校单</a>
      </div>
      <xsl:if test="$s/@cohort-closed = '1'">
        <p class="notice notice-closed">
          <xsl:value-of select="$s/@cohort"/>
          <xsl:text>离校工作已结束，数据已归档，只读。</xsl:text>
        </p>
      </xsl:if>
      <xsl:if test="$s/@own = '1'">
        <p class="notice notice-closed">这是您本人的离校记录，不能为本人办理。</p>
      </xsl:if>
      <!-- Name and student number head the card. -->
      <dl class="fields desk-fields">
        <div><dt>学院</dt><dd><xsl:value-of select="$s/@college"/></dd></div>
        <div><dt>班级</dt><dd><xsl:value-of select="$s/@class"/></dd></div>
        <div>
          <dt>寝室</dt>
          <dd>
            <xsl:choose>
              <xsl:when test="$s/@dorm"><xsl:value-of select="$s/@dorm"/></xsl:when>
              <xsl:otherwise><span class="muted">校外住宿</span></xsl:otherwise>
            </xsl:choose>
          </dd>
        </div>
        <div>
          <dt>届别</dt>
          <dd>
            <xsl:value-of select="$s/@cohort"/>
            <xsl:if test="$s/@programme and not(contains($s/@cohort, $s/@programme))">
              <xsl:text>（</xsl:text><xsl:value-of select="$s/@programme"/><xsl:text>）</xsl:text>
            </xsl:if>
          </dd>
        </div>
        <xsl:if test="$s/@id-masked">
          <div class="f-id">
            <dt>
              <xsl:value-of select="$s/@id-type"/>
              <xsl:if test="not($s/@id-type)">证件号码</xsl:if>
            </dt>
            <dd class="mono"><xsl:value-of select="$s/@id-masked"/></dd>
          </div>
        </xsl:if>
        <div>
          <dt>国家助学贷款</dt>
          <dd>
            <xsl:choose>
              <xsl:when test="$s/@national-loans"><xsl:value-of select="$s/@national-loans"/></xsl:when>
              <xsl:otherwise><span class="muted">无</span></xsl:otherwise>
            </xsl:choose>
          </dd>
        </div>
      </dl>
    </section>
  </xsl:template>

  <!-- 5 The current point's steps for this student ============================= -->
  <xsl:template name="point-steps">
    <xsl:variable name="steps" select="$cur/step"/>
    <!-- Steps this form can tick: pending, confirmed by people one at a time, not blocked. -->
    <xsl:variable name="offered"
                  select="$steps[@state = 'pending'][not(@automatic)][not(requires)]
                                [contains(concat(' ', normalize-space(@modes), ' '), ' individual ')]"/>
    <xsl:variable name="revocable" select="$steps[@state = 'done'][not(@automatic)]"/>
    <xsl:variable name="scoped"
                  select="$steps[not(@automatic)][contains(concat(' ', normalize-space(@modes), ' '), ' scope ')]"/>

    <section class="card desk-steps" aria-labelledby="h-steps">
      <div class="card-head">
        <h2 id="h-steps">
          <xsl:text>办理业务</xsl:text>
          <span class="h-sub"><xsl:value-of select="$desk/@point-name"/></span>
        </h2>
        <xsl:if test="$cur/@location">
          <span class="where"><xsl:value-of select="$cur/@location"/></span>
        </xsl:if>
      </div>

      <xsl:choose>
        <xsl:when test="not($steps)">
          <p class="notice">该生无需在本离校点办理业务。</p>
        </xsl:when>
        <xsl:otherwise>
          <form method="post" action="{$base}/op/confirm" class="confirm-form">
            <xsl:call-template name="desk-hidden"/>
            <input type="hidden" name="how" value="individual"/>
            <input type="hidden" name="s" value="{$sno}"/>
            <ul class="dsteps">
              <xsl:apply-templates select="$steps" mode="desk"/>
            </ul>
            <xsl:choose>
              <xsl:when test="$offered and not($locked)">
                <div class="desk-submit">
                  <label class="vh" for="desk-note">备注</label>
                  <input type="text" id="desk-note" name="note" maxlength="200"
                         autocomplete="off" placeholder="备注（可选）"/>
                  <button type="submit" class="submit">提交</button>
                </div>
              </xsl:when>
              <xsl:when test="not($steps[@state = 'pending'])">
                <p class="ok desk-none">本离校点业务已全部办理。</p>
              </xsl:when>
              <xsl:when test="$locked"/>
              <xsl:otherwise>
                <p class="muted desk-none">当前没有可逐个勾选办理的业务。</p>
              </xsl:otherwise>
            </xsl:choose>
          </form>

          <!-- Forms cannot nest: the rarer actions follow the steps' form. -->
          <xsl:if test="not($locked) and ($revocable or $scoped)">
            <div class="desk-more">
              <xsl:apply-templates select="$scoped" mode="scope"/>
              <xsl:if test="$revocable">
                <details class="more revoke">
                  <xsl:if test="$desk/result[@action = 'revoke']">
                    <xsl:attribute name="open">open</xsl:attribute>
                  </xsl:if>
                  <summary>撤销已办理的业务</summary>
                  <p class="muted small">仅用于纠正误操作；撤销须填写原因，并记入操作日志。</p>
                  <xsl:apply-templates select="$revocable" mode="revoke"/>
                </details>
              </xsl:if>
            </div>
          </xsl:if>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <!-- One step of the current point: a row of the confirm form. -->
  <xsl:template match="step" mode="desk">
    <xsl:variable name="m" select="concat(' ', normalize-space(@modes), ' ')"/>
    <xsl:variable name="id" select="concat('step-', @code)"/>
    <xsl:variable name="offer"
                  select="@state = 'pending' and not(@automatic) and not(requires)
                          and contains($m, ' individual ') and not($locked)"/>
    <!-- Pending but not for one student alone (e.g. league transfer: by class only). -->
    <xsl:variable name="nobox"
                  select="@state = 'pending' and not(@automatic) and not(requires)
                          and not(contains($m, ' individual '))"/>
    <li>
      <xsl:attribute name="class">
        <xsl:text>dstep dstep-</xsl:text><xsl:value-of select="@state"/>
        <xsl:if test="$offer"> dstep-offer</xsl:if>
        <xsl:if test="$offer and @proposed = '1'"> dstep-proposed</xsl:if>
      </xsl:attribute>
      <div class="dstep-check">
        <xsl:choose>
          <xsl:when test="$offer">
            <input type="checkbox" id="{$id}" name="step.{@code}" value="1">
              <xsl:if test="@proposed = '1'">
                <xsl:attribute name="checked">checked</xsl:attribute>
              </xsl:if>
            </input>
          </xsl:when>
          <xsl:when test="$nobox">
            <span class="cb-none" aria-hidden="true"></span>
          </xsl:when>
          <xsl:otherwise>
            <input type="checkbox" id="{$id}" disabled="disabled">
              <xsl:if test="@state = 'done'">
                <xsl:attribute name="checked">checked</xsl:attribute>
              </xsl:if>
            </input>
          </xsl:otherwise>
        </xsl:choose>
      </div>
      <div class="dstep-body">
        <xsl:choose>
          <xsl:when test="$nobox">
            <span class="dstep-label"><xsl:call-template name="dstep-title"/></span>
          </xsl:when>
          <xsl:otherwise>
            <label for="{$id}" class="dstep-label"><xsl:call-template name="dstep-title"/></label>
          </xsl:otherwise>
        </xsl:choose>
        <xsl:if test="@optional = '1'">
          <span class="tag tag-optional">自愿办理，不计入离校</span>
        </xsl:if>
        <xsl:if test="@overridden = '1'">
          <span class="tag tag-override">限制已关闭（缓交）</span>
        </xsl:if>
        <xsl:if test="@certificate = '1' and @certificates">
          <span class="sub">发放证件：<xsl:value-of select="@certificates"/></span>
        </xsl:if>
        <xsl:choose>
          <xsl:when test="@state = 'done'">
            <span class="sub done-by">
              <xsl:call-template name="who-when"/>
            </span>
            <xsl:if test="@note">
              <span class="sub">备注：<xsl:value-of select="@note"/></span>
            </xsl:if>
          </xsl:when>
          <xsl:when test="@state = 'na'"/>
          <xsl:when test="@automatic">
            <span class="sub">
              <xsl:choose>
                <xsl:when test="@automatic = 'library'">依据图书馆数据自动办理</xsl:when>
                <xsl:when test="@automatic = 'finance'">依据财务处数据自动办理</xsl:when>
                <xsl:otherwise>依据数据自动办理</xsl:otherwise>
              </xsl:choose>
            </span>
          </xsl:when>
          <xsl:when test="requires">
            <span class="requires">
              <xsl:text>前置业务未完成：</xsl:text>
              <xsl:call-template name="requires-names"/>
            </span>
          </xsl:when>
          <xsl:when test="$locked"/>
          <xsl:when test="not(contains($m, ' individual '))">
            <span class="sub">
              <xsl:text>此项不能单独勾选，只能</xsl:text>
              <xsl:choose>
                <xsl:when test="contains($m, ' class ') and contains($m, ' dorm ')">按班级或按寝室批量</xsl:when>
                <xsl:when test="contains($m, ' class ')">按班级批量</xsl:when>
                <xsl:when test="contains($m, ' dorm ')">按寝室批量</xsl:when>
                <xsl:otherwise>统一批量</xsl:otherwise>
              </xsl:choose>
              <xsl:text>办理。</xsl:text>
            </span>
          </xsl:when>
          <xsl:when test="@proposed = '1'">
            <span class="tag tag-proposed">系统已勾选，待确认</span>
          </xsl:when>
        </xsl:choose>
        <xsl:if test="@state = 'pending' and @hint">
          <span class="hint"><xsl:value-of select="@hint"/></span>
        </xsl:if>
      </div>
      <!-- Batch buttons: the student may be the class or room representative, whatever
           their own state of the step, so they show for every step that takes a batch. -->
      <xsl:if test="not(@automatic) and not($locked)
                    and (contains($m, ' class ') or (contains($m, ' dorm ') and $s/@dorm))">
        <div class="dstep-actions">
          <xsl:if test="contains($m, ' class ')">
            <a class="button secondary small"
               href="{$base}/op/batch?at={$desk/@key}&amp;step={@code}&amp;mode=class&amp;s={$sno}">按班级批量</a>
          </xsl:if>
          <xsl:if test="contains($m, ' dorm ') and $s/@dorm">
            <a class="button secondary small"
               href="{$base}/op/batch?at={$desk/@key}&amp;step={@code}&amp;mode=dorm&amp;s={$sno}">按寝室批量</a>
          </xsl:if>
        </div>
      </xsl:if>
    </li>
  </xsl:template>

  <!-- Step name and state badge (context: <step>). -->
  <xsl:template name="dstep-title">
    <span class="name"><xsl:value-of select="@name"/></span>
    <xsl:text> </xsl:text>
    <span class="state state-{@state}">
      <xsl:call-template name="state-label">
        <xsl:with-param name="state" select="@state"/>
      </xsl:call-template>
    </span>
  </xsl:template>

  <!-- "王老师 · 2026-11-28 21:23 · 按班级" (context: a done <step>). -->
  <xsl:template name="who-when">
    <xsl:choose>
      <xsl:when test="@by-name"><xsl:value-of select="@by-name"/></xsl:when>
      <xsl:when test="@automatic or @how = 'feed' or @how = 'auto'">系统</xsl:when>
      <xsl:when test="@by-login"><xsl:value-of select="@by-login"/></xsl:when>
    </xsl:choose>
    <xsl:if test="@at">
      <xsl:text> · </xsl:text>
      <time><xsl:value-of select="@at"/></time>
    </xsl:if>
    <xsl:if test="@how">
      <xsl:text> · </xsl:text>
      <xsl:call-template name="how-label">
        <xsl:with-param name="how" select="@how"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- Before a whole-scope batch: the exact number it will confirm, and the question. The
       form sends the first form's rid again: nothing was done yet. -->
  <xsl:template match="scope-confirm">
    <section class="card scope-confirm" role="alertdialog" aria-labelledby="h-scope-confirm"
             aria-describedby="scope-confirm-text">
      <h2 id="h-scope-confirm">
        <xsl:text>确认统一办理：</xsl:text><xsl:value-of select="@step-name"/>
      </h2>
      <p id="scope-confirm-text">
        <xsl:text>将为 </xsl:text><b class="scope-count"><xsl:value-of select="@count"/></b>
        <xsl:text> 名学生确认此项业务。</xsl:text>
        <xsl:if test="number(@pending) &gt; number(@count)">
          <xsl:text>服务范围内未办 </xsl:text><xsl:value-of select="@pending"/>
          <xsl:text> 人，其中 </xsl:text><xsl:value-of select="number(@pending) - number(@count)"/>
          <xsl:text> 人有例外情况（如尚需归还物品）或前置业务未完成，不包括在内，仍需逐个办理。</xsl:text>
        </xsl:if>
      </p>
      <xsl:choose>
        <xsl:when test="number(@count) &gt; 0">
          <form method="post" action="{$base}/op/scope" class="inline-form">
            <input type="hidden" name="csrf" value="{$desk/@csrf}"/>
            <input type="hidden" name="rid" value="{@rid}"/>
            <input type="hidden" name="at" value="{$desk/@key}"/>
            <input type="hidden" name="s" value="{$sno}"/>
            <input type="hidden" name="step" value="{@step}"/>
            <input type="hidden" name="note" value="{@note}"/>
            <input type="hidden" name="confirmed" value="1"/>
            <button type="submit" class="submit" autofocus="autofocus">
              <xsl:text>确认为 </xsl:text><xsl:value-of select="@count"/><xsl:text> 名学生办理</xsl:text>
            </button>
          </form>
          <xsl:text> </xsl:text>
        </xsl:when>
        <xsl:otherwise><p class="muted">目前没有可以统一办理的学生。</p></xsl:otherwise>
      </xsl:choose>
      <a class="button secondary">
        <xsl:attribute name="href">
          <xsl:value-of select="$desk-url"/>
          <xsl:if test="$s"><xsl:value-of select="concat('&amp;s=', $sno)"/></xsl:if>
        </xsl:attribute>
        <xsl:text>取消</xsl:text>
      </a>
    </section>
  </xsl:template>

  <!-- Whole scope at once (instruments: everyone with nothing to return). -->
  <xsl:template match="step" mode="scope">
    <xsl:variable name="st" select="$desk/stats/step[@code = current()/@code]"/>
    <details class="more scope">
      <summary>
        <xsl:text>全部统一确认：</xsl:text><xsl:value-of select="@name"/>
      </summary>
      <form method="post" action="{$base}/op/scope" class="small-form">
        <xsl:call-template name="desk-hidden"/>
        <input type="hidden" name="s" value="{$sno}"/>
        <input type="hidden" name="step" value="{@code}"/>
        <p class="small">
          <xsl:text>为本离校点服务范围内所有此项待办理的毕业生一次性确认。有例外情况（如尚需归还物品）或前置业务未完成的学生不包括在内，仍需逐个办理；下一步显示将办理的确切人数，确认后才办理。</xsl:text>
        </p>
        <div class="input-row wide">
          <label class="vh" for="scope-note-{@code}">备注</label>
          <input type="text" id="scope-note-{@code}" name="note" maxlength="200"
                 autocomplete="off" placeholder="备注（可选）"/>
          <button type="submit">全部统一确认…</button>
        </div>
      </form>
    </details>
  </xsl:template>

  <!-- Undo a wrong confirmation, with a reason. The module checks the step's modes on a
       revoke too, so a step that is never done for one student alone (league transfer: by
       class) is undone as a batch of one: how=class|dorm with sid.NO of this student. -->
  <xsl:template match="step" mode="revoke">
    <xsl:variable name="m" select="concat(' ', normalize-space(@modes), ' ')"/>
    <xsl:variable name="how">
      <xsl:choose>
        <xsl:when test="contains($m, ' individual ')">individual</xsl:when>
        <xsl:when test="contains($m, ' class ')">class</xsl:when>
        <xsl:when test="contains($m, ' dorm ')">dorm</xsl:when>
        <xsl:otherwise>individual</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <form method="post" action="{$base}/op/revoke" class="small-form revoke-form">
      <xsl:call-template name="desk-hidden"/>
      <input type="hidden" name="how" value="{$how}"/>
      <input type="hidden" name="s" value="{$sno}"/>
      <input type="hidden" name="step" value="{@code}"/>
      <xsl:if test="$how != 'individual'">
        <input type="hidden" name="sid.{$sno}" value="1"/>
      </xsl:if>
      <label for="revoke-{@code}" class="revoke-step"><xsl:value-of select="@name"/></label>
      <div class="input-row wide">
        <input type="text" id="revoke-{@code}" name="reason" required="required" maxlength="200"
               autocomplete="off" placeholder="撤销原因"/>
        <button type="submit" class="danger">撤销</button>
      </div>
    </form>
  </xsl:template>

  <!-- 3 Live statistics of the point =========================================== -->
  <xsl:template name="stats">
    <section class="card desk-stats" aria-labelledby="h-stats">
      <div class="card-head">
        <h2 id="h-stats">实时统计</h2>
        <a class="button secondary small" href="{$here}">刷新</a>
      </div>
      <p class="muted small">
        <xsl:value-of select="$desk/@point-name"/>
        <xsl:if test="$desk/@college-name">
          <xsl:text> · </xsl:text><xsl:value-of select="$desk/@college-name"/>
        </xsl:if>
        <xsl:if test="/page/@now">
          <xsl:text> · 截至 </xsl:text><time><xsl:value-of select="/page/@now"/></time>
        </xsl:if>
      </p>
      <xsl:choose>
        <xsl:when test="$desk/stats/step">
          <ul class="stats">
            <xsl:apply-templates select="$desk/stats/step" mode="stats"/>
          </ul>
        </xsl:when>
        <xsl:otherwise>
          <p class="muted">暂无统计数据。</p>
        </xsl:otherwise>
      </xsl:choose>
      <!-- the proof list of the desk's scope, for Excel -->
      <p class="small export-links">
        <xsl:text>已办结学生名单：</xsl:text>
        <a href="{$base}/op/export?at={$desk/@key}&amp;kind=cleared">CSV（UTF-8）</a>
        <xsl:text> · </xsl:text>
        <a href="{$base}/op/export?at={$desk/@key}&amp;kind=cleared&amp;enc=gb18030">CSV（GB18030）</a>
        <xsl:text> · </xsl:text>
        <a href="{$base}/op/export?at={$desk/@key}&amp;kind=cleared&amp;format=xlsx">导出 Excel</a>
      </p>
    </section>
  </xsl:template>

  <xsl:template match="step" mode="stats">
    <xsl:variable name="app" select="number(@applicable)"/>
    <xsl:variable name="done" select="number(@done)"/>
    <li class="stat" data-step="{@code}">
      <div class="stat-head">
        <span class="stat-name">
          <xsl:value-of select="@name"/>
          <xsl:if test="@optional = '1'">
            <xsl:text> </xsl:text><span class="tag tag-optional">自愿</span>
          </xsl:if>
        </span>
        <span class="stat-pct">
          <xsl:choose>
            <xsl:when test="$app &gt; 0">
              <!-- floor: never 100% while anyone is left -->
              <xsl:value-of select="format-number(floor($done * 1000 div $app) div 10, '0.0')"/>
              <xsl:text>%</xsl:text>
            </xsl:when>
            <xsl:otherwise>—</xsl:otherwise>
          </xsl:choose>
        </span>
      </div>
      <progress class="bar" value="{$done}" max="{$app}">
        <xsl:if test="not($app &gt; 0)">
          <xsl:attribute name="value">0</xsl:attribute>
          <xsl:attribute name="max">1</xsl:attribute>
        </xsl:if>
        <xsl:value-of select="@done"/> / <xsl:value-of select="@applicable"/>
      </progress>
      <div class="stat-nums">
        <span>应办 <b><xsl:value-of select="@applicable"/></b></span>
        <span>已办 <b class="n-done"><xsl:value-of select="@done"/></b></span>
        <span>未办 <b class="n-pending"><xsl:value-of select="@pending"/></b></span>
      </div>
      <xsl:if test="number(@pending) &gt; 0">
        <p class="small export-links">
          <a href="{$base}/op/export?at={$desk/@key}&amp;kind=pending&amp;step={@code}">导出未办名单</a>
          <xsl:text> · </xsl:text>
          <a href="{$base}/op/export?at={$desk/@key}&amp;kind=pending&amp;step={@code}&amp;enc=gb18030">GB18030</a>
          <xsl:text> · </xsl:text>
          <a href="{$base}/op/export?at={$desk/@key}&amp;kind=pending&amp;step={@code}&amp;format=xlsx">导出 Excel</a>
        </p>
      </xsl:if>
      <xsl:if test="number(@proposed) &gt; 0">
        <p class="stat-proposed">
          <xsl:text>系统已勾选待确认 </xsl:text><b><xsl:value-of select="@proposed"/></b><xsl:text> 人</xsl:text>
        </p>
      </xsl:if>
    </li>
  </xsl:template>

  <!-- 6 The student's whole clearance record ==================================== -->
  <xsl:template name="record">
    <xsl:variable name="required" select="$s/point/step[not(@optional = '1')][not(@state = 'na')]"/>
    <section class="card desk-record" aria-labelledby="h-record">
      <div class="card-head">
        <h2 id="h-record">
          <xsl:text>离校记录</xsl:text>
          <span class="h-sub"><xsl:value-of select="$s/@name"/></span>
        </h2>
        <span class="muted small">
          <xsl:text>必办业务已完成 </xsl:text>
          <strong><xsl:value-of select="count($required[@state = 'done'])"/></strong>
          <xsl:text> / </xsl:text>
          <xsl:value-of select="count($required)"/>
          <xsl:text> 项</xsl:text>
        </span>
      </div>
      <div class="table-wrap">
        <table class="list record cards">
          <colgroup>
            <col class="r-name"/><col class="r-state"/><col class="r-how"/>
            <col class="r-who"/><col class="r-at"/><col class="r-note"/>
          </colgroup>
          <thead>
            <tr>
              <th scope="col">离校业务</th>
              <th scope="col">状态</th>
              <th scope="col">办理方式</th>
              <th scope="col">经办人</th>
              <th scope="col">办理时间</th>
              <th scope="col">备注</th>
            </tr>
          </thead>
          <xsl:for-each select="$s/point[step]">
            <tbody>
              <xsl:if test="@code = $desk/@point">
                <xsl:attribute name="class">here</xsl:attribute>
              </xsl:if>
              <tr class="group">
                <th colspan="6" scope="rowgroup">
                  <xsl:value-of select="@name"/>
                  <xsl:if test="@code = $desk/@point">
                    <span class="tag tag-here">本离校点</span>
                  </xsl:if>
                  <xsl:if test="@location">
                    <span class="where"><xsl:value-of select="@location"/></span>
                  </xsl:if>
                </th>
              </tr>
              <xsl:for-each select="step">
                <tr class="row-{@state}">
                  <th scope="row">
                    <span class="name"><xsl:value-of select="@name"/></span>
                    <xsl:if test="@optional = '1'">
                      <xsl:text> </xsl:text><span class="tag tag-optional">自愿</span>
                    </xsl:if>
                    <xsl:if test="@proposed = '1' and @state = 'pending'">
                      <xsl:text> </xsl:text><span class="tag tag-proposed">系统已勾选</span>
                    </xsl:if>
                    <xsl:if test="@overridden = '1'">
                      <xsl:text> </xsl:text><span class="tag tag-override">缓交</span>
                    </xsl:if>
                    <xsl:if test="@state = 'pending' and requires">
                      <span class="requires">
                        <xsl:text>前置业务未完成：</xsl:text>
                        <xsl:call-template name="requires-names"/>
                      </span>
                    </xsl:if>
                  </th>
                  <td data-label="状态" class="c-state">
                    <span class="state state-{@state}">
                      <xsl:call-template name="state-label">
                        <xsl:with-param name="state" select="@state"/>
                      </xsl:call-template>
                    </span>
                  </td>
                  <td data-label="办理方式">
                    <xsl:choose>
                      <xsl:when test="@how">
                        <xsl:call-template name="how-label">
                          <xsl:with-param name="how" select="@how"/>
                        </xsl:call-template>
                      </xsl:when>
                      <xsl:when test="@automatic and @state = 'pending'">
                        <span class="muted">自动</span>
                      </xsl:when>
                      <xsl:otherwise><span class="muted">—</span></xsl:otherwise>
                    </xsl:choose>
                  </td>
                  <td data-label="经办人">
                    <xsl:choose>
                      <xsl:when test="@by-name"><xsl:value-of select="@by-name"/></xsl:when>
                      <xsl:when test="@state = 'done' and (@automatic or @how = 'feed' or @how = 'auto')">系统</xsl:when>
                      <xsl:when test="@by-login"><xsl:value-of select="@by-login"/></xsl:when>
                      <xsl:otherwise><span class="muted">—</span></xsl:otherwise>
                    </xsl:choose>
                  </td>
                  <td data-label="办理时间" class="nowrap">
                    <xsl:choose>
                      <xsl:when test="@at"><time><xsl:value-of select="@at"/></time></xsl:when>
                      <xsl:otherwise><span class="muted">—</span></xsl:otherwise>
                    </xsl:choose>
                  </td>
                  <td data-label="备注"><xsl:value-of select="@note"/></td>
                </tr>
              </xsl:for-each>
            </tbody>
          </xsl:for-each>
        </table>
      </div>
    </section>
  </xsl:template>

</xsl:stylesheet>
