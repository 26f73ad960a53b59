/* Demo page: the analytics consent banner. The widget reports engagement
 * signals only after "Accept". */
(function () {
  "use strict";
  var b = document.getElementById("consent");
  var decided = null;
  try { decided = localStorage.getItem("faro.consent_decided"); } catch (e) { /* private mode */ }
  if (!b || decided) return;
  b.hidden = false;
  function decide(yes) {
    try { localStorage.setItem("faro.consent_decided", "1"); } catch (e) { /* private mode */ }
    if (window.FaroWidget) window.FaroWidget.setConsent(yes);
    else { try { localStorage.setItem("faro.consent", yes ? "granted" : "denied"); } catch (e) { /* private mode */ } }
    b.hidden = true;
  }
  document.getElementById("consent-yes").addEventListener("click", function () { decide(true); });
  document.getElementById("consent-no").addEventListener("click", function () { decide(false); });
})();
