/* Faro chat widget. One tag on any page:
 *   <script src="https://faro.example.com/widget.js" defer
 *           data-faro-language="es" data-faro-pricing-path="/pricing"></script>
 * A site that knows its signed-in user sets, before the tag,
 *   window.FaroSettings = { user: { email, name, expires, signature } }
 * with the signature its backend computed (PROTOCOL.md, "Identified visitors").
 * Plain JS, no build step. Model text is only ever set with textContent;
 * links are built with DOM APIs and only for http(s) URLs. Protocol:
 * PROTOCOL.md next to this file. */
(function () {
  "use strict";
  if (window.FaroWidget) return;
  var script = document.currentScript;
  var ds = (script && script.dataset) || {};
  var base = ds.faroServer || (script ? new URL(script.src, location.href).origin : location.origin);
  var wsBase = base.replace(/^http/, "ws");
  var K = { visitor: "faro.visitor", conv: "faro.conv", seq: "faro.last_seq", pending: "faro.pending",
            consent: "faro.consent", pages: "faro.pages", first: "faro.first_seen", pricing: "faro.pricing" };
  var store = {
    get: function (k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } },
    del: function (k) { try { localStorage.removeItem(k); } catch (e) { /* private mode */ } }
  };
  // Interface strings, in the conversation's language: the page's until
  // the server says (ready, ack, reply "language").
  var T = {
    es: { open: "Abrir el chat", close: "Cerrar el chat", send: "Enviar", placeholder: "Escribe tu mensaje…",
          typing: "Escribiendo…", sources: "Fuentes", source: "Fuente", offline: "Reconectando…",
          handoff: "Te pasamos con una persona del equipo.",
          lead: "Datos recibidos: el equipo te contactará.", label: "Tu mensaje", failed: "No se pudo enviar; reintentando.",
          document: "Abrir el documento" },
    en: { open: "Open chat", close: "Close chat", send: "Send", placeholder: "Type your message…",
          typing: "Typing…", sources: "Sources", source: "Source", offline: "Reconnecting…",
          handoff: "A person from the team will take over.",
          lead: "Details received: the team will contact you.", label: "Your message", failed: "Could not send; retrying.",
          document: "Open the document" },
    pt: { open: "Abrir o chat", close: "Fechar o chat", send: "Enviar", placeholder: "Escreva sua mensagem…",
          typing: "Digitando…", sources: "Fontes", source: "Fonte", offline: "Reconectando…",
          handoff: "Vamos passar você para uma pessoa da equipe.",
          lead: "Dados recebidos: a equipe entrará em contato.", label: "Sua mensagem", failed: "Não foi possível enviar; tentando de novo.",
          document: "Abrir o documento" }
  };
  var theme = null, lang = "es", t = T.es;
  var ws = null, token = null, tokenExp = 0, backoff = 500, phase = "closed", pingTimer = null, signalTimer = null;
  var seen = {};        // seqs already rendered
  var userEls = {};     // client_msg_id -> element
  var streams = {};     // stream_id -> {el, next}
  var ui = {};
  var lastSeq = parseInt(store.get(K.seq) || "0", 10) || 0;
  var convId = store.get(K.conv) || "";
  var pending = [];
  // The signed-in user the page vouches for (its backend signed it), or null.
  var settings = window.FaroSettings || {};
  var user = (settings.user && typeof settings.user === "object") ? settings.user : null;
  try { pending = JSON.parse(store.get(K.pending) || "[]") || []; } catch (e) { pending = []; }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function safeURL(u) {
    try { var p = new URL(u, base); return (p.protocol === "https:" || p.protocol === "http:") ? p.href : null; }
    catch (e) { return null; }
  }
  function savePending() { store.set(K.pending, JSON.stringify(pending)); }
  function bumpSeq(s) {
    if (typeof s === "number" && s > lastSeq) { lastSeq = s; store.set(K.seq, String(s)); }
  }

  // --- consent-aware engagement signals -------------------------------
  function consented() {
    var c = store.get(K.consent);
    return c === "granted" || (ds.faroConsent === "analytics" && c !== "denied");
  }
  function countVisit() {
    if (!consented()) return;
    var now = Math.floor(Date.now() / 1000);
    if (!store.get(K.first)) store.set(K.first, String(now));
    store.set(K.pages, String((parseInt(store.get(K.pages) || "0", 10) || 0) + 1));
    var pp = ds.faroPricingPath || "/pricing";
    if (location.pathname.indexOf(pp) === 0 || /precios|pricing/.test(location.pathname)) {
      store.set(K.pricing, String((parseInt(store.get(K.pricing) || "0", 10) || 0) + 1));
    }
  }
  function sendSignals() {
    if (!consented() || phase !== "live") return;
    var first = parseInt(store.get(K.first) || "0", 10) || Math.floor(Date.now() / 1000);
    send({ type: "signals", pages_viewed: parseInt(store.get(K.pages) || "0", 10) || 0,
           time_on_site_seconds: Math.max(0, Math.floor(Date.now() / 1000) - first),
           pricing_visits: parseInt(store.get(K.pricing) || "0", 10) || 0,
           demo_requested: store.get("faro.demo_requested") === "1" });
  }

  // --- DOM ---------------------------------------------------------------
  function build() {
    var css = el("link"); css.rel = "stylesheet"; css.href = base + "/widget.css";
    document.head.appendChild(css);
    var root = el("div", "faro-root");
    root.style.setProperty("--faro-color", theme.color);
    root.style.setProperty("--faro-text", theme.text_color);
    var bubble = el("button", "faro-bubble");
    bubble.type = "button";
    bubble.setAttribute("aria-label", t.open);
    bubble.setAttribute("aria-expanded", "false");
    bubble.setAttribute("aria-controls", "faro-dialog");
    bubble.appendChild(chatIcon());
    var dlg = el("div", "faro-dialog");
    dlg.id = "faro-dialog";
    dlg.setAttribute("role", "dialog");
    dlg.setAttribute("aria-modal", "false");
    dlg.setAttribute("aria-labelledby", "faro-title");
    dlg.hidden = true;
    var head = el("div", "faro-head");
    var logo = theme.logo_url && safeURL(theme.logo_url);
    if (logo) { var img = el("img", "faro-logo"); img.src = logo; img.alt = ""; head.appendChild(img); }
    var title = el("h2", "faro-title", theme.title); title.id = "faro-title";
    head.appendChild(title);
    var status = el("span", "faro-status"); status.setAttribute("aria-live", "polite");
    head.appendChild(status);
    var close = el("button", "faro-close", "×"); close.type = "button"; close.setAttribute("aria-label", t.close);
    head.appendChild(close);
    var log = el("div", "faro-log");
    log.setAttribute("role", "log"); log.setAttribute("aria-live", "polite"); log.setAttribute("aria-relevant", "additions");
    var greeting = el("div", "faro-msg faro-assistant faro-greeting", greetingText());
    log.appendChild(greeting);
    var typing = el("div", "faro-typing", t.typing); typing.hidden = true;
    var form = el("form", "faro-form");
    var label = el("label", "faro-sr", t.label); label.htmlFor = "faro-input";
    var input = el("input", "faro-input"); input.id = "faro-input"; input.type = "text";
    input.maxLength = 4000; input.autocomplete = "off"; input.placeholder = t.placeholder;
    var btn = el("button", "faro-send", t.send); btn.type = "submit";
    form.appendChild(label); form.appendChild(input); form.appendChild(btn);
    dlg.appendChild(head); dlg.appendChild(log); dlg.appendChild(typing); dlg.appendChild(form);
    root.appendChild(dlg); root.appendChild(bubble);
    document.body.appendChild(root);
    ui = { root: root, bubble: bubble, dlg: dlg, log: log, input: input, typing: typing, status: status,
           close: close, label: label, send: btn, greeting: greeting };

    bubble.addEventListener("click", function () { dlg.hidden ? open() : closeDlg(); });
    close.addEventListener("click", closeDlg);
    dlg.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.preventDefault(); closeDlg(); } });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      input.value = "";
      userSend(text);
    });
  }
  // The launcher's icon is drawn, not a glyph: an emoji is an empty box
  // where the system has no emoji font. The button's label names it.
  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "faro-bubble-icon");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28"); svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true"); svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M5 3h14a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3h-7.6L6 21.6V18H5a3 3 0 0 1-3-3V6a3 3 0 0 1 3-3zm2.5 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm4.5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm4.5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z");
    path.setAttribute("fill-rule", "evenodd");
    svg.appendChild(path);
    return svg;
  }
  function greetingText() { return lang === "en" ? theme.greeting_en : theme.greeting_es; }
  // setLang switches the interface strings to the conversation's language.
  function setLang(l) {
    if (!l || !T[l] || l === lang) return;
    var wasOffline = ui.status && ui.status.textContent === t.offline;
    lang = l; t = T[l];
    if (!ui.bubble) return;
    ui.bubble.setAttribute("aria-label", ui.dlg.hidden ? t.open : t.close);
    ui.close.setAttribute("aria-label", t.close);
    ui.label.textContent = t.label; ui.input.placeholder = t.placeholder;
    ui.send.textContent = t.send; ui.typing.textContent = t.typing;
    if (wasOffline) ui.status.textContent = t.offline;
    if (lang !== "pt") ui.greeting.textContent = greetingText();
  }

  // Reference markers the model writes: "[1]" (the turn's passages) and
  // "[k7ced24]" (those search_knowledge found); the citations carry the
  // same refs. A closing "Sources:" line repeats what the citations box
  // shows, so it is not drawn.
  var MARK = /[ \t]?\[([0-9]{1,3}|k[0-9a-f]{4,16})\]/g;
  var SOURCES = /(^|\n)[ \t]*[*_#]*[ \t]*(fuentes|fuente|sources|source|fontes|fonte|referencias|references|referências)[ \t]*[*_]*[ \t]*:[^\n]*(\n[\s\S]*)?$/i;
  // withoutSources drops the closing sources block: from a line starting
  // with "Sources:" to the end, when what it drops names references or
  // lists (strict is false for a streamed preview, still being written).
  function withoutSources(text, strict) {
    var m = SOURCES.exec(text);
    if (!m) return text;
    var tail = text.slice(m.index);
    if (strict && !/\[[0-9a-z]{1,16}\]/i.test(tail) && !/\n[ \t]*([-*•]|[0-9]+[.)])/.test(tail)) return text;
    var out = text.slice(0, m.index).replace(/\s+$/, "");
    return out || text;
  }
  // plainText is what a streamed preview shows: no markers, no sources
  // line, no half-written marker at the end.
  function plainText(text) {
    return withoutSources(text, false).replace(MARK, "").replace(/\[[0-9a-z]{0,16}$/i, "");
  }
  // fillText draws a reply's text into box with text nodes only, each
  // marker of a listed citation as a superscript number linking to it.
  function fillText(box, text, nums, idOf) {
    var hasCites = Object.keys(nums).length > 0;
    if (hasCites) text = withoutSources(text, true);
    var last = 0, m;
    MARK.lastIndex = 0;
    while ((m = MARK.exec(text)) !== null) {
      var n = nums[m[1]];
      var hashRef = m[1].charAt(0) === "k";
      if (!n && !hashRef && !hasCites) continue; // "[3]" in ordinary text
      box.appendChild(document.createTextNode(text.slice(last, m.index)));
      last = m.index + m[0].length;
      if (!n) continue;
      var sup = el("sup", "faro-ref"), a = el("a", null, String(n));
      a.href = "#" + idOf(n);
      a.setAttribute("aria-label", t.source + " " + n);
      a.addEventListener("click", function (e) {
        e.preventDefault();
        var li = document.getElementById(this.getAttribute("href").slice(1));
        if (li) { li.scrollIntoView({ block: "nearest" }); li.focus(); }
      });
      sup.appendChild(a); box.appendChild(sup);
    }
    box.appendChild(document.createTextNode(text.slice(last)));
  }

  // citeLabel names a citation for a visitor: its section ("How much do
  // the courses cost?") then its document, without repeating the document
  // the heading's path starts with.
  function citeLabel(c) {
    var title = (c.title || "").trim();
    var parts = (c.heading || "").split(/\s+[>›]\s+/).filter(function (h) { return h && h !== title; });
    if (!parts.length) return title || c.ref;
    return parts.join(" › ") + (title ? " · " + title : "");
  }

  function open() {
    ui.dlg.hidden = false;
    ui.bubble.setAttribute("aria-expanded", "true");
    ui.bubble.setAttribute("aria-label", t.close);
    ui.input.focus();
    scroll();
  }
  function closeDlg() {
    ui.dlg.hidden = true;
    ui.bubble.setAttribute("aria-expanded", "false");
    ui.bubble.setAttribute("aria-label", t.open);
    ui.bubble.focus();
  }
  function scroll() { ui.log.scrollTop = ui.log.scrollHeight; }
  function addUser(id, text, acked) {
    if (id && userEls[id]) { if (acked) userEls[id].classList.remove("faro-pending"); return userEls[id]; }
    var m = el("div", "faro-msg faro-user" + (acked ? "" : " faro-pending"), text);
    if (id) { m.dataset.clientMsgId = id; userEls[id] = m; }
    ui.log.appendChild(m); scroll();
    return m;
  }
  function addNote(text, cls) { ui.log.appendChild(el("div", "faro-note " + (cls || ""), text)); scroll(); }
  function renderReply(f) {
    ui.typing.hidden = true;
    var s = f.stream_id && streams[f.stream_id];
    var m = s ? s.el : el("div", "faro-msg faro-assistant");
    m.classList.remove("faro-streaming");
    m.textContent = "";
    m.dataset.seq = String(f.seq);
    if (f.from === "staff") m.classList.add("faro-staff");
    // Citations numbered in their order, once each.
    var nums = {}, cites = [];
    (f.citations || []).forEach(function (c) {
      if (!c || !c.ref || nums[c.ref]) return;
      cites.push(c); nums[c.ref] = cites.length;
    });
    var idOf = function (n) { return "faro-cite-" + f.seq + "-" + n; };
    var textBox = el("div", "faro-text");
    fillText(textBox, f.text || "", nums, idOf);
    m.appendChild(textBox);
    if (cites.length) {
      var box = el("div", "faro-citations");
      box.appendChild(el("span", "faro-cite-label", t.sources + ":"));
      var ol = el("ol");
      cites.forEach(function (c, i) {
        var li = el("li"); li.id = idOf(i + 1); li.tabIndex = -1;
        var u = c.url && safeURL(c.url);
        var label = citeLabel(c);
        if (u) { var a = el("a", null, label); a.href = u; a.target = "_blank"; a.rel = "noopener noreferrer"; li.appendChild(a); }
        else li.appendChild(el("span", "faro-cite", label));
        ol.appendChild(li);
      });
      box.appendChild(ol); m.appendChild(box);
    }
    if (!s) ui.log.appendChild(m);
    if (f.stream_id) delete streams[f.stream_id];
    (f.tools || []).forEach(function (tl) {
      if (tl.name === "qualify_lead" && tl.status === "ok") addNote(t.lead, "faro-lead");
      var dl = tl.link && safeURL(tl.link);
      if (dl) {
        var note = el("div", "faro-note faro-document"), a = el("a", null, t.document);
        a.href = dl; a.target = "_blank"; a.rel = "noopener noreferrer";
        note.appendChild(a); ui.log.appendChild(note);
      }
    });
    if (f.handoff) addNote(t.handoff, "faro-handoff");
    scroll();
  }
  function renderDelta(f) {
    ui.typing.hidden = true;
    var s = streams[f.stream_id];
    if (!s) {
      s = streams[f.stream_id] = { el: el("div", "faro-msg faro-assistant faro-streaming"), next: 0, raw: "" };
      ui.log.appendChild(s.el);
    }
    if (f.index !== s.next) return; // a dropped delta: the final text replaces the preview
    s.next++;
    s.raw += f.text;
    s.el.textContent = plainText(s.raw);
    scroll();
  }

  // --- connection --------------------------------------------------------
  function send(obj) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(obj)); }
  function userSend(text) {
    var p = { client_msg_id: uuid(), text: text };
    pending.push(p); savePending();
    addUser(p.client_msg_id, text, false);
    if (phase === "live") send({ type: "message", client_msg_id: p.client_msg_id, text: text });
  }
  function session() {
    var body = {}; var v = store.get(K.visitor); if (v) body.visitor_id = v;
    if (user) body.user = { email: user.email, name: user.name || "", expires: user.expires, signature: user.signature };
    return fetch(base + "/widget/session", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), credentials: "omit" })
      .then(function (r) {
        if ((r.status === 401 || r.status === 403) && user) {
          // The identity was refused (expired, or signed with another
          // secret): carry on as an anonymous visitor, and say why.
          return r.text().then(function (why) {
            if (window.console) console.warn("Faro: signed-in user refused: " + why);
            user = null;
            return session().then(function () { return null; });
          });
        }
        if (!r.ok) throw new Error("session " + r.status);
        return r.json();
      })
      .then(function (s) {
        if (!s) return;
        token = s.token; tokenExp = Date.now() + s.expires_in * 1000;
        // Another person than the one this browser kept (a sign-in, a
        // sign-out): what was kept is theirs, not this visitor's.
        if (s.visitor_id !== store.get(K.visitor)) forget();
        store.set(K.visitor, s.visitor_id);
      });
  }
  // forget drops the conversation kept for the previous visitor of this
  // browser, from localStorage and from the page.
  function forget() {
    convId = ""; lastSeq = 0; pending = []; renderedFrom = 0; seen = {}; userEls = {}; streams = {};
    [K.conv, K.seq, K.pending].forEach(store.del);
    if (ui.log) {
      while (ui.log.lastChild && ui.log.lastChild !== ui.greeting) ui.log.removeChild(ui.log.lastChild);
    }
  }
  function setStatus(s) { ui.status.textContent = s; }
  function connect() {
    phase = "connecting";
    var ready = (token && Date.now() < tokenExp - 30000) ? Promise.resolve() : session();
    ready.then(function () {
      ws = new WebSocket(wsBase + "/widget/ws");
      ws.onopen = function () {
        send({ type: "auth", token: token });
        phase = "hello";
        send({ type: "hello", visitor_id: store.get(K.visitor), language: lang, page: location.pathname,
               consent: { analytics: consented() } });
      };
      ws.onmessage = function (ev) { var f; try { f = JSON.parse(ev.data); } catch (e) { return; } onFrame(f); };
      ws.onclose = function (ev) {
        clearInterval(pingTimer); clearInterval(signalTimer);
        phase = "closed"; ws = null;
        if (ev.code === 4401) token = null; // expired or refused: a new session first
        setStatus(t.offline);
        var wait = Math.min(backoff, 15000) * (0.75 + Math.random() * 0.5);
        backoff = Math.min(backoff * 2, 15000);
        setTimeout(connect, wait);
      };
    }).catch(function () {
      setStatus(t.offline);
      var wait = Math.min(backoff, 15000); backoff = Math.min(backoff * 2, 15000);
      setTimeout(connect, wait);
    });
  }
  function goLive() {
    phase = "live"; backoff = 500; setStatus("");
    pending.forEach(function (p) { send({ type: "message", client_msg_id: p.client_msg_id, text: p.text }); });
    clearInterval(pingTimer); pingTimer = setInterval(function () { send({ type: "ping" }); }, 25000);
    clearInterval(signalTimer); signalTimer = setInterval(sendSignals, 60000);
    sendSignals();
  }
  function onFrame(f) {
    switch (f.type) {
      case "ready":
        setLang(f.language);
        if (phase === "hello") {
          if (f.conversation_id) {
            if (f.conversation_id !== convId) { convId = f.conversation_id; store.set(K.conv, convId); lastSeq = 0; store.set(K.seq, "0"); }
            phase = "resume";
            // Replays from the start on a fresh page, so the history shows.
            send({ type: "resume", conversation_id: convId, last_seq: renderedFrom });
            return;
          }
          goLive(); return;
        }
        if (phase === "resume") { bumpSeq(f.seq); goLive(); }
        return;
      case "ack":
        setLang(f.language);
        if (f.conversation_id && f.conversation_id !== convId) { convId = f.conversation_id; store.set(K.conv, convId); }
        pending = pending.filter(function (p) { return p.client_msg_id !== f.client_msg_id; }); savePending();
        var u = userEls[f.client_msg_id]; if (u) u.classList.remove("faro-pending");
        bumpSeq(f.seq); renderedFrom = Math.max(renderedFrom, f.seq || 0);
        if (f.handed_off) { ui.typing.hidden = true; addNote(t.handoff, "faro-handoff"); }
        return;
      case "user":
        if (seen[f.seq]) return; seen[f.seq] = true; bumpSeq(f.seq);
        renderedFrom = Math.max(renderedFrom, f.seq);
        addUser(f.client_msg_id, f.text, true);
        return;
      case "typing": ui.typing.hidden = false; return;
      case "delta": renderDelta(f); return;
      case "reply":
        if (seen[f.seq]) return; seen[f.seq] = true; bumpSeq(f.seq);
        setLang(f.language);
        renderReply(f);
        renderedFrom = Math.max(renderedFrom, f.seq);
        return;
      case "error":
        ui.typing.hidden = true;
        addNote(f.message, "faro-error");
        if (f.client_msg_id && f.code === "rate_limited") {
          // Kept and sent again shortly, with the same id.
          var again = pending.filter(function (p) { return p.client_msg_id === f.client_msg_id; })[0];
          if (again) setTimeout(function () { if (phase === "live") send({ type: "message", client_msg_id: again.client_msg_id, text: again.text }); }, 1500);
        } else if (f.client_msg_id && f.code !== "failed") {
          pending = pending.filter(function (p) { return p.client_msg_id !== f.client_msg_id; }); savePending();
        }
        return;
      case "pong": return;
    }
  }
  // What this page has already drawn: after a reload it is nothing, so
  // the whole conversation replays; on a reconnect, only what was missed.
  var renderedFrom = 0;

  function start() {
    fetch(base + "/widget/config.json", { credentials: "omit" })
      .then(function (r) { return r.json(); })
      .then(function (cfg) {
        theme = cfg;
        var l = (ds.faroLanguage || document.documentElement.lang || cfg.language || navigator.language || "es").slice(0, 2).toLowerCase();
        lang = T[l] ? l : "es"; t = T[lang];
        build(); countVisit();
        pending.forEach(function (p) { addUser(p.client_msg_id, p.text, false); });
        connect();
        if (ds.faroOpen === "true") open();
      });
  }
  window.FaroWidget = {
    open: function () { open(); }, close: function () { closeDlg(); },
    // setConsent records the visitor's decision and tells the open socket
    // (the hello it sent carried the decision before this one).
    setConsent: function (yes) {
      if (yes) {
        store.set(K.consent, "granted");
        send({ type: "consent", consent: { analytics: true } });
        countVisit(); sendSignals();
      } else {
        [K.pages, K.first, K.pricing].forEach(store.del);
        store.set(K.consent, "denied");
        send({ type: "consent", consent: { analytics: false } });
      }
    },
    // identify switches to a signed-in user (a sign-in without a reload,
    // or a fresh signature), or back to anonymous with null: a new session
    // on a new socket.
    identify: function (u) {
      user = (u && typeof u === "object") ? u : null;
      token = null;
      if (ws) ws.close(); // onclose reconnects, asking for a session first
    },
    state: function () { return { phase: phase, conversation_id: convId, last_seq: lastSeq, pending: pending.length, identified: !!user }; }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
