/* Starts the playback session, then the player. Opening the player page
   starts nothing (a GET must not end this browser's other playback, whoever
   made it navigate here): this script POSTs to the page's start URL, puts
   the answer where player.js reads its config (script#player-config, as the
   page used to render it), sets the poster, and loads player.js. A refusal
   (screens in use, ...) is shown in the player's error box. */
(function () {
  "use strict";

  var me = document.currentScript;
  // player.js publishes window.player once it runs; until then, a handle that
  // says "not started" (else window.player is the #player element, by name).
  window.player = { state: { started: false, starting: true }, qoe: {} };
  var start = JSON.parse(document.getElementById("player-start").textContent);
  var csrf = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";

  function fail(text) {
    var root = document.getElementById("player");
    var box = root.querySelector(".player-error");
    box.textContent = text;
    box.hidden = false;
    root.classList.add("has-error");
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
    var config = document.createElement("script");
    config.type = "application/json";
    config.id = "player-config";
    config.textContent = JSON.stringify(answer.body);
    document.body.appendChild(config);
    if (answer.body.poster) document.getElementById("video").poster = answer.body.poster;
    var player = document.createElement("script");
    player.src = me.dataset.player;
    document.body.appendChild(player);
  }).catch(function () {
    fail("Playback could not start. Check your connection and reload the page.");
  });
})();
