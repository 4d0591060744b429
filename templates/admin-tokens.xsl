<?xml version="1.0" encoding="UTF-8"?>
<!--
  admin-tokens.xsl: the administrator's 接口令牌 tab (GET {base}/admin?tab=tokens), included by
  admin.xsl: the API tokens of the portal and the feeds (docs/integration.md), with who issued
  them, when each was last used (to the minute) and who revoked them.  POST
  {base}/admin/token-issue answers with this tab and the new token in <issued id token purpose
  name/>, shown this once (only its SHA-256 is stored); POST {base}/admin/token-revoke.
  Uses $a, $base and the admin-hidden template of admin.xsl.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:template name="token-purpose">
    <xsl:param name="p"/>
    <xsl:choose>
      <xsl:when test="$p = 'portal'">门户（查询学生离校状态）</xsl:when>
      <xsl:when test="$p = 'library'">图书馆（推送借阅和欠款）</xsl:when>
      <xsl:when test="$p = 'finance'">财务处（推送欠费）</xsl:when>
      <xsl:when test="$p = 'bank'">银行（推送生源地助学贷款还款）</xsl:when>
      <xsl:otherwise><xsl:value-of select="$p"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="token-option">
    <xsl:param name="p"/>
    <xsl:param name="chosen"/>
    <option value="{$p}">
      <xsl:if test="$p = $chosen"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
      <xsl:call-template name="token-purpose"><xsl:with-param name="p" select="$p"/></xsl:call-template>
    </option>
  </xsl:template>

  <xsl:template name="tokens-tab">
    <xsl:variable name="e" select="$a/echo[@form = 'token-issue']"/>
    <xsl:if test="$a/issued">
      <section class="card token-issued" aria-labelledby="h-issued">
        <h2 id="h-issued">新令牌已签发</h2>
        <p class="notice notice-ok">
          <xsl:text>令牌 #</xsl:text><xsl:value-of select="$a/issued/@id"/>
          <xsl:text>（</xsl:text><xsl:value-of select="$a/issued/@name"/><xsl:text>）。请立即复制并交给该系统的管理员：令牌只显示这一次，系统中只保存它的摘要，关闭本页后无法再查看。</xsl:text>
        </p>
        <div class="field">
          <label for="issued-token">令牌</label>
          <input type="text" id="issued-token" class="mono token-value" readonly="readonly"
                 size="70" value="{$a/issued/@token}"/>
        </div>
        <p class="muted small">调用时放在请求头中：<code>Authorization: Bearer 令牌</code>（不要放在网址里）。</p>
      </section>
    </xsl:if>
    <section class="card" aria-labelledby="h-issue">
      <h2 id="h-issue">签发令牌</h2>
      <p class="muted small">每个系统一个令牌，每个令牌只有一种用途。更换令牌时先签发新令牌，待该系统改用新令牌（“最近使用”更新）后再吊销旧令牌。</p>
      <form method="post" action="{$base}/admin/token-issue" class="admin-form inline-fields">
        <xsl:call-template name="admin-hidden"/>
        <div class="field">
          <label for="tok-purpose">用途</label>
          <select id="tok-purpose" name="purpose" required="required">
            <xsl:call-template name="token-option">
              <xsl:with-param name="p" select="'portal'"/><xsl:with-param name="chosen" select="$e/@purpose"/>
            </xsl:call-template>
            <xsl:call-template name="token-option">
              <xsl:with-param name="p" select="'library'"/><xsl:with-param name="chosen" select="$e/@purpose"/>
            </xsl:call-template>
            <xsl:call-template name="token-option">
              <xsl:with-param name="p" select="'finance'"/><xsl:with-param name="chosen" select="$e/@purpose"/>
            </xsl:call-template>
            <xsl:call-template name="token-option">
              <xsl:with-param name="p" select="'bank'"/><xsl:with-param name="chosen" select="$e/@purpose"/>
            </xsl:call-template>
          </select>
        </div>
        <div class="field">
          <label for="tok-name">名称</label>
          <input type="text" id="tok-name" name="name" required="required" maxlength="60"
                 placeholder="如：学校门户 2027" value="{$e/@name}"/>
        </div>
        <div class="form-actions"><button type="submit">签发</button></div>
      </form>
    </section>
    <section class="card" aria-labelledby="h-tokens">
      <h2 id="h-tokens">令牌<span class="h-sub">在用 <xsl:value-of select="count($a/token[@active = '1'])"/> 个</span></h2>
      <xsl:choose>
        <xsl:when test="$a/token">
          <div class="table-wrap">
            <table class="list tokens cards">
              <thead>
                <tr><th scope="col">编号</th><th scope="col">名称</th><th scope="col">用途</th>
                  <th scope="col">签发</th><th scope="col">最近使用</th><th scope="col">状态</th><th scope="col">操作</th></tr>
              </thead>
              <tbody>
                <xsl:for-each select="$a/token">
                  <tr>
                    <xsl:if test="@active = '0'"><xsl:attribute name="class">row-inactive</xsl:attribute></xsl:if>
                    <td data-label="编号" class="mono">#<xsl:value-of select="@id"/></td>
                    <th scope="row"><span class="name"><xsl:value-of select="@name"/></span></th>
                    <td data-label="用途">
                      <xsl:call-template name="token-purpose"><xsl:with-param name="p" select="@purpose"/></xsl:call-template>
                    </td>
                    <td data-label="签发" class="small">
                      <xsl:value-of select="@created"/>
                      <xsl:if test="@created-by"><br/><span class="muted"><xsl:value-of select="@created-by"/></span></xsl:if>
                    </td>
                    <td data-label="最近使用" class="small">
                      <xsl:choose>
                        <xsl:when test="@last-used"><xsl:value-of select="@last-used"/></xsl:when>
                        <xsl:otherwise><span class="muted">从未使用</span></xsl:otherwise>
                      </xsl:choose>
                    </td>
                    <td data-label="状态">
                      <xsl:choose>
                        <xsl:when test="@active = '1'"><span class="state state-on">在用</span></xsl:when>
                        <xsl:otherwise>
                          <span class="badge badge-inactive">已吊销</span>
                          <span class="muted small"><xsl:text> </xsl:text><xsl:value-of select="@revoked"/><xsl:text> </xsl:text><xsl:value-of select="@revoked-by"/></span>
                        </xsl:otherwise>
                      </xsl:choose>
                    </td>
                    <td>
                      <xsl:if test="@active = '1'">
                        <form method="post" action="{$base}/admin/token-revoke" class="inline-form"
                              data-confirm="确定吊销令牌 #{@id}（{@name}）吗？使用它的系统将立即无法调用接口。">
                          <xsl:call-template name="admin-hidden"/>
                          <input type="hidden" name="id" value="{@id}"/>
                          <button type="submit" class="danger small">吊销<span class="vh"><xsl:text>：</xsl:text><xsl:value-of select="@name"/></span></button>
                        </form>
                      </xsl:if>
                    </td>
                  </tr>
                </xsl:for-each>
              </tbody>
            </table>
          </div>
        </xsl:when>
        <xsl:otherwise><p class="muted">还没有令牌。</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

</xsl:stylesheet>
