/* Thước đo dashboard: trend chart (uPlot, served from our own static files) and
   live refresh over server-sent events. No user text is inserted here except the
   server-rendered, autoescaped section HTML of the page's own JSON twin. */
(function () {
  "use strict";
  // Back and Forward show a page as it was left (or with its fields restored): a
  // menu changed before leaving would name another period or rating than the page's
  // figures. Each filter form goes back to what the server marked as chosen; only
  // then, not on a first load (a choice made while a slow page loads is kept).
  window.addEventListener("pageshow", function (ev) {
    var nav = window.performance && performance.getEntriesByType ?
      performance.getEntriesByType("navigation")[0] : null;
    if (!ev.persisted && !(nav && nav.type === "back_forward")) { return; }
    var forms = document.querySelectorAll("form[method=get]");
    for (var i = 0; i < forms.length; i++) { forms[i].reset(); }
    // A page shown again is pressed afresh (see the double-press guard below).
    var sent = document.querySelectorAll("form[data-sent]");
    for (var j = 0; j < sent.length; j++) { delete sent[j].dataset.sent; }
  });
  // A button that cannot be undone (a new password, disabling an account) asks first;
  // one with data-confirm-role only when its form's role is that one (a new admin).
  document.addEventListener("submit", function (ev) {
    var button = ev.submitter;
    var question = button && button.dataset ? button.dataset.confirm : null;
    var role = question ? button.dataset.confirmRole : null;
    var asked = !(role && !(ev.target.elements.role && ev.target.elements.role.value === role));
    if (question && asked && !window.confirm(question)) { ev.preventDefault(); return; }
    // A second press while the first is on its way would send the form twice (the
    // server acts once and says so, and the answer showing a password would be lost).
    if (ev.target.dataset.sent && ev.target.method === "post") { ev.preventDefault(); return; }
    ev.target.dataset.sent = "1";
  });
  var main = document.getElementById("main");
  if (!main || !main.dataset.api) { return; }
  var api = main.dataset.api;
  var chart = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // Times are Vietnam's (UTC+7 all year, no daylight saving) whatever the browser's
  // time zone, like every time the server writes: read the result with getUTC*.
  var VN_MS = 7 * 3600 * 1000;
  function vnDate(ms) { return new Date(ms + VN_MS); }

  function markUpdated() {
    var el = document.getElementById("updated-at");
    if (!el) { return; }
    // Under a warning banner (scoring away, figures stopped moving) the page must not
    // also claim a fresh update: no time, and the dot goes grey.
    var banner = document.getElementById("scoring-status");
    var live = document.getElementById("live-state");
    if (banner && !banner.hidden) {
      el.textContent = "";
      if (live) { live.dataset.stale = "1"; }
      return;
    }
    if (live) { delete live.dataset.stale; }
    var d = vnDate(Date.now());
    var stamp = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds()) +
      " " + pad(d.getUTCDate()) + "/" + pad(d.getUTCMonth() + 1) + "/" + d.getUTCFullYear();
    el.textContent = (el.dataset.template || "{time}").replace("{time}", stamp);
    main.dataset.updatedAt = String(Date.now());
  }

  var latest = null;
  // A period on the trend's axis, short: "7/2025" a month, "Quý 3/2025" a quarter as
  // the tables say it ("Q3/2025" in English; not "7/2025", its first month), "2025" a
  // year, "14/7" a week or a day (its first day).
  function axisLabel(p) {
    var ymd = p.from.split("-"), code = p.label || "";
    var quarter = /^(\d{4})-Q([1-4])$/.exec(code);
    var vi = (document.documentElement.lang || "vi") !== "en";
    if (quarter) { return (vi ? "Quý " : "Q") + quarter[2] + "/" + quarter[1]; }
    if (/^\d{4}$/.test(code)) { return code; }
    if (/^\d{4}-(W\d\d|\d\d-\d\d)$/.test(code)) { return Number(ymd[2]) + "/" + Number(ymd[1]); }
    return Number(ymd[1]) + "/" + ymd[0];
  }

  // Drawn again only when its points or its width changed: a refresh with the same
  // figures (the quiet page's recheck) leaves the period pointed at in the legend.
  var drawn = null;
  function drawTrend(points) {
    latest = points;
    var box = document.getElementById("trend-chart");
    if (!box || typeof uPlot === "undefined") { return false; }
    var key = JSON.stringify(points || []) + "@" + box.clientWidth;
    if (key === drawn) { return false; }
    drawn = key;
    if (chart) { chart.destroy(); chart = null; }
    box.textContent = "";
    points = (points || []).filter(function (p) { return p.from; });
    // Periods without an answer only: the note says so instead of an empty grid.
    var answered = points.some(function (p) { return p.n; });
    var note = document.getElementById("trend-empty");
    if (note) { note.hidden = answered; }
    var marksNote = document.getElementById("trend-marks");
    if (marksNote) { marksNote.hidden = !answered; }
    if (!answered) { return true; }
    var width = Math.max(260, box.clientWidth || 600);
    // x is the period's position, labelled "month/year" from the period's own date:
    // uPlot's time axis follows the browser's time zone, and in another one than
    // Vietnam's the last month began after the axis end and had no label.
    var xs = [], labels = [], idx = [], lo = [], hi = [], ns = [];
    points.forEach(function (p, i) {
      xs.push(i); labels.push(axisLabel(p));
      idx.push(p.index); lo.push(p.ci_low); hi.push(p.ci_high); ns.push(p.n);
    });
    // The legend under the chart gives the figures of the period under the pointer
    // (a tap on a touch screen), and of the last period with answers otherwise.
    var vi = (document.documentElement.lang || "vi") !== "en";
    function pct(v) {
      if (v == null) { return "–"; }
      // A half goes up from the figure as written (72.35 -> 72.4), as the server
      // and a spreadsheet round it; toFixed works on the binary value (72.3).
      // Away from zero for a negative too (Math.round takes -723.5 to -723).
      var tenths = Math.sign(v) * Math.round(Number(Math.abs(v) + "e1"));  // NaN for 1e-7
      var shown = isFinite(tenths) ? (tenths / 10).toFixed(1) : v.toFixed(1);
      return (vi ? shown.replace(".", ",") : shown) + "%";
    }
    function answers(n) {
      if (n === 1 && box.dataset.labelNOne) { return box.dataset.labelNOne; }
      // grouped by thousands as on the page: 4.680 in Vietnamese, 4,680 in English
      var grouped = String(n).replace(/\B(?=(\d{3})+(?!\d))/g, vi ? "." : ",");
      return (box.dataset.labelN || "{n}").replace("{n}", grouped);
    }
    function periodValue(u, v, s, i) { return i == null ? "–" : labels[i] + " · " + answers(ns[i] || 0); }
    function pctValue(u, v) { return pct(v); }
    // The legend's period when nothing is pointed at: the last with answers (a month
    // just begun has none, and would show dashes only).
    var lastAnswered = 0;
    ns.forEach(function (n, i) { if (n) { lastAnswered = i; } });
    var every = Math.max(1, Math.ceil(xs.length / Math.max(2, Math.floor(width / 70))));
    // Days units began or ended (the 2025 reform): a dashed line between the periods
    // before and after (through a period the day falls inside), named at its top.
    var marks = [];
    try { marks = JSON.parse(box.dataset.marks || "[]"); } catch (e) { marks = []; }
    var markXs = [];
    marks.forEach(function (m) {
      var at = -1;
      points.forEach(function (p, i) { if (p.from <= m.date) { at = i; } });
      if (at < 0) { return; }
      markXs.push(points[at].from === m.date && at > 0 ? at - 0.5 : at);
    });
    box.dataset.markXs = JSON.stringify(markXs);  // for the browser tests
    function drawMarks(u) {
      var ctx = u.ctx, top = u.bbox.top, bottom = u.bbox.top + u.bbox.height;
      var ratio = window.devicePixelRatio || 1;
      markXs.forEach(function (x) {
        var px = Math.round(u.valToPos(x, "x", true));
        ctx.save();
        ctx.strokeStyle = "#b35900";
        ctx.lineWidth = 2 * ratio;
        ctx.setLineDash([6 * ratio, 4 * ratio]);
        ctx.beginPath(); ctx.moveTo(px, top); ctx.lineTo(px, bottom); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = "#8a4500";
        ctx.font = (12 * ratio) + "px sans-serif";
        ctx.textAlign = "left";  // (uPlot leaves its axes' alignment set)
        ctx.textBaseline = "alphabetic";
        var label = box.dataset.labelMark || "";
        var w = ctx.measureText(label).width;
        // right of the line, or left of it where it would leave the plot
        var lx = px + 4 * ratio + w > u.bbox.left + u.bbox.width ? px - 4 * ratio - w : px + 4 * ratio;
        ctx.fillText(label, lx, top + 12 * ratio);
        ctx.restore();
      });
    }
    chart = new uPlot({
      width: width,
      height: 220,
      scales: { x: { time: false }, y: { range: [0, 100] } },
      series: [
        { label: box.dataset.labelPeriod || "", value: periodValue },
        { label: box.dataset.labelIndex || "%", stroke: "#0b5cad", width: 2, points: { size: 6 }, value: pctValue },
        { label: box.dataset.labelLow || "", stroke: "rgba(11,92,173,0.25)", dash: [4, 4], value: pctValue },
        { label: box.dataset.labelHigh || "", stroke: "rgba(11,92,173,0.25)", dash: [4, 4], value: pctValue }
      ],
      bands: [{ series: [3, 2], fill: "rgba(11,92,173,0.10)" }],
      legend: { show: true, live: true },
      hooks: {
        draw: [drawMarks],
        // Pointer gone: back to the last answered period's figures, not dashes.
        setCursor: [function (u) { if (u.cursor.idx == null) { u.setLegend({ idx: lastAnswered }); } }],
        ready: [function (u) { u.setLegend({ idx: lastAnswered }); }]
      },
      axes: [{
        // every period when they fit, else every n-th counted back from the last
        splits: function () { return xs.filter(function (i) { return (xs.length - 1 - i) % every === 0; }); },
        values: function (u, vals) { return vals.map(function (v) { return labels[v] || ""; }); }
      }, { values: function (u, vals) { return vals.map(function (v) { return v + "%"; }); } }]
    }, [xs, idx, lo, hi], box);
    box.uplot = chart;  // for the browser tests, which read the axis labels
    return true;
  }

  function readTrend() {
    var box = document.getElementById("trend-chart");
    if (!box || !box.dataset.trend) { return []; }
    try { return JSON.parse(box.dataset.trend); } catch (e) { return []; }
  }

  // A table wider than its card scrolls sideways; on a phone nothing shows that
  // more columns exist, so such a table gets class "scrolls" and a hint (app.css).
  function markScrolling() {
    var wraps = main.querySelectorAll(".table-wrap");
    for (var i = 0; i < wraps.length; i++) {
      wraps[i].classList.toggle("scrolls", wraps[i].scrollWidth > wraps[i].clientWidth + 1);
    }
  }

  // A section redrawn under a keyboard or screen-reader user must not throw them
  // out: the focused control and the open <details> are the same after the redraw.
  // A link is found again by its address (a ranking row moves when the ranks change,
  // and a heatmap share becomes a link when its first complaint comes: by place, the
  // focus went to another commune); other controls by their place among the
  // section's. An unchanged section is left alone.
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  var changed = false;  // whether a refresh redrew anything
  function replaceKeepingPlace(el, html) {
    if (el.lastHtml === html) { return; }  // (a property: no copy of it in the DOM)
    changed = true;
    var controls = el.querySelectorAll(FOCUSABLE);
    var focused = Array.prototype.indexOf.call(controls, document.activeElement);
    var href = focused >= 0 ? document.activeElement.getAttribute("href") : null;
    var open = [];
    Array.prototype.forEach.call(el.querySelectorAll("details"), function (d, i) {
      if (d.open) { open.push(i); }
    });
    el.innerHTML = html;
    el.lastHtml = html;
    var details = el.querySelectorAll("details");
    open.forEach(function (i) { if (details[i]) { details[i].open = true; } });
    if (focused >= 0) {
      var now = el.querySelectorAll(FOCUSABLE);
      var again = null;
      if (href) {
        again = Array.prototype.filter.call(now, function (c) { return c.getAttribute("href") === href; })[0];
      }
      again = again || now[focused];
      if (again) { again.focus({ preventScroll: true }); }
    }
  }

  // Text being read (comments, themes; data-held carries the words) is not redrawn
  // under the reader: while such a section is on screen and its words changed, a
  // button above it offers the new version. Off screen it is redrawn as any other.
  // Figures elsewhere on the page keep updating.
  function onScreen(el) {
    var r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < (window.innerHeight || document.documentElement.clientHeight);
  }
  function sameWords(el, html) {
    var probe = document.createElement("div");
    probe.innerHTML = html;
    var shown = el.cloneNode(true);
    var bar = shown.querySelector(".held");
    if (bar) { bar.parentNode.removeChild(bar); }
    return probe.textContent === shown.textContent;
  }
  function dropHeld(el) {
    var bar = el.querySelector(".held");
    if (bar) { bar.parentNode.removeChild(bar); }
    el.pendingHtml = null;
  }
  function update(el, html) {
    if (!el.dataset.held || el.lastHtml === html) {
      dropHeld(el);  // back to what is shown: nothing new to offer
      replaceKeepingPlace(el, html);
      return;
    }
    if (!onScreen(el) || sameWords(el, html)) {
      replaceKeepingPlace(el, html);  // no reader disturbed; nothing to read differs
      return;
    }
    el.pendingHtml = html;
    if (el.querySelector(".held")) { return; }
    var bar = document.createElement("div");
    bar.className = "held";
    bar.setAttribute("role", "status");
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = el.dataset.held;
    button.addEventListener("click", function () {
      var html = el.pendingHtml;
      dropHeld(el);
      replaceKeepingPlace(el, html);
      // The reader goes on from the top of what was redrawn, not from a control below.
      el.setAttribute("tabindex", "-1");
      el.focus({ preventScroll: true });
    });
    bar.appendChild(button);
    el.insertBefore(bar, el.firstChild);
  }

  var inFlight = false, again = false, asked = Date.now();
  // ``quiet``: asked by the recheck, not by an update; then "updated at" moves only
  // if something on the page did (the same figures checked again are no update).
  function refresh(quiet) {
    if (inFlight) { again = true; return; }
    inFlight = true;
    asked = Date.now();
    changed = false;
    fetch(api, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) { sessionEnded(); }
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (data) {
        Object.keys(data.sections || {}).forEach(function (name) {
          var el = main.querySelector('[data-section="' + name + '"]');
          if (el) { update(el, data.sections[name]); }
        });
        var banner = document.getElementById("scoring-status");
        var down = !!(data.status && data.status.down);
        var wasDown = !!(banner && !banner.hidden);
        if (banner) {
          if (down) { banner.textContent = data.status.text; banner.hidden = false; }
          else { banner.hidden = true; banner.textContent = ""; }
        }
        if (ended) {  // logged in again (another tab): the figures move again
          ended = false;
          var gone = document.getElementById("session-ended");
          if (gone) { gone.hidden = true; }
          if (live) { delete live.dataset.stale; }
          if (!source) { connect(); }
        }
        // Scoring away and no trend kept: the chart drawn stays (an empty one would
        // say "no answers in its span", which nobody knows now).
        if (!(down && !(data.trend || []).length) && drawTrend(data.trend)) { changed = true; }
        markScrolling();
        if (!quiet || changed || down || down !== wasDown) { markUpdated(); }
      })
      .catch(function () { /* keep the figures shown; the next event retries */ })
      .then(function () {
        inFlight = false;
        if (again) { again = false; refresh(); }
      });
  }

  drawTrend(readTrend());
  markScrolling();
  markUpdated();
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { drawTrend(latest); markScrolling(); }, 150);
  });

  // Updates stop coming when Kafka or scoring's consumer stops, and so would the
  // page's: with no update for a while (data-recheck ms) it asks for its figures
  // anyway, so that the banner says they stopped moving. A hidden tab asks when it
  // is shown again.
  var recheck = Number(main.dataset.recheck) || 0;
  function recheckIfQuiet() {
    if (recheck && !document.hidden && Date.now() - asked >= recheck) { refresh(true); }
  }
  if (recheck) {
    setInterval(recheckIfQuiet, Math.min(recheck, 5000));
    document.addEventListener("visibilitychange", recheckIfQuiet);
  }

  var live = document.getElementById("live-state");
  var ended = false;
  // The session ended (logged out in another tab, account disabled, lifetime over):
  // the page says so, with a link to log in again, instead of keeping old figures
  // under a grey dot only.
  function sessionEnded() {
    if (ended) { return; }
    ended = true;
    // Sticky (app.css): whoever reads further down sees it at the top of the window.
    var banner = document.getElementById("session-ended");
    if (banner) { banner.hidden = false; }
    var stamp = document.getElementById("updated-at");
    if (stamp) { stamp.textContent = ""; }
    if (live) { live.dataset.state = "off"; live.dataset.stale = "1"; }
  }

  // Whether an update's answers fall on days the page's figures cover (its period and
  // the trend's window before it). Scoring gives each unit's first and last day; last
  // year's page, open while today's answers come in, does not ask for its figures
  // again at each of them. Without days (an older scoring): it does.
  function touches(data) {
    var from = main.dataset.windowFrom, to = main.dataset.windowTo;
    var spans = data && data.spans;
    if (!from || !to || !spans || !Object.keys(spans).length) { return true; }
    return Object.keys(spans).some(function (k) {
      var s = spans[k] || [];  // [first, last], ISO days: compared as text
      return !(s[1] < from || s[0] > to);
    });
  }

  var source = null;  // the live stream; null once refused for a session ended
  function connect() {
    source = new EventSource("/events");
    var mine = source;
    source.addEventListener("hello", function (ev) {
      var info = {};
      try { info = JSON.parse(ev.data); } catch (e) { info = {}; }
      if (live) { live.dataset.state = info.listening ? "on" : "waiting"; }
    });
    source.addEventListener("update", function (ev) {
      var data = null;
      try { data = JSON.parse(ev.data); } catch (e) { data = null; }
      if (touches(data)) { refresh(); return; }
      main.dataset.skipped = String((Number(main.dataset.skipped) || 0) + 1);  // (for the tests)
    });
    source.onerror = function () {
      if (live) { live.dataset.state = "off"; }
      // A dropped connection is retried by the browser; a refused one (401; any
      // other answer than an event stream) closes it for good: ask the page's JSON
      // why, then say so or retry.
      if (mine.readyState !== EventSource.CLOSED) { return; }
      fetch(api, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) {
          if (r.status === 401) {
            if (source === mine) { source = null; }
            sessionEnded();
          } else { setTimeout(connect, 30000); }
        }, function () { setTimeout(connect, 30000); });
    };
  }
  if (window.EventSource) { connect(); }
})();
