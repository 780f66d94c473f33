// Thước đo kiosk page. Every text comes from the catalogue (#catalogue) or from the
// kiosk configuration; every response gets its id here and waits in IndexedDB until
// intake answered 202, so a dropped Wi-Fi loses nothing.
(function () {
  "use strict";

  var CATALOGUE = JSON.parse(document.getElementById("catalogue").textContent);
  var TOKEN_KEY = "thuocdo.kiosk.token";
  var CONFIG_KEY = "thuocdo.kiosk.config";
  var RECENT_KEY = "thuocdo.kiosk.recent";
  var DB_NAME = "thuocdo-kiosk";
  var THANKS_MS = 4000;
  var CONFIG_RETRY_MS = 5000;

  var lang = "vi";
  var token = null;
  var config = null;
  var state = null;
  var idleTimer = null;
  var retryTimer = null;
  var sending = false;
  var drainAgain = false;
  var backoffMs = 1000;
  var lastTap = 0;

  function t(key) {
    return (CATALOGUE[lang] && CATALOGUE[lang][key]) || CATALOGUE.vi[key] || key;
  }
  function $(id) { return document.getElementById(id); }

  // ---- enrolment -------------------------------------------------------------
  // A token as intake makes them (tokens.new_token: 32 bytes, URL-safe base64). A link
  // cut short (in a chat message, copied by hand) gives another: said so at once, and
  // the tablet's token, if it has one, is kept (a reload goes on with it).
  var TOKEN_FORM = /^[A-Za-z0-9_-]{43}$/;
  var badLink = false;
  function enrol() {
    var fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
    var fromQuery = new URLSearchParams(location.search).get("token");
    var given = fromHash || fromQuery;
    badLink = false;
    if (given) {
      // Keep the token out of the address bar, history and any screenshot.
      history.replaceState(null, "", location.pathname);
      if (!TOKEN_FORM.test(given)) {
        badLink = true;
      } else {
        localStorage.setItem(TOKEN_KEY, given);
        localStorage.removeItem(CONFIG_KEY);
      }
    }
    return localStorage.getItem(TOKEN_KEY);
  }

  // ---- ids -------------------------------------------------------------------
  function uuid4() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  // ---- the tablet's clock ----------------------------------------------------------
  // A cheap tablet's clock can be hours off (a flat battery, no network time). Intake
  // refuses a rating dated before the kiosk was enrolled or ahead of now, and counts
  // it on its date: so ratings are dated by intake's clock, learnt with each
  // configuration (every minute), the offset kept for when intake is unreachable.
  var CLOCK_KEY = "thuocdo-kiosk-clock-offset";
  var clockOffset = Number(localStorage.getItem(CLOCK_KEY)) || 0;
  var SEEN_KEY = "thuocdo-kiosk-clock-seen";
  var DOUBT_KEY = "thuocdo-kiosk-clock-doubt";  // {gen, mark} while in doubt
  var GEN_KEY = "thuocdo-kiosk-clock-gen";      // clock resets seen so far
  var LEARNT_KEY = "thuocdo-kiosk-clock-learnt";  // the reset the offset was learnt after
  var CLOCK_BACK_MS = 5 * 60 * 1000;  // small corrections are not a reset
  var RAW_BACK_MS = 60 * 1000;        // nor are these, while already in doubt
  var ROUND_TRIP_MAX_MS = 30000;     // longer, the clock may have changed on the way
  function stored(key) { return Number(localStorage.getItem(key)) || 0; }
  // A JSON value kept in localStorage; ``fallback`` when absent or unreadable.
  function storedJson(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key) || "null") || fallback; } catch (e) { return fallback; }
  }
  function learnClock(serverTime, asked, answered) {
    var server = Date.parse(serverTime || "");
    if (isNaN(server)) { return; }
    // A round trip that long (or negative) says the tablet's clock changed while it
    // was on its way: half of that change would go into the offset.
    if (answered < asked || answered - asked > ROUND_TRIP_MAX_MS) { return; }
    clockOffset = Math.round(server - (asked + answered) / 2);
    localStorage.setItem(CLOCK_KEY, String(clockOffset));
    localStorage.setItem(SEEN_KEY, String(server));
    localStorage.setItem(LEARNT_KEY, String(stored(GEN_KEY)));
    localStorage.removeItem(DOUBT_KEY);
  }
  function now() { return new Date(Date.now() + clockOffset); }
  // A clock that went back (a tablet reset by a flat battery, restarted offline):
  // the kept offset then dates ratings wrong, and when the wrong date still falls
  // after the enrolment intake cannot tell. The page keeps the latest date it
  // trusted; earlier than that, the clock is in doubt until intake's clock is
  // learnt again, and a rating made meanwhile is dated again before it is sent:
  // the tablet's own clock when it was made (queued_at) plus the new offset. Each
  // reset is numbered (a second one while in doubt shows as the tablet's own clock
  // going back), so that the offset learnt after one never dates a rating made
  // before it.
  function clockInDoubt() {
    var raw = Date.now();
    var doubt = storedJson(DOUBT_KEY, null);
    var reset = doubt ? raw < doubt.mark - RAW_BACK_MS
      : stored(SEEN_KEY) > 0 && raw + clockOffset < stored(SEEN_KEY) - CLOCK_BACK_MS;
    if (reset) {
      doubt = { gen: stored(GEN_KEY) + 1, mark: raw };
      localStorage.setItem(GEN_KEY, String(doubt.gen));
    } else if (doubt) {
      doubt.mark = Math.max(doubt.mark, raw);
    }
    if (doubt) { localStorage.setItem(DOUBT_KEY, JSON.stringify(doubt)); }
    return doubt;
  }
  function trustClock(ms) {
    if (ms > stored(SEEN_KEY)) { localStorage.setItem(SEEN_KEY, String(ms)); }
  }

  function isoWithOffset(d) {
    function p(n, w) { return String(Math.abs(n)).padStart(w || 2, "0"); }
    var off = -d.getTimezoneOffset();
    var sign = off >= 0 ? "+" : "-";
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" +
      p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds()) + "." + p(d.getMilliseconds(), 3) +
      sign + p(Math.floor(Math.abs(off) / 60)) + ":" + p(Math.abs(off) % 60);
  }

  // ---- IndexedDB outbox --------------------------------------------------------
  // The browser's storage can go away under the page: site data cleared (the open
  // connection is closed and every later transaction throws), the database deleted
  // from another tab, the disk full (a write is aborted). The connection is then
  // opened afresh (a new, empty store) and the footer counted again; a rating that
  // could not be stored is held in memory and sent directly (see submit).
  var dbPromise = null;
  var dbConn = null;
  function forgetDb(d) {
    if (dbConn === d) { dbConn = null; dbPromise = null; }
  }
  function db() {
    if (!dbPromise) {
      var opening = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          var d = req.result;
          d.createObjectStore("outbox", { keyPath: "id" });
          d.createObjectStore("rejected", { keyPath: "id" });
        };
        req.onsuccess = function () {
          var d = req.result;
          dbConn = d;
          d.onclose = function () { forgetDb(d); storeLost(); };
          d.onversionchange = function () { d.close(); forgetDb(d); storeLost(); };
          resolve(d);
        };
        req.onerror = function () { reject(req.error); };
      });
      // A failed open is tried again at the next use, not remembered for good.
      opening.catch(function () { if (dbPromise === opening) { dbPromise = null; } });
      dbPromise = opening;
    }
    return dbPromise;
  }
  function tx(store, mode, fn, again) {
    return db().then(function (d) {
      var transaction;
      try {
        transaction = d.transaction(store, mode);
      } catch (e) {
        // "The database connection is closing": storage was cleared and the close
        // event has not come yet. Once more on a fresh connection.
        forgetDb(d);
        if (again) { throw e; }
        return tx(store, mode, fn, true);
      }
      return new Promise(function (resolve, reject) {
        var result = fn(transaction.objectStore(store));
        transaction.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        transaction.onerror = function () { reject(transaction.error); };
        // A full disk aborts the transaction without a failed request.
        transaction.onabort = function () { reject(transaction.error || new Error("aborted")); };
      });
    });
  }
  function storeLost() {
    if (window.console) { console.warn("the kiosk's IndexedDB store was closed (storage cleared?)"); }
    updatePending();
  }
  function outboxPut(item) { return tx("outbox", "readwrite", function (s) { return s.put(item); }); }
  function outboxDelete(id) { return tx("outbox", "readwrite", function (s) { return s.delete(id); }); }
  function outboxAll() {
    return tx("outbox", "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.queued_at - b.queued_at; });
    });
  }
  // Ratings that could not be stored (see the outbox above): sent from memory, never
  // counted as waiting in the footer, lost if the page closes before intake answers.
  var unsaved = [];
  function done(item) {
    var at = unsaved.indexOf(item);
    if (at >= 0) { unsaved.splice(at, 1); dropDraft(item.id); return Promise.resolve(); }
    return outboxDelete(item.id).catch(function () { /* the store is gone: nothing to delete */ });
  }
  var refused = 0;  // responses intake refused for good since the page loaded
  function reject(item, status, detail) {
    // Refused for good (e.g. invalid): kept on the tablet for an audit, never resent,
    // so one bad item never blocks the ones queued behind it.
    item.rejected_status = status;
    item.rejected_detail = detail;
    refused += 1;
    document.body.dataset.refused = String(refused);
    if (window.console) { console.warn("intake refused response " + item.id + " (HTTP " + status + "): " + detail); }
    return tx("rejected", "readwrite", function (s) { return s.put(item); })
      .catch(function () { /* no store for the audit copy: the warning above stays */ })
      .then(function () { return done(item); });
  }

  // What intake refuses in a comment (shared/src/thuocdo_shared/events.py, _CONTROL):
  // control characters but tab, newline and carriage return; the zero-width space;
  // direction marks, overrides and isolates; lone surrogates. Invisible, pasted with a
  // text or typed by a stray key: removed, so a rating is never lost (422) to them.
  // The zero-width (non-)joiners stay: emoji such as 👨‍👩‍👧 are made with them.
  var REFUSED_CHARS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;
  var COMMENT_MAX = 1000;  // code points, like intake's check
  function cleanComment(text) {
    if (typeof text !== "string") { return null; }
    var clean = text.normalize("NFC").replace(REFUSED_CHARS, "").trim();
    var points = Array.from(clean);
    if (points.length > COMMENT_MAX) { clean = points.slice(0, COMMENT_MAX).join("").trim(); }
    return clean || null;
  }

  // ---- sending -------------------------------------------------------------------
  function post(body, withToken) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 10000);
    return fetch("/api/v1/responses", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + withToken },
      body: JSON.stringify(body),
      cache: "no-store",
      signal: controller.signal,
    }).finally(function () { clearTimeout(timer); });
  }

  function scheduleRetry(ms) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(drain, ms);
  }

  // The red banner says intake cannot be reached: any HTTP answer of intake (a 202, a
  // refusal, the configuration) shows it can, whatever it answered. An answer without
  // intake's mark (Thuocdo-Service) came from something in between: a Wi-Fi login
  // page (any status, often 200 or 403), a proxy's or a gateway's error. It is no
  // answer: the rating keeps waiting and is sent again, never taken as refused.
  function answered(resp) {
    // (A 202 is intake's whatever its headers: an intake rolled back to a version that
    // does not mark its answers still takes ratings.)
    var reached = resp.headers.get("Thuocdo-Service") === "intake" || resp.status === 202;
    if (reached) { setOffline(false); }
    return reached;
  }

  // 422 on submitted_at alone: the date this tablet gave is impossible (before its
  // enrolment, or ahead of now), typically a clock reset while it was offline with
  // queued ratings (the kept offset then applied to a new, wrong clock). The rating
  // is real: intake's clock is learnt again and the rating sent once more, same id,
  // dated now and flagged "clock". Refused again, it goes to the rejected store.
  function onlyDateRefused(text) {
    try {
      var keys = Object.keys(JSON.parse(text).errors || {});
      return keys.length === 1 && keys[0] === "submitted_at";
    } catch (e) { return false; }
  }
  function redate(item, resp, asked, answeredAt) {
    return relearnClock().catch(function () {
      // No configuration answer: the refusal's own Date header (to the second).
      learnClock(resp.headers.get("Date"), asked, answeredAt);
    }).then(function () { return restamp(item, now().getTime(), true); });
  }
  // Dated again (flagged "clock" when its moment is unknown), and kept so, so that a
  // reload does not date it again.
  function restamp(item, at, flagged) {
    if (flagged) { item.body.suspect = (item.body.suspect || []).concat(["clock"]); }
    item.body.submitted_at = isoWithOffset(new Date(at));
    delete item.clock_gen;
    delete item.clock_seen;
    if (unsaved.indexOf(item) >= 0) { return Promise.resolve(); }
    return outboxPut(item).catch(function () { /* sent from memory all the same */ });
  }

  // A rating made while the clock was in doubt, dated again once intake's clock is
  // known (see clockInDoubt). If the tablet's clock changed once more since (reset
  // again, or set right by the network), that offset does not date it: it is dated
  // now and flagged "clock", as a refused date is (see redate).
  function dateAgain(item) {
    if (!item.clock_gen) { return Promise.resolve(); }
    var known = localStorage.getItem(DOUBT_KEY) ? fetchConfig() : Promise.resolve(true);
    return known.then(function (cfg) {
      if (!cfg) { return; }  // the token is refused: the POST says so (401)
      if (localStorage.getItem(DOUBT_KEY)) {  // that answer taught nothing (learnClock)
        var notYet = new Error("intake's clock not learnt yet");
        notYet.answered = true;  // sent at the next drain; intake is there
        throw notYet;
      }
      var at = item.queued_at + clockOffset;
      var later = now().getTime();
      var unknown = item.clock_gen !== stored(LEARNT_KEY) ||
        at < item.clock_seen - CLOCK_BACK_MS || at > later + CLOCK_BACK_MS;
      return restamp(item, unknown ? later : at, unknown);
    });
  }

  // A rating is sent under the enrolment it was made under (item.token): after a new
  // enrolment link, what waited from the kiosk before is still that kiosk's, which
  // intake would refuse (403) under the new token. If that kiosk was revoked meanwhile
  // (401), it is kept in the rejected store and the rest go on. (Ratings queued by an
  // older page carry no token: the page's own.)
  function send(item) {
    var comment = cleanComment(item.body.comment);  // also for ratings queued by an older page
    if (comment !== item.body.comment) { item.body.comment = comment; }
    var asked;
    var pageToken = token;
    var sentWith = item.token || token;
    var former = sentWith !== token;
    return dateAgain(item).then(function () {
      // A new enrolment link opened meanwhile: the next drain sends it.
      if (pageToken !== token) { return null; }
      asked = Date.now();
      return post(item.body, sentWith);
    }).then(function (resp) {
      if (resp === null) { return false; }
      var answeredAt = Date.now();
      if (!answered(resp)) { return notFromIntake(item, resp.status); }
      drainReached = true;
      if (resp.status === 401 && former) {
        return resp.text().then(function (text) {
          return reject(item, resp.status, text.slice(0, 500)).then(function () { return true; });
        });
      }
      // Sent with a token since replaced (a new enrolment link opened meanwhile): its
      // 401 says nothing of the new one; the next drain sends it again.
      if (resp.status === 401 && pageToken !== token) { return false; }
      if (resp.status === 202) {
        backoffMs = 1000;
        return done(item).then(function () { return true; });
      }
      if (resp.status === 401) { block("revoked"); scheduleRetry(60000); return false; }
      if (resp.status === 429) {
        var after = parseInt(resp.headers.get("Retry-After") || "5", 10);
        scheduleRetry(Math.max(1, after) * 1000);
        return false;
      }
      // 408 is a timeout (worth retrying like a 5xx); any other 4xx can never
      // succeed for this item (but a date refused once, see redate).
      if (resp.status >= 400 && resp.status < 500 && resp.status !== 408) {
        return resp.text().then(function (text) {
          var redated = (item.body.suspect || []).indexOf("clock") >= 0;
          if (resp.status === 422 && !redated && onlyDateRefused(text)) {
            return redate(item, resp, asked, answeredAt).then(function () { return send(item); });
          }
          return reject(item, resp.status, text.slice(0, 500)).then(function () { return true; });
        });
      }
      var busy = new Error("HTTP " + resp.status);
      busy.answered = true;  // intake answered (e.g. 503): no red banner
      throw busy;
    });
  }

  // An answer not from intake (see answered) for one rating: the way to intake may be
  // closed (a Wi-Fi login page answers everything), or something in between refuses
  // this rating alone for good (a proxy's 413, a filter's 403). The next rating is
  // tried: two such answers in a row with none from intake is "offline" (the banner,
  // and the drain tried again later); a rating that still gets them while intake
  // takes the others is kept in the rejected store after UNMARKED_MAX tries, so that
  // it does not hold the queue for ever.
  var UNMARKED_MAX = 5;
  var drainReached = false, unmarkedItems = [];
  function notFromIntake(item, status) {
    item.unmarked = (item.unmarked || 0) + 1;
    item.unmarked_status = status;
    unmarkedItems.push(item);
    if (!drainReached && unmarkedItems.length >= 2) { throw new Error("HTTP " + status + ", not intake's"); }
    var kept = unsaved.indexOf(item) >= 0 ? Promise.resolve() : outboxPut(item).catch(function () {});
    return kept.then(function () { return true; });
  }
  function settleUnmarked() {
    var stuck = unmarkedItems;
    unmarkedItems = [];
    if (!stuck.length) { return Promise.resolve(); }
    // None of this drain's ratings reached intake: does intake answer at all? (Only
    // ratings refused in between may be left, the others sent by an earlier drain.)
    var reached = drainReached ? Promise.resolve() : fetchConfig().catch(function () {
      throw new Error("no answer from intake");
    });
    return reached.then(function () { return rejectStuck(stuck); });
  }
  function rejectStuck(stuck) {
    return stuck.filter(function (i) { return i.unmarked >= UNMARKED_MAX; }).reduce(function (p, i) {
      return p.then(function () {
        return reject(i, i.unmarked_status, "answered " + UNMARKED_MAX + " times, not by intake");
      });
    }, Promise.resolve());
  }

  function drain() {
    if (!token) { return Promise.resolve(); }
    if (sending) { drainAgain = true; return Promise.resolve(); }
    sending = true;
    drainAgain = false;
    drainReached = false;
    unmarkedItems = [];
    return outboxAll().catch(function () { return []; }).then(function (stored) {
      var ids = stored.map(function (i) { return i.id; });
      var items = stored.concat(unsaved.filter(function (i) { return ids.indexOf(i.id) < 0; }));
      if (items.length === 0) { return probe(); }
      var chain = Promise.resolve(true);
      items.forEach(function (item) {
        chain = chain.then(function (goOn) { return goOn && send(item); });
      });
      return chain.then(settleUnmarked);
    }).catch(function (err) {
      if (!(err && err.answered)) { setOffline(true); }
      scheduleRetry(backoffMs);
      backoffMs = Math.min(backoffMs * 2, 5000);  // one small request every 5 s at most
    }).finally(function () {
      sending = false;
      updatePending();
      if (drainAgain) { drain(); }
    });
  }

  // The banner is up but nothing waits (another tab sent it, or it was refused): ask
  // intake for the configuration, whose answer takes the banner down.
  function probe() {
    if ($("offline").hidden || !token) { return Promise.resolve(); }
    return loadConfig().catch(function () { /* still unreachable */ });
  }

  var pendingCount = 0;
  function updatePending() {
    return outboxAll().then(function (items) { return items.length; }, function () {
      // The store cannot be read: nothing can be said to wait in it.
      return 0;
    }).then(function (count) {
      pendingCount = count;
      var el = $("pending");
      el.hidden = count === 0;
      // A revoked tablet can never send them: say they are kept, not "waiting".
      var kept = !$("screen-blocked").hidden && $("blocked-text").dataset.text === "revoked";
      // Written only when it changes: the line is a live region, and a retry every
      // few seconds rewriting it had a screen reader say it again each time.
      var said = t(kept ? "pending_kept" : "pending").replace("{n}", String(count));
      if (el.textContent !== said) { el.textContent = said; }
      if (el.dataset.count !== String(count)) { el.dataset.count = String(count); }
      renderBlocked();
      if ((count > 0 || unsaved.length > 0) && !retryTimer) { scheduleRetry(backoffMs); }
    });
  }

  function setOffline(flag) { $("offline").hidden = !flag; }

  // ---- configuration ---------------------------------------------------------------
  // Intake's configuration (null: the token is refused), its clock learnt from it.
  function fetchConfig() {
    var asked = Date.now();
    return fetch("/api/v1/kiosk/config", {
      headers: { "Authorization": "Bearer " + token }, cache: "no-store",
    }).then(function (resp) {
      var reached = answered(resp);
      if (reached && resp.status === 401) { return null; }
      if (!reached || !resp.ok) {
        var failed = new Error("HTTP " + resp.status);
        failed.answered = reached;  // e.g. 503: intake is there, no red banner
        throw failed;
      }
      return resp.json().then(function (cfg) {
        learnClock(cfg.server_time, asked, Date.now());
        localStorage.setItem(CONFIG_KEY, JSON.stringify(cfg));
        return cfg;
      });
    });
  }
  function relearnClock() {
    return fetchConfig().then(function (cfg) { if (!cfg) { throw new Error("refused"); } });
  }
  function loadConfig() {
    return fetchConfig().catch(function () {
      var cached = localStorage.getItem(CONFIG_KEY);
      return cached ? JSON.parse(cached) : Promise.reject(new Error("no config"));
    });
  }

  // ---- screens ---------------------------------------------------------------------
  var SCREENS = ["loading", "blocked", "start", "field", "sipas", "issues", "comment", "thanks"];
  // An elderly hand's double tap is up to half a second apart or more (helper-62
  // measured 400-600 ms): at 350 ms its second tap chose the field, then the issue,
  // under the finger on the next question. No one reads a question in 0.8 s.
  var TAP_GUARD_MS = 800;
  var guardTimer = null;
  // Reading 19 criteria or typing a comment takes longer than the other questions.
  var SLOW_SCREENS = { sipas: 4, comment: 4 };
  var warnTimer = null;
  function show(name) {
    SCREENS.forEach(function (s) {
      $("screen-" + s).hidden = s !== name;
      $("screen-" + s).classList.remove("arming");
    });
    // The second tap of a double tap lands on the new screen: it takes none for a
    // moment (TAP_GUARD_MS).
    showChosen(name);
    var shown = $("screen-" + name);
    shown.classList.add("arming");
    clearTimeout(guardTimer);
    guardTimer = setTimeout(function () { shown.classList.remove("arming"); }, TAP_GUARD_MS);
    // Focus goes to the new question, so a screen reader reads it and the next Tab
    // starts there (it stayed on the button just pressed, or fell to the page).
    // Each question starts at the top: the screen before may have been scrolled (a
    // field near the end of the list on a phone), which left the question above view.
    window.scrollTo(0, 0);
    var heading = shown.querySelector("h2, label.big, .thanks, p.big");
    if (heading) {
      if (!heading.hasAttribute("tabindex")) { heading.setAttribute("tabindex", "-1"); }
      heading.focus({ preventScroll: true });
    }
    armIdle(name);
    if (state && !state.submitted && RESUMABLE.indexOf(name) >= 0) { keepDraft(); }
  }
  // Above each question after the faces: the face chosen, small, and its label. A
  // tablet left mid-rating showed the next citizen a question with no sign that a
  // rating was under way (they answered it, or thought their face was lost).
  function showChosen(name) {
    var strip = $("chosen");
    var face = state && RESUMABLE.indexOf(name) >= 0
      ? document.querySelector('.face[data-score="' + state.overall + '"]') : null;
    strip.hidden = !face;
    if (!face) { return; }
    var label = face.dataset[lang] || face.dataset.vi;
    // The label kept on one line ("Không hài lòng", not "Không hài / lòng" on a phone).
    var parts = t("chosen").split("{label}");
    var strong = document.createElement("span");
    strong.className = "chosen-label";
    strong.textContent = label;
    var text = $("chosen-text");
    text.textContent = "";
    text.append(parts[0], strong, parts.slice(1).join(""));
    strip.dataset.score = String(state.overall);
    var icon = $("chosen-face");
    icon.className = "chosen-face face-" + state.overall;
    icon.textContent = "";
    icon.appendChild(face.querySelector("svg").cloneNode(true));
  }
  // A question drawn afresh (in the language now, the answers given marked) and shown.
  function ask(screen) {
    if (screen === "field") { renderFields(); }
    else if (screen === "sipas") { renderSipas(); }
    else if (screen === "issues") { renderIssues(); }
    show(screen);
  }
  function current() {
    return SCREENS.filter(function (s) { return !$("screen-" + s).hidden; })[0];
  }
  var blockWhenDone = null;
  function block(reason, atOnce) {
    if (reason === "revoked") { scheduleRecheck(); }
    // The citizen rating now, or just thanked, finishes (their rating is kept, and
    // sent if the token is taken again); the next one finds the tablet blocked (see
    // reset). A queued rating's 401 can come from the drain at any moment.
    var busy = current() === "thanks" || (state && !state.submitted);
    if (busy && !atOnce) { blockWhenDone = reason; return; }
    // Already saying so: not shown (focused, read out) once more at each refusal.
    if (current() === "blocked" && $("blocked-text").dataset.text === reason && !atOnce) { return; }
    blockWhenDone = null;
    $("blocked-text").textContent = t(reason);
    $("blocked-text").dataset.text = reason;
    renderBlocked();
    show("blocked");
    if (atOnce) { updatePending(); }  // what waits is now said to be kept
  }

  // A refused token may be taken again: intake started for a while on another data
  // directory, or a wrong answer in between. A blocked tablet asks intake itself (not
  // its copy of the configuration) now and then, and starts again once accepted;
  // what waits is then sent.
  var recheckTimer = null;
  function scheduleRecheck() {
    if (recheckTimer) { return; }  // one already due: each refusal does not push it back
    var known = config || storedJson(CONFIG_KEY, null) || {};
    recheckTimer = setTimeout(recheck, (known.config_refresh_seconds || 60) * 1000);
  }
  function recheck() {
    recheckTimer = null;
    var forToken = token;
    fetchConfig().then(function (cfg) {
      if (forToken !== token) { return; }
      var stillBlocked = current() === "blocked" || blockWhenDone;
      if (!stillBlocked) { return; }
      if (!cfg) { scheduleRecheck(); return; }
      blockWhenDone = null;
      started(cfg);
    }).catch(function () { if (forToken === token) { scheduleRecheck(); } });
  }

  // A revoked tablet: what the staff member at the counter needs to act on it (which
  // kiosk, what to ask for, what is left on the tablet).
  function renderBlocked() {
    var el = $("blocked-detail");
    var reason = $("blocked-text").dataset.text;
    if (reason === "bad_link") { el.textContent = t("bad_link_staff"); el.hidden = false; return; }
    if (reason !== "revoked") { el.hidden = true; el.textContent = ""; return; }
    var known = config || storedJson(CONFIG_KEY, null);
    var kiosk = known && known.kiosk;
    var text = kiosk
      ? t("revoked_staff").replace("{name}", kiosk.name).replace("{id}", kiosk.id)
      : t("revoked_staff_unknown");
    text += " " + (pendingCount > 0
      ? t("revoked_kept").replace("{n}", String(pendingCount))
      : t("revoked_none_kept"));
    el.textContent = text;
    el.hidden = false;
  }

  function idleMs(screen) { return config.idle_reset_seconds * 1000 * (SLOW_SCREENS[screen] || 1); }
  function armIdle(screen, keepWarning) {
    clearTimeout(idleTimer);
    clearTimeout(warnTimer);
    if (!keepWarning) { $("idle-warning").hidden = true; }
    if (screen === "thanks") {
      idleTimer = setTimeout(reset, THANKS_MS);
    } else if (state && screen !== "start" && screen !== "blocked" && screen !== "loading") {
      // A citizen who tapped a face and walked away still gave a rating: send it.
      // Someone still there (thinking, reading with a screen reader) is warned first.
      var ms = idleMs(screen);
      warnTimer = setTimeout(function () {
        $("idle-warning").hidden = false;
        if (state) { state.warned = true; }  // told it would be sent: see back()
      }, ms - Math.min(10000, ms / 2));
      idleTimer = setTimeout(function () { submit(); }, ms);
    } else if (screen === "start" && lang !== "vi" && config) {
      // Switched to English and left without rating: Vietnamese again for the next one.
      idleTimer = setTimeout(reset, config.idle_reset_seconds * 1000);
    }
  }
  // A tap takes the warning away at its click, not at its pointerdown: the click then
  // lands on what the citizen saw under the finger (the warning itself, or the answer
  // below it), never on what a vanished warning uncovered.
  function touched(ev) {
    var screen = current();
    if (screen) { armIdle(screen, ev && ev.type === "pointerdown"); }
    // Still there without answering (reading, scrolling): the draft is dated afresh, at
    // most once a second, so a reload now goes on with this rating (see takeUpDraft).
    if (state && !state.submitted && Date.now() - draftKeptAt > 1000) { keepDraft(); }
  }

  // "Quay lại": one step back. From the field question (or the first question after
  // the face) the faces are shown again. Soon after the face was tapped, before the
  // idle warning, it is the citizen changing their rating: it is dropped. Later, the
  // rating is most likely one left behind (the strip above the question shows it to
  // whoever stands there), and a tap must not erase it: it is sent as it stood, as
  // the warning says it will be, and the faces are shown for a new one.
  var UNDO_MS = 15000;
  function back() {
    var screen = current();
    if (!state) { return; }
    if (screen === "comment") { ask("issues"); return; }
    if (screen === "issues" && config.kiosk.mode === "sipas") {
      state.dimension = config.sipas.length - 1; ask("sipas"); return;
    }
    if (screen === "sipas" && state.dimension > 0) {
      state.dimension -= 1; ask("sipas"); return;
    }
    if (screen === "sipas") {
      // Leaving the questionnaire: its "n criteria not rated" note goes too, or the
      // first section, shown again, took one tap on "Tiếp tục" as the second.
      $("sipas-missing").textContent = "";
      delete $("sipas-missing").dataset.dimension;
    }
    if (screen !== "field" && !config.kiosk.field) { ask("field"); return; }
    var tappedAt = state.tap ? state.tap.at : 0;
    var age = Date.now() - tappedAt;
    if (state.warned || !tappedAt || age < 0 || age >= UNDO_MS) {
      // Left behind: sent as it stood (the warning's promise), then the faces.
      sendAsItStands();
      reset();
      return;
    }
    // The rating is dropped, and what was typed with it: the citizen starts afresh.
    // Its tap is taken back too: the face chosen instead is not a rapid tap or part of
    // a burst because of it.
    dropDraft(state.id);
    if (state.tap) { lastTap = state.tap.before; forgetRecent(state.tap.at); }
    state = null;
    $("comment").value = "";
    commentCut = false;
    showCount();
    $("sipas-missing").textContent = "";
    if (blockWhenDone) { block(blockWhenDone, true); return; }
    show("start");
  }

  function reset() {
    if (blockWhenDone) { state = null; block(blockWhenDone, true); return; }
    state = null;
    $("comment").value = "";
    commentCut = false;
    showCount();
    $("sipas-missing").textContent = "";
    // The next citizen starts in Vietnamese, whatever the last one chose.
    if (lang !== "vi") { lang = "vi"; applyLang(); }
    show("start");
  }

  function recent() {
    return storedJson(RECENT_KEY, []);
  }

  function forgetRecent(at) {
    localStorage.setItem(RECENT_KEY, JSON.stringify(recent().filter(function (r) { return r.t !== at; })));
  }

  function suspectFlags(score, now) {
    var flags = [];
    // A clock that went back makes no taps rapid, and no earlier rating recent.
    var gap = now - lastTap;
    if (lastTap && gap >= 0 && gap < config.min_tap_interval_ms) { flags.push("rapid_taps"); }
    var burst = config.identical_burst;
    var windowStart = now - burst.window_seconds * 1000;
    var list = recent().filter(function (r) { return r.t >= windowStart && r.t <= now; });
    var tail = list.slice(-(burst.count - 1));
    if (tail.length === burst.count - 1 && tail.every(function (r) { return r.v === score; })) {
      flags.push("identical_burst");
    }
    list.push({ t: now, v: score });
    localStorage.setItem(RECENT_KEY, JSON.stringify(list.slice(-50)));
    return flags;
  }

  function onFace(ev) {
    var score = parseInt(ev.currentTarget.dataset.score, 10);
    var now = Date.now();
    state = {
      id: uuid4(), overall: score, field: config.kiosk.field, issues: [], criteria: {},
      suspect: suspectFlags(score, now), submitted: false, tap: { at: now, before: lastTap },
    };
    lastTap = now;
    if (!state.field) { ask("field"); } else { afterField(); }
  }

  function afterField() {
    if (config.kiosk.mode === "sipas") { state.dimension = 0; ask("sipas"); }
    else { ask("issues"); }
  }

  function button(cls, text, pressed) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = text;
    if (pressed !== undefined) { b.setAttribute("aria-pressed", pressed ? "true" : "false"); }
    return b;
  }

  function renderFields() {
    var list = $("field-list");
    list.textContent = "";
    config.fields.forEach(function (f) {
      // A field answers and goes on (one choice, not a toggle: no aria-pressed); the
      // one chosen before, when the citizen comes back, is marked aria-current.
      var b = button("choice field", f[lang] || f.vi);
      if (state && state.field === f.code) { b.setAttribute("aria-current", "true"); }
      b.dataset.code = f.code;
      b.addEventListener("click", function () { state.field = f.code; afterField(); });
      list.appendChild(b);
    });
  }

  function renderIssues() {
    var praise = state.overall >= 4;
    $("issues-q").textContent = t(praise ? "praise_question" : "problem_question");
    var list = $("issue-list");
    list.textContent = "";
    config.issues.forEach(function (i) {
      var label = (praise ? i.praise : i.problem);
      var b = button("choice issue", label[lang] || label.vi, state.issues.indexOf(i.code) >= 0);
      b.dataset.code = i.code;
      b.addEventListener("click", function () {
        var at = state.issues.indexOf(i.code);
        if (at >= 0) { state.issues.splice(at, 1); } else { state.issues.push(i.code); }
        b.setAttribute("aria-pressed", at >= 0 ? "false" : "true");
        keepDraft();
      });
      list.appendChild(b);
    });
  }

  function unrated() {
    return config.sipas[state.dimension].criteria.filter(function (c) { return !state.criteria[c.code]; });
  }
  // The note is always in the page (a live region shown and filled at once is often
  // not read out): empty, it takes no room.
  function sayUnrated(note) {
    var left = unrated().length;
    note.textContent = left ? t("sipas_missing").replace("{n}", String(left)) : "";
  }
  var noteAt = 0;
  function renderSipas() {
    var dim = config.sipas[state.dimension];
    var note = $("sipas-missing");
    if (note.dataset.dimension !== String(state.dimension)) { note.textContent = ""; }
    if (note.textContent) { sayUnrated(note); }  // redrawn in the other language
    $("sipas-q").textContent = dim[lang] || dim.vi;
    // Five sections of 19 criteria: how far along the citizen is, "Phần 2/5" on screen
    // and "Phần 2 trong 5 phần" for a screen reader (whose Vietnamese voice may read
    // "2/5" as a date, "ngày 2 tháng 5").
    function step(key) {
      return t(key).replace("{i}", String(state.dimension + 1))
        .replace("{n}", String(config.sipas.length));
    }
    var shown = document.createElement("span");
    shown.setAttribute("aria-hidden", "true");
    shown.textContent = step("sipas_step");
    var said = document.createElement("span");
    said.className = "visually-hidden";
    said.textContent = step("sipas_step_said");
    $("sipas-step").textContent = "";
    $("sipas-step").append(shown, said);
    var list = $("sipas-list");
    list.textContent = "";
    dim.criteria.forEach(function (c) {
      var row = document.createElement("div");
      row.className = "criterion";
      var p = document.createElement("p");
      p.id = "crit-" + c.code;
      p.textContent = c[lang] || c.vi;
      row.appendChild(p);
      // One radio group a criterion: one Tab stop each (not five), the arrow keys
      // choose within it, and a screen reader says the criterion with each score.
      var scores = document.createElement("div");
      scores.className = "scores";
      scores.setAttribute("role", "radiogroup");
      scores.setAttribute("aria-labelledby", p.id);
      config.scale.forEach(function (s, i) {
        var b = button("score", s[lang] || s.vi);
        b.setAttribute("role", "radio");
        // Read as "Hài lòng, 4 of 5": the label with its place on the scale.
        b.setAttribute("aria-posinset", String(i + 1));
        b.setAttribute("aria-setsize", String(config.scale.length));
        b.dataset.criterion = c.code;
        b.dataset.score = String(s.value);
        b.addEventListener("click", function () { chooseScore(scores, b); });
        scores.appendChild(b);
      });
      scores.addEventListener("keydown", onScoreKey);
      markScores(scores, state.criteria[c.code]);
      row.appendChild(scores);
      list.appendChild(row);
    });
  }

  // The chosen score is checked and is the group's one Tab stop (roving tabindex);
  // with none chosen yet the first score is.
  function markScores(scores, value) {
    var radios = scores.querySelectorAll("[role=radio]");
    var chosen = null;
    Array.prototype.forEach.call(radios, function (x) {
      if (parseInt(x.dataset.score, 10) === value) { chosen = x; }
    });
    Array.prototype.forEach.call(radios, function (x) {
      x.setAttribute("aria-checked", x === chosen ? "true" : "false");
      x.tabIndex = x === (chosen || radios[0]) ? 0 : -1;
    });
  }

  function chooseScore(scores, b) {
    var value = parseInt(b.dataset.score, 10);
    state.criteria[b.dataset.criterion] = value;
    markScores(scores, value);
    var note = $("sipas-missing");
    if (note.textContent) { sayUnrated(note); }
    keepDraft();
  }

  // Arrow keys move to the next or previous score and choose it (wrapping at the
  // ends), Home and End to the first and last; Space and Enter are the button's own
  // click. Clicks are what the tap guard holds back on a new screen; these are not
  // taps, and the focus is on the question then, not in a group.
  var SCORE_STEPS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  function onScoreKey(ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    var scores = ev.currentTarget;
    var radios = Array.prototype.slice.call(scores.querySelectorAll("[role=radio]"));
    var at = radios.indexOf(ev.target);
    if (at < 0) { return; }
    var to;
    if (ev.key in SCORE_STEPS) { to = (at + SCORE_STEPS[ev.key] + radios.length) % radios.length; }
    else if (ev.key === "Home") { to = 0; }
    else if (ev.key === "End") { to = radios.length - 1; }
    else { return; }
    ev.preventDefault();  // no page scroll
    chooseScore(scores, radios[to]);
    radios[to].focus();
  }

  // The rating as it would be sent now: the answers so far, dated now. Once it is
  // final, a clock not in doubt is trusted up to that date.
  function makeItem(final) {
    var doubt = clockInDoubt();
    var made = now();
    if (final && !doubt) { trustClock(made.getTime()); }
    var body = {
      id: state.id,
      submitted_at: isoWithOffset(made),
      kiosk_id: config.kiosk.id,
      commune_code: config.kiosk.commune_code,
      // Left before the field question: "not given", not "other fields".
      field: state.field || "chua_chon",
      overall: state.overall,
      criteria: state.criteria,
      issues: state.issues,
      comment: cleanComment($("comment").value.trim()),
      lang: lang,
      suspect: state.suspect,
    };
    var item = { id: body.id, body: body, queued_at: Date.now(), token: token };
    if (doubt) { item.clock_gen = doubt.gen; item.clock_seen = stored(SEEN_KEY); }
    return item;
  }

  function submit() {
    if (!state || state.submitted) { return; }
    sendAsItStands();
    show("thanks");
  }

  // The rating under way, as it stands, into the outbox and on to intake.
  function sendAsItStands() {
    state.submitted = true;
    var item = makeItem(true);
    keepDraft(item);
    queue(item).then(updatePending).then(drain);
  }

  // Into the outbox; its draft (below) is dropped once it is there.
  function queue(item) {
    return outboxPut(item).then(function () { dropDraft(item.id); }, function (err) {
      // Not stored (storage cleared and not reopened, disk full): sent from memory
      // right away, and not shown as waiting, which it is not. Its draft stays, so a
      // reload before intake took it (and before the next rating began) still sends it.
      if (window.console) { console.warn("response " + item.id + " could not be stored: " + err); }
      unsaved.push(item);
    });
  }

  // ---- a rating under way outlives a reload ------------------------------------------
  // The tablet's browser may reload the page while a citizen rates (it crashed, the
  // system took its memory back, someone pulled to refresh). Each question shown and
  // each answer keep the rating so far in localStorage. After a reload within the
  // question's idle time the citizen is most likely still there: the page goes on at
  // that question, same rating (a rating started again would count them twice). Older,
  // it is queued as it stood, as if the citizen had walked away (it would have been
  // sent then too). Once in the outbox the draft is dropped; "Quay lại" back to the
  // faces drops it with the rating.
  var DRAFT_KEY = "thuocdo.kiosk.draft";
  var draftKeptAt = 0;
  var RESUMABLE = ["field", "sipas", "issues", "comment"];
  function readDraft() { return storedJson(DRAFT_KEY, null); }
  function keepDraft(item) {
    if (!item && (!state || state.submitted || !config)) { return; }
    draftKeptAt = Date.now();
    try {
      var draft = item || makeItem();
      var screen = current();
      if (!item && RESUMABLE.indexOf(screen) >= 0) {
        draft.resume = {
          screen: screen, field: state.field || null, dimension: state.dimension || 0,
          comment: $("comment").value, at: Date.now(), tap: state.tap || null,
        };
      }
      localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    } catch (e) { /* storage full: the rating is still sent when it is finished */ }
  }
  function dropDraft(id) {
    var draft = readDraft();
    if (!id || !draft || draft.id === id) { localStorage.removeItem(DRAFT_KEY); }
  }
  function queueDraft() {
    var draft = readDraft();
    if (!draft || !draft.id || !draft.body) { dropDraft(); return Promise.resolve(); }
    delete draft.resume;
    return queue(draft);
  }
  // With the configuration known (begin): go on with the draft, or queue it.
  function takeUpDraft() {
    var draft = readDraft();
    var r = draft && draft.body && draft.resume;
    var age = r ? Date.now() - r.at : -1;
    var fits = r && draft.body.kiosk_id === config.kiosk.id && RESUMABLE.indexOf(r.screen) >= 0
      && (r.screen !== "sipas" || (config.kiosk.mode === "sipas" && r.dimension < config.sipas.length));
    if (!fits || age < 0 || age >= idleMs(r.screen)) { return queueDraft(); }
    var b = draft.body;
    state = {
      id: b.id, overall: b.overall, field: r.field || config.kiosk.field, issues: b.issues || [],
      criteria: b.criteria || {}, suspect: b.suspect || [], submitted: false, dimension: r.dimension,
      tap: r.tap || null,
    };
    if (b.lang && b.lang !== lang) { lang = b.lang; applyLang(); }
    $("comment").value = r.comment || "";
    showCount();
    ask(r.screen);
    return Promise.resolve();
  }

  function applyLang() {
    document.documentElement.lang = lang;
    Array.prototype.forEach.call(document.querySelectorAll("[data-text]"), function (el) {
      el.textContent = t(el.dataset.text);
    });
    // The button names the other language in that language: read in its voice.
    $("lang").lang = lang === "vi" ? "en" : "vi";
    Array.prototype.forEach.call(document.querySelectorAll(".face"), function (el) {
      var label = el.dataset[lang] || el.dataset.vi;
      el.setAttribute("aria-label", label);
      el.querySelector(".face-label").textContent = label;
    });
    $("comment").placeholder = t("comment_placeholder");
    showCount();
    renderBlocked();
    $("comment").lang = lang;
    if (config) {
      showPlace();
      showChosen(current());
      if (state && !$("screen-issues").hidden) { renderIssues(); }
      if (state && !$("screen-field").hidden) { renderFields(); }
      if (state && !$("screen-sipas").hidden) { renderSipas(); }
    }
    updatePending();
  }

  function showPlace() {
    // Each part kept whole, the dot ending the first: on a phone the second line began
    // with "·".
    var place = $("place");
    place.textContent = "";
    [config.kiosk.commune_name + " ·", config.kiosk.name].forEach(function (part, i) {
      var span = document.createElement("span");
      span.className = "place-part";
      span.textContent = part;
      if (i) { place.appendChild(document.createTextNode(" ")); }
      place.appendChild(span);
    });
  }

  // ---- the comment's length --------------------------------------------------------
  // The textarea takes at most 1000 characters (maxlength); a paste past it was cut
  // without a word. From 900 on the page says how many are left, and says so when a
  // text was cut. The visible count follows each key; screen readers hear it once
  // the typing pauses (politely), not at every key.
  var COUNT_FROM = 900;
  var commentCut = false;
  var announceTimer = null;
  // The limit is intake's, in letters as intake counts them: composed. Text in
  // decomposed form (a keyboard set to "Unicode tổ hợp": "ệ" as e and two marks) is
  // left as typed (an input tool that edits its own text with backspaces counts on
  // it), and the box's maxlength is widened by its marks, so that each letter counts
  // once. It is composed when sent (cleanComment).
  function commentLimit() { return parseInt($("comment").dataset.limit, 10) || COMMENT_MAX; }
  // Code points, as intake counts (an emoji is two UTF-16 units, one letter there).
  function letters(text) { return Array.from(text.normalize("NFC")).length; }
  function firstLetters(text, n) { return Array.from(text).slice(0, Math.max(0, n)).join(""); }
  function fitMaxLength(box) {
    box.maxLength = commentLimit() + (box.value.length - letters(box.value));
  }
  function showCount() {
    var box = $("comment");
    var limit = commentLimit();
    fitMaxLength(box);  // also after the text is set by the page (a reset, a resume)
    var left = limit - letters(box.value);
    var el = $("comment-count");
    var text = "";
    // 1.000 in Vietnamese, 1,000 in English
    if (commentCut) { text = t("comment_cut").replace("{max}", limit.toLocaleString(lang === "vi" ? "vi-VN" : "en-US")); }
    else if (left <= limit - COUNT_FROM) { text = t("comment_left").replace("{n}", String(Math.max(0, left))); }
    el.textContent = text;
    el.hidden = !text;
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () { $("comment-count-sr").textContent = text; }, commentCut ? 0 : 1000);
  }
  // How long the text would be after this input: longer than the limit, the browser
  // keeps only what fits (said by commentCut). A paste or a drop of decomposed text is
  // put in composed (no input tool is editing it), so that as much of it fits as
  // intake would take.
  function onBeforeInput(ev) {
    var box = ev.target;
    var added = ev.data;
    if (added == null && ev.dataTransfer) { added = ev.dataTransfer.getData("text/plain"); }
    if (added == null) { return; }
    var start = box.selectionStart || 0, end = box.selectionEnd || 0;
    var kept = box.value.slice(0, start) + box.value.slice(end);
    var room = commentLimit() - letters(kept);
    var composed = added.normalize("NFC");
    commentCut = letters(added) > room;
    // maxlength counts UTF-16 units: set now to what of this input fits in letters.
    // Left as it was, the browser cut an insert of emoji (two units, one letter) at
    // half the letters intake takes; widened for the whole input, it let in more than
    // fits, which was then cut off the end: the citizen's own words after the cursor.
    var points = Array.from(added), lo = 0, hi = points.length;
    var before = box.value.slice(0, start), rest = box.value.slice(end);
    while (lo < hi) {  // the longest start of the input within the limit
      var mid = Math.ceil((lo + hi) / 2);
      if (letters(before + points.slice(0, mid).join("") + rest) <= commentLimit()) { lo = mid; }
      else { hi = mid - 1; }
    }
    box.maxLength = kept.length + points.slice(0, lo).join("").length;
    var pasted = ev.inputType === "insertFromPaste" || ev.inputType === "insertFromDrop";
    if (pasted && composed !== added) {
      ev.preventDefault();
      box.setRangeText(firstLetters(composed, room), start, end, "end");
      onCommentInput();
    }
  }
  function onCommentInput() {
    var box = $("comment");
    var limit = commentLimit();
    var count = letters(box.value);
    if (count > limit) {
      // Set by a script or an input method past maxlength: cut here, on a whole character.
      box.value = firstLetters(box.value.normalize("NFC"), limit);
      commentCut = true;
    } else if (count < limit) {
      commentCut = false;
    }
    showCount();
    keepDraft();
  }

  function wire() {
    Array.prototype.forEach.call(document.querySelectorAll(".face"), function (el) {
      el.addEventListener("click", onFace);
    });
    // The comment box takes the focus only from a keyboard (a click's detail is 0 when
    // Enter or Space made it): on a tablet the focus opened the on-screen keyboard for
    // every citizen, covering half the screen, though most leave no comment. A tap
    // leaves the focus on the question, which a screen reader reads.
    $("issues-next").addEventListener("click", function (ev) {
      show("comment");
      if (ev.detail === 0) { $("comment").focus(); }
    });
    $("sipas-next").addEventListener("click", function () {
      // A section's last criteria may be below the fold: the first press with some
      // left unrated says how many and shows the first of them; a second goes on
      // without them (each is optional).
      var missing = unrated();
      var note = $("sipas-missing");
      if (missing.length && !note.textContent) {
        note.dataset.dimension = String(state.dimension);
        sayUnrated(note);
        noteAt = Date.now();
        $("crit-" + missing[0].code).scrollIntoView({ block: "center" });
        return;
      }
      // The second tap of a double tap is no decision to skip them.
      if (note.textContent && Date.now() - noteAt < TAP_GUARD_MS) { return; }
      note.textContent = "";
      state.dimension += 1;
      ask(state.dimension < config.sipas.length ? "sipas" : "issues");
    });
    $("send").addEventListener("click", submit);
    // Not sure which field the procedure was in: no guess ("Lĩnh vực khác" would count
    // it there); the rating goes on with the field not given (chua_chon).
    $("field-skip").addEventListener("click", function () { state.field = null; afterField(); });
    $("comment").dataset.limit = $("comment").getAttribute("maxlength");
    $("comment").addEventListener("beforeinput", onBeforeInput);
    $("comment").addEventListener("input", onCommentInput);
    Array.prototype.forEach.call(document.querySelectorAll("button.back"), function (el) {
      el.addEventListener("click", back);
    });
    $("lang").addEventListener("click", function () {
      lang = lang === "vi" ? "en" : "vi";
      applyLang();
      keepDraft();
      touched();  // after the switch: English left alone on the start screen resets
    });
    ["pointerdown", "click", "keydown", "input", "focusin"].forEach(function (name) {
      document.addEventListener(name, touched, true);
    });
    window.addEventListener("scroll", touched, { passive: true });
    // The moment a new screen takes no taps holds for keys too: Enter pressed twice on
    // "Tiếp tục" skipped a whole SIPAS section (the CSS guard stops only pointers).
    document.addEventListener("click", function (ev) {
      if (ev.target.closest && ev.target.closest(".screen.arming")) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
      }
    }, true);
    window.addEventListener("online", drain);
    window.addEventListener("hashchange", onHashChange);
    setInterval(function () { drain(); }, 15000);
  }

  function registerWorker() {
    // Keeps the page available offline (needs HTTPS, or localhost).
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/kiosk-sw.js").catch(function () { /* optional */ });
    }
  }

  // Ask the browser to keep this origin's storage under storage pressure: the queue
  // of unsent ratings must not be evicted like a cache (granted or not, it is asked once).
  function askPersistence() {
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(function () { /* not granted: nothing to do */ });
    }
  }

  // An enrolment link opened in the tab that already shows the kiosk page changes
  // only the hash: no reload. Enrol with the new token as on a fresh start (the old
  // kiosk may be revoked, its configuration is not this one's).
  function onHashChange() {
    if (!new URLSearchParams(location.hash.slice(1)).get("token")) { return; }
    // A rating under way was made on this tablet: queued like those already waiting.
    queueDraft().then(updatePending);
    token = enrol();
    if (badLink) { block("bad_link", true); return; }
    config = null;
    state = null;
    clearTimeout(refreshTimer);
    clearTimeout(beginTimer);
    clearTimeout(recheckTimer);
    recheckTimer = null;
    blockWhenDone = null;
    clearTimeout(retryTimer);
    retryTimer = null;
    backoffMs = 1000;
    show("loading");
    begin();
  }

  function start() {
    registerWorker();
    askPersistence();
    wire();
    token = enrol();
    if (badLink) { block("bad_link"); return; }
    if (!token) { block("not_enrolled"); return; }
    updatePending();
    begin();
  }

  // The configuration comes from intake, or from this tablet's copy of it. With
  // neither (intake unreachable at the very first start), say so and try again.
  var beginTimer = null;
  var refreshTimer = null;
  function begin() {
    var forToken = token;
    loadConfig().then(function (cfg) {
      if (forToken !== token) { return; }  // a newer enrolment link took over
      if (!cfg) { block("revoked"); queueDraft().then(updatePending); return; }
      started(cfg);
    }).catch(function () {
      if (forToken !== token) { return; }
      block("no_connection");
      beginTimer = setTimeout(begin, CONFIG_RETRY_MS);
    });
  }

  // With the configuration: the faces (or the draft a reload interrupted), and what
  // waits is sent.
  function started(cfg) {
    config = cfg;
    applyLang();
    reset();
    takeUpDraft().then(drain);
    scheduleRefresh();
  }

  // While the start screen waits for the next citizen, ask again now and then: a
  // tablet revoked meanwhile says so before anyone rates on it (not after), and a
  // changed configuration (mode, fixed field) takes effect. Unreachable: keep going.
  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshConfig, (config.config_refresh_seconds || 60) * 1000);
  }

  // Intake was upgraded while this page stayed open (for weeks, on a tablet): its
  // configuration names another page version than the one this page was served as.
  // Reload, between two citizens, with nothing held only in memory (what waits is in
  // IndexedDB and is sent after the reload). Once per version: a page that still
  // comes back as the old one (a cache in the way) does not reload for ever.
  // (The versions reloaded for are all kept: two intake replicas of different
  // versions behind one address during a rollout must not make it reload at each
  // refresh.)
  var RELOADED_KEY = "thuocdo.kiosk.reloaded_for";
  function upgraded(cfg) {
    var want = cfg.page_version;
    var have = document.documentElement.dataset.version;
    if (!want || !have || want === have || unsaved.length > 0 || sending) { return false; }
    var done = (sessionStorage.getItem(RELOADED_KEY) || "").split(" ");
    if (done.indexOf(want) >= 0) { return false; }
    sessionStorage.setItem(RELOADED_KEY, done.concat([want]).join(" ").trim());
    location.reload();
    return true;
  }

  function refreshConfig() {
    if ($("screen-start").hidden) { scheduleRefresh(); return; }
    var forToken = token;
    loadConfig().then(function (cfg) {
      if (forToken !== token) { return; }
      if (!cfg) { block("revoked"); updatePending(); return; }
      // Not while someone rates; a renamed kiosk shows its new name at once.
      if (!$("screen-start").hidden) {
        if (upgraded(cfg)) { return; }
        config = cfg; showPlace();
      }
      scheduleRefresh();
    }).catch(function () { if (forToken === token) { scheduleRefresh(); } });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
