<?xml version="1.0" encoding="UTF-8"?>
<!--
  admin-setup.xsl: the administrator's 学校与学院 tab (GET {base}/admin?tab=setup[&college=CODE]),
  included by admin.xsl: institutions (学校, with the national code), the colleges of each, and
  the classes of the college chosen.  Each is created, changed, retired and restored by a POST to
  {base}/admin/institution|college|class[-retire|-restore].  A refused change comes back to this
  tab with the reason in <notice kind="error"> and the form as typed in <echo form="ACTION">.
  Uses $a, $base and the admin-hidden template of admin.xsl.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <!-- A value of the form as typed when it was refused (echo), else the default. -->
  <xsl:template name="echoed">
    <xsl:param name="form"/>
    <xsl:param name="field"/>
    <xsl:param name="key" select="''"/>
    <xsl:param name="default" select="''"/>
    <xsl:variable name="e" select="$a/echo[@form = $form][$key = '' or @code = $key]"/>
    <xsl:choose>
      <xsl:when test="$e"><xsl:value-of select="$e/@*[name() = $field]"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$default"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="setup-tab">
    <xsl:variable name="live" select="$a/institution[@retired = '0']"/>
    <!-- the row whose 修改 was clicked fills its form -->
    <xsl:variable name="ei" select="$a/institution[@code = $a/@edit-institution]"/>
    <xsl:variable name="ec" select="$a/college[@code = $a/@edit-college]"/>
    <xsl:if test="not($a/institution)">
      <p class="notice">还没有学校。请先添加学校（校区），再添加学院；学院建好后即可在“届别”中建立届别、在“导入名单”中导入毕业生。</p>
    </xsl:if>
    <div class="grid-2 admin-top">
      <section class="card" aria-labelledby="h-add-inst">
        <h2 id="h-add-inst">添加或修改学校</h2>
        <form method="post" action="{$base}/admin/institution" class="admin-form">
          <xsl:call-template name="admin-hidden"/>
          <div class="field">
            <label for="inst-code">学校代码</label>
            <input type="text" id="inst-code" name="code" required="required" inputmode="numeric"
                   pattern="[0-9]{{5}}" maxlength="5" autocomplete="off" aria-describedby="inst-code-hint">
              <xsl:attribute name="value">
                <xsl:call-template name="echoed">
                  <xsl:with-param name="form" select="'institution'"/>
                  <xsl:with-param name="field" select="'code'"/>
                  <xsl:with-param name="default" select="$ei/@code"/>
                </xsl:call-template>
              </xsl:attribute>
            </input>
            <p id="inst-code-hint" class="field-hint">国家标识码的后五位（如 10534）。填写已有的代码则修改该学校的名称。每个学校自动带有“国家助学贷款还款确认”业务和名单中的一列。</p>
          </div>
          <div class="field">
            <label for="inst-name">学校名称</label>
            <input type="text" id="inst-name" name="name" required="required" maxlength="60"
                   autocomplete="off" placeholder="如：校本部">
              <xsl:attribute name="value">
                <xsl:call-template name="echoed">
                  <xsl:with-param name="form" select="'institution'"/>
                  <xsl:with-param name="field" select="'name'"/>
                  <xsl:with-param name="default" select="$ei/@name"/>
                </xsl:call-template>
              </xsl:attribute>
            </input>
          </div>
          <div class="form-actions"><button type="submit">保存学校</button></div>
        </form>
      </section>

      <section class="card" aria-labelledby="h-add-college">
        <h2 id="h-add-college">添加或修改学院</h2>
        <xsl:choose>
          <xsl:when test="$live">
            <form method="post" action="{$base}/admin/college" class="admin-form">
              <xsl:call-template name="admin-hidden"/>
              <xsl:variable name="e-inst">
                <xsl:call-template name="echoed">
                  <xsl:with-param name="form" select="'college'"/>
                  <xsl:with-param name="field" select="'institution'"/>
                  <xsl:with-param name="default" select="$ec/@institution"/>
                </xsl:call-template>
              </xsl:variable>
              <div class="field">
                <label for="col-inst">所属学校</label>
                <select id="col-inst" name="institution" required="required">
                  <xsl:if test="count($live) &gt; 1"><option value="">请选择学校</option></xsl:if>
                  <xsl:for-each select="$live">
                    <option value="{@code}">
                      <xsl:if test="@code = $e-inst"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
                      <xsl:value-of select="@name"/><xsl:text>（</xsl:text><xsl:value-of select="@code"/><xsl:text>）</xsl:text>
                    </option>
                  </xsl:for-each>
                </select>
              </div>
              <div class="field">
                <label for="col-code">学院代码</label>
                <input type="text" id="col-code" name="code" required="required" maxlength="10"
                       pattern="[0-9A-Za-z]{{1,10}}" autocomplete="off" aria-describedby="col-code-hint">
                  <xsl:attribute name="value">
                    <xsl:call-template name="echoed">
                      <xsl:with-param name="form" select="'college'"/>
                      <xsl:with-param name="field" select="'code'"/>
                      <xsl:with-param name="default" select="$ec/@code"/>
                    </xsl:call-template>
                  </xsl:attribute>
                </input>
                <p id="col-code-hint" class="field-hint">与名单“学院代码”列一致（字母或数字，不超过 10 个）；填写已有的代码则修改该学院。</p>
              </div>
              <div class="field">
                <label for="col-name">学院名称</label>
                <input type="text" id="col-name" name="name" required="required" maxlength="60" autocomplete="off">
                  <xsl:attribute name="value">
                    <xsl:call-template name="echoed">
                      <xsl:with-param name="form" select="'college'"/>
                      <xsl:with-param name="field" select="'name'"/>
                      <xsl:with-param name="default" select="$ec/@name"/>
                    </xsl:call-template>
                  </xsl:attribute>
                </input>
              </div>
              <div class="field">
                <label for="col-office">学院离校点办公地点</label>
                <input type="text" id="col-office" name="office" maxlength="200" autocomplete="off"
                       placeholder="如：逸夫楼 A203（学院办公室）">
                  <xsl:attribute name="value">
                    <xsl:call-template name="echoed">
                      <xsl:with-param name="form" select="'college'"/>
                      <xsl:with-param name="field" select="'office'"/>
                      <xsl:with-param name="default" select="$ec/@office"/>
                    </xsl:call-template>
                  </xsl:attribute>
                </input>
              </div>
              <div class="field">
                <label for="col-cert">领取证件地点</label>
                <input type="text" id="col-cert" name="cert_office" maxlength="200" autocomplete="off">
                  <xsl:attribute name="value">
                    <xsl:call-template name="echoed">
                      <xsl:with-param name="form" select="'college'"/>
                      <xsl:with-param name="field" select="'cert_office'"/>
                      <xsl:with-param name="default" select="$ec/@cert-office"/>
                    </xsl:call-template>
                  </xsl:attribute>
                </input>
              </div>
              <div class="form-actions"><button type="submit">保存学院</button></div>
            </form>
          </xsl:when>
          <xsl:otherwise>
            <p class="muted">请先添加学校。</p>
          </xsl:otherwise>
        </xsl:choose>
      </section>
    </div>

    <section class="card" aria-labelledby="h-insts">
      <h2 id="h-insts">学校<span class="h-sub">共 <xsl:value-of select="count($a/institution)"/> 个</span></h2>
      <xsl:if test="$a/institution">
        <div class="table-wrap">
          <table class="list institutions cards">
            <thead>
              <tr><th scope="col">代码</th><th scope="col">名称</th><th scope="col" class="num">在用学院</th><th scope="col">状态</th><th scope="col">操作</th></tr>
            </thead>
            <tbody>
              <xsl:for-each select="$a/institution">
                <tr>
                  <xsl:if test="@retired = '1'"><xsl:attribute name="class">row-inactive</xsl:attribute></xsl:if>
                  <td data-label="代码" class="mono"><xsl:value-of select="@code"/></td>
                  <th scope="row"><span class="name"><xsl:value-of select="@name"/></span></th>
                  <td data-label="在用学院" class="num"><xsl:value-of select="@colleges"/></td>
                  <td data-label="状态">
                    <xsl:choose>
                      <xsl:when test="@retired = '1'"><span class="badge badge-inactive">已停用</span></xsl:when>
                      <xsl:otherwise><span class="state state-on">在用</span></xsl:otherwise>
                    </xsl:choose>
                  </td>
                  <td>
                    <a class="button secondary small" href="{$base}/admin?tab=setup&amp;edit-institution={@code}#h-add-inst">修改<span class="vh"><xsl:text>：</xsl:text><xsl:value-of select="@name"/></span></a>
                    <xsl:text> </xsl:text>
                    <xsl:call-template name="retire-button">
                      <xsl:with-param name="what" select="'institution'"/>
                    </xsl:call-template>
                  </td>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
        </div>
      </xsl:if>
    </section>

    <section class="card" aria-labelledby="h-colleges">
      <h2 id="h-colleges">学院<span class="h-sub">共 <xsl:value-of select="count($a/college)"/> 个</span></h2>
      <xsl:choose>
        <xsl:when test="$a/college">
          <div class="table-wrap">
            <table class="list colleges cards">
              <thead>
                <tr><th scope="col">代码</th><th scope="col">名称</th><th scope="col">学校</th>
                  <th scope="col" class="wide-only">办公地点 / 领取证件地点</th>
                  <th scope="col" class="num">未归档届别学生</th><th scope="col">班级</th><th scope="col">操作</th></tr>
              </thead>
              <tbody>
                <xsl:for-each select="$a/college">
                  <tr>
                    <xsl:if test="@retired = '1'"><xsl:attribute name="class">row-inactive</xsl:attribute></xsl:if>
                    <td data-label="代码" class="mono"><xsl:value-of select="@code"/></td>
                    <th scope="row">
                      <span class="name"><xsl:value-of select="@name"/></span>
                      <xsl:if test="@retired = '1'"><xsl:text> </xsl:text><span class="badge badge-inactive">已停用</span></xsl:if>
                    </th>
                    <td data-label="学校"><xsl:value-of select="@institution-name"/></td>
                    <td data-label="办公地点" class="wide-only small"><xsl:value-of select="@office"/><br/><xsl:value-of select="@cert-office"/></td>
                    <td data-label="未归档届别学生" class="num"><xsl:value-of select="@students"/></td>
                    <td><a href="{$base}/admin?tab=setup&amp;college={@code}#h-classes">查看班级</a></td>
                    <td>
                      <a class="button secondary small" href="{$base}/admin?tab=setup&amp;edit-college={@code}#h-add-college">修改<span class="vh"><xsl:text>：</xsl:text><xsl:value-of select="@name"/></span></a>
                      <xsl:text> </xsl:text>
                      <xsl:call-template name="retire-button">
                        <xsl:with-param name="what" select="'college'"/>
                      </xsl:call-template>
                    </td>
                  </tr>
                </xsl:for-each>
              </tbody>
            </table>
          </div>
        </xsl:when>
        <xsl:otherwise><p class="muted">还没有学院。</p></xsl:otherwise>
      </xsl:choose>
    </section>

    <xsl:if test="$a/@college">
      <xsl:call-template name="classes"/>
    </xsl:if>
  </xsl:template>

  <!-- Retire or restore (context: an institution, college or class row). -->
  <xsl:template name="retire-button">
    <xsl:param name="what"/>
    <form method="post" class="inline-form">
      <xsl:attribute name="action">
        <xsl:value-of select="concat($base, '/admin/', $what)"/>
        <xsl:choose>
          <xsl:when test="@retired = '1'">-restore</xsl:when>
          <xsl:otherwise>-retire</xsl:otherwise>
        </xsl:choose>
      </xsl:attribute>
      <xsl:if test="not(@retired = '1')">
        <xsl:attribute name="data-confirm">确定停用“<xsl:value-of select="@name"/>”吗？停用后不能再为其导入学生或分配人员，已有记录保留。</xsl:attribute>
      </xsl:if>
      <xsl:call-template name="admin-hidden"/>
      <input type="hidden" name="code" value="{@code}"/>
      <xsl:if test="$what = 'class'"><input type="hidden" name="college" value="{$a/@college}"/></xsl:if>
      <button type="submit" class="secondary small">
        <xsl:choose>
          <xsl:when test="@retired = '1'">恢复</xsl:when>
          <xsl:otherwise>停用</xsl:otherwise>
        </xsl:choose>
        <span class="vh"><xsl:text>：</xsl:text><xsl:value-of select="@name"/></span>
      </button>
    </form>
  </xsl:template>

  <!-- The classes of the college chosen, and the form for one more. -->
  <xsl:template name="classes">
    <xsl:variable name="college" select="$a/college[@code = $a/@college]"/>
    <section class="card" aria-labelledby="h-classes">
      <h2 id="h-classes">
        <xsl:value-of select="$college/@name"/><xsl:text> 的班级</xsl:text>
        <span class="h-sub">共 <xsl:value-of select="count($a/class)"/> 个</span>
      </h2>
      <p class="muted small">导入名单时新班级会自动建立；这里用于修改班级名称、提前建立班级和停用班级。</p>
      <xsl:if test="$a/cohort and $college[@retired = '0']">
        <form method="post" action="{$base}/admin/class" class="admin-form inline-fields">
          <xsl:call-template name="admin-hidden"/>
          <input type="hidden" name="college" value="{$a/@college}"/>
          <xsl:variable name="e-cohort">
            <xsl:call-template name="echoed">
              <xsl:with-param name="form" select="'class'"/>
              <xsl:with-param name="field" select="'cohort'"/>
            </xsl:call-template>
          </xsl:variable>
          <div class="field">
            <label for="cls-code">班级代码</label>
            <input type="text" id="cls-code" name="code" required="required" maxlength="20"
                   pattern="[0-9A-Za-z\-]{{1,20}}" autocomplete="off">
              <xsl:attribute name="value">
                <xsl:call-template name="echoed">
                  <xsl:with-param name="form" select="'class'"/>
                  <xsl:with-param name="field" select="'code'"/>
                </xsl:call-template>
              </xsl:attribute>
            </input>
          </div>
          <div class="field">
            <label for="cls-name">班级名称</label>
            <input type="text" id="cls-name" name="name" required="required" maxlength="60" autocomplete="off">
              <xsl:attribute name="value">
                <xsl:call-template name="echoed">
                  <xsl:with-param name="form" select="'class'"/>
                  <xsl:with-param name="field" select="'name'"/>
                </xsl:call-template>
              </xsl:attribute>
            </input>
          </div>
          <div class="field">
            <label for="cls-cohort">届别</label>
            <select id="cls-cohort" name="cohort" required="required">
              <xsl:for-each select="$a/cohort">
                <option value="{@id}">
                  <xsl:if test="@id = $e-cohort"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
                  <xsl:value-of select="@name"/>
                </option>
              </xsl:for-each>
            </select>
          </div>
          <div class="form-actions"><button type="submit">保存班级</button></div>
        </form>
      </xsl:if>
      <xsl:if test="$a/class">
        <div class="table-wrap">
          <table class="list classes cards">
            <thead>
              <tr><th scope="col">代码</th><th scope="col">名称</th><th scope="col">届别</th><th scope="col" class="num">学生</th><th scope="col">操作</th></tr>
            </thead>
            <tbody>
              <xsl:for-each select="$a/class">
                <tr>
                  <xsl:if test="@retired = '1' or @closed = '1'"><xsl:attribute name="class">row-inactive</xsl:attribute></xsl:if>
                  <td data-label="代码" class="mono"><xsl:value-of select="@code"/></td>
                  <th scope="row">
                    <span class="name"><xsl:value-of select="@name"/></span>
                    <xsl:if test="@retired = '1'"><xsl:text> </xsl:text><span class="badge badge-inactive">已停用</span></xsl:if>
                  </th>
                  <td data-label="届别"><xsl:value-of select="@cohort-name"/></td>
                  <td data-label="学生" class="num"><xsl:value-of select="@students"/></td>
                  <td>
                    <xsl:if test="not(@closed = '1')">
                      <xsl:call-template name="retire-button">
                        <xsl:with-param name="what" select="'class'"/>
                      </xsl:call-template>
                    </xsl:if>
                  </td>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
        </div>
      </xsl:if>
    </section>
  </xsl:template>

</xsl:stylesheet>
