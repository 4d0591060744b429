/* lx.js: progressive enhancement only; every page works without it. */
(function () {
  'use strict';
  // Lets lx.css show controls that need script (e.g. the print button).
  document.documentElement.classList.add('js');
  var buttons = document.querySelectorAll('[data-action="print"]');
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener('click', function () { window.print(); });
  }

  // Batch lists: a "select all" box ticks every enabled sid.* box of its form, and follows
  // them (ticked, unticked or in between); [data-role="selected-count"] shows how many.
  function wireSelectAll(all) {
    var form = all.form, boxes = [], inputs, k;
    if (!form) { return; }
    inputs = form.querySelectorAll('input[type="checkbox"]');
    for (k = 0; k < inputs.length; k++) {
      if (inputs[k].name.indexOf('sid.') === 0 && !inputs[k].disabled) { boxes.push(inputs[k]); }
    }
    var counter = form.querySelector('[data-role="selected-count"]');
    var onButton = form.querySelector('[data-role="submit-count"]');
    function sync() {
      var n = 0;
      for (var b = 0; b < boxes.length; b++) { if (boxes[b].checked) { n++; } }
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
      if (counter) { counter.textContent = '已勾选 ' + n + ' / ' + boxes.length + ' 人'; }
      if (onButton) { onButton.textContent = String(n); }
    }
    all.addEventListener('change', function () {
      for (var b = 0; b < boxes.length; b++) { boxes[b].checked = all.checked; }
      sync();
    });
    for (k = 0; k < boxes.length; k++) { boxes[k].addEventListener('change', sync); }
    sync();
  }
  var alls = document.querySelectorAll('input[data-action="select-all"]');
  for (var j = 0; j < alls.length; j++) { wireSelectAll(alls[j]); }
  // Forms with data-confirm (deleting an operator, archiving a cohort) ask first.
  var confirms = document.querySelectorAll('form[data-confirm]');
  for (var c = 0; c < confirms.length; c++) {
    confirms[c].addEventListener('submit', function (e) {
      if (!window.confirm(this.getAttribute('data-confirm'))) { e.preventDefault(); }
    });
  }
  // The roster upload: show that it is running (a large file takes a few seconds).
  var uploads = document.querySelectorAll('form[data-progress]');
  for (var u = 0; u < uploads.length; u++) {
    uploads[u].addEventListener('submit', function () {
      var p = this.querySelector('.import-progress'), b = this.querySelector('button');
      if (p) { p.hidden = false; }
      if (b) { b.disabled = true; }
    });
  }
  // The desk by keyboard: from the empty search box, ↓ goes to the first step that can be
  // ticked (then ↑/↓ move between the steps, Space ticks); Enter on a step submits its form.
  var search = document.querySelector('#desk-q');
  var steps = document.querySelectorAll('.confirm-form input[type="checkbox"][name^="step."]');
  function stepAt(el, delta) {
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] === el) { return steps[i + delta] || null; }
    }
    return null;
  }
  if (search && steps.length) {
    search.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown' && search.value === '') { e.preventDefault(); steps[0].focus(); }
    });
    for (var st = 0; st < steps.length; st++) {
      steps[st].addEventListener('keydown', function (e) {
        var next;
        if (e.key === 'Enter') {
          e.preventDefault();
          var btn = this.form.querySelector('button[type="submit"]');
          if (btn) { btn.click(); }
        } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          next = stepAt(this, e.key === 'ArrowDown' ? 1 : -1);
          e.preventDefault();
          if (next) { next.focus(); } else if (e.key === 'ArrowUp') { search.focus(); }
        }
      });
    }
  }

  // Continuous mode (连续办理, desk.xsl "scan-panel"): the chosen step for each number typed
  // or scanned (a barcode scanner types the number and Enter), through the desk's own form
  // handler with scan=1; the answer (view "scan") goes in place, the box keeps the focus, and
  // nothing reloads.  Each scan has a rid of its own: a retry of the same request is done
  // once.  Esc undoes the last confirmation (a revoke, reason 误操作).
  var panel = document.querySelector('[data-scan]');
  if (panel && window.fetch) { wireScan(panel); }

  function rid() {
    var b = new Uint8Array(16), h = '';
    window.crypto.getRandomValues(b);
    for (var i = 0; i < b.length; i++) { h += (b[i] < 16 ? '0' : '') + b[i].toString(16); }
    return h;
  }

  function wireScan(panel) {
    var box = panel.querySelector('#scan-no'), step = panel.querySelector('#scan-step');
    var note = panel.querySelector('#scan-note'), now = panel.querySelector('[data-role="scan-now"]');
    var log = panel.querySelector('[data-role="scan-log"]');
    var count = panel.querySelector('[data-role="scan-count"]');
    var base = panel.getAttribute('data-base'), done = [], busy = 0;

    function send(path, fields) {
      var body = new URLSearchParams();
      body.append('csrf', panel.getAttribute('data-csrf'));
      body.append('at', panel.getAttribute('data-at'));
      body.append('how', 'individual');
      body.append('scan', '1');
      body.append('rid', rid());
      for (var k in fields) { if (fields.hasOwnProperty(k)) { body.append(k, fields[k]); } }
      busy++;
      panel.setAttribute('aria-busy', 'true');
      return window.fetch(base + path, {method: 'POST', body: body, credentials: 'same-origin'})
        .then(function (r) { return r.text().then(function (t) { return {status: r.status, text: t}; }); })
        .then(function (r) {
          var holder = document.createElement('div'), res;
          holder.innerHTML = r.text;
          res = holder.querySelector('.scan-result');
          if (!res) {
            res = document.createElement('div');
            res.className = 'scan-result scan-refused';
            res.textContent = r.status === 503 ? '系统暂时无法连接数据库，请稍后再扫。'
                                               : '未办理：请刷新页面后重试（' + r.status + '）。';
          }
          now.innerHTML = '';
          now.appendChild(res);
          return res;
        }, function () {
          now.textContent = '网络中断，未办理：请检查网络后再扫一次。';
          return null;
        })
        .then(function (res) {
          busy--;
          if (!busy) { panel.removeAttribute('aria-busy'); }
          return res;
        });
    }

    function logged(res) {
      var li = document.createElement('li'), undo = document.createElement('button');
      var entry = {no: res.getAttribute('data-student-no'), step: res.getAttribute('data-step'),
                   li: li};
      li.textContent = (res.getAttribute('data-name') || '') + ' ' + entry.no + ' ';
      undo.type = 'button';
      undo.className = 'secondary small';
      undo.textContent = '撤销';
      undo.addEventListener('click', function () { revoke(entry); box.focus(); });
      li.appendChild(undo);
      log.insertBefore(li, log.firstChild);
      done.push(entry);
      count.textContent = String(done.length);
    }

    function revoke(entry) {
      var i = done.indexOf(entry);
      if (i < 0) { return; }
      send('/op/revoke', {s: entry.no, step: entry.step, reason: '误操作'}).then(function (res) {
        if (res && res.getAttribute('data-outcome') === 'ok') {
          done.splice(done.indexOf(entry), 1);
          entry.li.className = 'scan-undone';
          entry.li.removeChild(entry.li.querySelector('button'));
          entry.li.appendChild(document.createTextNode('（已撤销）'));
          count.textContent = String(done.length);
        }
      });
    }

    panel.addEventListener('toggle', function () { if (panel.open) { box.focus(); } });
    box.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') {
        e.preventDefault();
        if (done.length) { revoke(done[done.length - 1]); }
        return;
      }
      if (e.key !== 'Enter') { return; }
      e.preventDefault();
      // full-width digits of an input method are the digits they look like
      var no = box.value.replace(/[\uFF10-\uFF19]/g, function (d) {
        return String.fromCharCode(d.charCodeAt(0) - 0xFF10 + 48);
      }).replace(/\s+/g, '');
      box.value = '';
      if (!/^[0-9]{10}$/.test(no)) {
        now.innerHTML = '';
        var bad = document.createElement('div');
        bad.className = 'scan-result scan-refused';
        bad.textContent = '学号应为 10 位数字：' + no;
        now.appendChild(bad);
        return;
      }
      var fields = {s: no, note: note.value};
      fields['step.' + step.value] = '1';
      send('/op/confirm', fields).then(function (res) {
        if (res && res.getAttribute('data-outcome') === 'ok') { logged(res); }
      });
    });
  }

  // Statistics: [data-autorefresh="30"] reloads the page every 30 s while it is visible;
  // a hidden tab reloads when shown again (if the time has passed meanwhile).
  var auto = document.querySelector('[data-autorefresh]');
  var secs = auto ? parseInt(auto.getAttribute('data-autorefresh'), 10) : 0;
  if (secs > 0) {
    var due = false;
    window.setTimeout(function () {
      if (document.hidden) { due = true; } else { window.location.reload(); }
    }, secs * 1000);
    document.addEventListener('visibilitychange', function () {
      if (due && !document.hidden) { window.location.reload(); }
    });
  }
})();
