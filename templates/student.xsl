<?xml version="1.0" encoding="UTF-8"?>
<!--
  student.xsl (view="student"): one student's clearance sheet (离校单).
  Seen by the student on a phone, by staff at a desk, and printed as the leaving form.
  Provides mode="title" and mode="content" for layout.xsl.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:import href="layout.xsl"/>

  <xsl:variable name="s" select="/page/student"/>
  <!-- What counts toward clearance: required steps that apply to this student.
       Optional steps and steps in state "na" count toward nothing. -->
  <xsl:variable name="required" select="$s/point/step[not(@optional = '1')][not(@state = 'na')]"/>
  <xsl:variable name="total" select="count($required)"/>
  <xsl:variable name="done" select="count($required[@state = 'done'])"/>
  <xsl:variable name="left" select="$required[not(@state = 'done')]"/>

  <xsl:template match="/page" mode="title">
    <xsl:text>离校单</xsl:text>
    <xsl:if test="$s/@name">
      <xsl:text> · </xsl:text>
      <xsl:value-of select="$s/@name"/>
    </xsl:if>
  </xsl:template>

  <xsl:template match="/page" mode="content">
    <xsl:choose>
      <xsl:when test="$s">
        <xsl:apply-templates select="$s"/>
      </xsl:when>
      <xsl:otherwise>
        <p class="notice">没有找到该学生的离校信息。</p>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="student">
    <div class="page-head">
      <div>
        <h1>毕业生离校单</h1>
        <p class="lead">
          <xsl:value-of select="@name"/>
          <xsl:text> · </xsl:text>
          <xsl:value-of select="@student-no"/>
          <xsl:if test="@cohort">
            <xsl:text> · </xsl:text>
            <xsl:value-of select="@cohort"/>
          </xsl:if>
        </p>
      </div>
      <div class="actions">
        <!-- Hidden by lx.css until lx.js marks <html class="js">: no script, no button. -->
        <button type="button" class="print" data-action="print">打印离校单</button>
        <xsl:if test="not(@own = '1')">
          <a class="button secondary" href="{/page/@base}/">查询其他学生</a>
        </xsl:if>
      </div>
    </div>

    <xsl:if test="@cohort-closed = '1'">
      <p class="notice notice-closed">
        <xsl:value-of select="@cohort"/>
        <xsl:text>离校工作已结束，数据已归档，只读。</xsl:text>
      </p>
    </xsl:if>

    <!-- Summary first: on a phone it is what the student opens the page for. -->
    <xsl:call-template name="summary"/>
    <xsl:call-template name="basic-info"/>

    <div class="grid-2">
      <xsl:call-template name="library"/>
      <xsl:call-template name="finance"/>
    </div>

    <section class="points" aria-labelledby="h-points">
      <h2 id="h-points">离校业务明细</h2>
      <xsl:apply-templates select="point"/>
    </section>

    <!-- Only on paper: room for stamps and signatures. -->
    <div class="sign print-only" aria-hidden="true">
      <div class="sign-row">
        <span class="sign-label">学生签名：</span><span class="line"></span>
        <span class="sign-label">日期：</span><span class="line short"></span>
      </div>
      <div class="sign-row">
        <span class="sign-label">审核单位签章：</span><span class="line"></span>
        <span class="sign-label">日期：</span><span class="line short"></span>
      </div>
      <xsl:if test="/page/@now">
        <p class="small">打印时间：<xsl:value-of select="/page/@now"/></p>
      </xsl:if>
    </div>
  </xsl:template>

  <!-- Basic information ==================================================== -->
  <xsl:template name="basic-info">
    <section class="card info" aria-labelledby="h-info">
      <h2 id="h-info">基本信息</h2>
      <dl class="fields">
        <div><dt>学号</dt><dd><xsl:value-of select="@student-no"/></dd></div>
        <div><dt>姓名</dt><dd><xsl:value-of select="@name"/></dd></div>
        <xsl:if test="@gender">
          <div>
            <dt>性别</dt>
            <dd>
              <xsl:choose>
                <xsl:when test="@gender = 'M'">男</xsl:when>
                <xsl:when test="@gender = 'F'">女</xsl:when>
                <xsl:otherwise><xsl:value-of select="@gender"/></xsl:otherwise>
              </xsl:choose>
            </dd>
          </div>
        </xsl:if>
        <xsl:if test="@institution">
          <div><dt>学校</dt><dd><xsl:value-of select="@institution"/></dd></div>
        </xsl:if>
        <div><dt>学院</dt><dd><xsl:value-of select="@college"/></dd></div>
        <div><dt>班级</dt><dd><xsl:value-of select="@class"/></dd></div>
        <div>
          <dt>届别</dt>
          <dd>
            <xsl:value-of select="@cohort"/>
            <xsl:if test="@programme and not(contains(@cohort, @programme))">
              <xsl:text>（</xsl:text><xsl:value-of select="@programme"/><xsl:text>）</xsl:text>
            </xsl:if>
          </dd>
        </div>
        <div>
          <dt>寝室</dt>
          <dd>
            <xsl:choose>
              <xsl:when test="@dorm"><xsl:value-of select="@dorm"/></xsl:when>
              <xsl:otherwise><span class="muted">校外住宿</span></xsl:otherwise>
            </xsl:choose>
          </dd>
        </div>
        <xsl:if test="@id-masked">
          <div>
            <dt><xsl:value-of select="@id-type"/><xsl:if test="not(@id-type)">证件号码</xsl:if></dt>
            <dd class="mono"><xsl:value-of select="@id-masked"/></dd>
          </div>
        </xsl:if>
        <div>
          <dt>国家助学贷款</dt>
          <dd>
            <xsl:choose>
              <xsl:when test="@national-loans"><xsl:value-of select="@national-loans"/></xsl:when>
              <xsl:otherwise><span class="muted">无</span></xsl:otherwise>
            </xsl:choose>
          </dd>
        </div>
      </dl>
    </section>
  </xsl:template>

  <!-- Progress and what is left ============================================= -->
  <xsl:template name="summary">
    <xsl:variable name="percent">
      <xsl:choose>
        <xsl:when test="$total = 0">100</xsl:when>
        <!-- floor: never show 100% while a step is still open -->
        <xsl:otherwise><xsl:value-of select="floor($done * 100 div $total)"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>

    <section aria-labelledby="h-summary">
      <xsl:attribute name="class">
        <xsl:text>card summary </xsl:text>
        <xsl:choose>
          <xsl:when test="$left">summary-left</xsl:when>
          <xsl:otherwise>summary-cleared</xsl:otherwise>
        </xsl:choose>
      </xsl:attribute>

      <h2 id="h-summary">
        <xsl:choose>
          <xsl:when test="$left">
            <xsl:text>还有 </xsl:text><xsl:value-of select="count($left)"/><xsl:text> 项离校业务待办理</xsl:text>
          </xsl:when>
          <xsl:otherwise>已完成全部离校手续</xsl:otherwise>
        </xsl:choose>
      </h2>

      <div class="progress">
        <label for="lx-progress">
          <xsl:text>离校进度：已完成 </xsl:text>
          <strong><xsl:value-of select="$done"/></strong>
          <xsl:text> / </xsl:text>
          <xsl:value-of select="$total"/>
          <xsl:text> 项（</xsl:text><xsl:value-of select="$percent"/><xsl:text>%）</xsl:text>
        </label>
        <progress id="lx-progress" value="{$done}" max="{$total}">
          <xsl:if test="$total = 0">
            <xsl:attribute name="value">1</xsl:attribute>
            <xsl:attribute name="max">1</xsl:attribute>
          </xsl:if>
          <xsl:value-of select="$percent"/><xsl:text>%</xsl:text>
        </progress>
        <p class="muted small">自愿办理的业务和无需办理的业务不计入离校进度。</p>
      </div>

      <xsl:if test="$left">
        <p>请按以下地点办理（按离校点分组）：</p>
        <ol class="todo">
          <!-- Grouped by point: only points that still have an open required step. -->
          <xsl:for-each select="point[step[not(@optional = '1')][not(@state = 'na')][not(@state = 'done')]]">
            <li class="todo-point">
              <div class="todo-head">
                <strong><xsl:value-of select="@name"/></strong>
                <xsl:if test="@location">
                  <span class="where"><xsl:value-of select="@location"/></span>
                </xsl:if>
              </div>
              <ul>
                <xsl:for-each select="step[not(@optional = '1')][not(@state = 'na')][not(@state = 'done')]">
                  <li>
                    <span class="todo-step"><xsl:value-of select="@name"/></span>
                    <xsl:call-template name="step-flags"/>
                    <xsl:call-template name="step-requires"/>
                    <xsl:if test="@hint">
                      <span class="hint"><xsl:value-of select="@hint"/></span>
                    </xsl:if>
                  </li>
                </xsl:for-each>
              </ul>
            </li>
          </xsl:for-each>
        </ol>
      </xsl:if>
    </section>
  </xsl:template>

  <!-- Library ============================================================= -->
  <xsl:template name="library">
    <xsl:variable name="lib" select="library"/>
    <section class="card feed" aria-labelledby="h-library">
      <h2 id="h-library">图书馆</h2>
      <xsl:choose>
        <xsl:when test="$lib/@loans or $lib/@fines or $lib/@received-at">
          <dl class="fields compact">
            <div><dt>借阅册数</dt><dd><xsl:value-of select="$lib/@loans"/> 册</dd></div>
            <div><dt>欠费金额</dt><dd><xsl:value-of select="$lib/@fines"/> 元</dd></div>
            <div><dt>数据时间</dt><dd><xsl:value-of select="$lib/@received-at"/></dd></div>
          </dl>
          <xsl:choose>
            <xsl:when test="number($lib/@loans) = 0 and number($lib/@fines) = 0">
              <p class="ok">无借阅、无欠费。</p>
            </xsl:when>
            <xsl:otherwise>
              <p class="warn">请到图书馆归还所借图书并缴清欠费，图书馆数据同步后自动更新。</p>
            </xsl:otherwise>
          </xsl:choose>
        </xsl:when>
        <xsl:otherwise>
          <p class="pending-data">图书馆还没有发来您的借阅数据：有借书或欠款的，请先到图书馆归还、缴清；此项在图书馆同步数据后自动更新，无需另外办理。</p>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <!-- Finance ============================================================= -->
  <xsl:template name="finance">
    <xsl:variable name="fin" select="finance"/>
    <section class="card feed" aria-labelledby="h-finance">
      <h2 id="h-finance">财务处</h2>
      <xsl:choose>
        <xsl:when test="$fin/@arrears or $fin/@received-at">
          <dl class="fields compact">
            <div><dt>欠费</dt><dd><xsl:value-of select="$fin/@arrears"/> 元</dd></div>
            <div><dt>数据时间</dt><dd><xsl:value-of select="$fin/@received-at"/></dd></div>
          </dl>
          <xsl:choose>
            <xsl:when test="number($fin/@arrears) = 0">
              <p class="ok">无欠费。</p>
            </xsl:when>
            <xsl:otherwise>
              <p class="warn">请到财务处缴清欠费，财务数据同步后自动更新。</p>
            </xsl:otherwise>
          </xsl:choose>
        </xsl:when>
        <xsl:otherwise>
          <p class="pending-data">财务处还没有发来您的缴费数据：有欠费的，请先到财务处缴清；此项在财务处同步数据后自动更新，无需另外办理。</p>
        </xsl:otherwise>
      </xsl:choose>
      <xsl:if test="point/step[@automatic = 'finance'][@overridden = '1']">
        <p class="note">已办理缓交：欠费限制已关闭，不影响领取证件。</p>
      </xsl:if>
    </section>
  </xsl:template>

  <!-- One point with its steps =========================================== -->
  <xsl:template match="point">
    <xsl:variable name="req" select="step[not(@optional = '1')][not(@state = 'na')]"/>
    <xsl:variable name="open" select="count($req[not(@state = 'done')])"/>
    <section class="point">
      <div class="point-head">
        <h3><xsl:value-of select="@name"/></h3>
        <xsl:choose>
          <xsl:when test="not($req)"><span class="state state-na">无需办理</span></xsl:when>
          <xsl:when test="$open = 0"><span class="state state-done">已完成</span></xsl:when>
          <xsl:otherwise>
            <span class="state state-pending">待办理 <xsl:value-of select="$open"/> 项</span>
          </xsl:otherwise>
        </xsl:choose>
      </div>
      <xsl:if test="@location">
        <p class="where"><xsl:value-of select="@location"/></p>
      </xsl:if>
      <!-- The wrapper scrolls sideways on narrow screens instead of squeezing columns. -->
      <div class="table-wrap">
        <table class="steps">
          <!-- Fixed column widths keep every point's table aligned with the next. -->
          <colgroup>
            <col class="w-name"/><col class="w-state"/><col class="w-how"/>
            <col class="w-who"/><col class="w-at"/><col class="w-note"/>
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
          <tbody>
            <xsl:apply-templates select="step"/>
          </tbody>
        </table>
      </div>
    </section>
  </xsl:template>

  <xsl:template match="step">
    <tr class="row-{@state}">
      <th scope="row" class="step-name">
        <span class="name"><xsl:value-of select="@name"/></span>
        <xsl:call-template name="step-flags"/>
        <xsl:if test="@certificate = '1' and @certificates">
          <span class="sub">发放证件：<xsl:value-of select="@certificates"/></span>
        </xsl:if>
        <xsl:call-template name="step-requires"/>
        <xsl:if test="@state = 'pending' and @hint">
          <span class="hint"><xsl:value-of select="@hint"/></span>
        </xsl:if>
      </th>
      <td class="c-state">
        <xsl:choose>
          <!-- an optional step (the deposit refund) is not a to-do -->
          <xsl:when test="@optional = '1' and @state = 'pending'">
            <span class="state state-optional">自愿，未办理</span>
          </xsl:when>
          <xsl:otherwise>
            <span class="state state-{@state}">
              <xsl:call-template name="state-label">
                <xsl:with-param name="state" select="@state"/>
              </xsl:call-template>
            </span>
          </xsl:otherwise>
        </xsl:choose>
      </td>
      <td class="c-how">
        <xsl:choose>
          <xsl:when test="@how">
            <xsl:call-template name="how-label">
              <xsl:with-param name="how" select="@how"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:when test="@automatic and @state = 'pending'">
            <span class="muted">自动</span>
          </xsl:when>
        </xsl:choose>
      </td>
      <td class="c-who"><xsl:call-template name="who"/></td>
      <td class="c-at">
        <xsl:choose>
          <xsl:when test="@at"><time><xsl:value-of select="@at"/></time></xsl:when>
        </xsl:choose>
      </td>
      <td class="c-note"><xsl:value-of select="@note"/></td>
    </tr>
  </xsl:template>

  <!-- Who did a step, in the words of the student's form: a person's name, or the office whose
       data did it, never a login ("feed:library", "system:import"). -->
  <xsl:template name="who">
    <xsl:choose>
      <xsl:when test="@by-name"><xsl:value-of select="@by-name"/></xsl:when>
      <xsl:when test="starts-with(@by-login, 'feed:library')">图书馆（数据同步）</xsl:when>
      <xsl:when test="starts-with(@by-login, 'feed:finance')">财务处（数据同步）</xsl:when>
      <xsl:when test="starts-with(@by-login, 'feed:bank')">银行（数据同步）</xsl:when>
      <xsl:when test="@automatic and @by-login">
        <xsl:value-of select="../@name"/><xsl:text>（数据同步）</xsl:text>
      </xsl:when>
      <xsl:when test="@how = 'rule' or starts-with(@by-login, 'system:')
                      or starts-with(@by-login, 'cli:')">系统</xsl:when>
      <xsl:when test="@by-login">经办人员</xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- Small labels on a step, shared by the table and the to-do list. -->
  <xsl:template name="step-flags">
    <xsl:if test="@optional = '1'">
      <span class="tag tag-optional">自愿办理，不计入离校</span>
    </xsl:if>
    <xsl:if test="@proposed = '1' and @state = 'pending'">
      <span class="tag tag-proposed">系统已勾选，待确认</span>
    </xsl:if>
    <xsl:if test="@overridden = '1'">
      <span class="tag tag-override">限制已关闭（缓交）</span>
    </xsl:if>
    <xsl:choose>
      <xsl:when test="@automatic = 'library'">
        <span class="sub">依据图书馆数据自动办理</span>
      </xsl:when>
      <xsl:when test="@automatic = 'finance'">
        <span class="sub">依据财务处数据自动办理</span>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- A pending certificate step names what still blocks it. -->
  <xsl:template name="step-requires">
    <xsl:if test="@state = 'pending' and requires">
      <span class="requires">
        <xsl:text>尚未完成的前置业务：</xsl:text>
        <xsl:for-each select="requires">
          <xsl:value-of select="@name"/>
          <xsl:if test="position() != last()">、</xsl:if>
        </xsl:for-each>
      </span>
    </xsl:if>
  </xsl:template>


</xsl:stylesheet>
