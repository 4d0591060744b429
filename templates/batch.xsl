<?xml version="1.0" encoding="UTF-8"?>
<!--
  batch.xsl (view="batch"): one step for a whole class or dorm room (seed §3.4.2, §3.6, §3.8.2).
  The class or room representative comes to the desk; the operator ticks the graduates who have
  finished and submits once. Members who cannot be ticked say why.
  Provides mode="title" and mode="content" for layout.xsl (through layout-desk.xsl).
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:import href="layout-desk.xsl"/>

  <xsl:variable name="b" select="/page/batch"/>
  <xsl:variable name="members" select="$b/member"/>
  <xsl:variable name="open" select="$members[not(@blocked)]"/>
  <xsl:variable name="mode-label">
    <xsl:call-template name="how-label">
      <xsl:with-param name="how" select="$b/@mode"/>
    </xsl:call-template>
  </xsl:variable>

  <xsl:template match="/page" mode="title">
    <xsl:text>批量办理 · </xsl:text>
    <xsl:value-of select="$b/@step-name"/>
    <xsl:if test="$b/@label">
      <xsl:text> · </xsl:text>
      <xsl:value-of select="$b/@label"/>
    </xsl:if>
  </xsl:template>

  <xsl:template match="/page" mode="content">
    <p class="back">
      <a href="{$desk-url}&amp;s={$b/@anchor}">
        <xsl:text>← 返回操作台</xsl:text>
      </a>
    </p>

    <div class="page-head batch-head">
      <div>
        <h1><xsl:value-of select="$b/@step-name"/></h1>
        <p class="lead">
          <span class="badge badge-mode"><xsl:value-of select="$mode-label"/></span>
          <xsl:text> </xsl:text>
          <strong class="batch-label"><xsl:value-of select="$b/@label"/></strong>
          <xsl:text> · </xsl:text>
          <xsl:for-each select="$desk"><xsl:call-template name="desk-name"/></xsl:for-each>
        </p>
      </div>
    </div>

    <xsl:apply-templates select="$desk/notice"/>
    <xsl:apply-templates select="$desk/result"/>

    <xsl:choose>
      <xsl:when test="$members">
        <xsl:call-template name="batch-form"/>
      </xsl:when>
      <xsl:otherwise>
        <p class="notice">
          <xsl:choose>
            <xsl:when test="$b/@mode = 'dorm'">该寝室没有毕业生。</xsl:when>
            <xsl:otherwise>该班级没有毕业生。</xsl:otherwise>
          </xsl:choose>
        </p>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="batch-form">
    <section class="card batch" aria-labelledby="h-members">
      <div class="card-head">
        <h2 id="h-members">
          <xsl:choose>
            <xsl:when test="$b/@mode = 'dorm'">寝室成员</xsl:when>
            <xsl:otherwise>班级成员</xsl:otherwise>
          </xsl:choose>
        </h2>
        <p class="batch-counts small">
          <xsl:text>共 </xsl:text><b><xsl:value-of select="count($members)"/></b><xsl:text> 人</xsl:text>
          <xsl:text> · 可办理 </xsl:text><b class="n-pending"><xsl:value-of select="count($open)"/></b>
          <xsl:text> · 已办理 </xsl:text><b class="n-done"><xsl:value-of select="count($members[@state = 'done'])"/></b>
          <xsl:if test="$members[@state = 'na']">
            <xsl:text> · 无需办理 </xsl:text><b><xsl:value-of select="count($members[@state = 'na'])"/></b>
          </xsl:if>
          <xsl:if test="$members[@blocked = 'prereq_missing']">
            <xsl:text> · 前置业务未完成 </xsl:text>
            <b class="n-blocked"><xsl:value-of select="count($members[@blocked = 'prereq_missing'])"/></b>
          </xsl:if>
        </p>
      </div>
      <p class="muted small">
        <xsl:text>请逐一核对，只勾选已办结“</xsl:text>
        <xsl:value-of select="$b/@step-name"/>
        <xsl:text>”的毕业生，然后点击“提交”。灰色不可勾选的学生后面注明了原因。</xsl:text>
      </p>

      <form method="post" action="{$base}/op/confirm" class="batch-form">
        <xsl:call-template name="desk-hidden"/>
        <input type="hidden" name="how" value="{$b/@mode}"/>
        <input type="hidden" name="s" value="{$b/@anchor}"/>
        <input type="hidden" name="step.{$b/@step-code}" value="1"/>

        <div class="table-wrap">
          <!-- explicit roles: the rows are laid out as a grid on wide screens (lx.css), and a
               table whose display changes keeps its semantics only by them -->
          <table class="list members mode-{$b/@mode}" role="table">
            <thead role="rowgroup">
              <tr role="row">
                <th scope="col" class="c-check" role="columnheader">
                  <!-- Shown only with lx.js, which wires it: no script, no box. -->
                  <span class="js-only">
                    <input type="checkbox" id="select-all" data-action="select-all"
                           aria-label="全选可办理的学生">
                      <xsl:if test="not($open)">
                        <xsl:attribute name="disabled">disabled</xsl:attribute>
                      </xsl:if>
                    </input>
                  </span>
                </th>
                <th scope="col" class="wide-only" role="columnheader">学号</th>
                <th scope="col" role="columnheader">姓名</th>
                <th scope="col" role="columnheader">
                  <xsl:choose>
                    <xsl:when test="$b/@mode = 'dorm'">班级</xsl:when>
                    <xsl:otherwise>寝室</xsl:otherwise>
                  </xsl:choose>
                </th>
                <th scope="col" role="columnheader">状态</th>
              </tr>
            </thead>
            <tbody role="rowgroup">
              <!-- those that can be ticked first, the done, not applicable and blocked after -->
              <xsl:apply-templates select="$members[not(@blocked)]"/>
              <xsl:apply-templates select="$members[@blocked]"/>
            </tbody>
          </table>
        </div>

        <div class="desk-submit">
          <label class="vh" for="batch-note">备注</label>
          <input type="text" id="batch-note" name="note" maxlength="200" autocomplete="off"
                 placeholder="备注（可选）"/>
          <xsl:choose>
            <xsl:when test="$open">
              <!-- lx.js keeps the number ticked on the button -->
              <button type="submit" class="submit">
                <xsl:text>提交</xsl:text>
                <span class="js-only-inline">
                  <xsl:text>（已勾选 </xsl:text>
                  <span data-role="submit-count">
                    <xsl:value-of select="count($open[@selected = '1' or @proposed = '1'])"/>
                  </span>
                  <xsl:text> / </xsl:text><xsl:value-of select="count($open)"/><xsl:text> 人）</xsl:text>
                </span>
              </button>
            </xsl:when>
            <xsl:otherwise>
              <button type="submit" class="submit" disabled="disabled">提交（无可办理的学生）</button>
            </xsl:otherwise>
          </xsl:choose>
        </div>
        <p class="muted small js-only-block" data-role="selected-count" aria-live="polite"></p>
      </form>
    </section>
  </xsl:template>

  <xsl:template match="member">
    <xsl:variable name="id" select="concat('sid-', @student-no)"/>
    <tr role="row">
      <xsl:attribute name="class">
        <xsl:text>row-</xsl:text><xsl:value-of select="@state"/>
        <xsl:if test="@blocked"> row-blocked</xsl:if>
        <xsl:if test="@selected = '1' and @blocked and not(@blocked = 'done')"> row-refused</xsl:if>
        <xsl:if test="@student-no = $b/@anchor"> row-anchor</xsl:if>
      </xsl:attribute>
      <td class="c-check" role="cell">
        <xsl:choose>
          <xsl:when test="@blocked">
            <input type="checkbox" id="{$id}" disabled="disabled">
              <xsl:if test="@blocked = 'done'">
                <xsl:attribute name="checked">checked</xsl:attribute>
              </xsl:if>
            </input>
          </xsl:when>
          <xsl:otherwise>
            <input type="checkbox" id="{$id}" name="sid.{@student-no}" value="1">
              <xsl:if test="@selected = '1' or @proposed = '1'">
                <xsl:attribute name="checked">checked</xsl:attribute>
              </xsl:if>
            </input>
          </xsl:otherwise>
        </xsl:choose>
      </td>
      <td class="mono wide-only c-no" role="cell"><xsl:value-of select="@student-no"/></td>
      <th scope="row" role="rowheader">
        <label for="{$id}">
          <span class="name"><xsl:value-of select="@name"/></span>
          <span class="sub mono narrow-only"><xsl:value-of select="@student-no"/></span>
        </label>
        <xsl:if test="@student-no = $b/@anchor">
          <xsl:text> </xsl:text>
          <span class="tag tag-here">代表</span>
        </xsl:if>
      </th>
      <td class="c-where" role="cell">
        <xsl:choose>
          <xsl:when test="$b/@mode = 'dorm'"><xsl:value-of select="@class"/></xsl:when>
          <xsl:when test="@dorm"><xsl:value-of select="@dorm"/></xsl:when>
          <xsl:otherwise><span class="muted">校外住宿</span></xsl:otherwise>
        </xsl:choose>
      </td>
      <td class="c-why" role="cell">
        <xsl:call-template name="member-state"/>
      </td>
    </tr>
  </xsl:template>

  <!-- The state, and why a member cannot be ticked (context: <member>). -->
  <xsl:template name="member-state">
    <xsl:choose>
      <xsl:when test="@blocked = 'done' or (not(@blocked) and @state = 'done')">
        <span class="state state-done">已办理</span>
        <xsl:if test="@by-name or @at">
          <span class="sub">
            <xsl:value-of select="@by-name"/>
            <xsl:if test="@by-name and @at"><xsl:text> · </xsl:text></xsl:if>
            <time><xsl:value-of select="@at"/></time>
          </span>
        </xsl:if>
      </xsl:when>
      <xsl:when test="@blocked = 'na' or (not(@blocked) and @state = 'na')">
        <span class="state state-na">无需办理</span>
      </xsl:when>
      <xsl:otherwise>
        <span class="state state-pending">待办理</span>
        <xsl:if test="@proposed = '1'">
          <xsl:text> </xsl:text><span class="tag tag-proposed">系统已勾选，待确认</span>
        </xsl:if>
        <xsl:choose>
          <xsl:when test="@blocked = 'prereq_missing'">
            <span class="requires">
              <xsl:text>前置业务未完成：</xsl:text>
              <xsl:call-template name="requires-names"/>
            </span>
          </xsl:when>
          <xsl:when test="@blocked = 'automatic'">
            <span class="why">此项依据数据同步自动办理</span>
          </xsl:when>
          <xsl:when test="@blocked = 'mode_not_allowed'">
            <span class="why">
              <xsl:text>此项不能</xsl:text><xsl:value-of select="$mode-label"/><xsl:text>办理，请逐个办理</xsl:text>
            </span>
          </xsl:when>
          <xsl:when test="@blocked = 'own_record'">
            <span class="why">不能为本人办理</span>
          </xsl:when>
          <xsl:when test="@blocked = 'cohort_closed'">
            <span class="why">该届已归档，只读</span>
          </xsl:when>
          <xsl:when test="@blocked">
            <span class="why">
              <xsl:text>不可办理（</xsl:text><xsl:value-of select="@blocked"/><xsl:text>）</xsl:text>
            </span>
          </xsl:when>
        </xsl:choose>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
