// Faro console: live lists by polling, and forms that call the admin API
// with the session's CSRF token. No dependencies, no build step.
"use strict";
(function () {
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var result = document.getElementById("result");
  var body = document.body;

  function say(text, bad) {
    if (!result) return;
    result.textContent = text;
    result.className = bad ? "result error" : "result notice";
  }

  // Live: the element with data-poll is replaced by the server's fragment
  // every 2 s when it changed.
  var live = document.getElementById("live");
  function poll() {
    if (!live) return;
    var url = live.dataset.poll + window.location.search;
    fetch(url, { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.redirected || r.status === 401) { window.location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html !== null && html !== live.dataset.last) {
          live.dataset.last = html;
          live.innerHTML = html;
          var st = live.querySelector("[data-status]"), badge = document.getElementById("conv-status");
          if (st && badge) { badge.className = "badge status-" + st.dataset.status; badge.textContent = st.dataset.label; }
        }
      })
      .catch(function () {})
      .finally(function () { setTimeout(poll, 2000); });
  }
  if (live) { live.dataset.last = live.innerHTML; setTimeout(poll, 2000); }

  function fields(form, names) {
    var out = {};
    names.split(",").forEach(function (n) {
      if (n === "variables") {
        var vars = {};
        Array.prototype.forEach.call(form.elements, function (el) {
          if (el.name && el.name.indexOf("var.") === 0 && el.value !== "") vars[el.name.slice(4)] = el.value;
        });
        out.variables = vars;
        return;
      }
      var el = form.elements[n];
      if (el) out[n] = el.value;
    });
    return out;
  }

  function done(form, status, text) {
    var bad = status < 200 || status >= 300;
    var msg = body.dataset.done;
    if (bad) {
      msg = body.dataset.failed + " " + status;
      try { msg = body.dataset.failed + " " + JSON.parse(text).error.message; } catch (e) {}
    }
    say(msg, bad);
    form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    if (bad) return;
    if (form.id === "reply-form") { form.elements.text.value = ""; poll(); return; }
    setTimeout(function () { window.location.reload(); }, 400);
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.dataset || !form.dataset.api) return;
    ev.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    var xhr = new XMLHttpRequest();
    xhr.open(form.dataset.method || "POST", form.dataset.api);
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.onload = function () { done(form, xhr.status, xhr.responseText); };
    xhr.onerror = function () { done(form, 0, ""); };
    if (form.dataset.upload) {
      var bar = form.querySelector("progress");
      xhr.upload.onprogress = function (e) { if (bar && e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
      var data = new FormData();
      data.append("file", form.elements[form.dataset.upload].files[0]);
      xhr.send(data);
      return;
    }
    if (form.dataset.json) {
      xhr.setRequestHeader("Content-Type", "application/json");
      xhr.send(JSON.stringify(fields(form, form.dataset.json)));
      return;
    }
    xhr.send();
  });
})();
