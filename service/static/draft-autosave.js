// A local copy of what is being typed, kept in localStorage every few seconds under the draft
// and the version it was typed on ("plandraft:draft:<id>:<base>").  When the page opens and a
// copy differs from it (the tab was closed, the browser crashed), an offer appears:
// "恢复未保存的修改" fills the editor with the copy and keeps its base version, so saving a copy
// made on an older version goes through the server's conflict and merge path instead of
// silently replacing the newer one; "放弃" deletes the copy.  A copy is deleted once its save
// has gone through.
(function () {
  "use strict";
  var P = window.PlanDraft;
  if (!P || !window.localStorage) return;
  var form = P.form;
  var id = form.getAttribute("data-draft-id");
  var version = Number(form.getAttribute("data-version"));
  var refused = form.getAttribute("data-refused") === "1";
  var base = document.getElementById("base-version");
  var offer = document.getElementById("autosave-offer");
  var status = document.getElementById("autosave-flag");
  var PREFIX = "plandraft:draft:" + id + ":";
  var EVERY_MS = 3000;
  var pending = false;

  function key() { return PREFIX + base.value; }

  function norm(text) {
    return text.replace(/\r\n?/g, "\n").split("\n").map(function (l) { return l.trim(); }).filter(Boolean).join("\n");
  }

  function same(a, b) {
    if (norm(a.title) !== norm(b.title) || a.sections.length !== b.sections.length) return false;
    return a.sections.every(function (s, i) {
      var t = b.sections[i];
      return s.was === t.was && norm(s.title) === norm(t.title) && norm(s.text) === norm(t.text);
    });
  }

  function copies() {
    var found = [];
    for (var i = 0; i < localStorage.length; i++) {
      var k = localStorage.key(i);
      if (k && k.indexOf(PREFIX) === 0) {
        try { found.push({key: k, copy: JSON.parse(localStorage.getItem(k))}); } catch (e) { localStorage.removeItem(k); }
      }
    }
    return found.sort(function (a, b) { return b.copy.saved_at - a.copy.saved_at; });
  }

  function store() {
    if (!pending) return;
    pending = false;
    var copy = P.snapshot();
    copy.base = Number(base.value);
    copy.saved_at = Date.now();
    try {
      localStorage.setItem(key(), JSON.stringify(copy));
      status.hidden = false;
      status.textContent = "已在本机暂存 " + new Date(copy.saved_at).toLocaleTimeString("zh-CN", {hour12: false});
    } catch (e) {
      status.hidden = false;
      status.textContent = "本机暂存失败（浏览器存储已满或被禁用）";
    }
  }

  // After a save went through, the copies it was made from are no longer needed (a refused
  // save, answered with the form again, keeps them: the merge may still be abandoned).
  var SENT = "plandraft:submitted:" + id;
  var sent = JSON.parse(sessionStorage.getItem(SENT) || "[]");
  if (sent.length && !refused) {
    sent.forEach(function (k) { localStorage.removeItem(k); });
    sessionStorage.removeItem(SENT);
    sent = [];
  }

  var here = P.snapshot();
  var offered = null;
  if (!refused) {
    copies().forEach(function (c) {
      if (offered) return;
      if (c.copy.base === version && same(c.copy, here)) { localStorage.removeItem(c.key); return; }
      offered = c;
    });
  }
  if (offered) {
    var when = new Date(offered.copy.saved_at).toLocaleString("zh-CN", {hour12: false});
    var text = "本机有 " + when + " 暂存、尚未保存的修改（在第" + offered.copy.base + "版上所改）。";
    if (offered.copy.base < version) text += "此后已有第" + version + "版；恢复后保存时，将与第" + version + "版逐句合并，不会覆盖它。";
    document.getElementById("autosave-message").textContent = text;
    offer.hidden = false;
    document.getElementById("autosave-restore").addEventListener("click", function () {
      base.value = String(offered.copy.base);
      P.apply(offered.copy);
      offer.hidden = true;
    });
    document.getElementById("autosave-discard").addEventListener("click", function () {
      localStorage.removeItem(offered.key);
      offer.hidden = true;
    });
  }

  form.addEventListener("draft:changed", function () { pending = true; });
  document.getElementById("version-note").addEventListener("input", function () { P.changed(); });
  form.addEventListener("draft:submitted", function () {
    pending = true;
    store();  // what is sent is kept until the page that answers the save says it went through
    if (sent.indexOf(key()) < 0) sent.push(key());
    sessionStorage.setItem(SENT, JSON.stringify(sent));
  });
  window.setInterval(store, EVERY_MS);
  window.addEventListener("pagehide", store);
})();
