/* Startup: where playback starts, on which rung, and the network work done
   before hls.js is even loaded.

   - Where: the server's resume point, unless this device remembers a later
     moment (its stop beacon may still be on its way when the page reloads).
   - Which rung: the highest whose first segment (video and audio) arrives
     within FIRST_SEGMENT_BUDGET on the bandwidth this device measured last
     time on this network, or else the browser's own estimate
     (navigator.connection), capped by the player's size; not always the ~2 Mb/s start variant, which on a
     5 Mb/s phone costs seconds before the first frame.
   - Warming: the chosen rung's media playlist (and the audio's), then their
     init and first segments are fetched at once, in parallel with loading
     hls.js; the session's master playlist comes inline with the page. A
     loader given to hls.js hands it those responses (with their real
     timings, so its bandwidth estimate stays true) instead of asking again.

   window.PlayerStartup.begin(config) -> the plan (also kept as .plan); .loaderClass(Base).
   The page runs this file inline in its head (streaming/views/playback.py),
   so the fetches start while the page is parsed. */
(function () {
  "use strict";

  var FIRST_SEGMENT_BUDGET = 0.5; // seconds to fetch the first segment, at the estimated bandwidth
  var SAFETY = 0.8;               // share of the estimate a first choice relies on
  var DEFAULT_BPS = 1000000;      // nothing known about this network
  var MEMORY_HOURS = 12;          // a measured bandwidth older than this says little
  var POSITIONS_KEPT = 50;

  function storageGet(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode, full */ }
  }

  // --- where to start --------------------------------------------------------------------
  function positionKey(config) { return config.profile + ":" + config.video; }

  /* Remember where this device is in this video (called every second or so while playing, and on leaving). */
  function remember(config, seconds) {
    var all = storageGet("player.positions") || {};
    all[positionKey(config)] = { t: Math.round(seconds * 10) / 10, at: Date.now() };
    var keys = Object.keys(all);
    if (keys.length > POSITIONS_KEPT) {
      keys.sort(function (a, b) { return all[a].at - all[b].at; });
      keys.slice(0, keys.length - POSITIONS_KEPT).forEach(function (k) { delete all[k]; });
    }
    storageSet("player.positions", all);
  }

  /* The server's resume point, or this device's own if it is more recent
     (the server has not heard the last beacon yet). Near the end: the start. */
  function position(config) {
    var server = { t: config.resume || 0, at: config.resumeAt || 0 };
    var local = (storageGet("player.positions") || {})[positionKey(config)];
    var chosen = local && local.at > server.at ? local : server;
    var duration = config.duration || 0;
    if (duration && chosen.t >= duration * 0.95) return { seconds: 0, from: chosen === local ? "device" : "server" };
    return { seconds: chosen.t, from: chosen === local ? "device" : "server" };
  }

  // --- which rung --------------------------------------------------------------------------
  function browserBps() {
    var connection = navigator.connection;
    return connection && connection.downlink > 0 ? connection.downlink * 1e6 : 0;
  }

  /* Keep what hls.js measured, with what the browser said of the network then. */
  function rememberBandwidth(bps) {
    if (bps > 0 && isFinite(bps)) {
      storageSet("player.bandwidth", { bps: Math.round(bps), at: Date.now(), browser: browserBps() });
    }
  }

  /* Bits/s this device can expect: what it measured last time, if recent and
     on what looks like the same network (the browser's estimate has not
     dropped below half of what it was then); else the browser's estimate
     (navigator.connection: a guess, capped at 10 Mb/s); else a default. */
  function estimate() {
    var browser = browserBps();
    var saved = storageGet("player.bandwidth");
    var recent = saved && saved.bps > 0 && Date.now() - saved.at < MEMORY_HOURS * 3600e3;
    var sameNetwork = recent && (!browser || !saved.browser || browser >= saved.browser / 2);
    if (sameNetwork) return { bps: saved.bps, from: "measured" };
    if (browser) return { bps: browser, from: "browser" };
    return { bps: DEFAULT_BPS, from: "default" };
  }

  function supported(variant) {
    if (!window.MediaSource || !variant.codecs) return true;
    try { return window.MediaSource.isTypeSupported('video/mp4; codecs="' + variant.codecs + '"'); } catch (e) { return true; }
  }

  /* The highest rung whose first segment fits the budget and whose height
     the player can show (the smallest rung at least as tall as the player's
     pixels, as hls.js's capLevelToPlayerSize); else the lowest rung. */
  function choose(start, bps, playerPixels) {
    var variants = (start.variants || []).filter(supported).sort(function (a, b) { return a.bandwidth - b.bandwidth; });
    if (!variants.length) return null;
    var audio = start.audio ? start.audio.bandwidth : 0;
    var seconds = start.segmentSeconds || 6;
    var cap = variants.filter(function (v) { return v.height >= playerPixels; })[0];
    var capHeight = cap ? cap.height : Infinity;
    var chosen = variants[0];
    variants.forEach(function (v) {
      var fetchSeconds = ((v.bandwidth + audio) * seconds) / (bps * SAFETY);
      if (fetchSeconds <= FIRST_SEGMENT_BUDGET && v.height <= capHeight) chosen = v;
    });
    return chosen;
  }

  // --- warming: fetch before hls.js asks --------------------------------------------------
  var warm = {};

  // CMCD (hls.js adds it as a query parameter) must not make a warmed URL look new.
  function keyOf(url) {
    var u = new URL(url, window.location.href);
    u.searchParams.delete("CMCD");
    u.hash = "";
    return u.href;
  }

  // The warm requests carry CMCD as hls.js's would (session, object type,
  // "startup"), so an edge sees this session's start at its first request.
  var cmcdSession = "";
  function withCmcd(url, keys) {
    if (!cmcdSession) return url;
    var u = new URL(url, window.location.href);
    u.searchParams.set("CMCD", keys.concat(["sf=h", 'sid="' + cmcdSession + '"', "st=v", "su"]).sort().join(","));
    return u.href;
  }

  function fetchEarly(url, keys) {
    var entry = { url: url, start: performance.now(), first: 0, end: 0 };
    entry.promise = fetch(withCmcd(url, keys || []), { credentials: "omit", mode: "cors" }).then(function (response) {
      entry.first = performance.now();
      return response.arrayBuffer().then(function (data) {
        entry.end = performance.now();
        return { ok: response.ok, status: response.status, url: response.url || url, data: data, response: response };
      });
    }).catch(function () { return { ok: false, status: 0 }; });
    warm[keyOf(url)] = entry;
    return entry;
  }

  function inline(url, text) {
    var now = performance.now();
    var data = new TextEncoder().encode(text).buffer;
    warm[keyOf(url)] = { url: url, start: now, first: now, end: now,
                         promise: Promise.resolve({ ok: true, status: 200, url: url, data: data, response: null }) };
  }

  function take(url) {
    var key = keyOf(url);
    var entry = warm[key];
    delete warm[key];
    return entry || null;
  }

  /* A media playlist's init segment and the segment holding ``at`` seconds,
     with the CMCD keys hls.js would send for them. */
  function firstSegments(text, baseUrl, at, type, kbps) {
    var lines = text.split(/\r?\n/);
    var init = null, t = 0, duration = null, segment = null;
    for (var i = 0; i < lines.length && !segment; i++) {
      var line = lines[i].trim();
      if (line.indexOf("#EXT-X-MAP:") === 0) {
        var m = line.match(/URI="([^"]+)"/);
        if (m) init = { url: new URL(m[1], baseUrl).href, keys: ["ot=i"] };
      } else if (line.indexOf("#EXTINF:") === 0) {
        duration = parseFloat(line.slice(8));
      } else if (line && line.charAt(0) !== "#" && duration !== null) {
        if (at < t + duration) {
          segment = { url: new URL(line, baseUrl).href,
                      keys: ["ot=" + type, "d=" + Math.round(duration * 1000), "br=" + kbps] };
        }
        t += duration;
        duration = null;
      } else if (line.indexOf("#EXT-X-BYTERANGE") === 0) {
        return [];  // byte ranges: leave it to hls.js
      }
    }
    return [init, segment].filter(Boolean);
  }

  function warmRendition(url, at, type, bps) {
    fetchEarly(url, ["ot=m"]).promise.then(function (res) {
      if (!res.ok) return;
      firstSegments(new TextDecoder().decode(res.data), res.url, at, type, Math.round(bps / 1000))
        .forEach(function (item) { fetchEarly(item.url, item.keys); });
    });
  }

  /* Decide where and how to start, and start fetching. Runs inline in the
     page's head, before the stylesheet and the body: the player fills the
     window, so the window's size is the player's. */
  function begin(config) {
    var where = position(config);
    var bw = estimate();
    var pixels = Math.round(Math.min(window.innerHeight, window.innerWidth * 9 / 16) * (window.devicePixelRatio || 1));
    var start = config.start || {};
    var variant = choose(start, bw.bps, pixels);
    if (config.masterText) inline(new URL(config.master, window.location.href).href, config.masterText);
    var at = where.seconds > 5 ? where.seconds : 0;
    cmcdSession = config.session || "";
    if (variant) {
      warmRendition(variant.url, at, "v", variant.bandwidth);
      if (start.audio) warmRendition(start.audio.url, at, "a", start.audio.bandwidth);
    }
    window.PlayerStartup.plan = { position: where.seconds, positionFrom: where.from, bps: bw.bps, bpsFrom: bw.from,
                                  variant: variant, playerPixels: pixels };
    return window.PlayerStartup.plan;
  }

  /* hls.js's loader, answering from what was warmed when it can. */
  function loaderClass(Base) {
    return class WarmLoader extends Base {
      load(context, config, callbacks) {
        var entry = context.rangeEnd ? null : take(context.url);
        if (!entry) return super.load(context, config, callbacks);
        var self = this;
        var stats = this.stats;
        this.context = context;
        this.config = config;
        this.callbacks = callbacks;
        stats.loading.start = performance.now();
        entry.promise.then(function (res) {
          if (stats.aborted || !self.callbacks) return;
          if (!res.ok) {  // warming failed: ask the network as hls.js would have
            stats.loading.start = 0;
            Base.prototype.load.call(self, context, config, callbacks);
            return;
          }
          // The fetch's own durations (waiting for the first byte, then the
          // transfer), ending now: hls.js measures bandwidth from loading.start
          // to parsing, and must not count the time the response waited for it.
          var now = performance.now();
          var ttfb = Math.max(0, entry.first - entry.start);
          var transfer = Math.max(1, entry.end - entry.first);
          stats.loading.end = now;
          stats.loading.first = now - transfer;
          stats.loading.start = Math.min(stats.loading.start, stats.loading.first - ttfb);
          stats.loaded = stats.total = res.data.byteLength;
          stats.bwEstimate = (stats.total * 8000) / (stats.loading.end - stats.loading.first);
          var data = context.responseType === "arraybuffer" ? res.data : new TextDecoder().decode(res.data);
          callbacks.onSuccess({ url: res.url, data: data, code: res.status }, stats, context, res.response);
        });
      }
      abort() {
        if (this.stats) this.stats.aborted = true;
        super.abort();
      }
    };
  }

  window.PlayerStartup = {
    begin: begin, loaderClass: loaderClass, remember: remember, rememberBandwidth: rememberBandwidth,
    choose: choose, estimate: estimate, position: position, budget: FIRST_SEGMENT_BUDGET, plan: null,
  };
})();
