<?xml version="1.0" encoding="UTF-8"?>
<!--
  deferral.xsl (view="deferral"): the special deferral point 缓交办理点 (seed §3.9).
  The four areas of the seed's screen:
    1 search (student number or ID number)
    3 the current student's gate on the finance step: 限制开启 / 限制已关闭
    4 the buttons that change it: 关闭限制 (on the evidence of a deferral certificate) /
      开启限制; both grey when the finance step is already done
    2 the list of every student whose gate is closed
  Provides mode="title" and mode="content" for layout.xsl (through layout-desk.xsl, for the
  notice template; the desk's own variables stay unused here).
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:import href="layout-desk.xsl"/>

  <xsl:variable name="d" select="/page/deferral"/>
  <xsl:variable name="st" select="$d/student"/>
  <xsl:variable name="gates" select="$d/closed/gate"/>
  <!-- The point's name as the operator's assignment spells it. -->
  <xsl:variable name="point-name">
    <xsl:choose>
      <xsl:when test="/page/account/assignment[@deferral = '1']/@point-name">
        <xsl:value-of select="/page/account/assignment[@deferral = '1'][1]/@point-name"/>
      </xsl:when>
      <xsl:otherwise>缓交办理点</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- csrf and rid: every deferral form carries them. -->
  <xsl:template name="deferral-hidden">
    <input type="hidden" name="csrf" value="{$d/@csrf}"/>
    <input type="hidden" name="rid" value="{$d/@rid}"/>
  </xsl:template>

  <xsl:template match="/page" mode="title">
    <xsl:value-of select="$point-name"/>
    <xsl:if test="$st/@name">
      <xsl:text> · </xsl:text>
      <xsl:value-of select="$st/@name"/>
    </xsl:if>
  </xsl:template>

  <xsl:template match="/page" mode="content">
    <div class="page-head">
      <div>
        <h1><xsl:value-of select="$point-name"/></h1>
        <p class="lead">凭缓交证明调整财务处离校点限制：限制关闭后，未缴清的欠费不再妨碍领取证件等后续业务。</p>
      </div>
    </div>

    <xsl:call-template name="search"/>
    <xsl:apply-templates select="$d/notice"/>

    <xsl:choose>
      <xsl:when test="$st">
        <xsl:apply-templates select="$st"/>
      </xsl:when>
      <xsl:otherwise>
        <section class="card desk-empty">
          <h2>请先查询学生</h2>
          <ol class="three-steps">
            <li>核对学生身份和缓交证明；</li>
            <li>在上方输入学号或身份证号，按回车；</li>
            <li>查看该生的限制状态，填写缓交证明编号后点击“关闭限制”。</li>
          </ol>
        </section>
      </xsl:otherwise>
    </xsl:choose>

    <xsl:call-template name="closed-list"/>
  </xsl:template>

  <!-- 1 Search ================================================================ -->
  <xsl:template name="search">
    <section class="card desk-search" aria-labelledby="h-search">
      <h2 id="h-search">查询学生</h2>
      <form method="post" action="{$base}/deferral/search" class="search-form">
        <xsl:call-template name="deferral-hidden"/>
        <label class="vh" for="deferral-q">学号或身份证号</label>
        <div class="input-row">
          <input type="text" id="deferral-q" name="q" autofocus="autofocus" required="required"
                 maxlength="60" autocomplete="off" spellcheck="false"
                 placeholder="学号 / 身份证号"/>
          <button type="submit">查询</button>
        </div>
        <p class="muted small">输入 10 位学号或 18 位身份证号，按回车。</p>
      </form>
    </section>
  </xsl:template>

  <!-- 3 + 4 The student's finance gate and the buttons ========================= -->
  <xsl:template match="student">
    <xsl:variable name="done" select="@state = 'done'"/>
    <xsl:variable name="closed" select="@gate-closed = '1'"/>
    <xsl:variable name="archived" select="@cohort-closed = '1'"/>
    <section aria-labelledby="h-student">
      <xsl:attribute name="class">
        <xsl:text>card gate-card</xsl:text>
        <xsl:choose>
          <xsl:when test="$done"> gate-done</xsl:when>
          <xsl:when test="$closed"> gate-closed</xsl:when>
          <xsl:otherwise> gate-open</xsl:otherwise>
        </xsl:choose>
      </xsl:attribute>
      <div class="card-head">
        <h2 id="h-student">
          <xsl:value-of select="@name"/>
          <span class="h-sub mono"><xsl:value-of select="@student-no"/></span>
        </h2>
      </div>
      <xsl:if test="$archived">
        <p class="notice notice-closed">
          <xsl:value-of select="@cohort"/>
          <xsl:text>离校工作已结束，数据已归档，只读。</xsl:text>
        </p>
      </xsl:if>

      <dl class="fields desk-fields">
        <div><dt>学院</dt><dd><xsl:value-of select="@college"/></dd></div>
        <div><dt>班级</dt><dd><xsl:value-of select="@class"/></dd></div>
        <div><dt>届别</dt><dd><xsl:value-of select="@cohort"/></dd></div>
        <div>
          <dt>欠费金额</dt>
          <dd>
            <xsl:choose>
              <xsl:when test="@arrears">
                <span>
                  <xsl:if test="number(@arrears) &gt; 0">
                    <xsl:attribute name="class">warn</xsl:attribute>
                  </xsl:if>
                  <xsl:value-of select="@arrears"/>
                  <xsl:text> 元</xsl:text>
                </span>
                <xsl:if test="@arrears-received-at">
                  <span class="sub">财务数据更新于 <time><xsl:value-of select="@arrears-received-at"/></time></span>
                </xsl:if>
              </xsl:when>
              <xsl:otherwise>
                <span class="pending-data">财务处尚未同步数据</span>
              </xsl:otherwise>
            </xsl:choose>
          </dd>
        </div>
      </dl>

      <!-- The finance step and its gate. -->
      <div class="gate-status">
        <div class="gate-line">
          <span class="gate-label">
            <xsl:value-of select="@step-name"/>
            <xsl:if test="not(@step-name)">缴清欠费</xsl:if>
          </span>
          <span class="state state-{@state}">
            <xsl:call-template name="state-label">
              <xsl:with-param name="state" select="@state"/>
            </xsl:call-template>
          </span>
        </div>
        <div class="gate-line">
          <span class="gate-label">离校点限制</span>
          <xsl:choose>
            <xsl:when test="$closed">
              <span class="gate gate-off">限制已关闭</span>
            </xsl:when>
            <xsl:when test="$done">
              <span class="gate gate-none">无限制</span>
            </xsl:when>
            <xsl:otherwise>
              <span class="gate gate-on">限制开启</span>
            </xsl:otherwise>
          </xsl:choose>
        </div>
        <p class="gate-explain">
          <xsl:choose>
            <xsl:when test="$done and $closed">该生已缴清欠费，此前关闭的限制已不再起作用。</xsl:when>
            <xsl:when test="$done">该生已缴清欠费，财务处离校点不限制后续业务。</xsl:when>
            <xsl:when test="$closed">欠费暂缓缴纳：未缴清的欠费不再妨碍领取证件等后续业务。</xsl:when>
            <xsl:when test="not(@arrears)">财务处尚未同步该生数据，在欠费确认缴清之前，该生不能领取证件。</xsl:when>
            <xsl:otherwise>欠费未缴清，该生不能办理领取证件等后续业务。</xsl:otherwise>
          </xsl:choose>
        </p>
        <xsl:if test="$closed">
          <dl class="fields gate-who">
            <div>
              <dt>关闭人</dt>
              <dd>
                <xsl:value-of select="@closed-by-name"/>
                <xsl:if test="@closed-by">
                  <span class="muted mono small">
                    <xsl:text>（</xsl:text><xsl:value-of select="@closed-by"/><xsl:text>）</xsl:text>
                  </span>
                </xsl:if>
              </dd>
            </div>
            <div><dt>关闭时间</dt><dd><time><xsl:value-of select="@closed-at"/></time></dd></div>
            <div>
              <dt>依据</dt>
              <dd>
                <xsl:choose>
                  <xsl:when test="normalize-space(@note) != ''"><xsl:value-of select="@note"/></xsl:when>
                  <xsl:otherwise><span class="muted">未填写</span></xsl:otherwise>
                </xsl:choose>
              </dd>
            </div>
          </dl>
        </xsl:if>
      </div>

      <!-- 4 The buttons. -->
      <div class="gate-actions">
        <h3>调整限制</h3>
        <xsl:choose>
          <!-- Finance step done: nothing to adjust, both buttons grey (seed §3.9 note). -->
          <xsl:when test="$done">
            <div class="btn-pair">
              <button type="button" disabled="disabled" aria-describedby="gate-why">关闭限制</button>
              <button type="button" disabled="disabled" aria-describedby="gate-why">开启限制</button>
            </div>
            <p id="gate-why" class="why-disabled">该生已缴清欠费，无需调整。</p>
          </xsl:when>
          <xsl:when test="$archived">
            <div class="btn-pair">
              <button type="button" disabled="disabled" aria-describedby="gate-why">
                <xsl:choose>
                  <xsl:when test="$closed">开启限制</xsl:when>
                  <xsl:otherwise>关闭限制</xsl:otherwise>
                </xsl:choose>
              </button>
            </div>
            <p id="gate-why" class="why-disabled">该届已归档，只读，不能再调整限制。</p>
          </xsl:when>
          <!-- Closed: may be opened again, unless certificates were already handed out. -->
          <xsl:when test="$closed">
            <xsl:choose>
              <xsl:when test="normalize-space(@certificates-done) != ''">
                <div class="btn-pair">
                  <button type="button" disabled="disabled" aria-describedby="gate-why">开启限制</button>
                </div>
                <p id="gate-why" class="why-disabled">
                  <xsl:text>证件已发放：</xsl:text>
                  <xsl:value-of select="@certificates-done"/>
                  <xsl:text>；须先在领取证件离校点撤销。</xsl:text>
                </p>
              </xsl:when>
              <xsl:otherwise>
                <form method="post" action="{$base}/deferral/open" class="gate-form">
                  <xsl:call-template name="deferral-hidden"/>
                  <input type="hidden" name="s" value="{@student-no}"/>
                  <label for="gate-note">开启原因</label>
                  <div class="input-row wide">
                    <input type="text" id="gate-note" name="note" maxlength="200"
                           autocomplete="off" placeholder="如：缓交期已过（选填）"/>
                    <button type="submit" class="danger">开启限制</button>
                  </div>
                  <p class="muted small">开启后，该生须缴清欠费（或重新关闭限制）才能领取证件。</p>
                </form>
              </xsl:otherwise>
            </xsl:choose>
          </xsl:when>
          <!-- Open and pending: close on the evidence of a deferral certificate. -->
          <xsl:otherwise>
            <form method="post" action="{$base}/deferral/close" class="gate-form">
              <xsl:call-template name="deferral-hidden"/>
              <input type="hidden" name="s" value="{@student-no}"/>
              <label for="gate-note">缓交证明编号</label>
              <div class="input-row wide">
                <input type="text" id="gate-note" name="note" required="required" maxlength="200"
                       autocomplete="off" placeholder="缓交证明编号（必填）"/>
                <button type="submit">关闭限制</button>
              </div>
              <p class="muted small">请先核对学生身份和缓交证明原件。关闭后，欠费不再妨碍领取证件；该操作记入操作日志。</p>
            </form>
          </xsl:otherwise>
        </xsl:choose>
      </div>
    </section>
  </xsl:template>

  <!-- 2 Every student whose gate is closed ======================================= -->
  <xsl:template name="closed-list">
    <section class="card deferral-list" aria-labelledby="h-closed">
      <div class="card-head">
        <h2 id="h-closed">
          <xsl:text>已关闭限制的学生</xsl:text>
          <span class="h-sub">
            <xsl:text>共 </xsl:text><xsl:value-of select="count($gates)"/><xsl:text> 人</xsl:text>
          </span>
        </h2>
      </div>
      <xsl:choose>
        <xsl:when test="$gates">
          <div class="table-wrap">
            <table class="list gates cards">
              <thead>
                <tr>
                  <th scope="col">学号</th>
                  <th scope="col">姓名</th>
                  <th scope="col">学院</th>
                  <th scope="col">班级</th>
                  <th scope="col">欠费（元）</th>
                  <th scope="col">财务状态</th>
                  <th scope="col">关闭人</th>
                  <th scope="col">关闭时间</th>
                  <th scope="col">依据</th>
                </tr>
              </thead>
              <tbody>
                <xsl:for-each select="$gates">
                  <tr>
                    <xsl:if test="@student-no = $st/@student-no">
                      <xsl:attribute name="class">row-current</xsl:attribute>
                    </xsl:if>
                    <td data-label="学号" class="mono">
                      <a href="{$base}/deferral?s={@student-no}"><xsl:value-of select="@student-no"/></a>
                    </td>
                    <th scope="row" class="nowrap"><xsl:value-of select="@name"/></th>
                    <td data-label="学院"><xsl:value-of select="@college"/></td>
                    <td data-label="班级" class="nowrap"><xsl:value-of select="@class"/></td>
                    <td data-label="欠费（元）" class="num">
                      <xsl:choose>
                        <xsl:when test="@arrears"><xsl:value-of select="@arrears"/></xsl:when>
                        <xsl:otherwise><span class="pending-data">未同步</span></xsl:otherwise>
                      </xsl:choose>
                    </td>
                    <td data-label="财务状态" class="c-state">
                      <span class="state state-{@state}">
                        <xsl:call-template name="state-label">
                          <xsl:with-param name="state" select="@state"/>
                        </xsl:call-template>
                      </span>
                    </td>
                    <td data-label="关闭人"><xsl:value-of select="@closed-by-name"/><xsl:if test="not(@closed-by-name)"><xsl:value-of select="@closed-by"/></xsl:if></td>
                    <td data-label="关闭时间" class="nowrap"><time><xsl:value-of select="@closed-at"/></time></td>
                    <td data-label="依据"><xsl:value-of select="@note"/></td>
                  </tr>
                </xsl:for-each>
              </tbody>
            </table>
          </div>
        </xsl:when>
        <xsl:otherwise>
          <p class="muted">暂无已关闭限制的学生。</p>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

</xsl:stylesheet>
