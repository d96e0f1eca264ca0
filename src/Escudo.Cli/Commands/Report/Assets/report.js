/* Escudo hunt report: renders the page from the JSON blocks #report-data (what the first screen
   draws) and #report-detail (each hit's result fields and the risk events, gzip and base64, read
   after the first draw or when a row is opened). The data are columns (ReportData, ReportHitColumns,
   ReportRiskColumns): one array per attribute, strings as indexes into a string table, times in
   milliseconds as differences. Every value from the logs is attacker-controlled, so text goes in
   through textContent only, never innerHTML. Tables show one page of rows at a time, so 100,000
   hits cost one page of DOM. */
(function () {
  'use strict';

  var D = JSON.parse(document.getElementById('report-data').textContent);
  var S = D.strings;
  var H = D.hits, N = H.n, R = D.risk;
  var SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'];
  var RISK_TOP = 20;
  var U = window.EscudoReportUi;
  var el = U.el, iso = U.iso, timeText = U.timeText, timeEl = U.timeEl, pagedTable = U.pagedTable, num = U.num, PAGE = U.PAGE;

  function str(i) { return i < 0 ? null : S[i]; }

  // Columns back to absolute values: a hit's time is a difference from the hit before it, its
  // last time and its events' times differences from its own (ms; null for none).
  var TMS = new Array(N), T = new Array(N), LAST = new Array(N), EV0 = new Int32Array(N + 1);
  (function () {
    var prev = 0;
    for (var i = 0; i < N; i++) {
      var d = H.time[i];
      if (d == null) { TMS[i] = null; T[i] = null; LAST[i] = null; } else {
        prev += d;
        TMS[i] = prev;
        T[i] = prev / 1000;
        LAST[i] = H.span[i] == null ? null : (prev + H.span[i]) / 1000;
      }
      EV0[i + 1] = EV0[i] + H.evn[i];
    }
  })();
  // [file, channel, computer, record is a position]
  var ORIGINS = D.origins.map(function (o) { return [S[o[0]], str(o[1]), str(o[2]), o[3]]; });

  /** The events a hit names: [origin, record, time (s) or null]. */
  function refs(i) {
    var out = [];
    for (var k = EV0[i]; k < EV0[i + 1]; k++) {
      var t = H.evt[k];
      out.push([H.evo[k], H.evr[k], t == null ? null : ((TMS[i] || 0) + t) / 1000]);
    }
    return out;
  }

  var RISK0 = new Int32Array(R.n + 1);
  for (var r0 = 0; r0 < R.n; r0++) RISK0[r0 + 1] = RISK0[r0] + R.listed[r0];
  function riskFirst(k) { return R.first[k] == null ? null : (D.meta.baseTime + R.first[k]) / 1000; }
  function riskLast(k) { return R.first[k] == null || R.last[k] == null ? null : (D.meta.baseTime + R.first[k] + R.last[k]) / 1000; }

  // ---- the detail block: read once, after the first draw or when something needs it first ----

  var detail = null, detailWaiters = [], detailFailed = null, detailStarted = false;

  function bytesOf(base64) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(base64);
    var bin = atob(base64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function readDetail() {
    if (detailStarted) return;
    detailStarted = true;
    var done = function (x) {
      detail = x;
      var hs = x.hits;
      hs.start = new Int32Array(N + 1);
      for (var i = 0; i < N; i++) hs.start[i + 1] = hs.start[i] + hs.shapes[hs.shape[i]].length;
      document.documentElement.setAttribute('data-detail-ms', performance.now().toFixed(1));
      detailWaiters.splice(0).forEach(function (f) { f(); });
    };
    var fail = function (e) {
      detailFailed = 'This browser could not read the report\'s detail block (' + e + '); timeline.jsonl and results.jsonl hold every hit\'s fields.';
      document.getElementById('f-error').textContent = detailFailed;
      detailWaiters.splice(0).forEach(function (f) { f(); });
    };
    try {
      if (typeof DecompressionStream === 'undefined') throw new Error('no DecompressionStream');
      var stream = new Blob([bytesOf(document.getElementById('report-detail').textContent.trim())]).stream().pipeThrough(new DecompressionStream('gzip'));
      new Response(stream).arrayBuffer().then(function (b) { return JSON.parse(new TextDecoder().decode(b)); }).then(done, fail);
    } catch (e) { fail(e); }
  }

  /** Calls f once the detail block is read (at once when it is); f checks detailFailed. */
  function withDetail(f) {
    if (detail || detailFailed) { f(); return; }
    detailWaiters.push(f);
    readDetail();
  }

  /** A hit's result fields as [name, value] pairs (from the detail block, which must be read). */
  function hitFields(i) {
    var hs = detail.hits, names = hs.shapes[hs.shape[i]], out = [];
    for (var k = 0; k < names.length; k++) out.push([D.fields[names[k]], detail.strings[hs.vals[hs.start[i] + k]]]);
    return out;
  }

  // ---- small helpers -------------------------------------------------------------------------

  function sevBadge(i) { return el('span', { cls: 'badge ' + SEVERITIES[i], text: SEVERITIES[i] }); }

  function detName(i) { return D.detections[i].name; }

  /** file:record of one event reference, as timeline.csv writes it (file:#position when the input has no record numbers). */
  function locator(ref) {
    var o = ORIGINS[ref[0]];
    return o[0] + (o[3] ? ':#' : ':') + ref[1];
  }

  // Tables name files from the folder all inputs share, so the file name is what shows; the
  // detail of a hit gives the whole path.
  var commonDir = (function () {
    var files = ORIGINS.map(function (o) { return o[0]; });
    if (files.length === 0) return '';
    var parts = files[0].split('/').slice(0, -1);
    files.forEach(function (f) {
      var p = f.split('/');
      var k = 0;
      while (k < parts.length && k < p.length - 1 && parts[k] === p[k]) k++;
      parts = parts.slice(0, k);
    });
    return parts.length ? parts.join('/') + '/' : '';
  })();

  function shortLocator(ref) { return locator(ref).slice(commonDir.length); }

  // ---- filters -------------------------------------------------------------------------------

  var form = document.getElementById('filters');
  var F = {
    sev: document.getElementById('f-severity'),
    det: document.getElementById('f-detection'),
    host: document.getElementById('f-host'),
    tech: document.getElementById('f-technique'),
    text: document.getElementById('f-text'),
    from: document.getElementById('f-from'),
    to: document.getElementById('f-to'),
  };

  var detOrder = D.detections.map(function (d, i) { return i; }).sort(function (a, b) { return detName(a).localeCompare(detName(b)); });
  detOrder.forEach(function (i) { F.det.appendChild(el('option', { value: String(i), text: detName(i) })); });
  var allTechniques = {};
  D.detections.forEach(function (d) { d.techniques.forEach(function (t) { allTechniques[t] = true; }); });
  Object.keys(allTechniques).sort().forEach(function (t) { F.tech.appendChild(el('option', { value: t, text: t })); });
  var hostCounts = {};
  H.host.forEach(function (h) { if (h >= 0) hostCounts[h] = (hostCounts[h] || 0) + 1; });
  var hostList = document.getElementById('f-host-list');
  Object.keys(hostCounts).sort(function (a, b) { return hostCounts[b] - hostCounts[a]; }).slice(0, 500)
    .forEach(function (h) { hostList.appendChild(el('option', { value: S[h] })); });

  /** A UTC time from a filter box: 2024-03-04, 2024-03-04 10:00 or 2024-03-04T10:00:05Z; undefined when it is none of these. */
  function parseUtc(text) {
    var s = text.trim();
    if (s === '') return null;
    var m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?))?\s*(?:Z|UTC)?$/i.exec(s);
    if (!m) return undefined;
    var t = Date.parse(m[1] + 'T' + (m[2] || '00:00') + 'Z');
    return isNaN(t) ? undefined : t / 1000;
  }

  var haystacks = null;
  function haystack(i) {
    if (!haystacks) haystacks = new Array(N);
    var s = haystacks[i];
    if (s === undefined) {
      var parts = [detName(H.det[i]), S[H.host[i]] || '', S[H.user[i]] || '', S[H.proc[i]] || ''];
      if (detail) for (var k = detail.hits.start[i]; k < detail.hits.start[i + 1]; k++) parts.push(detail.strings[detail.hits.vals[k]]);
      refs(i).forEach(function (r) { parts.push(locator(r), ORIGINS[r[0]][2] || ''); });
      s = parts.join('\n').toLowerCase();
      if (detail) haystacks[i] = s;
    }
    return s;
  }

  var current = [];      // indexes of the hits the filters keep, in event time
  var filterMs = 0;

  function readFilters() {
    var from = parseUtc(F.from.value), to = parseUtc(F.to.value);
    var bad = [];
    [[F.from, from], [F.to, to]].forEach(function (p) {
      p[0].setAttribute('aria-invalid', p[1] === undefined ? 'true' : 'false');
      if (p[1] === undefined) bad.push(p[0].value);
    });
    document.getElementById('f-error').textContent = bad.length
      ? 'Not a time: ' + bad.join(', ') + '. Write a UTC time as 2024-03-04 or 2024-03-04 10:00:05.' : '';
    var tech = F.tech.value, detOk = null;
    if (tech) {
      detOk = D.detections.map(function (d) {
        return d.techniques.some(function (t) { return t === tech || t.indexOf(tech + '.') === 0; });
      });
    }
    return {
      sev: F.sev.value === '' ? 0 : Number(F.sev.value),
      det: F.det.value === '' ? -1 : Number(F.det.value),
      host: F.host.value.trim().toLowerCase(),
      detOk: detOk,
      text: F.text.value.trim().toLowerCase(),
      from: from === undefined ? null : from,
      to: to === undefined ? null : to,
    };
  }

  var lowered = [];
  function hostLower(k) { return lowered[k] || (lowered[k] = S[k].toLowerCase()); }

  function keeps(i, q) {
    if (H.sev[i] < q.sev) return false;
    if (q.det >= 0 && H.det[i] !== q.det) return false;
    if (q.detOk && !q.detOk[H.det[i]]) return false;
    if (q.host && (H.host[i] < 0 || hostLower(H.host[i]).indexOf(q.host) < 0)) return false;
    // A hit with no event time cannot be placed in a time window, so a window leaves it out (as hunt --earliest does).
    if (q.from != null && !(T[i] != null && T[i] >= q.from)) return false;
    if (q.to != null && !(T[i] != null && T[i] < q.to)) return false;
    return !q.text || haystack(i).indexOf(q.text) >= 0;
  }

  var filterSeq = 0;
  function applyFilters() {
    var started = performance.now();
    var q = readFilters();
    // The text filter searches the hits' result fields too, so it waits for the detail block.
    if (q.text && !detail && !detailFailed) {
      document.getElementById('filter-status').textContent = 'Reading the hits\' result fields…';
      withDetail(applyFilters);
      return;
    }
    var kept = [];
    for (var i = 0; i < N; i++) if (keeps(i, q)) kept.push(i);
    current = kept;
    renderAll();
    filterMs = performance.now() - started;
    var status = num.format(current.length) + ' of ' + num.format(N) + ' hits';
    document.getElementById('filter-status').textContent = status + (current.length < N ? ' match the filters' : '') + '.';
    document.getElementById('top-status').textContent = status;
    document.documentElement.setAttribute('data-filter-ms', filterMs.toFixed(1));
    // Tells a waiting test or benchmark that this filter is drawn.
    document.documentElement.setAttribute('data-filter-seq', String(++filterSeq));
  }

  var timer = 0;
  form.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(applyFilters, 150); });
  form.addEventListener('change', function () { clearTimeout(timer); applyFilters(); });
  form.addEventListener('submit', function (e) { e.preventDefault(); clearTimeout(timer); applyFilters(); });
  form.addEventListener('reset', function () { setTimeout(applyFilters, 0); });

  // ---- hits: the timeline table and each detection's table ----------------------------------

  function provenance(i) {
    var box = el('div', { cls: 'prov' }), ev = refs(i), count = H.count[i];
    if (ev.length === 0) {
      box.appendChild(el('span', { cls: 'muted', text: count === 0 ? 'made from no event' : num.format(count) + ' events, none named' }));
      return box;
    }
    box.appendChild(el('code', { title: locator(ev[0]), text: shortLocator(ev[0]) }));
    if (count > 1) box.appendChild(el('span', { cls: 'muted', text: ' and ' + num.format(count - 1) + ' more' }));
    return box;
  }

  /** The hit's whole record: its result fields and every event named, with time, computer and channel. */
  function hitDetail(i) {
    var box = el('div', { cls: 'hit-detail' });
    var dl = el('dl', { cls: 'fields' }, el('dt', { text: 'Reading…' }));
    withDetail(function () {
      dl.textContent = '';
      if (detailFailed) { dl.appendChild(el('dd', { text: detailFailed })); return; }
      hitFields(i).forEach(function (f) {
        dl.appendChild(el('dt', { text: f[0] }));
        dl.appendChild(el('dd', { text: f[1] }));
      });
    });
    box.appendChild(el('h4', { text: 'Result fields' }));
    box.appendChild(dl);
    box.appendChild(el('h4', { text: 'Events behind this hit' }));
    var ev = refs(i), shown = ev.length, count = H.count[i];
    box.appendChild(el('p', { cls: 'muted', text: shown < count
      ? 'Showing ' + num.format(shown) + ' of ' + num.format(count) + ' events (hunt --evidence ' + D.meta.evidenceLimit + '); first and last event time cover all of them: ' + timeText(T[i]) + ' to ' + timeText(LAST[i]) + '.'
      : num.format(count) + (count === 1 ? ' event.' : ' events.') }));
    if (shown > 0) {
      var tb = el('tbody');
      ev.forEach(function (r) {
        var o = ORIGINS[r[0]];
        tb.appendChild(el('tr', null, el('td', null, el('code', { text: locator(r) })), el('td', null, timeEl(r[2])), el('td', { text: o[2] || '' }), el('td', { text: o[1] || '' })));
      });
      var head = el('tr');
      ['File:record', 'Event time', 'Computer', 'Channel'].forEach(function (x) { head.appendChild(el('th', { scope: 'col', text: x })); });
      box.appendChild(el('div', { cls: 'table-wrap' }, el('table', { cls: 'evidence' }, el('caption', { cls: 'sr-only', text: 'Events behind this hit' }), el('thead', null, head), tb)));
    }
    return box;
  }

  function hitCells(i, withDetection) {
    var more = el('button', { type: 'button', cls: 'secondary small', 'aria-expanded': 'false', text: 'Details' });
    var cells = [timeEl(T[i]), sevBadge(H.sev[i])];
    if (withDetection) cells.push(el('span', { text: detName(H.det[i]) }));
    cells.push(el('span', { text: S[H.host[i]] || '' }), el('span', { text: S[H.user[i]] || '' }), el('span', { cls: 'cell', text: S[H.proc[i]] || '' }),
      el('span', { text: num.format(H.risk[i]) }), provenance(i), more);
    more.addEventListener('click', function () {
      var tr = more.closest('tr');
      var next = tr.nextSibling;
      if (next && next.classList.contains('detail-row')) {
        next.remove();
        more.setAttribute('aria-expanded', 'false');
        return;
      }
      var td = el('td', { colspan: String(tr.children.length) }, hitDetail(i));
      tr.parentNode.insertBefore(el('tr', { cls: 'detail-row' }, td), tr.nextSibling);
      more.setAttribute('aria-expanded', 'true');
    });
    return cells;
  }

  function renderHits() {
    pagedTable(document.getElementById('hits-table'), 'Hits in event time',
      ['Event time (UTC)', 'Severity', 'Detection', 'Host', 'User', 'Process', 'Risk', 'Events (file:record)', 'Details'],
      current.length, function (k) { return hitCells(current[k], true); });
  }

  // ---- the timeline chart --------------------------------------------------------------------

  var STEPS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 10800, 21600, 43200, 86400, 604800, 2592000, 31536000];
  var chart = null;

  function chartData() {
    var lo = Infinity, hi = -Infinity;
    current.forEach(function (i) { var t = T[i]; if (t != null) { if (t < lo) lo = t; if (t > hi) hi = t; } });
    if (lo === Infinity) return null;
    var step = STEPS[STEPS.length - 1];
    for (var s = 0; s < STEPS.length; s++) if ((hi - lo) / STEPS[s] <= 150) { step = STEPS[s]; break; }
    var start = Math.floor(lo / step) * step, n = Math.floor((hi - start) / step) + 1;
    var xs = new Array(n), ys = new Array(n).fill(0);
    for (var b = 0; b < n; b++) xs[b] = start + b * step;
    current.forEach(function (i) { var t = T[i]; if (t != null) ys[Math.floor((t - start) / step)]++; });
    return { xs: xs, ys: ys, step: step, lo: lo, hi: hi };
  }

  function stepText(s) {
    if (s < 60) return s + ' s';
    if (s < 3600) return s / 60 + ' min';
    if (s < 86400) return s / 3600 + ' h';
    return s / 86400 + ' d';
  }

  function renderChart() {
    var host = document.getElementById('chart');
    var caption = document.getElementById('chart-caption');
    var data = chartData();
    if (chart) { chart.destroy(); chart = null; }
    host.textContent = '';
    if (!data) {
      caption.textContent = 'No hit under these filters has an event time.';
      return;
    }
    var timed = data.ys.reduce(function (a, b) { return a + b; }, 0);
    caption.textContent = num.format(timed) + ' hits by event time, ' + timeText(data.lo) + ' to ' + timeText(data.hi) +
      ', in bars of ' + stepText(data.step) + '. Drag across the chart to set the time filter.';
    chart = new uPlot({
      width: Math.max(320, host.clientWidth || 900),
      height: 220,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
      scales: { x: { time: true } },
      series: [{ label: 'Time (UTC)' }, { label: 'Hits', stroke: '#0b5cad', fill: 'rgba(11,92,173,0.35)', paths: uPlot.paths.bars({ size: [0.9, 80] }) }],
      axes: [{}, { label: 'hits' }],
      cursor: { drag: { x: true, y: false } },
      hooks: {
        setSelect: [function (u) {
          if (u.select.width < 2) return;
          var a = u.posToVal(u.select.left, 'x'), b = u.posToVal(u.select.left + u.select.width, 'x');
          F.from.value = timeText(a).replace(' UTC', '');
          F.to.value = timeText(b).replace(' UTC', '');
          u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
          applyFilters();
        }],
      },
    }, [data.xs, data.ys], host);
  }

  // ---- risk by object -----------------------------------------------------------------------

  var riskAll = false;
  function riskCells(k) {
    var object = S[R.obj[k]], dets = R.dets[k].map(detName), count = R.count[k], listed = R.listed[k];
    var more = el('button', { type: 'button', cls: 'secondary small', 'aria-expanded': 'false', text: num.format(count) + ' risk events' });
    more.addEventListener('click', function () {
      var tr = more.closest('tr'), next = tr.nextSibling;
      if (next && next.classList.contains('detail-row')) { next.remove(); more.setAttribute('aria-expanded', 'false'); return; }
      var box = el('div', { cls: 'hit-detail' });
      if (listed < count) box.appendChild(el('p', { cls: 'muted', text: 'The earliest ' + num.format(listed) + ' of ' + num.format(count) + ' risk events of this object; risk.jsonl holds all of them.' }));
      var list = el('div', null, el('p', { cls: 'muted', text: 'Reading…' }));
      box.appendChild(list);
      withDetail(function () {
        if (detailFailed) { list.textContent = detailFailed; return; }
        var re = detail.risk, first = R.first[k] == null ? 0 : D.meta.baseTime + R.first[k];
        pagedTable(list, 'Risk events of ' + object, ['Event time (UTC)', 'Score', 'Detection', 'Risk message'], listed, function (j) {
          var e = RISK0[k] + j, t = re.time[e];
          return [timeEl(t == null ? null : (first + t) / 1000), el('span', { text: num.format(re.score[e]) }), el('span', { text: detName(re.det[e]) }),
            el('span', { cls: 'cell', text: detail.strings[re.msg[e]] })];
        }, 50);
      });
      tr.parentNode.insertBefore(el('tr', { cls: 'detail-row' }, el('td', { colspan: String(tr.children.length) }, box)), tr.nextSibling);
      more.setAttribute('aria-expanded', 'true');
    });
    return [el('span', { text: object }), el('span', { text: S[R.type[k]] }), el('strong', { text: num.format(R.score[k]) }), timeEl(riskFirst(k)), timeEl(riskLast(k)),
      el('span', { cls: 'cell', text: dets.length <= 3 ? dets.join('; ') : dets.slice(0, 3).join('; ') + ' and ' + (dets.length - 3) + ' more' }), more];
  }

  function renderRisk() {
    var host = document.getElementById('risk-table');
    var note = document.getElementById('risk-note');
    var total = R.n;
    var n = riskAll ? total : Math.min(RISK_TOP, total);
    pagedTable(host, 'Risk by object', ['Risk object', 'Type', 'Score', 'First event (UTC)', 'Last event (UTC)', 'Detections', 'Risk events'], n, riskCells);
    var toggle = document.getElementById('risk-toggle');
    if (total <= RISK_TOP) {
      note.textContent = num.format(total) + ' risk objects, highest score first.';
      toggle.hidden = true;
    } else {
      note.textContent = riskAll ? 'All ' + num.format(total) + ' risk objects, highest score first.'
        : 'Showing the top ' + RISK_TOP + ' of ' + num.format(total) + ' risk objects by score (all are in risk.jsonl).';
      toggle.hidden = false;
      toggle.textContent = riskAll ? 'Show the top ' + RISK_TOP : 'Show all ' + num.format(total);
      toggle.setAttribute('aria-expanded', String(riskAll));
    }
  }

  document.getElementById('risk-toggle').addEventListener('click', function () { riskAll = !riskAll; renderRisk(); });

  // ---- ATT&CK heat map ---------------------------------------------------------------------

  function renderAttack() {
    var host = document.getElementById('attack-map');
    host.textContent = '';
    var byDet = new Array(D.detections.length).fill(0);
    current.forEach(function (i) { byDet[H.det[i]]++; });
    var counts = {}, dets = {};
    D.detections.forEach(function (d, i) {
      if (!byDet[i]) return;
      d.techniques.forEach(function (t) {
        counts[t] = (counts[t] || 0) + byDet[i];
        (dets[t] = dets[t] || []).push(d.name);
      });
    });
    var techniques = Object.keys(counts).sort();
    if (techniques.length === 0) {
      host.appendChild(el('p', { cls: 'muted', text: 'No hit under these filters names an ATT&CK technique.' }));
      return;
    }
    var max = Math.max.apply(null, techniques.map(function (t) { return counts[t]; }));
    var groups = {};
    techniques.forEach(function (t) { (groups[t.split('.')[0]] = groups[t.split('.')[0]] || []).push(t); });
    Object.keys(groups).sort().forEach(function (parent) {
      var total = groups[parent].reduce(function (a, t) { return a + counts[t]; }, 0);
      var box = el('div', { cls: 'tech-group' }, el('h3', { text: parent + ' · ' + num.format(total) + ' hits' }));
      var cells = el('div', { cls: 'heatmap' });
      groups[parent].forEach(function (t) {
        var level = 1 + Math.min(4, Math.floor(4 * Math.log(counts[t]) / Math.log(Math.max(2, max))));
        cells.appendChild(el('button', {
          type: 'button', cls: 'tech h' + level, title: dets[t].join('; '),
          'aria-label': t + ': ' + counts[t] + ' hits from ' + dets[t].length + ' detections; filter on it',
          on: { click: function () { F.tech.value = t; applyFilters(); document.getElementById('timeline').scrollIntoView(); } },
        }, el('span', { cls: 'tech-id', text: t }), ' ' + num.format(counts[t])));
      });
      box.appendChild(cells);
      host.appendChild(box);
    });
  }

  // ---- detections that fired -------------------------------------------------------------

  var openDetections = {};
  function detectionBody(i, hits) {
    var d = D.detections[i];
    var body = el('div', { cls: 'det-body' });
    if (d.description) body.appendChild(el('p', { text: d.description }));
    var meta = el('dl', { cls: 'fields' });
    [['File', d.file], ['Type', d.type], ['ATT&CK', d.techniques.join(', ')], ['Analytic stories', d.stories.join('; ')],
      ['Results', num.format(d.results) + ' (' + num.format(d.riskEvents) + ' risk events)']].forEach(function (p) {
      if (!p[1]) return;
      meta.appendChild(el('dt', { text: p[0] }));
      meta.appendChild(el('dd', { text: p[1] }));
    });
    body.appendChild(meta);
    body.appendChild(el('details', null, el('summary', { text: 'Search, macros expanded' }), el('pre', { text: d.search })));
    var table = el('div');
    body.appendChild(table);
    pagedTable(table, 'Hits of ' + d.name, ['Event time (UTC)', 'Severity', 'Host', 'User', 'Process', 'Risk', 'Events (file:record)', 'Details'],
      hits.length, function (k) { return hitCells(hits[k], false); });
    return body;
  }

  function renderDetections() {
    var host = document.getElementById('detection-list');
    host.textContent = '';
    var byDet = D.detections.map(function () { return []; });
    current.forEach(function (i) { byDet[H.det[i]].push(i); });
    var order = D.detections.map(function (d, i) { return i; }).filter(function (i) { return byDet[i].length > 0; });
    var risk = order.map(function (i) { return byDet[i].reduce(function (a, k) { return a + H.risk[k]; }, 0); });
    var riskOf = {};
    order.forEach(function (i, k) { riskOf[i] = risk[k]; });
    order.sort(function (a, b) { return riskOf[b] - riskOf[a] || byDet[b].length - byDet[a].length || detName(a).localeCompare(detName(b)); });
    document.getElementById('detections-note').textContent = num.format(order.length) + ' of ' + num.format(D.detections.length) +
      ' detections that fired have hits under these filters; the riskiest first. Open one for its hits and the events behind each.';
    order.forEach(function (i) {
      var d = D.detections[i], hits = byDet[i];
      var maxSev = hits.reduce(function (a, k) { return Math.max(a, H.sev[k]); }, 0);
      var det = el('details', { cls: 'detail', 'data-detection': d.name },
        el('summary', null, el('strong', { text: d.name }), ' ', sevBadge(maxSev),
          el('span', { cls: 'muted', text: ' ' + num.format(hits.length) + (hits.length === 1 ? ' hit' : ' hits') + (d.techniques.length ? ' · ' + d.techniques.join(', ') : '') })));
      det.addEventListener('toggle', function () {
        openDetections[i] = det.open;
        if (det.open && det.children.length === 1) det.appendChild(detectionBody(i, hits));
      });
      if (openDetections[i]) { det.open = true; det.appendChild(detectionBody(i, hits)); }
      host.appendChild(det);
    });
    if (order.length === 0) host.appendChild(el('p', { cls: 'muted', text: 'No detection has hits under these filters.' }));
  }

  function renderAll() {
    renderChart();
    renderHits();
    renderAttack();
    renderDetections();
  }

  document.getElementById('path-note').textContent = commonDir ? 'Files are named from ' + commonDir + ' in the tables; a hit\'s details give the whole path.' : '';
  renderRisk();
  applyFilters();
  window.addEventListener('resize', function () { clearTimeout(timer); timer = setTimeout(renderChart, 200); });
  document.documentElement.setAttribute('data-hits', String(N));
  document.documentElement.setAttribute('data-ready-ms', performance.now().toFixed(1));
  document.documentElement.setAttribute('data-ready', 'true');
  // The first screen is drawn; the detail block is read now, before anyone asks for it.
  setTimeout(readDetail, 0);
})();
