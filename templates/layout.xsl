<?xml version="1.0" encoding="UTF-8"?>
<!--
  layout.xsl: the frame every view shares (head, header, footer).

  Each view stylesheet does <xsl:import href="layout.xsl"/> and provides:
    <xsl:template match="/page" mode="title">   page title text (no markup)
    <xsl:template match="/page" mode="content"> the body of <main>
  Imported templates have lower precedence, so the view's versions win;
  the defaults below only keep a view without them from failing.

  Rules (a strict Content-Security-Policy is planned):
    no inline script, no style attributes, no <style>, no disable-output-escaping;
    xsl:sort only with literal data-type/order/lang (AVTs there corrupt shared
    stylesheets in libxslt 1.1.35).
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <!-- doctype-system="about:legacy-compat" makes libxslt write <!DOCTYPE html>. -->
  <xsl:output method="html" encoding="UTF-8" indent="no"
              doctype-system="about:legacy-compat"/>
  <xsl:strip-space elements="*"/>

  <xsl:variable name="system-name">数字离校系统</xsl:variable>

  <xsl:template match="/page">
    <html lang="zh-CN">
      <head>
        <!-- The module's HTML writer (core/lx_html.c) writes what the stylesheet
             makes, byte for byte as libxml2 2.9's serializer, which inserts this
             http-equiv meta when it is missing and does not recognise <meta charset>:
             written here, it is the page's one charset declaration either way (two
             would be an HTML5 conformance error). -->
        <meta http-equiv="Content-Type" content="text/html; charset=UTF-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="format-detection" content="telephone=no"/>
        <title>
          <xsl:variable name="t">
            <xsl:apply-templates select="." mode="title"/>
          </xsl:variable>
          <xsl:if test="normalize-space($t) != ''">
            <xsl:value-of select="normalize-space($t)"/>
            <xsl:text> · </xsl:text>
          </xsl:if>
          <xsl:value-of select="$system-name"/>
        </title>
        <!-- no favicon request (there is none to serve) -->
        <link rel="icon" href="data:,"/>
        <link rel="stylesheet" href="{@static}/lx.css"/>
        <script src="{@static}/lx.js" defer="defer"></script>
      </head>
      <body class="view-{@view}">
        <a class="skip" href="#main">跳到正文</a>
        <xsl:call-template name="site-header"/>
        <main id="main" class="container">
          <!-- read from a standby (LixiaoReadDB): how current the page is -->
          <xsl:if test="@as-of">
            <p class="as-of muted small" role="status">
              <xsl:text>数据截至 </xsl:text>
              <time><xsl:value-of select="@as-of"/></time>
              <xsl:text>（只读副本，最近几秒内的办理可能尚未显示）</xsl:text>
            </p>
          </xsl:if>
          <xsl:apply-templates select="." mode="content"/>
        </main>
        <xsl:call-template name="site-footer"/>
      </body>
    </html>
  </xsl:template>

  <!-- Header: system name, navigation, who is logged in. -->
  <xsl:template name="site-header">
    <header class="site-header">
      <div class="container bar">
        <a class="brand" href="{/page/@base}/">
          <span class="brand-mark" aria-hidden="true">离</span>
          <span class="brand-name"><xsl:value-of select="$system-name"/></span>
        </a>
        <xsl:if test="/page/account">
          <nav class="site-nav" aria-label="主导航">
            <a href="{/page/@base}/">
              <xsl:choose>
                <xsl:when test="/page/account/@kind = 'student'">我的离校单</xsl:when>
                <xsl:otherwise>首页</xsl:otherwise>
              </xsl:choose>
            </a>
            <!-- operators with a desk point (the deferral point has its own page) -->
            <xsl:if test="/page/account/@admin = '1'
                          or /page/account/assignment[@deferral != '1']">
              <a href="{/page/@base}/op">操作台</a>
            </xsl:if>
            <xsl:if test="/page/account/@kind = 'operator'">
              <a href="{/page/@base}/stats">离校统计</a>
            </xsl:if>
            <xsl:if test="/page/account/@admin = '1' or /page/account/assignment[@deferral = '1']">
              <a href="{/page/@base}/deferral">缓交办理</a>
            </xsl:if>
            <xsl:if test="/page/account/@admin = '1'">
              <a href="{/page/@base}/admin">系统管理</a>
            </xsl:if>
          </nav>
        </xsl:if>
        <xsl:apply-templates select="/page/account" mode="who"/>
      </div>
    </header>
  </xsl:template>

  <xsl:template match="account" mode="who">
    <div class="who">
      <span class="who-name"><xsl:value-of select="@name"/></span>
      <xsl:text> </xsl:text>
      <xsl:call-template name="account-badges"/>
    </div>
  </xsl:template>

  <!-- The role badge of the current <account>, the most specific one (an administrator or a
       leader is not also labelled 操作人员); also used by home.xsl. -->
  <xsl:template name="account-badges">
    <xsl:choose>
      <xsl:when test="@admin = '1'"><span class="badge badge-admin">管理员</span></xsl:when>
      <xsl:when test="@leader = '1'"><span class="badge badge-leader">校领导</span></xsl:when>
      <xsl:otherwise>
        <span class="badge">
          <xsl:choose>
            <xsl:when test="@kind = 'student'">学生</xsl:when>
            <xsl:when test="@kind = 'operator'">操作人员</xsl:when>
            <xsl:otherwise>访客</xsl:otherwise>
          </xsl:choose>
        </span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Footer: the request id lets support find the request in the logs. -->
  <xsl:template name="site-footer">
    <footer class="site-footer">
      <div class="container">
        <p>
          <xsl:value-of select="$system-name"/>
          <xsl:if test="/page/@now">
            <xsl:text> · 页面生成于 </xsl:text>
            <time><xsl:value-of select="/page/@now"/></time>
          </xsl:if>
        </p>
        <xsl:if test="/page/@request-id">
          <p class="muted small">
            <xsl:text>请求编号 </xsl:text>
            <code><xsl:value-of select="/page/@request-id"/></code>
          </p>
        </xsl:if>
      </div>
    </footer>
  </xsl:template>

  <!-- Defaults, overridden by every view. -->
  <xsl:template match="/page" mode="title"/>
  <xsl:template match="/page" mode="content">
    <p class="muted">页面暂无内容。</p>
  </xsl:template>

  <!-- Shared helpers ====================================================== -->

  <!-- Label of a confirmation method (step/@how, or one token of step/@modes). -->
  <xsl:template name="how-label">
    <xsl:param name="how"/>
    <xsl:choose>
      <xsl:when test="$how = 'individual'">个人办理</xsl:when>
      <xsl:when test="$how = 'class'">按班级</xsl:when>
      <xsl:when test="$how = 'dorm'">按寝室</xsl:when>
      <xsl:when test="$how = 'scope'">统一批量</xsl:when>
      <xsl:when test="$how = 'feed'">数据同步</xsl:when>
      <xsl:when test="$how = 'auto'">自动</xsl:when>
      <xsl:when test="$how = 'rule'">规则</xsl:when>
      <xsl:otherwise><xsl:value-of select="$how"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Label of a step state. -->
  <xsl:template name="state-label">
    <xsl:param name="state"/>
    <xsl:choose>
      <xsl:when test="$state = 'done'">已完成</xsl:when>
      <xsl:when test="$state = 'pending'">待办理</xsl:when>
      <xsl:when test="$state = 'na'">无需办理</xsl:when>
      <xsl:otherwise><xsl:value-of select="$state"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
