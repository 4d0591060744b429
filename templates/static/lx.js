/* lx.js: progressive enhancement only; every page works without it. */
(function () {
  'use strict';
  // Lets lx.css show controls that need script (e.g. the print button).
  document.documentElement.classList.add('js');
  var buttons = document.querySelectorAll('[data-action="print"]');
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener('click', function () { window.print(); });
  }
})();
