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
    function sync() {
      var n = 0;
      for (var b = 0; b < boxes.length; b++) { if (boxes[b].checked) { n++; } }
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
      if (counter) { counter.textContent = '已勾选 ' + n + ' / ' + boxes.length + ' 人'; }
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
