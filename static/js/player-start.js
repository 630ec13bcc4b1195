/* Starts the playback session, then the player. Opening the player page
   starts nothing (a GET must not end this browser's other playback, whoever
   made it navigate here). This script runs inline in the page's head, right
   after the startup script (PlayerStartup): it POSTs to the page's start URL; the answer is
   the player's config, which it puts where player.js reads it
   (script#player-config), hands to PlayerStartup.begin (so the start rung's
   first segments are fetched while the page is parsed), and once the page is
   parsed it loads player.js. A refusal (screens in use, ...) is shown in the
   player's error box. */
(function () {
  "use strict";

  var start = JSON.parse(document.getElementById("player-start").textContent);
  var csrf = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
  // player.js publishes window.player once it runs; until then, a handle that
  // says "not started" (else window.player is the #player element, by name).
  window.player = { state: { started: false, starting: true }, qoe: {} };

  function whenParsed(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  function fail(text) {
    whenParsed(function () {
      var root = document.getElementById("player");
      var box = root.querySelector(".player-error");
      box.textContent = text;
      box.hidden = false;
      root.classList.add("has-error");
    });
  }

  fetch(start.start, {
    method: "POST", credentials: "same-origin",
    headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
  }).then(function (r) {
    return r.json().then(function (body) { return { ok: r.ok, body: body }; });
  }).then(function (answer) {
    if (!answer.ok) {
      fail(answer.body.message || "Playback could not start.");
      return;
    }
    var config = answer.body;
    var holder = document.createElement("script");
    holder.type = "application/json";
    holder.id = "player-config";
    holder.textContent = JSON.stringify(config);
    document.head.appendChild(holder);
    if (config.edgeOrigin) {
      var preconnect = document.createElement("link");
      preconnect.rel = "preconnect";
      preconnect.href = config.edgeOrigin;
      preconnect.crossOrigin = "";
      document.head.appendChild(preconnect);
    }
    if (window.PlayerStartup) window.PlayerStartup.begin(config);
    whenParsed(function () {
      var video = document.getElementById("video");
      if (!video.getAttribute("poster") && config.poster) video.poster = config.poster;
      var player = document.createElement("script");
      player.src = start.player;
      document.body.appendChild(player);
    });
  }).catch(function () {
    fail("Playback could not start. Check your connection and reload the page.");
  });
})();
