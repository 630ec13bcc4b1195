/* A player menu: a button that opens a list of choices, one of them selected.
   The quality menu is one; the audio and subtitle menus are built the same way:

     var menu = new PlayerMenu(rootElement, { onChoose: function (value) { ... } });
     menu.set([{ value: -1, label: "Auto" }, { value: 2, label: "720p" }], -1);
     menu.select(2, "720p");   // mark a choice (and show its label on the button)

   The markup it expects (templates/streaming/player.html):
     <div class="menu"><button class="menu-button"><span class="menu-label"></span></button>
                       <div class="menu-list" hidden></div></div>
   One menu is open at a time. A click outside an open menu closes it and goes
   no further: it must not reach the video underneath, which would pause. */
(function () {
  "use strict";

  var menus = [];
  var swallowClick = false;

  function PlayerMenu(root, options) {
    this.root = root;
    this.button = root.querySelector(".menu-button");
    this.list = root.querySelector(".menu-list");
    this.label = root.querySelector(".menu-label");
    this.onChoose = (options && options.onChoose) || function () {};
    this.value = null;
    var self = this;
    this.button.addEventListener("click", function () { self.toggle(); });
    this.root.addEventListener("keydown", function (e) { self.keydown(e); });
    menus.push(this);
  }

  PlayerMenu.prototype.set = function (items, selected) {
    var self = this;
    this.list.textContent = "";
    items.forEach(function (item) {
      var b = document.createElement("button");
      b.type = "button";
      b.setAttribute("role", "menuitemradio");
      b.dataset.value = String(item.value);
      b.innerHTML = '<svg class="icon check" aria-hidden="true"><use href="#i-check"></use></svg>';
      var text = document.createElement("span");
      text.textContent = item.label;
      b.appendChild(text);
      b.addEventListener("click", function () {
        self.close(true);
        self.onChoose(item.value, item);
      });
      self.list.appendChild(b);
    });
    this.button.hidden = !items.length;
    if (selected !== undefined) this.select(selected);
  };

  PlayerMenu.prototype.items = function () {
    return Array.prototype.slice.call(this.list.querySelectorAll("button"));
  };

  /* Mark ``value`` as the current choice; ``label`` (default: the item's own) goes on the button. */
  PlayerMenu.prototype.select = function (value, label) {
    this.value = value;
    var chosen = null;
    this.items().forEach(function (b) {
      var on = b.dataset.value === String(value);
      b.setAttribute("aria-checked", on ? "true" : "false");
      b.classList.toggle("selected", on);
      if (on) chosen = b;
    });
    if (this.label) this.label.textContent = label || (chosen ? chosen.textContent : "");
  };

  PlayerMenu.prototype.isOpen = function () { return !this.list.hidden; };

  PlayerMenu.prototype.open = function () {
    menus.forEach(function (m) { if (m !== this) m.close(); }, this);
    this.list.hidden = false;
    this.root.classList.add("open");
    this.button.setAttribute("aria-expanded", "true");
    var current = this.list.querySelector("button.selected") || this.items()[0];
    if (current) current.focus({ preventScroll: true });
  };

  PlayerMenu.prototype.close = function (refocus) {
    if (this.list.hidden) return;
    this.list.hidden = true;
    this.root.classList.remove("open");
    this.button.setAttribute("aria-expanded", "false");
    if (refocus) this.button.focus({ preventScroll: true });
  };

  PlayerMenu.prototype.toggle = function () { if (this.isOpen()) this.close(); else this.open(); };

  PlayerMenu.prototype.keydown = function (e) {
    if (!this.isOpen()) return;
    var items = this.items();
    var i = items.indexOf(document.activeElement);
    if (e.key === "Escape") { this.close(true); }
    else if (e.key === "ArrowDown") { (items[i + 1] || items[0]).focus(); }
    else if (e.key === "ArrowUp") { (items[i - 1] || items[items.length - 1]).focus(); }
    else if (e.key === "Tab") { this.close(); return; }
    else return;
    // The player's own keys (arrows seek) must not act while a menu has them.
    e.preventDefault();
    e.stopPropagation();
  };

  // A press outside every open menu closes them, and its click goes nowhere.
  document.addEventListener("pointerdown", function (e) {
    var open = menus.filter(function (m) { return m.isOpen(); });
    if (!open.length) return;
    if (open.some(function (m) { return m.root.contains(e.target); })) return;
    open.forEach(function (m) { m.close(); });
    swallowClick = true;
    setTimeout(function () { swallowClick = false; }, 600);
  }, true);
  document.addEventListener("click", function (e) {
    if (!swallowClick) return;
    swallowClick = false;
    e.preventDefault();
    e.stopPropagation();
  }, true);

  window.PlayerMenu = PlayerMenu;
})();
