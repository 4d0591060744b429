<?xml version="1.0" encoding="UTF-8"?>
<!--
  error.xsl (view="error"): friendly error page.
  Must work without <account> (unknown user) and without <error> details.
  Provides mode="title" and mode="content" for layout.xsl.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:import href="layout.xsl"/>

  <xsl:variable name="e" select="/page/error"/>

  <!-- Title from the module, else a plain wording of the common status codes. -->
  <xsl:template name="error-title">
    <xsl:choose>
      <xsl:when test="normalize-space($e/@title) != ''"><xsl:value-of select="$e/@title"/></xsl:when>
      <xsl:when test="$e/@status = '400'">请求有误</xsl:when>
      <xsl:when test="$e/@status = '401'">需要登录</xsl:when>
      <xsl:when test="$e/@status = '403'">无权访问</xsl:when>
      <xsl:when test="$e/@status = '404'">页面不存在</xsl:when>
      <xsl:when test="$e/@status = '503'">系统暂时不可用</xsl:when>
      <xsl:otherwise>出错了</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="/page" mode="title">
    <xsl:call-template name="error-title"/>
  </xsl:template>

  <xsl:template match="/page" mode="content">
    <section class="card error-box">
      <xsl:if test="$e/@status">
        <p class="status-code" aria-hidden="true"><xsl:value-of select="$e/@status"/></p>
      </xsl:if>
      <h1><xsl:call-template name="error-title"/></h1>
      <xsl:choose>
        <xsl:when test="normalize-space($e/@message) != ''">
          <p><xsl:value-of select="$e/@message"/></p>
        </xsl:when>
        <xsl:otherwise>
          <p>请求未能完成，请稍后再试。</p>
        </xsl:otherwise>
      </xsl:choose>
      <xsl:if test="$e/@status">
        <p class="muted small">错误代码 <xsl:value-of select="$e/@status"/></p>
      </xsl:if>
      <xsl:if test="@request-id">
        <p class="muted small">如需帮助，请把请求编号 <code><xsl:value-of select="@request-id"/></code> 告诉管理员。</p>
      </xsl:if>
      <p><a class="button" href="{@base}/">返回首页</a></p>
    </section>
  </xsl:template>

</xsl:stylesheet>
