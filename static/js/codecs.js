/* Which codec this browser plays, chosen once per session (a player that
   mixes codecs mid-stream stalls): AV1 where MediaSource says it decodes the
   title's AV1 (the CODECS string of its tallest rung this plan allows, read
   from the stream by the packager), otherwise H.264. A browser that plays
   HLS natively (Safari) is given H.264 and HEVC and chooses itself. The
   answer narrows the session's manifest to those codecs (?codecs=...).
   Asked once, first, by the start-up code the watch page inlines right
   after this file in its head (PlayerStartup.begin), which then starts on
   that codec's rungs alone; player.js plays what it chose. */
(function () {
  "use strict";

  function mediaSource() { return window.ManagedMediaSource || window.MediaSource || null; }

  function decodes(codecs) {
    var ms = mediaSource();
    try {
      return !!(ms && ms.isTypeSupported && ms.isTypeSupported('video/mp4; codecs="' + codecs + '"'));
    } catch (err) {
      return false;
    }
  }

  function withCodecs(url, list) {
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + "codecs=" + list.join(",");
  }

  /* config.codecs: {codec: CODECS string}, the session's codecs, preferred first. */
  function choose(config, video) {
    var available = config.codecs || {};
    var labels = config.codecLabels || {};
    var mse = !!mediaSource();
    var picked;
    if (mse) {
      picked = available.av1 && decodes(available.av1) ? ["av1"] : ["h264"];
    } else if (video && video.canPlayType && video.canPlayType("application/vnd.apple.mpegurl")) {
      picked = ["hevc", "h264"].filter(function (c) { return available[c]; });
    } else {
      picked = ["h264"];
    }
    if (!picked.length) picked = ["h264"];
    return {
      codecs: picked,
      label: picked.map(function (c) { return labels[c] || c; }).join(" + "),
      master: withCodecs(config.master, picked),
    };
  }

  window.PlayerCodecs = { choose: choose, decodes: decodes };
})();
