/* Escudo hunt report, its DOM helpers: elements built with textContent only (values from the logs
   are attacker-controlled, so never innerHTML), times shown in UTC, and a table drawn one page of
   rows at a time. report.js reads them from window.EscudoReportUi; the page inlines this file first. */
(function () {
  'use strict';

  var PAGE = 100;
  var num = new Intl.NumberFormat('en-US');

  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (k === 'text') e.textContent = attrs[k];
        else if (k === 'cls') e.className = attrs[k];
        else if (k === 'on') for (var ev in attrs.on) e.addEventListener(ev, attrs.on[ev]);
        else e.setAttribute(k, attrs[k]);
      }
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c == null) continue;
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }

  function iso(t) { return new Date(Math.round(t * 1000)).toISOString(); }

  /** A time as people read it, always UTC: 2024-03-04 10:00:05 UTC (milliseconds when there are some). */
  function timeText(t) {
    if (t == null) return 'no event time';
    var s = iso(t).replace('T', ' ').replace('Z', '');
    return (s.slice(-4) === '.000' ? s.slice(0, -4) : s) + ' UTC';
  }

  function timeEl(t) {
    return t == null ? el('span', { cls: 'muted', text: 'no event time' }) : el('time', { datetime: iso(t), text: timeText(t) });
  }

  /** A table of `count` rows drawn one page at a time: `row(k)` gives the k-th row's cells. */
  function pagedTable(host, caption, headers, count, row, pageSize) {
    pageSize = pageSize || PAGE;
    host.textContent = '';
    if (count === 0) {
      host.appendChild(el('p', { cls: 'muted', text: 'No rows under these filters.' }));
      return;
    }
    var page = 0, pages = Math.ceil(count / pageSize);
    var tbody = el('tbody');
    var status = el('span', { cls: 'pager-status', 'aria-live': 'polite' });
    var buttons = {};
    function go(p) {
      page = Math.max(0, Math.min(pages - 1, p));
      tbody.textContent = '';
      var end = Math.min(count, (page + 1) * pageSize);
      for (var k = page * pageSize; k < end; k++) {
        var cells = row(k);
        var tr = el('tr');
        cells.forEach(function (c) { tr.appendChild(c.tagName === 'TD' ? c : el('td', null, c)); });
        tbody.appendChild(tr);
      }
      status.textContent = 'Rows ' + num.format(page * pageSize + 1) + '–' + num.format(end) + ' of ' + num.format(count);
      buttons.first.disabled = buttons.prev.disabled = page === 0;
      buttons.next.disabled = buttons.last.disabled = page >= pages - 1;
    }
    var pager = el('div', { cls: 'pager' });
    [['first', 'First', function () { go(0); }], ['prev', 'Previous', function () { go(page - 1); }],
      ['next', 'Next', function () { go(page + 1); }], ['last', 'Last', function () { go(pages - 1); }]]
      .forEach(function (b) {
        buttons[b[0]] = el('button', { type: 'button', cls: 'secondary', on: { click: b[2] }, text: b[1] });
      });
    if (pages > 1) ['first', 'prev', 'next', 'last'].forEach(function (b) { pager.appendChild(buttons[b]); });
    pager.appendChild(status);
    var thead = el('tr');
    headers.forEach(function (h) { thead.appendChild(el('th', { scope: 'col', text: h })); });
    host.appendChild(pager);
    host.appendChild(el('div', { cls: 'table-wrap' }, el('table', null, el('caption', { cls: 'sr-only', text: caption }), el('thead', null, thead), tbody)));
    go(0);
  }

  window.EscudoReportUi = { el: el, iso: iso, timeText: timeText, timeEl: timeEl, pagedTable: pagedTable, num: num, PAGE: PAGE };
})();
