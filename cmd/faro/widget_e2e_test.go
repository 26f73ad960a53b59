package main

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
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
	"golang.org/x/text/encoding/charmap"

	"github.com/faroai/faro/channels/web"
	"github.com/faroai/faro/kpi"
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
	return widgetPageWith(t, nil)
}

// widgetPageWith is widgetPage on the test defaults as edit changes them.
func widgetPageWith(t *testing.T, edit func(*Config)) (*Main, *cdpConn) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: not with -short")
	}
	bin := chromiumPath()
	require.NotEmpty(t, bin, "Chromium is needed for the widget's browser test: apt-get install -y chromium (scripts/test installs it)")
	cfg := testConfig(t)
	if edit != nil {
		edit(&cfg)
	}
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
	ownProcessGroup(cmd)
	cmd.WaitDelay = 10 * time.Second
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
		"FARO_WIDGET_IDENTITY_SECRET":     "short",
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

	// A signed-in widget user listed as staff is matched by lower-case
	// email, the form the widget binds; other identities stay as written.
	c, err = LoadConfig("", func(k string) string {
		return map[string]string{"FARO_STAFF": "web:Lorena@Brujula.Example, slack:U12AB"}[k]
	})
	require.NoError(t, err)
	staff, err := c.staffIdentities()
	require.NoError(t, err)
	require.Equal(t, []store.Identity{{Channel: "web", ExternalID: "lorena@brujula.example"}, {Channel: "slack", ExternalID: "U12AB"}}, staff)
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

// journeyTurn is one message of a browser journey and what its reply
// must hold, as the visitor reads it and as the server sent it.
type journeyTurn struct {
	say string
	all []string // the reply's text holds every one of these
	any []string // and at least one of these
	not []string // and none of these
	// lang is the reply's language (the frame's), when not empty.
	lang string
	// tool is a tool the turn must have called successfully; notTool one
	// it must not have called.
	tool, notTool string
	// handoff: the reply hands the conversation to a person.
	handoff bool
	// document: the reply carries a working download link (/d/…) to a
	// document whose text holds every one of docHas.
	document bool
	docHas   []string
}

// signInWidget makes every page of p vouch for user the way a site's
// backend does: window.FaroSettings.user, signed with the identity secret.
func signInWidget(t *testing.T, p *cdpConn, secret, email, name string) {
	t.Helper()
	exp := time.Now().Add(time.Hour).Unix()
	user, err := json.Marshal(web.User{Email: email, Name: name, Expires: exp, Signature: web.UserSignature([]byte(secret), email, name, exp)})
	require.NoError(t, err)
	p.call(t, "Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": "window.FaroSettings = {user: " + string(user) + "};"})
}

// recordReplies makes every page of p keep the reply frames its widget
// receives, in window.__replies, so a test can read a reply's tools,
// language and links as the server sent them.
func recordReplies(t *testing.T, p *cdpConn) {
	t.Helper()
	p.call(t, "Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": `(() => {
		window.__replies = [];
		const Orig = window.WebSocket;
		function Recording(url, protocols) {
			const ws = protocols === undefined ? new Orig(url) : new Orig(url, protocols);
			ws.addEventListener('message', ev => { try { const f = JSON.parse(ev.data); if (f.type === 'reply') window.__replies.push(f); } catch (e) { /* not JSON */ } });
			return ws;
		}
		Recording.prototype = Orig.prototype;
		for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Recording[k] = Orig[k];
		window.WebSocket = Recording;
	})()`})
}

type replyFrame struct {
	Text     string `json:"text"`
	Language string `json:"language"`
	Handoff  bool   `json:"handoff"`
	Tools    []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Link   string `json:"link"`
	} `json:"tools"`
}

// holdJourney says each turn in the open widget and checks its reply.
// shot, when not empty, names a PNG of the page at the end.
func holdJourney(t *testing.T, p *cdpConn, turns []journeyTurn, shot string) {
	t.Helper()
	for i, turn := range turns {
		sayInWidget(t, p, turn.say)
		p.waitJS(t, fmt.Sprintf(`document.querySelectorAll('.faro-assistant:not(.faro-greeting):not(.faro-streaming) .faro-text').length >= %d && FaroWidget.state().pending === 0 && window.__replies.length >= %d`, i+1, i+1))
		reply := p.eval(t, `[...document.querySelectorAll('.faro-assistant:not(.faro-greeting) .faro-text')].pop().textContent`).(string)
		raw, err := json.Marshal(p.eval(t, `window.__replies[window.__replies.length - 1]`))
		require.NoError(t, err)
		var f replyFrame
		require.NoError(t, json.Unmarshal(raw, &f))
		var tools []string
		for _, tl := range f.Tools {
			tools = append(tools, tl.Name+":"+tl.Status)
		}
		t.Logf("%d. %s\n   [%s %v] %s", i+1, turn.say, f.Language, tools, reply)
		what := fmt.Sprintf("turn %d %q: reply %q", i+1, turn.say, reply)
		for _, s := range turn.all {
			require.Contains(t, reply, s, what)
		}
		if len(turn.any) > 0 {
			require.True(t, slices.ContainsFunc(turn.any, func(s string) bool { return strings.Contains(reply, s) }), "%s holds none of %q", what, turn.any)
		}
		for _, s := range turn.not {
			require.NotContains(t, reply, s, what)
		}
		if turn.lang != "" {
			require.Equal(t, turn.lang, f.Language, what)
		}
		if turn.tool != "" {
			require.Contains(t, tools, turn.tool+":ok", what)
		}
		if turn.notTool != "" {
			require.False(t, slices.ContainsFunc(tools, func(s string) bool { return strings.HasPrefix(s, turn.notTool+":") }), "%s: called %s", what, turn.notTool)
		}
		if turn.handoff {
			require.True(t, f.Handoff, "%s: not handed off", what)
			p.waitJS(t, `!!document.querySelector('.faro-handoff')`)
		}
		if turn.document {
			link := ""
			for _, tl := range f.Tools {
				if tl.Link != "" {
					link = tl.Link
				}
			}
			require.Contains(t, link, "/d/", "%s: no document link", what)
			require.Equal(t, link, p.eval(t, `[...document.querySelectorAll('.faro-document a')].pop().href`), "the page shows the link")
			requireDocument(t, link, turn.docHas, what)
		}
		requireCleanReply(t, p)
	}
	if shot != "" {
		raw := p.call(t, "Page.captureScreenshot", map[string]any{"format": "png"})
		var png struct {
			Data []byte `json:"data"`
		}
		require.NoError(t, json.Unmarshal(raw, &png))
		require.NoError(t, os.WriteFile(shot, png.Data, 0o644))
		t.Logf("screenshot: %s", shot)
	}
}

// requireDocument downloads a document link as anyone would (no key)
// and checks it holds every one of has.
func requireDocument(t *testing.T, link string, has []string, what string) {
	t.Helper()
	res, err := http.Get(link)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s: %s", what, body)
	t.Logf("   document %s: %s, %d bytes", link, res.Header.Get("Content-Type"), len(body))
	text := string(body)
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/pdf") {
		text = pdfText(t, body)
	}
	for _, s := range has {
		if strings.HasPrefix(res.Header.Get("Content-Type"), "application/pdf") {
			// The PDF's core fonts are encoded in Windows-1252.
			enc, err := charmap.Windows1252.NewEncoder().String(s)
			require.NoError(t, err)
			s = enc
		}
		require.Contains(t, text, s, "%s: the document", what)
	}
}

// pdfText is what a PDF's streams hold, inflated: enough to find the
// strings its pages show (fpdf writes them as literal strings).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	var out strings.Builder
	rest := pdf
	for {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			break
		}
		rest = rest[i+len("stream\n"):]
		j := bytes.Index(rest, []byte("endstream"))
		if j < 0 {
			break
		}
		if r, err := zlib.NewReader(bytes.NewReader(rest[:j])); err == nil {
			b, _ := io.ReadAll(r)
			out.Write(b)
		} else {
			out.Write(rest[:j])
		}
		rest = rest[j:]
	}
	require.NotZero(t, out.Len(), "the PDF has content streams")
	return out.String()
}

// journeyShot is where a journey keeps its last screen:
// FARO_WIDGET_SCREENSHOT_DIR/<name>.png, or nowhere when unset.
func journeyShot(name string) string {
	if dir := os.Getenv("FARO_WIDGET_SCREENSHOT_DIR"); dir != "" {
		return filepath.Join(dir, name+".png")
	}
	return ""
}

const e2eIdentitySecret = "the-demo-site-backend-secret-0123456789"

// identifiedWidget is a widget page on the test defaults with identified
// visitors on, at an address known before start-up, so that document
// links (FARO_PUBLIC_URL) reach this server.
func identifiedWidget(t *testing.T, staff ...string) (*Main, *cdpConn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return widgetPageWith(t, func(c *Config) {
		c.Addr, c.PublicURL = addr, "http://"+addr
		c.WidgetIdentitySecret = e2eIdentitySecret
		c.Staff = staff
	})
}

// openSignedIn opens the demo page as the signed-in user the site vouches
// for, recording the replies, with the widget open.
func openSignedIn(t *testing.T, m *Main, p *cdpConn, email, name string) {
	t.Helper()
	recordReplies(t, p)
	signInWidget(t, p, e2eIdentitySecret, email, name)
	p.navigate(t, "http://"+m.Addr()+"/")
	p.waitJS(t, `!!window.FaroWidget && FaroWidget.state().phase === 'live' && FaroWidget.state().identified`)
	p.eval(t, `document.getElementById('consent-no').click(); FaroWidget.open(); true`)
}

// TestWidgetStudentJourneyInChromium: a student the site has signed in
// (its backend signs who they are) holds ten turns in the widget — their
// enrolments, a start date, certificate requirements from the course
// material, their certificate, a ticket and its status… — each reply
// checked as they read it.
func TestWidgetStudentJourneyInChromium(t *testing.T) {
	m, p := identifiedWidget(t)
	ctx := t.Context()
	const email, name = "sofia.ramos@example.com", "Sofía Ramos"
	// What the business knows of her: enrolled in AI for Marketing (paid,
	// under way) and done with Prompt Engineering in Practice.
	for _, en := range []struct {
		course   string
		progress int
	}{{"ia-marketing", 30}, {"prompt-engineering", 100}} {
		e, _, err := m.Store.Enroll(ctx, store.EnrollRequest{CourseSlug: en.course, Email: email, Name: name})
		require.NoError(t, err)
		if e.Status == store.EnrollmentPendingPayment {
			e, err = m.Store.ConfirmPayment(ctx, e.ID, "e2e-"+en.course)
			require.NoError(t, err)
		}
		_, err = m.Store.SetProgress(ctx, e.ID, en.progress)
		require.NoError(t, err)
	}
	openSignedIn(t, m, p, email, name)

	holdJourney(t, p, []journeyTurn{
		{say: "Hola, ¿en qué cursos estoy inscrita?", tool: "my_enrollments", lang: "es",
			all: []string{"IA para marketing", "Prompt engineering en la práctica", "30%", "completada"}},
		{say: "¿Y qué día arrancan las clases de IA para marketing?", all: []string{"8 de febrero de 2027"}, notTool: "enroll_course"},
		{say: "¿Qué porcentaje de asistencia piden para el certificado?", all: []string{"80%"}},
		{say: "¿Qué nota necesito en el proyecto final?", all: []string{"70/100"}},
		{say: "¿Cuánto tiempo tengo acceso a las grabaciones?", all: []string{"12 meses"}},
		{say: "Ya terminé Prompt engineering, ¿me mandas mi certificado en PDF?", tool: "generate_document",
			all: []string{"certificado", "Prompt engineering en la práctica"}, document: true,
			docHas: []string{"Sofía Ramos", "Prompt engineering en la práctica"}},
		{say: "No puedo entrar al campus: me dice que la contraseña es incorrecta aunque la cambié ayer. ¿Pueden revisarlo?",
			tool: "open_ticket", all: []string{"T-000001"}},
		{say: "¿Cómo va el ticket T-000001?", tool: "ticket_status", all: []string{"T-000001", "abierto"}},
		{say: "¿Puedo poner el NIF de mi empresa en la factura?", all: []string{"NIF o número de IVA antes de pagar"}},
		{say: "¡Gracias, eso era todo!", any: []string{"De nada", "de nada"}, lang: "es"},
	}, journeyShot("student-journey"))

	// The conversation is her contact's, the one her enrolments name.
	c, err := m.Store.ContactByEmail(ctx, email)
	require.NoError(t, err)
	require.Equal(t, store.RoleStudent, c.Role)
	conv, err := m.Store.ConversationByExternalID(ctx, web.Channel, p.eval(t, `localStorage.getItem('faro.visitor')`).(string))
	require.NoError(t, err)
	require.Equal(t, c.ID, conv.ContactID)

	// She signs out: the page stops vouching for her, and the browser
	// shows and keeps nothing of her conversation.
	p.eval(t, `FaroWidget.identify(null); true`)
	p.waitJS(t, `FaroWidget.state().phase === 'live' && !FaroWidget.state().identified && FaroWidget.state().conversation_id === ''
		&& !localStorage.getItem('faro.visitor').startsWith('u-') && localStorage.getItem('faro.conv') === null
		&& document.querySelectorAll('.faro-user, .faro-assistant:not(.faro-greeting)').length === 0`)
}

// TestWidgetStaffJourneyInChromium: a staff member signed in on the site
// (FARO_STAFF lists web:<their email>) asks for KPIs in plain words, in
// Spanish and English, for proposals for clients in one sentence, about
// hand-offs, and for a person; each reply checked.
func TestWidgetStaffJourneyInChromium(t *testing.T) {
	m, p := identifiedWidget(t, "web:Lorena@Brujula.example")
	ctx := t.Context()
	// Three leads came in this week.
	for _, l := range []store.Lead{
		{Name: "Ana Costa", Email: "ana@costa.example", Company: "Costa Viajes"},
		{Name: "Pedro Gil", Email: "pedro@gil.example", Company: "Gil Abogados"},
		{Name: "Rita Paz", Email: "rita@paz.example", Company: "Paz Estudio"},
	} {
		_, _, err := m.Store.UpsertLead(ctx, l)
		require.NoError(t, err)
	}
	// The MRR the demo subscriptions make, as the KPI report computes it.
	rep, err := kpi.NewReporter(m.Store, m.Config.Location(), nil).Report(ctx, kpi.Request{Metrics: []kpi.Metric{kpi.MRR}, Period: kpi.ThisMonth})
	require.NoError(t, err)
	require.NotNil(t, rep.Metrics[0].Value)
	mrr := fmt.Sprintf("%.2f USD", *rep.Metrics[0].Value)
	require.NotEqual(t, "0.00 USD", mrr, "the demo subscriptions make an MRR")
	openSignedIn(t, m, p, "lorena@brujula.example", "Lorena Díaz")

	holdJourney(t, p, []journeyTurn{
		{say: "Hola, ¿cuánto llevamos de MRR este mes?", tool: "report_kpis", lang: "es", all: []string{"MRR: " + mrr, "este mes"}},
		{say: "¿Y cuántos leads entraron esta semana?", tool: "report_kpis", all: []string{"Leads: 3", "esta semana"}},
		{say: "Necesito una propuesta en PDF para Panadería San Telmo, contacto Hugo Ferreyra: 12 plazas del curso IA para marketing a 249 USD cada una, válida hasta el 31 de enero de 2027",
			tool: "generate_document", all: []string{"propuesta", "Panadería San Telmo"}, document: true,
			docHas: []string{"Panadería San Telmo", "Hugo Ferreyra", "31"}},
		{say: "¿Cuántas conversaciones pasaron a una persona este mes?", tool: "report_kpis", all: []string{"a una persona 0"}},
		{say: "¿Cuál es la tasa de automatización de este mes?", tool: "report_kpis", all: []string{"Tasa de automatización: 100 %"}},
		{say: "In English, please.", lang: "en", all: []string{"English"}},
		{say: "What's our MRR this month?", tool: "report_kpis", lang: "en", all: []string{"MRR: " + mrr, "this month"}},
		{say: "And how many new leads did we get this week?", tool: "report_kpis", lang: "en", all: []string{"Leads: 3", "this week"}},
		{say: "Make a PDF proposal for Acme Corp (contact John Smith): AI for Marketing course for 10 people, valid until January 31, 2027",
			tool: "generate_document", lang: "en", all: []string{"proposal", "Acme Corp"}, document: true,
			docHas: []string{"Acme Corp", "John Smith"}},
		{say: "I'd like to talk to a person, please.", tool: "request_human", lang: "en", handoff: true},
	}, journeyShot("staff-journey"))

	// The staff member is a contact of their own, by their email.
	c, err := m.Store.ContactByIdentity(ctx, store.Identity{Channel: web.Channel, ExternalID: "lorena@brujula.example"})
	require.NoError(t, err)
	require.Equal(t, "Lorena Díaz", c.Name)
}
