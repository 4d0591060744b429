<?xml version="1.0" encoding="UTF-8"?>
<!--
  scan.xsl (view="scan"): the answer to one scan of continuous mode (连续办理), a fragment the
  desk's script (static/lx.js) puts in place without reloading the page.  The same door as the
  desk: POST {base}/op/confirm (or /op/revoke for an undo) with scan=1, how=individual, s,
  step.CODE (step for a revoke) and a rid of its own.  <page><desk><result action how changed
  refused class><outcome student-no name step-code step-name outcome detail-names/></result>.
  The root element carries what the script needs: data-outcome, data-student-no, data-name,
  data-step; the words are the desk's (outcome-reason of layout-desk.xsl).
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:import href="layout-desk.xsl"/>
  <xsl:output method="html" encoding="UTF-8" indent="no" omit-xml-declaration="yes"/>

  <xsl:template match="/">
    <xsl:variable name="r" select="/page/desk/result"/>
    <xsl:variable name="o" select="$r/outcome[1]"/>
    <xsl:variable name="kind">
      <xsl:choose>
        <xsl:when test="$o/@outcome = 'ok'">ok</xsl:when>
        <xsl:when test="$o/@outcome = 'unchanged' or $o/@outcome = 'replayed'">same</xsl:when>
        <xsl:otherwise>refused</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <div class="scan-result scan-{$kind}" data-outcome="{$o/@outcome}"
         data-student-no="{$o/@student-no}" data-name="{$o/@name}" data-step="{$o/@step-code}"
         data-action="{$r/@action}">
      <p class="scan-who">
        <xsl:if test="$o/@name"><strong><xsl:value-of select="$o/@name"/></strong><xsl:text> </xsl:text></xsl:if>
        <span class="mono"><xsl:value-of select="$o/@student-no"/></span>
        <xsl:if test="$r/@class"><xsl:text> · </xsl:text><xsl:value-of select="$r/@class"/></xsl:if>
      </p>
      <p class="scan-what">
        <xsl:choose>
          <xsl:when test="$kind = 'ok' and $r/@action = 'revoke'">已撤销：</xsl:when>
          <xsl:when test="$kind = 'ok'">已办理：</xsl:when>
          <xsl:when test="$o/@outcome = 'unchanged' and $r/@action = 'revoke'">本来就未办理：</xsl:when>
          <xsl:when test="$o/@outcome = 'unchanged'">此前已办理：</xsl:when>
          <xsl:otherwise>未办理：</xsl:otherwise>
        </xsl:choose>
        <xsl:value-of select="$o/@step-name"/>
        <xsl:if test="$kind = 'refused'">
          <xsl:text>（</xsl:text>
          <xsl:for-each select="$o"><xsl:call-template name="outcome-reason"/></xsl:for-each>
          <xsl:text>）</xsl:text>
        </xsl:if>
      </p>
    </div>
  </xsl:template>

</xsl:stylesheet>
