package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// TestWidgetInChromium drives the demo page in headless Chromium over the
// DevTools protocol: a question in Spanish gets a streamed answer with a
// citation, a message with name and email goes through, and after a reload
// the conversation is still on the page (replayed from the store).
func TestWidgetInChromium(t *testing.T) {
	m, p := widgetPage(t)
	base := "http://" + m.Addr()
	p.navigate(t, base+"/")
	p.waitJS(t, `!!window.FaroWidget && document.querySelector('.faro-bubble') !== null && FaroWidget.state().phase === 'live'`)

	// Accessibility: a labelled button, a dialog, a polite live log.
	require.Equal(t, true, p.eval(t, `(() => {
		const b = document.querySelector('.faro-bubble'), d = document.querySelector('[role=dialog]'), l = document.querySelector('[role=log]');
		return !!b.getAttribute('aria-label') && !!d && d.hidden && l.getAttribute('aria-live') === 'polite';
	})()`))
	// The launcher draws its icon (an emoji is an empty box without an
	// emoji font): an SVG hidden from screen readers, no text.
	require.Equal(t, true, p.eval(t, `(() => {
		const b = document.querySelector('.faro-bubble'), svg = b.querySelector('svg');
		return !!svg && svg.getAttribute('aria-hidden') === 'true' && b.textContent.trim() === ''
			&& svg.getBoundingClientRect().width > 0;
	})()`))
	p.eval(t, `document.querySelector('.faro-bubble').click()`)
	require.Equal(t, "faro-input", p.eval(t, `document.activeElement.id`), "focus moves into the dialog")

	// Watch for streamed text: an assistant bubble marked as streaming.
	p.eval(t, `window.__sawStream = false; new MutationObserver(() => { if (document.querySelector('.faro-streaming')) window.__sawStream = true; })
		.observe(document.querySelector('.faro-log'), {subtree: true, childList: true, characterData: true, attributes: true}); true`)
	say := func(text string) { sayInWidget(t, p, text) }
	say("¿Cuánto cuesta el curso de IA para marketing?")
	p.waitJS(t, `document.querySelectorAll('.faro-assistant:not(.faro-greeting):not(.faro-streaming) .faro-text').length >= 1`)
	answer := p.eval(t, `document.querySelector('.faro-assistant:not(.faro-greeting) .faro-text').textContent`).(string)
	t.Logf("answer: %s", answer)
	require.Contains(t, answer, "249")
	cites := p.eval(t, `[...document.querySelectorAll('.faro-citations li')].map(e => e.textContent).join(' | ')`).(string)
	t.Logf("citations: %s", cites)
	require.NotEmpty(t, cites, "the answer shows its citation")
	requireCleanReply(t, p)
	if p.eval(t, `window.__sawStream`) != true {
		t.Log("no delta was rendered before the final (the engine answered in one piece)")
	}
	// Model text is never markup: the only elements in a reply's text are
	// the superscript reference links the widget makes.
	require.Equal(t, true, p.eval(t, `[...document.querySelectorAll('.faro-text *')].every(e => e.matches('sup.faro-ref, sup.faro-ref > a'))`))

	// Details for lead capture.
	say("Me llamo Ana Pérez, mi correo es ana.perez@example.com. Somos una agencia de 12 personas y nos interesa Brújula Pulse para marketing; quiero que ventas me contacte.")
	p.waitJS(t, `document.querySelectorAll('.faro-assistant:not(.faro-greeting):not(.faro-streaming) .faro-text').length >= 2`)
	second := p.eval(t, `[...document.querySelectorAll('.faro-assistant .faro-text')].pop().textContent`).(string)
	t.Logf("after details: %s", second)
	if !strings.Contains(second, "@") && strings.Contains(strings.ToLower(second), "interesa") {
		// The engine asks for what is missing (interest): answer it.
		say("La plataforma de marketing (SaaS)")
		p.waitJS(t, `document.querySelectorAll('.faro-assistant:not(.faro-greeting):not(.faro-streaming) .faro-text').length >= 3`)
		second = p.eval(t, `[...document.querySelectorAll('.faro-assistant .faro-text')].pop().textContent`).(string)
		t.Logf("after interest: %s", second)
	}
	p.waitJS(t, `FaroWidget.state().pending === 0`)
	type leads interface {
		LeadByEmail(ctx context.Context, email string) (store.Lead, error)
	}
	if ls, ok := m.Store.(leads); ok {
		lead, err := ls.LeadByEmail(t.Context(), "ana.perez@example.com")
		require.NoError(t, err, "the lead is stored (qualify_lead); the assistant said %q", second)
		require.Equal(t, "Ana Pérez", lead.Name)
		p.waitJS(t, `!!document.querySelector('.faro-lead')`)
	} else {
		t.Log("the store keeps no leads yet: lead capture not checked")
	}

	// Escape closes and gives focus back to the bubble.
	p.call(t, "Input.dispatchKeyEvent", map[string]any{"type": "keyDown", "key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27})
	p.waitJS(t, `document.querySelector('[role=dialog]').hidden && document.activeElement.classList.contains('faro-bubble')`)

	// A reload shows the conversation again.
	state := p.eval(t, `JSON.stringify(FaroWidget.state())`).(string)
	p.navigate(t, base+"/pricing")
	p.waitJS(t, `!!window.FaroWidget && FaroWidget.state().phase === 'live'`)
	require.Equal(t, true, p.waitJS(t, `[...document.querySelectorAll('.faro-user')].some(e => e.textContent.includes('IA para marketing'))
		&& document.querySelectorAll('.faro-assistant:not(.faro-greeting) .faro-text').length >= 2`))
	after := p.eval(t, `JSON.stringify(FaroWidget.state())`).(string)
	t.Logf("state before reload %s, after %s", state, after)
	sentCount := p.eval(t, `document.querySelectorAll('.faro-user').length`)
	require.Contains(t, []any{float64(2), float64(3)}, sentCount)
	require.Equal(t, true, p.eval(t, `(() => { const s = [...document.querySelectorAll('.faro-user')].map(e => e.textContent); return new Set(s).size === s.length; })()`), "each message once")

	// Mobile width: the open dialog takes the screen.
	p.call(t, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 390, "height": 800, "deviceScaleFactor": 2, "mobile": true})
	p.eval(t, `FaroWidget.open(); true`)
	w := p.waitJS(t, `document.querySelector('.faro-dialog').getBoundingClientRect().width >= 380`)
	require.Equal(t, true, w)
}

// requireCleanReply checks what a visitor reads of the latest reply: no
// raw reference markers, no sources line repeating the citations box, and
// every superscript reference pointing at an entry of that box.
func requireCleanReply(t *testing.T, p *cdpConn) {
	t.Helper()
	text := p.eval(t, `[...document.querySelectorAll('.faro-assistant:not(.faro-greeting) .faro-text')].pop().textContent`).(string)
	require.NotRegexp(t, `\[(k[0-9a-f]+|[0-9]+)\]`, text, "no raw reference markers")
	require.NotRegexp(t, `(?i)(fuentes|sources|fontes)\s*:`, text, "the sources are in the citations box, not repeated in the text")
	require.Equal(t, true, p.eval(t, `(() => {
		const m = [...document.querySelectorAll('.faro-assistant:not(.faro-greeting)')].pop();
		const refs = [...m.querySelectorAll('.faro-text sup.faro-ref a')];
		return refs.every(a => { const li = document.getElementById(a.getAttribute('href').slice(1)); return !!li && m.contains(li) && li.closest('.faro-citations') !== null; });
	})()`))
}

// recordFrames makes every page of p keep the frames its widget sends, in
// window.__sent, so a test can tell what left the browser.
func recordFrames(t *testing.T, p *cdpConn) {
	t.Helper()
	p.call(t, "Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": `(() => {
		window.__sent = [];
		const send = WebSocket.prototype.send;
		WebSocket.prototype.send = function (d) { try { window.__sent.push(JSON.parse(d)); } catch (e) { /* not JSON */ } return send.call(this, d); };
	})()`})
}

// TestWidgetConsentInChromium: the demo page's analytics banner. Accepted,
// the signals go out and are kept, and no error shows (the consent used to
// reach the server only with the next page's hello, so the visitor read
// "Sin consentimiento…" right after accepting); declined, none are sent.
func TestWidgetConsentInChromium(t *testing.T) {
	m, p := widgetPage(t)
	require.NotNil(t, m.Widget)
	base := "http://" + m.Addr()
	recordFrames(t, p)
	live := `!!window.FaroWidget && FaroWidget.state().phase === 'live'`

	// Accept.
	p.navigate(t, base+"/")
	p.waitJS(t, live+` && !document.getElementById('consent').hidden`)
	visitor := p.eval(t, `localStorage.getItem('faro.visitor')`).(string)
	p.eval(t, `document.getElementById('consent-yes').click(); true`)
	p.waitJS(t, `document.getElementById('consent').hidden && window.__sent.some(f => f.type === 'signals')`)
	require.Eventually(t, func() bool { _, ok := m.Widget.Signals(visitor); return ok }, 10*time.Second, 50*time.Millisecond,
		"the signals sent after Accept are kept")
	got, _ := m.Widget.Signals(visitor)
	require.GreaterOrEqual(t, got.PagesViewed, 1)
	require.Equal(t, float64(0), p.eval(t, `document.querySelectorAll('.faro-error').length`), "no error after Accept: %v",
		p.eval(t, `document.querySelector('.faro-log').innerText`))
	// The next page says so in its hello, and sends its signals too.
	p.navigate(t, base+"/pricing")
	p.waitJS(t, live+` && window.__sent.some(f => f.type === 'hello' && f.consent.analytics) && window.__sent.some(f => f.type === 'signals')`)
	require.Eventually(t, func() bool { s, _ := m.Widget.Signals(visitor); return s.PricingVisits >= 1 }, 10*time.Second, 50*time.Millisecond)
	require.Equal(t, float64(0), p.eval(t, `document.querySelectorAll('.faro-error').length`))

	// Decline, as a new visitor.
	p.eval(t, `localStorage.clear(); true`)
	p.navigate(t, base+"/")
	p.waitJS(t, live+` && !document.getElementById('consent').hidden`)
	other := p.eval(t, `localStorage.getItem('faro.visitor')`).(string)
	require.NotEqual(t, visitor, other)
	p.eval(t, `document.getElementById('consent-no').click(); true`)
	p.waitJS(t, `document.getElementById('consent').hidden && window.__sent.some(f => f.type === 'consent' && !f.consent.analytics)`)
	p.navigate(t, base+"/pricing")
	p.waitJS(t, live+` && window.__sent.some(f => f.type === 'hello')`)
	// Something the server answers, so anything sent before it has arrived.
	p.eval(t, `FaroWidget.open(); (() => { const i = document.getElementById('faro-input'); i.value = 'Hola'; i.form.requestSubmit(); return true; })()`)
	p.waitJS(t, `FaroWidget.state().pending === 0`)
	require.Equal(t, false, p.eval(t, `window.__sent.some(f => f.type === 'signals' || (f.type === 'hello' && f.consent.analytics))`))
	require.Equal(t, "denied", p.eval(t, `localStorage.getItem('faro.consent')`))
	require.Nil(t, p.eval(t, `localStorage.getItem('faro.pages')`), "nothing is counted without consent")
	_, ok := m.Widget.Signals(other)
	require.False(t, ok)
	require.Equal(t, float64(0), p.eval(t, `document.querySelectorAll('.faro-error').length`))
}

// TestWidgetFollowsTheConversationLanguage: on the Spanish demo page, an
// English conversation turns the widget's own strings English (they used
// to stay Spanish: "Fuentes", "Datos recibidos"…), and a Portuguese one
// Portuguese. FARO_WIDGET_SCREENSHOT names a PNG to keep of the open widget
// after the English exchange.
func TestWidgetFollowsTheConversationLanguage(t *testing.T) {
	m, p := widgetPage(t)
	base := "http://" + m.Addr()
	live := `!!window.FaroWidget && FaroWidget.state().phase === 'live'`
	replies := `document.querySelectorAll('.faro-assistant:not(.faro-greeting):not(.faro-streaming) .faro-text').length`
	say := func(text string) { sayInWidget(t, p, text) }
	ui := func() map[string]any {
		return p.eval(t, `(() => ({
			sources: [...document.querySelectorAll('.faro-cite-label')].map(e => e.textContent),
			placeholder: document.getElementById('faro-input').placeholder,
			send: document.querySelector('.faro-send').textContent,
			bubble: document.querySelector('.faro-bubble').getAttribute('aria-label'),
			close: document.querySelector('.faro-close').getAttribute('aria-label'),
			lead: [...document.querySelectorAll('.faro-lead')].map(e => e.textContent),
		}))()`).(map[string]any)
	}

	p.navigate(t, base+"/")
	p.waitJS(t, live)
	p.eval(t, `document.getElementById('consent-no').click(); FaroWidget.open(); true`)
	require.Equal(t, "Escribe tu mensaje…", ui()["placeholder"], "the page is Spanish until the conversation says otherwise")
	say("Hi! How much does the AI for marketing course cost?")
	p.waitJS(t, replies+` >= 1`)
	requireCleanReply(t, p)
	got := ui()
	t.Logf("English: %v", got)
	require.Equal(t, []any{"Sources:"}, got["sources"])
	require.Equal(t, "Type your message…", got["placeholder"])
	require.Equal(t, "Send", got["send"])
	require.Equal(t, "Close chat", got["bubble"])
	require.Equal(t, "Close chat", got["close"])
	require.Equal(t, "Hi! I'm Brújula Digital's assistant. How can I help? Courses, Pulse or documents.",
		p.eval(t, `document.querySelector('.faro-greeting').textContent`))
	if path := os.Getenv("FARO_WIDGET_SCREENSHOT"); path != "" {
		raw := p.call(t, "Page.captureScreenshot", map[string]any{"format": "png"})
		var shot struct {
			Data []byte `json:"data"`
		}
		require.NoError(t, json.Unmarshal(raw, &shot))
		require.NoError(t, os.WriteFile(path, shot.Data, 0o644))
		t.Logf("screenshot: %s", path)
	}

	// Lead details in English: the note says so in English.
	say("My name is John Smith, my email is john.smith@example.com. We are a 12-person agency interested in Brújula Pulse for marketing; please have sales contact me.")
	p.waitJS(t, replies+` >= 2`)
	if !strings.Contains(p.eval(t, `document.querySelector('.faro-log').innerText`).(string), "Details received") {
		// The engine asks for what is missing (interest): answer it.
		say("The marketing platform (SaaS)")
		p.waitJS(t, replies+` >= 3`)
	}
	p.waitJS(t, `!!document.querySelector('.faro-lead')`)
	require.Equal(t, []any{"Details received: the team will contact you."}, ui()["lead"])

	// Asking for a person: the hand-off note is English too.
	say("I want to talk to a person, please.")
	p.waitJS(t, `!!document.querySelector('.faro-handoff')`)
	require.Equal(t, "A person from the team will take over.", p.eval(t, `document.querySelector('.faro-handoff').textContent`))

	// Reloaded, the page knows the conversation's language from ready.
	p.navigate(t, base+"/pricing")
	p.waitJS(t, live+` && document.getElementById('faro-input').placeholder === 'Type your message…'`)

	// Portuguese, as a new visitor.
	p.eval(t, `localStorage.clear(); true`)
	p.navigate(t, base+"/")
	p.waitJS(t, live)
	p.eval(t, `FaroWidget.open(); true`)
	say("Olá! Quanto custa o curso de IA para marketing?")
	p.waitJS(t, replies+` >= 1`)
	requireCleanReply(t, p)
	got = ui()
	t.Logf("Portuguese: %v", got)
	require.Equal(t, []any{"Fontes:"}, got["sources"])
	require.Equal(t, "Escreva sua mensagem…", got["placeholder"])
	require.Equal(t, "Fechar o chat", got["close"])
}

// widgetPage starts a server on the test defaults and a headless Chromium
// page of 1280×900 (not with -short: the browser tests are slow).
func widgetPage(t *testing.T) (*Main, *cdpConn) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: not with -short")
	}
	bin := chromiumPath()
	require.NotEmpty(t, bin, "Chromium is needed for the widget's browser test: apt-get install -y chromium (scripts/test installs it)")
	cfg := testConfig(t)
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: io.Discard}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	p := launchChromium(t, bin).page(t)
	p.call(t, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false})
	return m, p
}

// sayInWidget sends text as the visitor, through the widget's form.
func sayInWidget(t *testing.T, p *cdpConn, text string) {
	t.Helper()
	p.eval(t, fmt.Sprintf(`(() => { const i = document.getElementById('faro-input'); i.value = %q; i.form.requestSubmit(); return true; })()`, text))
}

func chromiumPath() string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

type browser struct{ debugURL string }

// launchChromium starts headless Chromium on a DevTools port it picks and
// reads the address from its stderr.
func launchChromium(t *testing.T, bin string) *browser {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+filepath.Join(t.TempDir(), "chromium"),
		"--remote-debugging-port=0", "about:blank")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, after, ok := strings.Cut(sc.Text(), "DevTools listening on "); ok {
				found <- strings.TrimSpace(after)
			}
		}
	}()
	select {
	case u := <-found:
		return &browser{debugURL: u}
	case <-time.After(30 * time.Second):
		t.Fatal("chromium did not print its DevTools address within 30s")
		return nil
	}
}

// page attaches to the first page target.
func (b *browser) page(t *testing.T) *cdpConn {
	t.Helper()
	host := strings.TrimPrefix(b.debugURL, "ws://")
	host, _, _ = strings.Cut(host, "/")
	var targets []struct {
		Type string `json:"type"`
		WS   string `json:"webSocketDebuggerUrl"`
	}
	require.Eventually(t, func() bool {
		res, err := http.Get("http://" + host + "/json/list")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		if json.NewDecoder(res.Body).Decode(&targets) != nil {
			return false
		}
		for _, tg := range targets {
			if tg.Type == "page" {
				return true
			}
		}
		return false
	}, 20*time.Second, 100*time.Millisecond)
	for _, tg := range targets {
		if tg.Type == "page" {
			ws, _, err := websocket.DefaultDialer.Dial(tg.WS, nil)
			require.NoError(t, err)
			c := &cdpConn{ws: ws, waiting: map[int]chan cdpReply{}}
			go c.read()
			t.Cleanup(func() { _ = ws.Close() })
			c.call(t, "Page.enable", nil)
			c.call(t, "Runtime.enable", nil)
			return c
		}
	}
	t.Fatal("no page target")
	return nil
}

// cdpConn is a DevTools protocol session over one websocket: commands get
// ids, replies are matched by id, events are read and dropped.
type cdpConn struct {
	ws      *websocket.Conn
	wmu     sync.Mutex
	mu      sync.Mutex
	next    int
	waiting map[int]chan cdpReply
	console []string
}

type cdpReply struct {
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Params json.RawMessage `json:"params"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

func (c *cdpConn) read() {
	for {
		var r cdpReply
		if err := c.ws.ReadJSON(&r); err != nil {
			c.mu.Lock()
			for id, ch := range c.waiting {
				close(ch)
				delete(c.waiting, id)
			}
			c.mu.Unlock()
			return
		}
		if r.ID == 0 {
			if r.Method == "Runtime.exceptionThrown" || r.Method == "Runtime.consoleAPICalled" {
				c.mu.Lock()
				c.console = append(c.console, string(r.Params))
				c.mu.Unlock()
			}
			continue
		}
		c.mu.Lock()
		ch := c.waiting[r.ID]
		delete(c.waiting, r.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
}

func (c *cdpConn) call(t *testing.T, method string, params any) json.RawMessage {
	t.Helper()
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan cdpReply, 1)
	c.waiting[id] = ch
	c.mu.Unlock()
	c.wmu.Lock()
	err := c.ws.WriteJSON(map[string]any{"id": id, "method": method, "params": params})
	c.wmu.Unlock()
	require.NoError(t, err)
	select {
	case r, ok := <-ch:
		require.True(t, ok, "devtools connection closed during %s", method)
		if r.Error != nil {
			t.Fatalf("%s: %s", method, r.Error.Message)
		}
		return r.Result
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: no answer in 30s", method)
		return nil
	}
}

func (c *cdpConn) navigate(t *testing.T, url string) {
	t.Helper()
	c.call(t, "Page.navigate", map[string]any{"url": url})
	c.waitJS(t, `document.readyState === 'complete' && location.href === `+fmt.Sprintf("%q", url))
}

var errJS = errors.New("javascript exception")

func (c *cdpConn) evalErr(t *testing.T, expr string) (any, error) {
	raw := c.call(t, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	var r struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	require.NoError(t, json.Unmarshal(raw, &r))
	if r.Exception != nil {
		return nil, fmt.Errorf("%w: %s %s", errJS, r.Exception.Text, r.Exception.Exception.Description)
	}
	return r.Result.Value, nil
}

func (c *cdpConn) eval(t *testing.T, expr string) any {
	t.Helper()
	v, err := c.evalErr(t, expr)
	require.NoError(t, err, expr)
	return v
}

// waitJS polls expr until it is true (20s).
func (c *cdpConn) waitJS(t *testing.T, expr string) any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last any
	var lastErr error
	for time.Now().Before(deadline) {
		last, lastErr = c.evalErr(t, expr)
		if last == true {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.mu.Lock()
	console := strings.Join(c.console, "\n")
	c.mu.Unlock()
	html, _ := c.evalErr(t, `document.querySelector('.faro-log') ? document.querySelector('.faro-log').innerText : '(no widget)'`)
	t.Fatalf("waiting for %s: last %v %v\nwidget log: %v\nconsole: %s", expr, last, lastErr, html, console)
	return nil
}

// TestWidgetConfigNamesTheVariable: a wrong widget setting stops start-up
// with the variable's name.
func TestWidgetConfigNamesTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"FARO_WIDGET_ORIGINS":             "shop.example",
		"FARO_WIDGET_SECRET":              "short",
		"FARO_WIDGET_COLOR":               "blue",
		"FARO_WIDGET_TEXT_COLOR":          "#fff",
		"FARO_WIDGET_LOGO_URL":            "javascript:alert(1)",
		"FARO_WIDGET_LANGUAGE":            "fr",
		"FARO_WIDGET_MAX_CONNS_PER_IP":    "0",
		"FARO_WIDGET_SESSIONS_PER_MINUTE": "many",
		"FARO_BURST_WINDOW":               "-1s",
	} {
		_, err := LoadConfig("", func(k string) string {
			if k == name {
				return value
			}
			return ""
		})
		require.Error(t, err, name)
		require.True(t, strings.HasPrefix(err.Error(), name+": "), "%s: %v", name, err)
	}
	c, err := LoadConfig("", func(k string) string {
		return map[string]string{
			"FARO_WIDGET_ORIGINS": "https://shop.example, https://www.shop.example",
			"FARO_WIDGET_COLOR":   "#112233", "FARO_BURST_WINDOW": "off",
		}[k]
	})
	require.NoError(t, err)
	require.Equal(t, []string{"https://shop.example", "https://www.shop.example"}, c.WidgetOrigins)
	require.Equal(t, "#112233", c.WidgetTheme().Color)
	require.Equal(t, time.Duration(-1), c.BurstWindow)
}

// TestWidgetProspectJourneyInChromium: ten turns of a prospect on the demo
// page, on what the page invites (prices, dates, Pulse, documents, hours)
// and ending in an enrolment, each reply checked as the visitor reads it.
func TestWidgetProspectJourneyInChromium(t *testing.T) {
	m, p := widgetPage(t)
	p.navigate(t, "http://"+m.Addr()+"/")
	p.waitJS(t, `!!window.FaroWidget && FaroWidget.state().phase === 'live'`)
	p.eval(t, `document.getElementById('consent-no').click(); FaroWidget.open(); true`)

	for i, turn := range []struct {
		say string
		any []string // the reply holds one of these
	}{
		{"Hola, ¿cuánto cuesta el curso de IA para marketing?", []string{"249"}},
		{"¿Cuándo empieza el curso de IA para marketing?", []string{"8 de febrero", "2027-02-08"}},
		{"¿Se puede pagar en cuotas?", []string{"cuotas"}},
		{"¿Qué planes tiene Brújula Pulse y cuánto cuestan?", []string{"99 USD"}},
		{"¿Hay prueba gratis de Pulse?", []string{"14 días"}},
		{"¿Pueden generar propuestas y contratos con IA?", []string{"Brújula Docs"}},
		{"¿En qué horario atienden?", []string{"9:00"}},
		{"Quiero inscribirme en IA para marketing", []string{"correo"}},
		{"ana.recorrido@example.com", []string{"inscrito", "reservada"}},
		{"¡Gracias!", []string{"De nada", "de nada"}},
	} {
		sayInWidget(t, p, turn.say)
		p.waitJS(t, fmt.Sprintf(`document.querySelectorAll('.faro-assistant:not(.faro-greeting):not(.faro-streaming) .faro-text').length >= %d && FaroWidget.state().pending === 0`, i+1))
		reply := p.eval(t, `[...document.querySelectorAll('.faro-assistant:not(.faro-greeting) .faro-text')].pop().textContent`).(string)
		t.Logf("%d. %s\n   %s", i+1, turn.say, reply)
		require.True(t, slices.ContainsFunc(turn.any, func(s string) bool { return strings.Contains(reply, s) }), "turn %d %q: reply %q holds none of %q", i+1, turn.say, reply, turn.any)
		requireCleanReply(t, p)
	}
	type enrollments interface {
		EnrollmentsByEmail(ctx context.Context, email string) ([]store.Enrollment, error)
	}
	if es, ok := m.Store.(enrollments); ok {
		got, err := es.EnrollmentsByEmail(t.Context(), "ana.recorrido@example.com")
		require.NoError(t, err)
		require.Len(t, got, 1, "enrolled once")
	}
}
