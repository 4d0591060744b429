<?xml version="1.0" encoding="UTF-8"?>
<!--
  layout-desk.xsl: pieces shared by the operator desk (desk.xsl) and the batch list
  (batch.xsl). Like every layout*.xsl it is not compiled as a view of its own.

  desk.xsl and batch.xsl import this file instead of layout.xsl; it imports layout.xsl,
  so the frame and the helpers state-label and how-label come along.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:import href="layout.xsl"/>

  <xsl:variable name="base" select="/page/@base"/>
  <xsl:variable name="desk" select="/page/desk"/>
  <!-- The desk URL without a student; add "&s=NO" for one. -->
  <xsl:variable name="desk-url" select="concat($base, '/op?at=', $desk/@key)"/>

  <!-- csrf, rid and at: every desk form carries them. -->
  <xsl:template name="desk-hidden">
    <input type="hidden" name="csrf" value="{$desk/@csrf}"/>
    <input type="hidden" name="rid" value="{$desk/@rid}"/>
    <input type="hidden" name="at" value="{$desk/@key}"/>
  </xsl:template>

  <!-- "学院离校点 · 计算机科学与工程学院" for a desk or an assignment. -->
  <xsl:template name="desk-name">
    <xsl:value-of select="@point-name"/>
    <xsl:if test="@college-name">
      <xsl:text> · </xsl:text>
      <xsl:value-of select="@college-name"/>
    </xsl:if>
  </xsl:template>

  <!-- <notice kind="ok|error" text="..."/> -->
  <xsl:template match="notice">
    <p>
      <xsl:choose>
        <xsl:when test="@kind = 'ok'">
          <xsl:attribute name="class">notice notice-ok</xsl:attribute>
          <xsl:attribute name="role">status</xsl:attribute>
        </xsl:when>
        <xsl:otherwise>
          <xsl:attribute name="class">notice notice-error</xsl:attribute>
          <xsl:attribute name="role">alert</xsl:attribute>
        </xsl:otherwise>
      </xsl:choose>
      <xsl:value-of select="@text"/>
    </p>
  </xsl:template>

  <!-- The names of a list of <requires>, joined with "、". -->
  <xsl:template name="requires-names">
    <xsl:for-each select="requires">
      <xsl:value-of select="@name"/>
      <xsl:if test="position() != last()">、</xsl:if>
    </xsl:for-each>
  </xsl:template>

  <!-- The result of a submission ============================================
       Success redirects back to the desk, so a <result> in a page is almost
       always a refusal: nothing was written. -->
  <xsl:template match="result">
    <xsl:variable name="bad" select="outcome[not(@outcome = 'ok' or @outcome = 'unchanged'
                                          or @outcome = 'held' or @outcome = 'replayed')]"/>
    <xsl:variable name="held" select="outcome[@outcome = 'held']"/>
    <xsl:choose>
      <xsl:when test="@refused = '1'">
        <section class="result result-refused" role="alert" aria-labelledby="h-result">
          <h2 id="h-result">
            <xsl:choose>
              <xsl:when test="@action = 'revoke'">未撤销：以下业务不满足撤销条件，本次提交未做任何修改</xsl:when>
              <xsl:otherwise>未办理：以下学生不满足条件，本次提交未做任何修改</xsl:otherwise>
            </xsl:choose>
          </h2>
          <xsl:if test="$bad">
            <ul class="outcomes">
              <xsl:for-each select="$bad">
                <li>
                  <span class="o-who">
                    <strong><xsl:value-of select="@name"/></strong>
                    <xsl:text> </xsl:text>
                    <span class="mono"><xsl:value-of select="@student-no"/></span>
                  </span>
                  <xsl:if test="@step-name or @step-code">
                    <span class="o-step">
                      <xsl:value-of select="@step-name"/>
                      <xsl:if test="not(@step-name)"><xsl:value-of select="@step-code"/></xsl:if>
                    </span>
                  </xsl:if>
                  <span class="o-reason">
                    <xsl:call-template name="outcome-reason"/>
                  </span>
                </li>
              </xsl:for-each>
            </ul>
          </xsl:if>
          <xsl:if test="$held">
            <p class="small">
              <xsl:text>另有 </xsl:text><xsl:value-of select="count($held)"/>
              <xsl:choose>
                <xsl:when test="@how = 'individual'">
                  <xsl:text> 项业务符合条件，但因同时提交的其他业务未通过而未办理；取消勾选上述业务后可重新提交。</xsl:text>
                </xsl:when>
                <xsl:otherwise>
                  <xsl:text> 名学生符合条件，但因同批其他学生未通过而未办理；取消勾选上述学生后可重新提交。</xsl:text>
                </xsl:otherwise>
              </xsl:choose>
            </p>
          </xsl:if>
        </section>
      </xsl:when>
      <xsl:otherwise>
        <p class="notice notice-ok" role="status">
          <xsl:choose>
            <xsl:when test="@action = 'revoke'">已撤销 </xsl:when>
            <xsl:otherwise>已办理 </xsl:otherwise>
          </xsl:choose>
          <xsl:value-of select="@changed"/>
          <xsl:text> 项。</xsl:text>
        </p>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Why one outcome did not go through, in words (context: <outcome>). -->
  <xsl:template name="outcome-reason">
    <xsl:variable name="names">
      <xsl:choose>
        <xsl:when test="normalize-space(@detail-names) != ''"><xsl:value-of select="@detail-names"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="@detail"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="@outcome = 'ok'">
        <xsl:choose>
          <xsl:when test="../@action = 'revoke'">已撤销</xsl:when>
          <xsl:otherwise>已办理</xsl:otherwise>
        </xsl:choose>
      </xsl:when>
      <xsl:when test="@outcome = 'unchanged'">状态未变（原已是该状态）</xsl:when>
      <xsl:when test="@outcome = 'held' and ../@how = 'individual'">因同时提交的其他业务未通过而未办理</xsl:when>
      <xsl:when test="@outcome = 'held'">因同批其他学生未通过而未办理</xsl:when>
      <xsl:when test="@outcome = 'replayed'">该表单已提交过，未重复办理</xsl:when>
      <xsl:when test="@outcome = 'forbidden'">不在您的服务范围</xsl:when>
      <xsl:when test="@outcome = 'own_record'">不能为本人办理</xsl:when>
      <xsl:when test="@outcome = 'not_applicable'">该生无需办理此项</xsl:when>
      <xsl:when test="@outcome = 'not_enabled'">该届未启用此项业务</xsl:when>
      <xsl:when test="@outcome = 'automatic'">此项依据数据同步自动办理，不能手工办理或撤销</xsl:when>
      <xsl:when test="@outcome = 'mode_not_allowed'">
        <xsl:text>此项不能以该方式办理</xsl:text>
        <xsl:if test="../@how">
          <xsl:text>（</xsl:text>
          <xsl:call-template name="how-label">
            <xsl:with-param name="how" select="../@how"/>
          </xsl:call-template>
          <xsl:text>）</xsl:text>
        </xsl:if>
      </xsl:when>
      <xsl:when test="@outcome = 'prereq_missing'">
        <xsl:text>前置业务未完成：</xsl:text><xsl:value-of select="$names"/>
      </xsl:when>
      <xsl:when test="@outcome = 'dependents_done'">
        <xsl:text>已办理的后续业务依赖此项：</xsl:text><xsl:value-of select="$names"/>
        <xsl:text>，请先撤销后续业务</xsl:text>
      </xsl:when>
      <xsl:when test="@outcome = 'cohort_closed'">该届已归档，只读</xsl:when>
      <xsl:when test="@outcome = 'unknown_student'">学号不存在</xsl:when>
      <xsl:otherwise>
        <xsl:text>未办理（</xsl:text><xsl:value-of select="@outcome"/><xsl:text>）</xsl:text>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
