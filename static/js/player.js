/* The web player: hls.js (CDN with SRI, vendored fallback) or native HLS,
   a quality menu, resume, keyboard, seek previews, the serving edge, QoE
   beacons and heartbeats. No framework, no build step. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("player-config").textContent);
  var root = document.getElementById("player");
  var video = document.getElementById("video");
  var $ = function (sel) { return root.querySelector(sel); };
  var csrf = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";

  var qoe = { startup_ms: null, watch_ms: 0, stall_count: 0, stall_ms: 0, switch_count: 0,
              error_count: 0, last_error: "", level_height: null, edge: config.edge.id };
  // Opening this page is the play request (the Play button links here), so
  // startup time counts from navigation start: page, player, manifest, first frame.
  var state = { hls: null, playRequestedAt: 0, stalledAt: null, started: false,
                lastTick: null, ended: false, levelLabels: [], hlsSource: null };
  window.player = { video: video, qoe: qoe, state: state, config: config };

  // --- messages ---------------------------------------------------------------------
  function showError(text) {
    var box = $(".player-error");
    box.textContent = text;
    box.hidden = false;
    root.classList.add("has-error");
  }
  function hideError() { $(".player-error").hidden = true; root.classList.remove("has-error"); }
  function setBusy(busy) { root.classList.toggle("busy", !!busy); }

  // --- loading hls.js: CDN first (pinned, SRI), then our own copy ---------------------
  function loadScript(src, integrity, timeoutMs) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      var timer = setTimeout(function () { s.onload = s.onerror = null; reject(new Error("timeout")); }, timeoutMs);
      s.src = src;
      if (integrity) { s.integrity = integrity; s.crossOrigin = "anonymous"; }
      s.onload = function () { clearTimeout(timer); window.Hls ? resolve() : reject(new Error("no Hls")); };
      s.onerror = function () { clearTimeout(timer); reject(new Error("load failed")); };
      document.head.appendChild(s);
    });
  }
  function loadHls() {
    if (!config.hls.cdn) {
      return loadScript(config.hls.local, null, 15000).then(function () { state.hlsSource = "local"; });
    }
    return loadScript(config.hls.cdn, config.hls.sri, 4000)
      .then(function () { state.hlsSource = "cdn"; })
      .catch(function () {
        return loadScript(config.hls.local, null, 15000).then(function () { state.hlsSource = "local"; });
      });
  }

  // --- time formatting ------------------------------------------------------------------
  function clock(t) {
    t = Math.max(0, Math.floor(t || 0));
    var h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m));
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  // --- playback start -------------------------------------------------------------------
  function requestPlay() {
    if (state.playRequestedAt === null) state.playRequestedAt = performance.now();
    var p = video.play();
    if (p && p.catch) {
      p.catch(function (err) {
        if (err && err.name === "NotAllowedError") {
          // The browser wants a click first: the click is the play request.
          state.playRequestedAt = null;
          root.classList.add("needs-click");
        }
      });
    }
  }

  function attach() {
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({
        startPosition: config.resume > 5 ? config.resume : -1,
        capLevelToPlayerSize: true,
        // Start on the master's first variant, the ~2 Mb/s start variant the
        // packager chose [Apple 1.32], instead of first fetching a fragment
        // of the lowest rung to guess the bandwidth; ABR takes over after it.
        testBandwidth: false,
        startFragPrefetch: true,
        // hls.js buffers up to maxMaxBufferLength when segments are small;
        // both caps are the server's setting, so it really bounds the buffer.
        maxBufferLength: Math.min(config.maxBuffer || 60, 30),
        maxMaxBufferLength: config.maxBuffer || 60,
        // fMP4 needs no transmuxing: a worker would only add its start-up to the first frame.
        enableWorker: false,
        lowLatencyMode: false,
        // Common Media Client Data on every request, in the query string
        // (headers would need a CORS preflight per request): the edges log it
        // and report startup, rebuffering and bitrate per zone and node.
        cmcd: { useHeaders: false, sessionId: config.session },
      });
      state.hls = hls;
      window.player.hls = hls;
      hls.on(window.Hls.Events.MANIFEST_PARSED, function (_e, data) {
        buildQualityMenu(data.levels);
        requestPlay();
      });
      hls.on(window.Hls.Events.LEVEL_SWITCHED, function (_e, data) {
        var level = hls.levels[data.level];
        if (state.started) qoe.switch_count += 1;
        qoe.level_height = level ? level.height : null;
        updateQualityLabel();
      });
      hls.on(window.Hls.Events.FRAG_LOADED, function (_e, data) {
        var details = data.networkDetails;
        var node = null;
        try {
          if (details && details.getResponseHeader) node = details.getResponseHeader("X-Edge-Node");
          else if (details && details.headers && details.headers.get) node = details.headers.get("X-Edge-Node");
        } catch (err) { node = null; }
        var url = data.frag && data.frag.url ? data.frag.url : "";
        var pathway = hls.pathways ? hls.pathwayPriority && hls.pathwayPriority[0] : null;
        setServedBy(node || (url.indexOf("/edge/origin/") >= 0 ? "origin" : null) || pathway || "");
      });
      hls.on(window.Hls.Events.ERROR, function (_e, data) {
        qoe.error_count += 1;
        qoe.last_error = (data.type || "") + ":" + (data.details || "");
        if (!data.fatal) return;
        if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR && !state.networkRetried) {
          state.networkRetried = true;
          hls.startLoad();
          return;
        }
        if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR && !state.mediaRecovered) {
          state.mediaRecovered = true;
          hls.recoverMediaError();
          return;
        }
        var code = data.response && data.response.code;
        if (code === 403) showError("This stream refused us (403): your viewing pass may have expired. Reload the page.");
        else if (code === 410) showError("This playback session has ended. Reload the page to start again.");
        else if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) showError("The video could not be loaded from any server. Check your connection and reload.");
        else showError("Playback failed (" + (data.details || "unknown error") + ").");
      });
      hls.loadSource(config.master);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      // Safari and iOS play HLS themselves.
      video.src = config.master;
      video.addEventListener("loadedmetadata", function () {
        if (config.resume > 5) video.currentTime = config.resume;
        buildQualityMenu([]);
        requestPlay();
      }, { once: true });
    } else {
      showError("This browser cannot play HLS video. Try a current Chrome, Firefox, Edge or Safari.");
    }
  }

  // --- quality menu -----------------------------------------------------------------------
  function buildQualityMenu(levels) {
    var menu = $(".quality-menu");
    menu.innerHTML = "";
    state.levelLabels = levels.map(function (l) { return l.height + "p"; });
    function item(label, index) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.dataset.level = String(index);
      b.addEventListener("click", function () { chooseLevel(index); menu.hidden = true; });
      menu.appendChild(b);
    }
    item("Auto", -1);
    levels
      .map(function (l, i) { return { height: l.height, index: i }; })
      .sort(function (a, b) { return b.height - a.height; })
      .forEach(function (l) { item(l.height + "p", l.index); });
    $(".quality-button").hidden = !levels.length;
    updateQualityLabel();
  }
  function chooseLevel(index) {
    if (!state.hls) return;
    state.hls.currentLevel = index; // -1: automatic (ABR)
    updateQualityLabel();
  }
  function updateQualityLabel() {
    var hls = state.hls;
    if (!hls) return;
    var auto = hls.autoLevelEnabled;
    var current = hls.levels[hls.currentLevel] || hls.levels[hls.loadLevel];
    var label = current ? current.height + "p" : "";
    $(".quality-button").textContent = (auto ? "Auto" : "") + (auto && label ? " · " : "") + label;
    root.querySelectorAll(".quality-menu button").forEach(function (b) {
      var level = Number(b.dataset.level);
      b.classList.toggle("selected", auto ? level === -1 : level === hls.currentLevel);
    });
  }

  function setServedBy(name) {
    if (!name) return;
    qoe.edge = name;
    var label = name === "origin" ? "origin (no edge reachable)" : name;
    $(".served-by").textContent = "Served by " + label;
    $(".served-by").dataset.edge = name;
  }

  // --- controls ---------------------------------------------------------------------------
  var seek = $(".seek");
  function togglePlay() {
    if (video.paused || video.ended) requestPlay(); else video.pause();
  }
  function step(seconds) {
    video.currentTime = Math.max(0, Math.min((video.duration || 0) - 0.1, video.currentTime + seconds));
  }
  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (root.requestFullscreen) root.requestFullscreen();
  }
  function toggleMute() { video.muted = !video.muted; }

  $(".play-toggle").addEventListener("click", togglePlay);
  $(".big-play").addEventListener("click", function () { root.classList.remove("needs-click"); requestPlay(); });
  video.addEventListener("click", togglePlay);
  $(".mute").addEventListener("click", toggleMute);
  $(".fullscreen").addEventListener("click", toggleFullscreen);
  $(".quality-button").addEventListener("click", function () {
    var menu = $(".quality-menu");
    menu.hidden = !menu.hidden;
  });
  seek.addEventListener("input", function () {
    if (video.duration) video.currentTime = (seek.value / 1000) * video.duration;
  });
  document.addEventListener("keydown", function (e) {
    if (e.target && /INPUT|TEXTAREA|SELECT/.test(e.target.tagName) && e.target !== seek) return;
    var key = e.key;
    if (key === " " || key === "k") { togglePlay(); e.preventDefault(); }
    else if (key === "ArrowRight") { step(10); e.preventDefault(); }
    else if (key === "ArrowLeft") { step(-10); e.preventDefault(); }
    else if (key === "ArrowUp") { video.volume = Math.min(1, video.volume + 0.1); e.preventDefault(); }
    else if (key === "ArrowDown") { video.volume = Math.max(0, video.volume - 0.1); e.preventDefault(); }
    else if (key === "f") toggleFullscreen();
    else if (key === "m") toggleMute();
  });

  video.addEventListener("play", function () { root.classList.add("playing"); });
  video.addEventListener("pause", function () { root.classList.remove("playing"); beat("paused"); });
  video.addEventListener("volumechange", function () {
    $(".mute").textContent = video.muted || video.volume === 0 ? "🔇" : "🔊";
  });
  video.addEventListener("waiting", function () {
    setBusy(true);
    if (state.started && state.stalledAt === null) { state.stalledAt = performance.now(); qoe.stall_count += 1; }
  });
  video.addEventListener("playing", function () {
    setBusy(false);
    hideError();
    if (state.stalledAt !== null) { qoe.stall_ms += Math.round(performance.now() - state.stalledAt); state.stalledAt = null; }
  });
  function markStarted(now) {
    // First frame shown and the playhead moving: startup is over.
    state.started = true;
    var from = state.playRequestedAt !== null ? state.playRequestedAt : 0;
    qoe.startup_ms = Math.round(now - from);
    root.classList.add("started");
  }
  function advancing() {
    return !video.paused && video.readyState >= 2 && video.currentTime > state.startedFrom;
  }
  video.addEventListener("playing", function () {
    if (state.started || state.watching) return;
    // timeupdate fires only every ~250 ms: watch each frame for the first advance.
    state.watching = true;
    state.startedFrom = video.currentTime;
    (function check() {
      if (state.started) return;
      if (advancing()) markStarted(performance.now());
      else requestAnimationFrame(check);
    })();
  });
  video.addEventListener("timeupdate", function () {
    var now = performance.now();
    if (!state.started && state.watching && advancing()) markStarted(now);
    if (state.lastTick !== null && !video.paused && state.stalledAt === null) {
      qoe.watch_ms += Math.round(Math.min(now - state.lastTick, 1000));
    }
    state.lastTick = video.paused ? null : now;
    if (video.duration) {
      seek.value = String(Math.round((video.currentTime / video.duration) * 1000));
      $(".time").textContent = clock(video.currentTime) + " / " + clock(video.duration);
    }
  });
  video.addEventListener("ended", function () { state.ended = true; beat("ended"); });

  // --- seek previews from the sprite + WebVTT --------------------------------------------
  var cues = [];
  function parseVtt(text, base) {
    var out = [];
    var blocks = text.split(/\r?\n\r?\n/);
    blocks.forEach(function (block) {
      var m = block.match(/([\d:.]+)\s+-->\s+([\d:.]+)\s*\n(.+)/);
      if (!m) return;
      var ref = m[3].trim().split("#xywh=");
      var xywh = (ref[1] || "0,0,0,0").split(",").map(Number);
      out.push({ start: secs(m[1]), end: secs(m[2]), url: new URL(ref[0], base).href,
                 x: xywh[0], y: xywh[1], w: xywh[2], h: xywh[3] });
    });
    return out;
  }
  function secs(t) {
    return t.split(":").reduce(function (acc, part) { return acc * 60 + Number(part); }, 0);
  }
  if (config.thumbnails) {
    fetch(config.thumbnails).then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (text) { if (text) cues = parseVtt(text, config.thumbnails); })
      .catch(function () { cues = []; });
  }
  var preview = $(".seek-preview");
  seek.addEventListener("mousemove", function (e) {
    if (!cues.length || !video.duration) return;
    var rect = seek.getBoundingClientRect();
    var t = ((e.clientX - rect.left) / rect.width) * video.duration;
    var cue = cues.find(function (c) { return t >= c.start && t < c.end; }) || cues[cues.length - 1];
    preview.style.width = cue.w + "px";
    preview.style.height = cue.h + "px";
    preview.style.backgroundImage = "url('" + cue.url + "')";
    preview.style.backgroundPosition = (-cue.x) + "px " + (-cue.y) + "px";
    preview.style.left = Math.max(0, Math.min(rect.width - cue.w, e.clientX - rect.left - cue.w / 2)) + "px";
    preview.dataset.time = clock(t);
    preview.hidden = false;
  });
  seek.addEventListener("mouseleave", function () { preview.hidden = true; });

  // --- heartbeats: resume anywhere, screens, QoE -------------------------------------------
  function beat(playerState) {
    var body = JSON.stringify({ position: video.currentTime || 0, duration: video.duration || config.duration,
                                state: playerState || (video.paused ? "paused" : "playing"), qoe: qoe });
    return fetch(config.heartbeat, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    }).then(function (r) {
      if (r.status === 409) {
        return r.json().then(function (j) { video.pause(); showError(j.message || "Playback stopped."); });
      }
      return null;
    }).catch(function () { return null; });
  }
  window.player.beat = beat;
  setInterval(function () { if (!video.paused) beat(); }, (config.heartbeatInterval || 10) * 1000);
  window.addEventListener("pagehide", function () {
    var form = new FormData();
    form.append("position", String(video.currentTime || 0));
    form.append("csrfmiddlewaretoken", csrf);
    // The stop beacon keeps the place (resume) and frees the screen.
    if (navigator.sendBeacon) navigator.sendBeacon(config.stop, form);
  });

  // --- go --------------------------------------------------------------------------------
  setServedBy(config.edge.id);
  setBusy(true);
  loadHls().then(attach, function () {
    // Neither the CDN nor our own copy: native HLS may still work.
    if (video.canPlayType("application/vnd.apple.mpegurl")) attach();
    else showError("The video player could not be loaded. Check your connection and reload the page.");
  });
})();
