/* Audio and subtitle menus, and the subtitles themselves.

   The session's manifest lists one audio rendition per language and one
   subtitle rendition per text track, the profile's preferred languages
   marked DEFAULT by the server, so hls.js starts in them. The menus switch
   (hls.audioTrack, hls.subtitleTrack; "Off" is -1) and post the choice to
   the profile (config.languages.save), so the next title starts in it too.

   hls.js is told not to display subtitles itself (subtitleDisplay: false):
   it still loads the chosen track into a TextTrack in "hidden" mode, whose
   activeCues we draw in .captions, always above the control bar (measured),
   so the bar never covers a line. Cue text comes from getCueAsHTML(): the
   browser's own safe rendering of WebVTT markup (<i>, <b>...), no HTML.

     var tracks = new PlayerTracks(root, video, config);
     tracks.attachHls(hls);        // after new Hls(...), before loadSource */
(function () {
  "use strict";

  function PlayerTracks(root, video, config) {
    this.root = root;
    this.video = video;
    this.languages = config.languages || {};
    this.captions = root.querySelector(".captions");
    this.controls = root.querySelector(".controls");
    this.hls = null;
    this.showing = null;     // the TextTrack whose cues are drawn
    var self = this;
    this.audioMenu = new window.PlayerMenu(root.querySelector(".audio-menu"), {
      onChoose: function (value, item) { self.chooseAudio(value, item); } });
    this.subtitlesMenu = new window.PlayerMenu(root.querySelector(".subtitles-menu"), {
      onChoose: function (value, item) { self.chooseSubtitles(value, item); } });
    this.onCueChange = function () { self.draw(); };
    video.textTracks.addEventListener("change", function () { self.follow(); });
    video.textTracks.addEventListener("addtrack", function () { self.follow(); });
    video.addEventListener("resize", function () { self.place(); });  // the picture's size is known
    if (window.ResizeObserver) new ResizeObserver(function () { self.place(); }).observe(root);
  }

  PlayerTracks.prototype.attachHls = function (hls) {
    var self = this, E = window.Hls.Events;
    this.hls = hls;
    hls.on(E.AUDIO_TRACKS_UPDATED, function () { self.buildAudio(); });
    hls.on(E.AUDIO_TRACK_SWITCHED, function () { self.buildAudio(); });
    hls.on(E.SUBTITLE_TRACKS_UPDATED, function () { self.buildSubtitles(); });
    hls.on(E.SUBTITLE_TRACK_SWITCH, function () { self.buildSubtitles(); self.follow(); });
  };

  function label(track) {
    return track.name || track.lang || "Track " + (track.id + 1);
  }

  PlayerTracks.prototype.buildAudio = function () {
    var tracks = this.hls.audioTracks || [];
    // One language is no choice: the menu shows from two audio tracks on.
    var items = tracks.length > 1 ? tracks.map(function (t, i) {
      return { value: i, label: label(t), lang: t.lang || "" }; }) : [];
    this.audioMenu.set(items, this.hls.audioTrack);
  };

  PlayerTracks.prototype.buildSubtitles = function () {
    var tracks = this.hls.subtitleTracks || [];
    var items = tracks.length ? [{ value: -1, label: "Off", lang: "" }].concat(tracks.map(function (t, i) {
      return { value: i, label: label(t), lang: t.lang || "" }; })) : [];
    this.subtitlesMenu.set(items, this.hls.subtitleTrack);
  };

  PlayerTracks.prototype.chooseAudio = function (index, item) {
    if (!this.hls || index === this.hls.audioTrack) return;
    this.hls.audioTrack = index;   // hls.js switches at the next segment, without flushing the video
    this.save({ audio: item.lang });
  };

  PlayerTracks.prototype.chooseSubtitles = function (index, item) {
    if (!this.hls) return;
    this.hls.subtitleTrack = index;
    this.subtitlesMenu.select(index);
    this.follow();
    this.save({ subtitles: index < 0 ? "" : item.lang });
  };

  /* The profile remembers the choice (its next titles start in it). */
  PlayerTracks.prototype.save = function (body) {
    if (!this.languages.save) return;
    var csrf = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
    fetch(this.languages.save, { method: "POST", body: JSON.stringify(body), credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf } }).catch(function () { return null; });
  };

  /* The TextTrack hls.js keeps the chosen subtitles in: the one not disabled. */
  PlayerTracks.prototype.follow = function () {
    var chosen = null, list = this.video.textTracks;
    if (!this.hls || this.hls.subtitleTrack >= 0) {
      for (var i = 0; i < list.length; i++) {
        var t = list[i];
        if ((t.kind === "subtitles" || t.kind === "captions") && t.mode !== "disabled") chosen = t;
      }
    }
    if (chosen === this.showing) { this.draw(); return; }
    if (this.showing) this.showing.removeEventListener("cuechange", this.onCueChange);
    this.showing = chosen;
    if (chosen) {
      if (chosen.mode === "showing") chosen.mode = "hidden";  // we draw it; the browser must not draw it too
      chosen.addEventListener("cuechange", this.onCueChange);
    }
    this.draw();
  };

  PlayerTracks.prototype.draw = function () {
    var box = this.captions, cues = this.showing && this.showing.activeCues;
    box.textContent = "";
    if (!cues || !cues.length) { box.hidden = true; return; }
    var top = false;
    for (var i = 0; i < cues.length; i++) {
      var line = document.createElement("span");
      var cue = cues[i];
      if (cue.getCueAsHTML) line.appendChild(cue.getCueAsHTML()); else line.textContent = cue.text;
      // A cue placed at the top (line:0, e.g. a sign translated while someone speaks) stays there.
      if (typeof cue.line === "number" && cue.snapToLines && cue.line >= 0 && cue.line < 3) top = true;
      box.appendChild(line);
    }
    box.classList.toggle("top", top);
    box.hidden = false;
    this.place();
  };

  /* Above the control bar's buttons (their top edge, measured), whatever the
     width (the bar wraps to two rows on a phone), and on the picture: a
     portrait phone letterboxes a 16:9 film far above the controls, and a
     line down in the black bar under it reads as not belonging to it. */
  PlayerTracks.prototype.place = function () {
    var rootRect = this.root.getBoundingClientRect();
    var top = rootRect.bottom;
    Array.prototype.forEach.call(this.controls.children, function (el) {
      var r = el.getBoundingClientRect();
      if (r.height) top = Math.min(top, r.top);
    });
    var v = this.video, box = v.getBoundingClientRect();
    if (v.videoWidth && v.videoHeight && box.height) {
      var scale = Math.min(box.width / v.videoWidth, box.height / v.videoHeight);
      top = Math.min(top, box.top + (box.height + v.videoHeight * scale) / 2);
    }
    var gap = Math.max(8, rootRect.height * 0.02);
    this.root.style.setProperty("--captions-bottom", Math.round(rootRect.bottom - top + gap) + "px");
  };

  window.PlayerTracks = PlayerTracks;
})();
