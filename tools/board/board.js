// ember-board's page script: draws the charts from the data in #board-data. Tags, runs,
// text, the hparams table and the graph are already in the HTML; this adds the pictures.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('board-data').textContent);
  var SVG = 'http://www.w3.org/2000/svg';
  // The page's settings survive its reloads in sessionStorage, where the browser allows it.
  var store = { getItem: function () { return null; }, setItem: function () {} };
  try { if (window.sessionStorage) store = window.sessionStorage; } catch (e) { /* storage refused */ }
  var tooltip = document.createElement('div');
  tooltip.className = 'tooltip';
  document.body.appendChild(tooltip);

  function color(run) { return data.colors[run % data.colors.length]; }
  function el(name, attrs, parent) {
    var e = document.createElementNS(SVG, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(v) {
    if (v === null || v === undefined) return 'NaN';
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
    return String(Math.round(v * 1e4) / 1e4);
  }
  // Round tick values spanning [lo, hi].
  function ticks(lo, hi, count, smallest) {
    if (!(hi > lo)) { hi = lo + 1; lo = lo - 1; }
    var raw = (hi - lo) / count, mag = Math.pow(10, Math.floor(Math.log10(raw))), step = mag;
    [1, 2, 5, 10].some(function (m) { step = m * mag; return raw <= step; });
    if (smallest && step < smallest) step = smallest;
    var out = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    return out;
  }
  // TensorBoard's smoothing: an exponential moving average, debiased for its zero start.
  function smooth(values, weight) {
    var last = 0, n = 0, out = [];
    var constant = values.every(function (v) { return v === values[0]; });
    values.forEach(function (v) {
      if (v === null || !isFinite(v) || constant) { out.push(v); return; }
      last = last * weight + (1 - weight) * v;
      n += 1;
      out.push(weight === 1 ? last : last / (1 - Math.pow(weight, n)));
    });
    return out;
  }
  function pathOf(xs, ys, sx, sy) {
    var d = '', pen = false;
    for (var i = 0; i < xs.length; i++) {
      if (ys[i] === null || !isFinite(ys[i])) { pen = false; continue; }
      d += (pen ? 'L' : 'M') + sx(xs[i]).toFixed(1) + ',' + sy(ys[i]).toFixed(1);
      pen = true;
    }
    return d;
  }
  function showTip(evt, text) {
    tooltip.textContent = text;
    tooltip.style.display = 'block';
    tooltip.style.left = (evt.pageX + 14) + 'px';
    tooltip.style.top = (evt.pageY + 10) + 'px';
  }
  function hideTip() { tooltip.style.display = 'none'; }

  function axes(svg, box, xt, yt, sx, sy, xLabel) {
    var g = el('g', { 'class': 'axis' }, svg);
    yt.forEach(function (t) {
      el('line', { 'class': 'grid-line', x1: box.l, x2: box.r, y1: sy(t), y2: sy(t) }, g);
      el('text', { x: box.l - 6, y: sy(t) + 4, 'text-anchor': 'end' }, g).textContent = fmt(t);
    });
    xt.forEach(function (t) {
      el('text', { x: sx(t), y: box.b + 16, 'text-anchor': 'middle' }, g).textContent = xLabel ? xLabel(t) : fmt(t);
    });
    el('line', { x1: box.l, x2: box.r, y1: box.b, y2: box.b }, g);
    el('line', { x1: box.l, x2: box.l, y1: box.t, y2: box.b }, g);
  }

  // ---- scalars ----
  var weight = parseFloat(store.getItem('ember-board-smoothing'));
  var slider = document.getElementById('smoothing');
  if (slider) {
    if (isFinite(weight)) slider.value = weight;
    weight = parseFloat(slider.value);
  }
  // The horizontal axis: the step, the time since the run's first point, or the wall time.
  var xAxis = store.getItem('ember-board-x') || 'step';
  function xOf(s) {
    if (xAxis === 'step') return s.steps;
    var t0 = s.wall[0] || 0;
    return s.wall.map(function (w) { return xAxis === 'relative' ? w - t0 : w * 1000; });
  }
  // Labels of the horizontal axis; relative times in s, min or h by the chart's span.
  function xLabeller(span) {
    if (xAxis === 'step') return fmt;
    if (xAxis === 'wall') return function (x) { return new Date(x).toISOString().slice(11, 19); };
    var unit = span < 120 ? [1, ' s'] : span < 7200 ? [60, ' min'] : [3600, ' h'];
    return function (x) { return fmt(x / unit[0]) + unit[1]; };
  }
  function drawScalar(card) {
    var chart = data.scalars[+card.getAttribute('data-index')];
    var holder = card.querySelector('.chart');
    holder.textContent = '';
    var W = 460, H = 250, box = { l: 52, r: W - 12, t: 10, b: H - 24 };
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H }, holder);
    var xs = [], ys = [];
    chart.series.forEach(function (s) {
      xs = xs.concat(xOf(s));
      s.values.forEach(function (v) { if (v !== null && isFinite(v)) ys.push(v); });
    });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = ys.length ? Math.min.apply(null, ys) : 0, y1 = ys.length ? Math.max.apply(null, ys) : 1;
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { y0 -= Math.abs(y0) * 0.1 || 1; y1 += Math.abs(y1) * 0.1 || 1; }
    var pad = (y1 - y0) * 0.05;
    y0 -= pad; y1 += pad;
    var sx = function (x) { return box.l + (x - x0) / (x1 - x0) * (box.r - box.l); };
    var sy = function (y) { return box.b - (y - y0) / (y1 - y0) * (box.b - box.t); };
    axes(svg, box, ticks(x0, x1, 5, xAxis === 'step' ? 1 : 0), ticks(y0, y1, 5), sx, sy, xLabeller(x1 - x0));  // whole steps
    var smoothed = chart.series.map(function (s) { return smooth(s.values, weight); });
    var seriesX = chart.series.map(xOf);
    chart.series.forEach(function (s, i) {
      if (weight > 0) el('path', { d: pathOf(seriesX[i], s.values, sx, sy), fill: 'none', stroke: color(s.run), 'stroke-opacity': 0.25, 'stroke-width': 1.5 }, svg);
      el('path', { d: pathOf(seriesX[i], smoothed[i], sx, sy), fill: 'none', stroke: color(s.run), 'stroke-width': 2 }, svg);
      if (s.steps.length === 1 && s.values[0] !== null)
        el('circle', { cx: sx(seriesX[i][0]), cy: sy(s.values[0]), r: 3, fill: color(s.run) }, svg);
    });
    var cursor = el('line', { x1: 0, x2: 0, y1: box.t, y2: box.b, stroke: '#9aa0a6', 'stroke-dasharray': '3,3', visibility: 'hidden' }, svg);
    svg.addEventListener('mousemove', function (evt) {
      var r = svg.getBoundingClientRect(), at = x0 + ((evt.clientX - r.left) * W / r.width - box.l) / (box.r - box.l) * (x1 - x0);
      var lines = [];
      chart.series.forEach(function (s, i) {
        var best = 0;
        var xs = seriesX[i];
        for (var k = 1; k < xs.length; k++) if (Math.abs(xs[k] - at) < Math.abs(xs[best] - at)) best = k;
        lines.push(data.runs[s.run] + '  step ' + s.steps[best] + '  ' + fmt(smoothed[i][best]) + (weight > 0 ? ' (raw ' + fmt(s.values[best]) + ')' : ''));
        if (i === 0) { cursor.setAttribute('x1', sx(xs[best])); cursor.setAttribute('x2', sx(xs[best])); }
      });
      cursor.setAttribute('visibility', 'visible');
      showTip(evt, chart.tag + '\n' + lines.join('\n'));
    });
    svg.addEventListener('mouseleave', function () { cursor.setAttribute('visibility', 'hidden'); hideTip(); });
  }
  function drawScalars() {
    var out = document.getElementById('smoothing-value');
    if (out) out.textContent = weight.toFixed(2);
    Array.prototype.forEach.call(document.querySelectorAll('.scalar-card'), drawScalar);
  }
  if (slider) slider.addEventListener('input', function () {
    weight = parseFloat(slider.value);
    store.setItem('ember-board-smoothing', String(weight));
    var xSelect = document.getElementById('x-axis');
  if (xSelect) {
    xSelect.value = xAxis;
    xSelect.addEventListener('change', function () {
      xAxis = xSelect.value;
      store.setItem('ember-board-x', xAxis);
      drawScalars();
    });
  }
  drawScalars();
  });
  var xSelect = document.getElementById('x-axis');
  if (xSelect) {
    xSelect.value = xAxis;
    xSelect.addEventListener('change', function () {
      xAxis = xSelect.value;
      store.setItem('ember-board-x', xAxis);
      drawScalars();
    });
  }
  drawScalars();

  // ---- histograms: one density curve per step, offset downwards as steps grow ----
  function rebin(buckets, lo, hi, bins) {
    var out = new Array(bins).fill(0), width = (hi - lo) / bins;
    buckets.forEach(function (b) {
      var l = b[0], r = b[1], c = b[2];
      if (c === null || l === null || r === null) return;
      if (r <= l) { var k = Math.min(bins - 1, Math.max(0, Math.floor((l - lo) / width))); out[k] += c; return; }
      for (var i = Math.max(0, Math.floor((l - lo) / width)); i < bins && lo + i * width < r; i++) {
        var a = Math.max(l, lo + i * width), z = Math.min(r, lo + (i + 1) * width);
        if (z > a) out[i] += c * (z - a) / (r - l);
      }
    });
    return out;
  }
  function drawHistogram(holder, series) {
    var n = series.buckets.length, band = n === 1 ? 0 : Math.min(150, 30 * (n - 1));
    var W = 460, H = 40 + band + 26, box = { l: 12, r: W - 52, t: 40, b: 40 + band }, bins = 40;
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H }, holder);
    var lo = Infinity, hi = -Infinity;
    series.buckets.forEach(function (bs) { bs.forEach(function (b) {
      if (b[2] > 0) { lo = Math.min(lo, b[0]); hi = Math.max(hi, b[1]); }
    }); });
    if (!isFinite(lo)) { lo = 0; hi = 1; }
    if (hi <= lo) { lo -= 0.5; hi += 0.5; }
    var dens = series.buckets.map(function (bs) { return rebin(bs, lo, hi, bins); });
    var top = Math.max.apply(null, dens.map(function (d) { return Math.max.apply(null, d); })) || 1;
    var rise = box.t - 4;
    var sx = function (x) { return box.l + (x - lo) / (hi - lo) * (box.r - box.l); };
    var base = function (k) { return n === 1 ? box.b : box.t + (box.b - box.t) * k / (n - 1); };
    axes(svg, { l: box.l, r: box.r, t: box.b, b: box.b }, ticks(lo, hi, 5), [], sx, function () { return box.b; });
    var c = color(series.run);
    dens.forEach(function (d, k) {
      var y0 = base(k), pts = [sx(lo).toFixed(1) + ',' + y0.toFixed(1)];
      d.forEach(function (v, i) { pts.push(sx(lo + (i + 0.5) * (hi - lo) / bins).toFixed(1) + ',' + (y0 - v / top * rise).toFixed(1)); });
      pts.push(sx(hi).toFixed(1) + ',' + y0.toFixed(1));
      var shade = n === 1 ? 1 : 0.35 + 0.65 * k / (n - 1);
      // white underneath, so that later (lower) steps hide the earlier ones behind them
      el('polygon', { points: pts.join(' '), fill: '#fff' }, svg);
      var poly = el('polygon', { points: pts.join(' '), fill: c, 'fill-opacity': 0.1 + 0.25 * shade, stroke: c, 'stroke-opacity': shade, 'stroke-width': 1.2 }, svg);
      poly.addEventListener('mousemove', function (evt) { showTip(evt, data.runs[series.run] + '  step ' + series.steps[k]); });
      poly.addEventListener('mouseleave', hideTip);
    });
    var marks = n <= 4 ? series.steps.map(function (s, k) { return k; }) : [0, Math.floor((n - 1) / 2), n - 1];
    marks.forEach(function (k) {
      el('text', { x: box.r + 6, y: base(k) + 4, fill: '#5f6368' }, svg).textContent = 'step ' + series.steps[k];
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('.histogram-card'), function (card) {
    var chart = data.histograms[+card.getAttribute('data-index')];
    Array.prototype.forEach.call(card.querySelectorAll('.histogram'), function (div) {
      drawHistogram(div.querySelector('.chart'), chart.series[+div.getAttribute('data-series')]);
    });
  });

  // ---- images: a step slider per run ----
  Array.prototype.forEach.call(document.querySelectorAll('.image-card'), function (card) {
    var chart = data.images[+card.getAttribute('data-index')];
    Array.prototype.forEach.call(card.querySelectorAll('.image-series'), function (fig) {
      var series = chart.series[+fig.getAttribute('data-series')];
      var range = fig.querySelector('.step-slider');
      if (!range) return;
      var key = 'ember-board-image-' + chart.tag + '-' + data.runs[series.run];
      var saved = store.getItem(key);
      function show(k) {
        fig.querySelector('.step').textContent = series.steps[k];
        var frames = fig.querySelector('.frames');
        frames.textContent = '';
        series.images[k].forEach(function (im) {
          var img = document.createElement('img');
          img.alt = chart.tag;
          img.src = im.src;
          frames.appendChild(img);
        });
      }
      if (saved !== null && +saved < series.steps.length) { range.value = saved; show(+saved); }
      range.addEventListener('input', function () { store.setItem(key, range.value); show(+range.value); });
    });
  });

  // ---- the tag filter: cards whose tag does not match the regular expression hide ----
  var filter = document.getElementById('tag-filter');
  function applyFilter() {
    var re = null;
    try { re = new RegExp(filter.value, 'i'); } catch (e) { filter.classList.add('bad'); return; }
    filter.classList.remove('bad');
    store.setItem('ember-board-filter', filter.value);
    Array.prototype.forEach.call(document.querySelectorAll('.card'), function (card) {
      var tag = card.querySelector('.tag');
      if (tag) card.style.display = re.test(tag.textContent) ? '' : 'none';
    });
  }
  if (filter) {
    filter.value = store.getItem('ember-board-filter') || '';
    filter.addEventListener('input', applyFilter);
    applyFilter();
  }

  // ---- --watch: reload to pick up the rewritten page ----
  if (data.watch) {
    var box = document.getElementById('auto-reload');
    if (store.getItem('ember-board-reload') === 'off') box.checked = false;
    box.addEventListener('change', function () { store.setItem('ember-board-reload', box.checked ? 'on' : 'off'); });
    var y = store.getItem('ember-board-scroll');
    if (y !== null) window.scrollTo(0, +y);
    setInterval(function () {
      if (!box.checked) return;
      store.setItem('ember-board-scroll', String(window.scrollY));
      location.reload();
    }, data.watch * 1000);
  }
})();
