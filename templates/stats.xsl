<?xml version="1.0" encoding="UTF-8"?>
<!--
  stats.xsl (view="stats"): 离校统计, for leaders (the whole school) and operators (their desks).

  <stats scope="all" cohort="ID" [college="CODE" [class="CODE"]]>
    <cohort id name programme closed students cleared/>        every cohort
    <college code name students cleared/>                       the chosen cohort, per college
    <step point point-name step step-name optional applicable done/>
                                          per point and step: the cohort, or @college alone
    <class code name students cleared/>                         when @college
    <pending student-no name dorm lacking lacking-count/>       when @class
  <stats scope="operator">
    <desk key point-name college-name><stats><step code name optional applicable done
                                                   pending proposed/></stats></desk>

  Drill-down: cohort (colleges, steps, points) › college (classes, steps) › class (pending
  students). 离校率 = cleared / students, floored to one decimal (100% only when complete).
  The charts are inline SVG drawn here: bar widths are percentages of the chart's width,
  so the text keeps its size on every screen. Auto refresh: data-autorefresh on the wrapper,
  read by lx.js; the page works without script (the 刷新 link).
  Provides mode="title" and mode="content" for layout.xsl.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:import href="layout.xsl"/>

  <xsl:key name="step-by-point" match="/page/stats/step" use="@point"/>

  <xsl:variable name="base" select="/page/@base"/>
  <xsl:variable name="st" select="/page/stats"/>
  <xsl:variable name="cid" select="$st/@cohort"/>
  <xsl:variable name="ccode" select="$st/@college"/>
  <xsl:variable name="kcode" select="$st/@class"/>
  <xsl:variable name="cur" select="$st/cohort[@id = $cid]"/>
  <xsl:variable name="col" select="$st/college[@code = $ccode]"/>
  <xsl:variable name="cls" select="$st/class[@code = $kcode]"/>

  <!-- Links of the drill-down. -->
  <xsl:variable name="u-cohort" select="concat($base, '/stats?cohort=', $cid)"/>
  <xsl:variable name="u-college" select="concat($u-cohort, '&amp;college=', $ccode)"/>
  <!-- This page (the 刷新 link). -->
  <xsl:variable name="here">
    <xsl:choose>
      <xsl:when test="$st/@scope = 'operator' or not($cid)">
        <xsl:value-of select="concat($base, '/stats')"/>
      </xsl:when>
      <xsl:when test="$kcode">
        <xsl:value-of select="concat($u-college, '&amp;class=', $kcode)"/>
      </xsl:when>
      <xsl:when test="$ccode"><xsl:value-of select="$u-college"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$u-cohort"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- Chart colours (SVG presentation attributes; lx.css has the same as classes). -->
  <xsl:variable name="c-bar">#1f4e8c</xsl:variable>
  <xsl:variable name="c-full">#1a7f37</xsl:variable>
  <xsl:variable name="c-track">#eef0f3</xsl:variable>
  <xsl:variable name="c-text">#1f2933</xsl:variable>
  <xsl:variable name="c-avg">#b45309</xsl:variable>
  <!-- One chart row: label line, then the bar. -->
  <xsl:variable name="row-h" select="36"/>

  <xsl:template match="/page" mode="title">
    <xsl:text>离校统计</xsl:text>
    <xsl:choose>
      <xsl:when test="$cls">
        <xsl:text> · </xsl:text><xsl:value-of select="$cls/@name"/>
      </xsl:when>
      <xsl:when test="$col">
        <xsl:text> · </xsl:text><xsl:value-of select="$col/@name"/>
      </xsl:when>
      <xsl:when test="$cur">
        <xsl:text> · </xsl:text><xsl:value-of select="$cur/@name"/>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="/page" mode="content">
    <div class="stats-view">
      <!-- An archived cohort does not change: no reloading. -->
      <xsl:if test="not($cur/@closed = '1')">
        <xsl:attribute name="data-autorefresh">30</xsl:attribute>
      </xsl:if>
      <div class="page-head">
        <div>
          <h1>离校统计</h1>
          <p class="lead">
            <xsl:choose>
              <xsl:when test="$st/@scope = 'operator'">我负责的离校点</xsl:when>
              <xsl:otherwise>全校毕业生离校进度</xsl:otherwise>
            </xsl:choose>
            <xsl:if test="/page/@now">
              <xsl:text> · 截至 </xsl:text><time><xsl:value-of select="/page/@now"/></time>
            </xsl:if>
          </p>
        </div>
        <div class="actions refresh">
          <xsl:if test="not($cur/@closed = '1')">
            <span class="js-only muted small autorefresh-note">每 30 秒自动刷新</span>
          </xsl:if>
          <a class="button secondary small" href="{$here}">刷新</a>
        </div>
      </div>

      <xsl:choose>
        <xsl:when test="$st/@scope = 'operator'">
          <xsl:call-template name="operator"/>
        </xsl:when>
        <xsl:when test="not($st/cohort)">
          <p class="notice">尚未建立任何届别，暂无统计数据。</p>
        </xsl:when>
        <xsl:otherwise>
          <xsl:call-template name="cohort-switcher"/>
          <xsl:choose>
            <xsl:when test="not($cur)">
              <p class="notice">请选择届别。</p>
            </xsl:when>
            <xsl:when test="$kcode">
              <xsl:call-template name="crumbs"/>
              <xsl:call-template name="headline">
                <xsl:with-param name="label" select="$cls/@name"/>
                <xsl:with-param name="sub" select="concat($cur/@name, ' · ', $col/@name)"/>
                <xsl:with-param name="n" select="$cls/@students"/>
                <xsl:with-param name="m" select="$cls/@cleared"/>
              </xsl:call-template>
              <xsl:call-template name="pending-table"/>
            </xsl:when>
            <xsl:when test="$ccode">
              <xsl:call-template name="crumbs"/>
              <xsl:call-template name="headline">
                <xsl:with-param name="label" select="$col/@name"/>
                <xsl:with-param name="sub" select="$cur/@name"/>
                <xsl:with-param name="n" select="$col/@students"/>
                <xsl:with-param name="m" select="$col/@cleared"/>
              </xsl:call-template>
              <xsl:call-template name="class-table"/>
              <xsl:call-template name="step-table"/>
            </xsl:when>
            <xsl:otherwise>
              <xsl:call-template name="headline">
                <xsl:with-param name="label" select="$cur/@name"/>
                <xsl:with-param name="n" select="$cur/@students"/>
                <xsl:with-param name="m" select="$cur/@cleared"/>
              </xsl:call-template>
              <div class="stats-pair">
                <xsl:call-template name="college-table"/>
                <xsl:call-template name="college-chart"/>
              </div>
              <div class="stats-pair stats-pair-steps">
                <xsl:call-template name="step-table"/>
                <xsl:call-template name="point-chart"/>
                <xsl:call-template name="day-chart"/>
              </div>
              <xsl:call-template name="cohort-table"/>
            </xsl:otherwise>
          </xsl:choose>
        </xsl:otherwise>
      </xsl:choose>
    </div>
  </xsl:template>

  <!-- Helpers ================================================================ -->

  <!-- 离校率 / 完成率 as text: floor to one decimal, "—" when nobody applies. -->
  <xsl:template name="pct">
    <xsl:param name="n"/>
    <xsl:param name="d"/>
    <xsl:choose>
      <xsl:when test="number($d) &gt; 0">
        <xsl:value-of select="format-number(floor(number($n) * 1000 div number($d)) div 10, '0.0')"/>
        <xsl:text>%</xsl:text>
      </xsl:when>
      <xsl:otherwise>—</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The same rate as a bare number (0 when nobody applies), for bar widths. -->
  <xsl:template name="rate">
    <xsl:param name="n"/>
    <xsl:param name="d"/>
    <xsl:choose>
      <xsl:when test="number($d) &gt; 0">
        <xsl:value-of select="format-number(floor(number($n) * 1000 div number($d)) div 10, '0.0')"/>
      </xsl:when>
      <xsl:otherwise>0</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="num">
    <xsl:param name="v"/>
    <xsl:choose>
      <xsl:when test="string(number($v)) != 'NaN'">
        <xsl:value-of select="format-number($v, '#,##0')"/>
      </xsl:when>
      <xsl:otherwise>—</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A table cell: the rate and a small bar. -->
  <xsl:template name="rate-cell">
    <xsl:param name="n"/>
    <xsl:param name="d"/>
    <xsl:variable name="p">
      <xsl:call-template name="pct">
        <xsl:with-param name="n" select="$n"/>
        <xsl:with-param name="d" select="$d"/>
      </xsl:call-template>
    </xsl:variable>
    <td data-label="完成率" class="c-rate">
      <span class="rate-num"><xsl:value-of select="$p"/></span>
      <progress class="bar mini">
        <xsl:choose>
          <xsl:when test="number($d) &gt; 0">
            <xsl:attribute name="value"><xsl:value-of select="number($n)"/></xsl:attribute>
            <xsl:attribute name="max"><xsl:value-of select="number($d)"/></xsl:attribute>
            <xsl:if test="number($n) &gt;= number($d)">
              <xsl:attribute name="class">bar mini full</xsl:attribute>
            </xsl:if>
          </xsl:when>
          <xsl:otherwise>
            <xsl:attribute name="value">0</xsl:attribute>
            <xsl:attribute name="max">1</xsl:attribute>
          </xsl:otherwise>
        </xsl:choose>
        <xsl:value-of select="$p"/>
      </progress>
    </td>
  </xsl:template>

  <!-- Progress over the clearance days: cleared students so far, one bar per day. -->
  <xsl:template name="day-chart">
    <xsl:variable name="days" select="/page/stats/day"/>
    <section class="card stats-days" aria-labelledby="h-days">
      <div class="card-head">
        <h2 id="h-days">逐日办结进度</h2>
        <xsl:call-template name="csv"><xsl:with-param name="table">day</xsl:with-param></xsl:call-template>
      </div>
      <xsl:choose>
        <xsl:when test="$days">
          <xsl:variable name="max" select="$days[last()]/@cleared"/>
          <svg xmlns="http://www.w3.org/2000/svg" class="chart days" width="100%"
               height="{count($days) * 26 + 8}" role="img" aria-label="逐日累计办结人数">
            <xsl:for-each select="$days">
              <xsl:variable name="y" select="(position() - 1) * 26 + 4"/>
              <xsl:variable name="w">
                <xsl:choose>
                  <xsl:when test="number($max) &gt; 0">
                    <xsl:value-of select="floor(@cleared * 600 div $max) div 10"/>
                  </xsl:when>
                  <xsl:otherwise>0</xsl:otherwise>
                </xsl:choose>
              </xsl:variable>
              <text x="0" y="{$y + 15}" class="chart-label" fill="#444" font-size="12">
                <xsl:value-of select="@day"/>
              </text>
              <rect x="24%" y="{$y}" width="{$w}%" height="18" fill="#2e7d32" class="bar-done"/>
              <text x="{24 + $w}%" y="{$y + 15}" dx="6" class="chart-value" fill="#222" font-size="12">
                <xsl:value-of select="@cleared"/>
                <xsl:text>（+</xsl:text><xsl:value-of select="@gained"/><xsl:text>）</xsl:text>
              </text>
            </xsl:for-each>
          </svg>
        </xsl:when>
        <xsl:otherwise>
          <p class="muted">尚无学生办结。</p>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <!-- 导出 CSV and Excel links of a table. -->
  <xsl:template name="csv">
    <xsl:param name="table"/>
    <xsl:param name="college"/>
    <xsl:param name="class"/>
    <xsl:variable name="args">
      <xsl:value-of select="concat('&amp;table=', $table, '&amp;cohort=', $cid)"/>
      <xsl:if test="string($college) != ''">
        <xsl:value-of select="concat('&amp;college=', $college)"/>
      </xsl:if>
      <xsl:if test="string($class) != ''">
        <xsl:value-of select="concat('&amp;class=', $class)"/>
      </xsl:if>
    </xsl:variable>
    <a class="csv small" href="{$base}/stats?format=csv{$args}">导出 CSV</a>
    <xsl:text> </xsl:text>
    <a class="csv small" href="{$base}/stats?format=xlsx{$args}">导出 Excel</a>
  </xsl:template>

  <!-- Cohort switcher and headline =========================================== -->

  <xsl:template name="cohort-switcher">
    <nav class="switcher cohort-switcher" aria-label="切换届别">
      <xsl:for-each select="$st/cohort">
        <a href="{$base}/stats?cohort={@id}">
          <xsl:choose>
            <xsl:when test="@id = $cid">
              <xsl:attribute name="class">switch current</xsl:attribute>
              <xsl:attribute name="aria-current">page</xsl:attribute>
            </xsl:when>
            <xsl:otherwise>
              <xsl:attribute name="class">switch</xsl:attribute>
            </xsl:otherwise>
          </xsl:choose>
          <span class="switch-point"><xsl:value-of select="@name"/></span>
          <span class="switch-college">
            <xsl:text>离校率 </xsl:text>
            <xsl:call-template name="pct">
              <xsl:with-param name="n" select="@cleared"/>
              <xsl:with-param name="d" select="@students"/>
            </xsl:call-template>
            <xsl:if test="@closed = '1'"><xsl:text> · 已归档</xsl:text></xsl:if>
          </span>
        </a>
      </xsl:for-each>
    </nav>
  </xsl:template>

  <xsl:template name="headline">
    <xsl:param name="label"/>
    <xsl:param name="sub"/>
    <xsl:param name="n"/>
    <xsl:param name="m"/>
    <xsl:variable name="full" select="number($n) &gt; 0 and number($m) &gt;= number($n)"/>
    <section aria-labelledby="h-headline">
      <xsl:attribute name="class">
        <xsl:text>card stats-headline</xsl:text>
        <xsl:if test="$full"> is-full</xsl:if>
      </xsl:attribute>
      <h2 id="h-headline">
        <xsl:value-of select="$label"/>
        <xsl:if test="string($sub) != ''">
          <span class="h-sub"><xsl:value-of select="$sub"/></span>
        </xsl:if>
      </h2>
      <xsl:if test="$cur/@closed = '1'">
        <p class="notice notice-closed">该届离校工作已结束，数据已归档。</p>
      </xsl:if>
      <dl class="kpis">
        <div>
          <dt>毕业生</dt>
          <dd><b><xsl:call-template name="num"><xsl:with-param name="v" select="$n"/></xsl:call-template></b> 人</dd>
        </div>
        <div class="kpi-done">
          <dt>已办结</dt>
          <dd><b><xsl:call-template name="num"><xsl:with-param name="v" select="$m"/></xsl:call-template></b> 人</dd>
        </div>
        <div class="kpi-left">
          <dt>未办结</dt>
          <dd><b><xsl:call-template name="num"><xsl:with-param name="v" select="number($n) - number($m)"/></xsl:call-template></b> 人</dd>
        </div>
        <div class="kpi-rate">
          <dt>离校率</dt>
          <dd>
            <b>
              <xsl:call-template name="pct">
                <xsl:with-param name="n" select="$m"/>
                <xsl:with-param name="d" select="$n"/>
              </xsl:call-template>
            </b>
          </dd>
        </div>
      </dl>
      <progress class="big">
        <xsl:choose>
          <xsl:when test="number($n) &gt; 0">
            <xsl:attribute name="value"><xsl:value-of select="number($m)"/></xsl:attribute>
            <xsl:attribute name="max"><xsl:value-of select="number($n)"/></xsl:attribute>
          </xsl:when>
          <xsl:otherwise>
            <xsl:attribute name="value">0</xsl:attribute>
            <xsl:attribute name="max">1</xsl:attribute>
          </xsl:otherwise>
        </xsl:choose>
        <xsl:value-of select="$m"/> / <xsl:value-of select="$n"/>
      </progress>
    </section>
  </xsl:template>

  <xsl:template name="crumbs">
    <nav class="crumbs" aria-label="位置">
      <ol>
        <li><a href="{$u-cohort}"><xsl:value-of select="$cur/@name"/></a></li>
        <li>
          <xsl:choose>
            <xsl:when test="$kcode">
              <a href="{$u-college}">
                <xsl:value-of select="$col/@name"/>
                <xsl:if test="not($col)"><xsl:value-of select="$ccode"/></xsl:if>
              </a>
            </xsl:when>
            <xsl:otherwise>
              <span aria-current="page">
                <xsl:value-of select="$col/@name"/>
                <xsl:if test="not($col)"><xsl:value-of select="$ccode"/></xsl:if>
              </span>
            </xsl:otherwise>
          </xsl:choose>
        </li>
        <xsl:if test="$kcode">
          <li>
            <span aria-current="page">
              <xsl:value-of select="$cls/@name"/>
              <xsl:if test="not($cls)"><xsl:value-of select="$kcode"/></xsl:if>
            </span>
          </li>
        </xsl:if>
      </ol>
    </nav>
  </xsl:template>

  <!-- Tables ================================================================== -->

  <!-- Rows of the college, class and cohort tables (context: the element; $href: its link). -->
  <xsl:template name="count-cells">
    <td class="num"><xsl:call-template name="num"><xsl:with-param name="v" select="@students"/></xsl:call-template></td>
    <td class="num n-done"><xsl:call-template name="num"><xsl:with-param name="v" select="@cleared"/></xsl:call-template></td>
    <td class="num n-pending wide-only"><xsl:call-template name="num"><xsl:with-param name="v" select="@students - @cleared"/></xsl:call-template></td>
    <xsl:call-template name="rate-cell">
      <xsl:with-param name="n" select="@cleared"/>
      <xsl:with-param name="d" select="@students"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="count-head">
    <th scope="col" class="num">毕业生</th>
    <th scope="col" class="num">已办结</th>
    <th scope="col" class="num wide-only">未办结</th>
    <th scope="col">离校率</th>
  </xsl:template>

  <xsl:template name="college-table">
    <section class="card" aria-labelledby="h-colleges">
      <div class="card-head">
        <h2 id="h-colleges">各学院离校情况</h2>
        <xsl:call-template name="csv"><xsl:with-param name="table">college</xsl:with-param></xsl:call-template>
      </div>
      <xsl:choose>
        <xsl:when test="$st/college">
          <div class="table-wrap">
            <table class="list rates">
              <thead>
                <tr><th scope="col">学院</th><xsl:call-template name="count-head"/></tr>
              </thead>
              <tbody>
                <xsl:for-each select="$st/college">
                  <tr>
                    <th scope="row"><a href="{$u-cohort}&amp;college={@code}"><xsl:value-of select="@name"/></a></th>
                    <xsl:call-template name="count-cells"/>
                  </tr>
                </xsl:for-each>
              </tbody>
            </table>
          </div>
          <p class="muted small">点击学院名称查看各班级情况。</p>
        </xsl:when>
        <xsl:otherwise><p class="muted">暂无学院数据。</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <xsl:template name="class-table">
    <section class="card" aria-labelledby="h-classes">
      <div class="card-head">
        <h2 id="h-classes">各班级离校情况</h2>
        <xsl:call-template name="csv">
          <xsl:with-param name="table">class</xsl:with-param>
          <xsl:with-param name="college" select="$ccode"/>
        </xsl:call-template>
      </div>
      <xsl:choose>
        <xsl:when test="$st/class">
          <div class="table-wrap">
            <table class="list rates">
              <thead>
                <tr><th scope="col">班级</th><xsl:call-template name="count-head"/></tr>
              </thead>
              <tbody>
                <xsl:for-each select="$st/class">
                  <tr>
                    <th scope="row"><a href="{$u-college}&amp;class={@code}"><xsl:value-of select="@name"/></a></th>
                    <xsl:call-template name="count-cells"/>
                  </tr>
                </xsl:for-each>
              </tbody>
            </table>
          </div>
          <p class="muted small">点击班级名称查看未办结学生名单。</p>
        </xsl:when>
        <xsl:otherwise><p class="muted">暂无班级数据。</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <xsl:template name="cohort-table">
    <section class="card" aria-labelledby="h-cohorts">
      <div class="card-head">
        <h2 id="h-cohorts">各届离校情况</h2>
        <xsl:call-template name="csv"><xsl:with-param name="table">cohort</xsl:with-param></xsl:call-template>
      </div>
      <div class="table-wrap">
        <table class="list rates">
          <thead>
            <tr><th scope="col">届别</th><xsl:call-template name="count-head"/><th scope="col">状态</th></tr>
          </thead>
          <tbody>
            <xsl:for-each select="$st/cohort">
              <tr>
                <xsl:if test="@id = $cid"><xsl:attribute name="class">row-current</xsl:attribute></xsl:if>
                <th scope="row"><a href="{$base}/stats?cohort={@id}"><xsl:value-of select="@name"/></a></th>
                <xsl:call-template name="count-cells"/>
                <td class="nowrap">
                  <xsl:choose>
                    <xsl:when test="@closed = '1'"><span class="badge badge-archived">已归档</span></xsl:when>
                    <xsl:otherwise><span class="badge badge-open">进行中</span></xsl:otherwise>
                  </xsl:choose>
                </td>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
      </div>
    </section>
  </xsl:template>

  <!-- Per point and step: the cohort, or the college when @college. -->
  <xsl:template name="step-table">
    <section class="card" aria-labelledby="h-steps">
      <div class="card-head">
        <h2 id="h-steps">
          <xsl:text>各离校业务办理情况</xsl:text>
          <xsl:if test="$col"><span class="h-sub"><xsl:value-of select="$col/@name"/></span></xsl:if>
        </h2>
        <xsl:call-template name="csv">
          <xsl:with-param name="table">step</xsl:with-param>
          <xsl:with-param name="college" select="$ccode"/>
        </xsl:call-template>
      </div>
      <xsl:choose>
        <xsl:when test="$st/step">
          <div class="table-wrap">
            <table class="list rates step-rates cards">
              <thead>
                <tr>
                  <th scope="col">离校点</th>
                  <th scope="col">业务</th>
                  <th scope="col" class="num">应办</th>
                  <th scope="col" class="num">已办</th>
                  <th scope="col" class="num">未办</th>
                  <th scope="col">完成率</th>
                </tr>
              </thead>
              <xsl:for-each select="$st/step[generate-id() = generate-id(key('step-by-point', @point)[1])]">
                <xsl:variable name="steps" select="key('step-by-point', @point)"/>
                <tbody class="point-group">
                  <xsl:for-each select="$steps">
                    <tr>
                      <xsl:if test="@optional = '1'"><xsl:attribute name="class">row-optional</xsl:attribute></xsl:if>
                      <xsl:if test="position() = 1">
                        <th scope="rowgroup" rowspan="{count($steps)}" class="c-point">
                          <xsl:value-of select="@point-name"/>
                        </th>
                      </xsl:if>
                      <td class="c-step">
                        <xsl:value-of select="@step-name"/>
                        <xsl:if test="@optional = '1'">
                          <xsl:text> </xsl:text><span class="tag tag-optional">自愿</span>
                        </xsl:if>
                      </td>
                      <td data-label="应办" class="num"><xsl:call-template name="num"><xsl:with-param name="v" select="@applicable"/></xsl:call-template></td>
                      <td data-label="已办" class="num n-done"><xsl:call-template name="num"><xsl:with-param name="v" select="@done"/></xsl:call-template></td>
                      <td data-label="未办" class="num n-pending"><xsl:call-template name="num"><xsl:with-param name="v" select="@applicable - @done"/></xsl:call-template></td>
                      <xsl:call-template name="rate-cell">
                        <xsl:with-param name="n" select="@done"/>
                        <xsl:with-param name="d" select="@applicable"/>
                      </xsl:call-template>
                    </tr>
                  </xsl:for-each>
                </tbody>
              </xsl:for-each>
            </table>
          </div>
          <p class="muted small">“自愿”业务不影响办结，不计入离校点完成率。</p>
        </xsl:when>
        <xsl:otherwise><p class="muted">暂无业务数据。</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <xsl:template name="pending-table">
    <section class="card" aria-labelledby="h-pending">
      <div class="card-head">
        <h2 id="h-pending">
          <xsl:text>未办结学生</xsl:text>
          <span class="h-sub"><xsl:value-of select="count($st/pending)"/><xsl:text> 人</xsl:text></span>
        </h2>
        <xsl:call-template name="csv">
          <xsl:with-param name="table">pending</xsl:with-param>
          <xsl:with-param name="college" select="$ccode"/>
          <xsl:with-param name="class" select="$kcode"/>
        </xsl:call-template>
      </div>
      <xsl:choose>
        <xsl:when test="$st/pending">
          <div class="table-wrap">
            <table class="list pending">
              <thead>
                <tr>
                  <th scope="col">学号</th>
                  <th scope="col">姓名</th>
                  <th scope="col">寝室</th>
                  <th scope="col">未完成</th>
                </tr>
              </thead>
              <tbody>
                <xsl:for-each select="$st/pending">
                  <tr>
                    <td class="mono"><xsl:value-of select="@student-no"/></td>
                    <th scope="row" class="name"><xsl:value-of select="@name"/></th>
                    <td class="nowrap">
                      <xsl:choose>
                        <xsl:when test="@dorm"><xsl:value-of select="@dorm"/></xsl:when>
                        <xsl:otherwise><span class="muted">校外住宿</span></xsl:otherwise>
                      </xsl:choose>
                    </td>
                    <td class="c-lacking">
                      <span class="lacking-count">
                        <xsl:value-of select="@lacking-count"/><xsl:text> 项</xsl:text>
                      </span>
                      <span class="lacking"><xsl:value-of select="@lacking"/></span>
                    </td>
                  </tr>
                </xsl:for-each>
              </tbody>
            </table>
          </div>
        </xsl:when>
        <xsl:when test="$cls and number($cls/@students) &gt; 0">
          <p class="ok">本班毕业生已全部办结离校手续。</p>
        </xsl:when>
        <xsl:otherwise><p class="muted">暂无未办结学生。</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <!-- SVG charts ============================================================== -->

  <!-- One bar of a chart: label and value on a line, the bar below.
       $i: 0-based row; $rate: 0..100; $label, $value: text. -->
  <xsl:template name="chart-row">
    <xsl:param name="i"/>
    <xsl:param name="rate"/>
    <xsl:param name="label"/>
    <xsl:param name="value"/>
    <xsl:param name="mark"/>
    <xsl:variable name="y" select="$i * $row-h"/>
    <g xmlns="http://www.w3.org/2000/svg" class="chart-row">
      <text x="0" y="{$y + 15}" class="chart-label" fill="{$c-text}">
        <xsl:value-of select="$label"/>
      </text>
      <text x="100%" y="{$y + 15}" text-anchor="end" class="chart-value" fill="{$c-text}">
        <xsl:value-of select="$value"/>
      </text>
      <rect x="0" y="{$y + 21}" width="100%" height="10" rx="3" class="chart-track" fill="{$c-track}"/>
      <xsl:if test="number($rate) &gt; 0">
        <rect x="0" y="{$y + 21}" width="{$rate}%" height="10" rx="3">
          <xsl:choose>
            <xsl:when test="number($rate) &gt;= 100">
              <xsl:attribute name="class">chart-bar chart-bar-full</xsl:attribute>
              <xsl:attribute name="fill"><xsl:value-of select="$c-full"/></xsl:attribute>
            </xsl:when>
            <xsl:otherwise>
              <xsl:attribute name="class">chart-bar</xsl:attribute>
              <xsl:attribute name="fill"><xsl:value-of select="$c-bar"/></xsl:attribute>
            </xsl:otherwise>
          </xsl:choose>
        </rect>
      </xsl:if>
      <xsl:if test="string($mark) != ''">
        <line x1="{$mark}%" x2="{$mark}%" y1="{$y + 18}" y2="{$y + 34}" class="chart-avg"
              stroke="{$c-avg}" stroke-width="2" stroke-dasharray="3 2"/>
      </xsl:if>
    </g>
  </xsl:template>

  <!-- 离校率 per college, highest first; the dashed line is the cohort's rate. -->
  <xsl:template name="college-chart">
    <xsl:variable name="rows" select="$st/college[number(@students) &gt; 0]"/>
    <section class="card chart-card" aria-labelledby="h-college-chart">
      <div class="card-head">
        <h2 id="h-college-chart">学院离校率</h2>
        <span class="muted small chart-legend"><span class="legend-avg" aria-hidden="true"></span>本届平均</span>
      </div>
      <xsl:choose>
        <xsl:when test="$rows">
          <xsl:variable name="avg">
            <xsl:call-template name="rate">
              <xsl:with-param name="n" select="$cur/@cleared"/>
              <xsl:with-param name="d" select="$cur/@students"/>
            </xsl:call-template>
          </xsl:variable>
          <xsl:variable name="h" select="count($rows) * $row-h + 4"/>
          <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="100%" height="{$h}"
               role="img" aria-labelledby="h-college-chart">
            <xsl:for-each select="$rows">
              <xsl:sort select="@cleared div @students" data-type="number" order="descending"/>
              <xsl:variable name="r">
                <xsl:call-template name="rate">
                  <xsl:with-param name="n" select="@cleared"/>
                  <xsl:with-param name="d" select="@students"/>
                </xsl:call-template>
              </xsl:variable>
              <xsl:call-template name="chart-row">
                <xsl:with-param name="i" select="position() - 1"/>
                <xsl:with-param name="rate" select="$r"/>
                <xsl:with-param name="label" select="@name"/>
                <xsl:with-param name="value" select="concat($r, '%')"/>
                <xsl:with-param name="mark" select="$avg"/>
              </xsl:call-template>
            </xsl:for-each>
          </svg>
        </xsl:when>
        <xsl:otherwise><p class="muted">暂无数据。</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <!-- 完成率 per point: its required steps' done over applicable, summed. -->
  <xsl:template name="point-chart">
    <xsl:variable name="points" select="$st/step[generate-id() = generate-id(key('step-by-point', @point)[1])]"/>
    <section class="card chart-card" aria-labelledby="h-point-chart">
      <div class="card-head">
        <h2 id="h-point-chart">各离校点完成率</h2>
        <span class="muted small">不含自愿业务</span>
      </div>
      <xsl:choose>
        <xsl:when test="$points">
          <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="100%"
               height="{count($points) * $row-h + 4}" role="img" aria-labelledby="h-point-chart">
            <xsl:for-each select="$points">
              <xsl:variable name="req" select="key('step-by-point', @point)[not(@optional = '1')]"/>
              <xsl:variable name="app" select="sum($req/@applicable)"/>
              <xsl:variable name="done" select="sum($req/@done)"/>
              <xsl:variable name="r">
                <xsl:call-template name="rate">
                  <xsl:with-param name="n" select="$done"/>
                  <xsl:with-param name="d" select="$app"/>
                </xsl:call-template>
              </xsl:variable>
              <xsl:call-template name="chart-row">
                <xsl:with-param name="i" select="position() - 1"/>
                <xsl:with-param name="rate" select="$r"/>
                <xsl:with-param name="label" select="@point-name"/>
                <xsl:with-param name="value">
                  <xsl:choose>
                    <xsl:when test="$app &gt; 0">
                      <xsl:value-of select="concat($r, '%（', format-number($done, '#,##0'), ' / ', format-number($app, '#,##0'), '）')"/>
                    </xsl:when>
                    <xsl:otherwise>—</xsl:otherwise>
                  </xsl:choose>
                </xsl:with-param>
              </xsl:call-template>
            </xsl:for-each>
          </svg>
        </xsl:when>
        <xsl:otherwise><p class="muted">暂无数据。</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <!-- Operators: their desks ================================================== -->

  <xsl:template name="operator">
    <p class="notice">以下为您负责的离校点及服务范围内的统计；全校统计由校领导查看。</p>
    <xsl:choose>
      <xsl:when test="$st/desk">
        <div class="desk-cards">
          <xsl:apply-templates select="$st/desk"/>
        </div>
      </xsl:when>
      <xsl:otherwise>
        <p class="muted">您目前没有负责的离校点。</p>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="desk">
    <section class="card desk-stats" aria-labelledby="h-desk-{position()}">
      <div class="card-head">
        <h2 id="h-desk-{position()}">
          <xsl:value-of select="@point-name"/>
          <xsl:if test="@college-name">
            <span class="h-sub"><xsl:value-of select="@college-name"/></span>
          </xsl:if>
        </h2>
        <a class="button secondary small" href="{$base}/op?at={@key}">进入操作台</a>
      </div>
      <xsl:choose>
        <xsl:when test="stats/step">
          <ul class="stats">
            <xsl:apply-templates select="stats/step" mode="desk-stat"/>
          </ul>
        </xsl:when>
        <xsl:otherwise><p class="muted">暂无统计数据。</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <!-- As desk.xsl's statistics. -->
  <xsl:template match="step" mode="desk-stat">
    <xsl:variable name="app" select="number(@applicable)"/>
    <xsl:variable name="done" select="number(@done)"/>
    <li class="stat">
      <div class="stat-head">
        <span class="stat-name">
          <xsl:value-of select="@name"/>
          <xsl:if test="@optional = '1'">
            <xsl:text> </xsl:text><span class="tag tag-optional">自愿</span>
          </xsl:if>
        </span>
        <span class="stat-pct">
          <xsl:call-template name="pct">
            <xsl:with-param name="n" select="$done"/>
            <xsl:with-param name="d" select="$app"/>
          </xsl:call-template>
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
        <span>未办 <b class="n-pending">
          <xsl:choose>
            <xsl:when test="@pending"><xsl:value-of select="@pending"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="$app - $done"/></xsl:otherwise>
          </xsl:choose>
        </b></span>
      </div>
      <xsl:if test="number(@proposed) &gt; 0">
        <p class="stat-proposed">
          <xsl:text>系统已勾选待确认 </xsl:text><b><xsl:value-of select="@proposed"/></b><xsl:text> 人</xsl:text>
        </p>
      </xsl:if>
    </li>
  </xsl:template>

</xsl:stylesheet>
