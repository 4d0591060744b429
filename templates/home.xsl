<?xml version="1.0" encoding="UTF-8"?>
<!--
  home.xsl (view="home"): staff landing page.
  Greeting, the account's points, and the student lookup by student number.
  Provides mode="title" and mode="content" for layout.xsl.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:import href="layout.xsl"/>

  <xsl:template match="/page" mode="title">首页</xsl:template>

  <xsl:template match="/page" mode="content">
    <xsl:variable name="a" select="account"/>

    <div class="page-head">
      <div>
        <h1>
          <xsl:if test="normalize-space($a/@name) != ''">
            <xsl:value-of select="$a/@name"/>
            <xsl:text>，</xsl:text>
          </xsl:if>
          <xsl:text>您好</xsl:text>
        </h1>
        <p class="lead">
          <xsl:for-each select="$a">
            <xsl:call-template name="account-badges"/>
          </xsl:for-each>
        </p>
      </div>
      <!-- The desk: for operators of an ordinary point (the deferral point has its own page)
           and administrators. -->
      <xsl:if test="$a/@admin = '1' or $a/assignment[not(@deferral = '1')]">
        <div class="actions">
          <a class="button desk-entry" href="{@base}/op">进入操作台</a>
        </div>
      </xsl:if>
    </div>

    <!-- Lookup first: it is what staff come here for. -->
    <section class="card lookup" aria-labelledby="h-lookup">
      <h2 id="h-lookup">查询学生离校单</h2>
      <form method="get" action="{@base}/lookup" class="lookup-form">
        <label for="lookup-no">学号</label>
        <div class="input-row">
          <input type="text" id="lookup-no" name="no" required="required"
                 pattern="[0-9]{{10}}" maxlength="10" inputmode="numeric"
                 autocomplete="off" placeholder="10 位学号"
                 title="请输入 10 位数字学号"/>
          <button type="submit">查询</button>
        </div>
        <p class="muted small">输入毕业生的 10 位学号，查看其离校单。</p>
      </form>
    </section>

    <section class="card" aria-labelledby="h-points">
      <h2 id="h-points">我负责的离校点</h2>
      <xsl:choose>
        <xsl:when test="$a/assignment">
          <ul class="assignments">
            <xsl:for-each select="$a/assignment">
              <li>
                <strong><xsl:value-of select="@point-name"/></strong>
                <xsl:if test="@college-name">
                  <span class="muted"><xsl:text> · </xsl:text><xsl:value-of select="@college-name"/></span>
                </xsl:if>
                <xsl:if test="@deferral = '1'">
                  <xsl:text> </xsl:text>
                  <span class="badge badge-deferral">可关闭欠费限制</span>
                </xsl:if>
              </li>
            </xsl:for-each>
          </ul>
        </xsl:when>
        <xsl:when test="$a/@admin = '1' or $a/@leader = '1'">
          <p class="muted">您没有分配到具体离校点。</p>
        </xsl:when>
        <xsl:otherwise>
          <p class="muted">您尚未被分配到任何离校点，请联系管理员。</p>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

</xsl:stylesheet>
