/* The web player: hls.js (vendored; a CDN copy first only when configured, SRI-checked) or native HLS,
   a quality menu, audio and subtitle menus (player/tracks.js), resume, keyboard, seek previews, the serving edge, QoE
   beacons and heartbeats. No framework, no build step. Menus come from
   player/menu.js; which codec (one per session: AV1 where MediaSource
   decodes it, else H.264), where and on which rung to start, from
   codecs.js and player/startup.js (which the page has already run, inline
   in its head). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("player-config").textContent);
  // What startup.js decided in the page's head: the codec first (codecs.js), then the rung and position.
  var plan = window.PlayerStartup.plan || window.PlayerStartup.begin(config);
  // The session's master narrowed to that codec: hls.js never sees another codec's rungs.
  config.master = plan.master;
  var root = document.getElementById("player");
  var video = document.getElementById("video");
  var $ = function (sel) { return root.querySelector(sel); };
  var csrf = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";

  var qoe = { startup_ms: null, watch_ms: 0, stall_count: 0, stall_ms: 0, switch_count: 0,
              error_count: 0, last_error: "", level_height: null, edge: config.edge.id };
  // Opening this page is the play request (the Play button links here), so
  // startup time counts from navigation start: page, player, manifest, first frame.
  var state = { hls: null, playRequestedAt: 0, stalledAt: null, started: false,
                lastTick: null, ended: false, hlsSource: null, plan: plan, codecs: plan.codecs };
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

  /* Every hls.js setting, in one place. */
  function hlsConfig(plan) {
    return {
      // Resume wherever the viewer stopped (the title page says "Resume" from 1 s on).
      startPosition: plan.position >= 1 ? plan.position : -1,
      // The rung to start on is chosen on MANIFEST_PARSED (startup.js), then loading starts.
      autoStartLoad: false,
      // ABR's first estimate: what startup.js knows of this network, not hls.js's 500 kb/s.
      abrEwmaDefaultEstimate: plan.bps,
      capLevelToPlayerSize: true,
      // No bandwidth-test fragment of the lowest rung before the start rung.
      testBandwidth: false,
      startFragPrefetch: true,
      // hls.js buffers up to maxMaxBufferLength when segments are small;
      // both caps are the server's setting, so it really bounds the buffer.
      maxBufferLength: Math.min(config.maxBuffer || 60, 30),
      maxMaxBufferLength: config.maxBuffer || 60,
      // fMP4 needs no transmuxing: a worker would only add its start-up to the first frame.
      enableWorker: false,
      lowLatencyMode: false,
      // Answers from what startup.js fetched while hls.js was loading (it ignores
      // the CMCD query parameter when it matches a request to what it fetched).
      loader: window.PlayerStartup.loaderClass(window.Hls.DefaultConfig.loader),
      // Common Media Client Data on every request, in the query string
      // (headers would need a CORS preflight per request): the edges log it
      // and report startup, rebuffering and bitrate per zone and node.
      cmcd: { useHeaders: false, sessionId: config.session },
      // Subtitles are loaded into a hidden TextTrack and drawn by player/tracks.js above the controls.
      subtitleDisplay: false,
    };
  }

  /* hls.js's index of the rung startup.js chose (levels are sorted, one pathway's). */
  function startLevelIndex(levels, variant) {
    if (!variant) return -1;
    for (var i = 0; i < levels.length; i++) {
      var attrs = levels[i].attrs || {};
      if (attrs["STABLE-VARIANT-ID"] === variant.id) return i;
    }
    for (var j = 0; j < levels.length; j++) {
      if (levels[j].height === variant.height && levels[j].bitrate === variant.bandwidth) return j;
    }
    return -1;
  }

  function attach() {
    var plan = state.plan;
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls(hlsConfig(plan));
      state.hls = hls;
      window.player.hls = hls;
      tracks.attachHls(hls);
      hls.on(window.Hls.Events.MANIFEST_PARSED, function (_e, data) {
        var index = startLevelIndex(hls.levels, plan.variant);
        if (index >= 0) hls.startLevel = index;
        hls.startLoad(plan.position > 5 ? plan.position : -1);
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
        window.PlayerStartup.rememberBandwidth(hls.bandwidthEstimate);
      });
      hls.on(window.Hls.Events.ERROR, onHlsError);
      hls.loadSource(plan.master);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      // Safari and iOS play HLS themselves.
      video.src = plan.master;
      video.addEventListener("loadedmetadata", function () {
        if (plan.position > 5) video.currentTime = plan.position;
        buildQualityMenu([]);
        requestPlay();
      }, { once: true });
    } else {
      showError("This browser cannot play HLS video. Try a current Chrome, Firefox, Edge or Safari.");
    }
  }

  // hls.js reports these as non-fatal errors, but they are buffer housekeeping
  // the viewer never notices (a stall is counted as a stall, not an error).
  var HARMLESS = { bufferSeekOverHole: true, bufferNudgeOnStall: true, bufferStalledError: true };

  function onHlsError(_e, data) {
    var hls = state.hls;
    if (!data.fatal && HARMLESS[data.details]) return;
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
  }

  // --- audio and subtitle menus, subtitles (player/tracks.js) ------------------------------
  var tracks = new window.PlayerTracks(root, video, config);
  window.player.tracks = tracks;

  // --- quality menu -----------------------------------------------------------------------
  var qualityMenu = new window.PlayerMenu($(".quality"), { onChoose: chooseLevel });

  /* What a rung is called in the menu and on its button. */
  function levelLabel(level) { return level.height + "p"; }

  /* Auto and the session's rungs (all of one codec), under the codec's name. */
  function buildQualityMenu(levels) {
    var items = [{ value: -1, label: "Auto" }].concat(
      levels.map(function (l, i) { return { value: i, label: levelLabel(l), height: l.height }; })
        .sort(function (a, b) { return b.height - a.height; }));
    qualityMenu.set(levels.length ? items : [], undefined,
                    { text: plan.codecLabel, title: "Video codec", className: "quality-codec" });
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
    var label = current ? levelLabel(current) : "";
    qualityMenu.select(auto ? -1 : hls.currentLevel, (auto ? "Auto" : "") + (auto && label ? " · " : "") + label);
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

  // Controls show while the viewer is active (pointer, keys, touch) and fade after.
  var idleTimer = null;
  function active() {
    root.classList.add("user-active");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { root.classList.remove("user-active"); }, 2500);
  }
  root.addEventListener("pointermove", active);
  root.addEventListener("keydown", active);

  $(".play-toggle").addEventListener("click", togglePlay);
  $(".big-play").addEventListener("click", function () { root.classList.remove("needs-click"); requestPlay(); });
  video.addEventListener("click", function (e) {
    // A tap on a touch screen first shows the controls; a second one pauses.
    if (e.pointerType === "touch" && !root.classList.contains("user-active")) { active(); return; }
    togglePlay();
  });
  $(".mute").addEventListener("click", toggleMute);
  $(".fullscreen").addEventListener("click", toggleFullscreen);
  document.addEventListener("fullscreenchange", function () {
    root.classList.toggle("is-fullscreen", !!document.fullscreenElement);
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
    root.classList.toggle("muted", video.muted || video.volume === 0);
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
    // Report it at once: a viewer who leaves within the heartbeat interval still counts.
    beat();
    loadThumbnails();
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
  var remembered = 0;
  video.addEventListener("timeupdate", function () {
    var now = performance.now();
    if (!state.started && state.watching && advancing()) markStarted(now);
    if (state.lastTick !== null && !video.paused && state.stalledAt === null) {
      qoe.watch_ms += Math.round(Math.min(now - state.lastTick, 1000));
    }
    state.lastTick = video.paused ? null : now;
    if (state.started && now - remembered > 1000) {
      remembered = now;
      window.PlayerStartup.remember(config, video.currentTime);
    }
    if (video.duration) {
      seek.value = String(Math.round((video.currentTime / video.duration) * 1000));
      $(".time").textContent = clock(video.currentTime) + " / " + clock(video.duration);
    }
  });
  video.addEventListener("ended", function () { state.ended = true; beat("ended"); });

  // --- seek previews from the sprite + WebVTT (fetched once playback runs) ----------------
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
  function loadThumbnails() {
    if (!config.thumbnails || state.thumbnailsAsked) return;
    state.thumbnailsAsked = true;
    fetch(config.thumbnails).then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (text) { if (text) cues = parseVtt(text, config.thumbnails); })
      .catch(function () { cues = []; });
  }
  var preview = $(".seek-preview");
  seek.addEventListener("mousemove", function (e) {
    // An open menu sits where the preview would: the preview waits until it is closed.
    if (root.querySelector(".menu.open")) { preview.hidden = true; return; }
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
      method: "POST", body: body, credentials: "same-origin", keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    }).then(function (r) {
      if (r.status === 409) {
        return r.json().then(function (j) { video.pause(); showError(j.message || "Playback stopped."); });
      }
      return null;
    }).catch(function () { return null; });
  }
  window.player.beat = beat;
  // A session that stops beating loses its screen, and the edges then refuse
  // its token for good: so a paused (or not yet started) player keeps beating
  // for a while (pauseHold), then lets the screen go.
  var pausedSince = Date.now();
  video.addEventListener("play", function () { pausedSince = null; });
  video.addEventListener("pause", function () { pausedSince = Date.now(); });
  setInterval(function () {
    if (pausedSince === null || Date.now() - pausedSince < (config.pauseHold || 1800) * 1000) beat();
  }, (config.heartbeatInterval || 10) * 1000);
  window.addEventListener("pagehide", function () {
    if (state.started) window.PlayerStartup.remember(config, video.currentTime || 0);
    var form = new FormData();
    form.append("position", String(video.currentTime || 0));
    form.append("qoe", JSON.stringify(qoe));
    form.append("csrfmiddlewaretoken", csrf);
    // The stop beacon keeps the place (resume) and frees the screen.
    if (navigator.sendBeacon) navigator.sendBeacon(config.stop, form);
  });
  // Leaving through our own link: the place is saved before the next page
  // reads it (a beacon sent on pagehide can arrive after that page is built).
  $(".player-back").addEventListener("click", function (e) {
    if (!state.started || e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    var href = this.href;
    var go = function () { window.location.href = href; };
    video.pause();
    Promise.race([beat("paused"), new Promise(function (resolve) { setTimeout(resolve, 1500); })]).then(go, go);
  });

  // --- go --------------------------------------------------------------------------------
  setServedBy(config.edge.id);
  setBusy(true);
  loadHls().then(attach, function () {
    // Neither the CDN nor our own copy: native HLS may still work.
    if (video.canPlayType("application/vnd.apple.mpegurl")) attach();
    else showError("The video player could not be loaded. Check your connection and reload.");
  });
})();
