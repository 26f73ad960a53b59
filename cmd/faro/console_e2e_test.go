package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/console"
	"github.com/faroai/faro/store"
)

// consoleShots is where the console's browser test saves its screenshots:
// FARO_CONSOLE_SCREENSHOT_DIR, or a temporary directory.
func consoleShots(t *testing.T) string {
	if dir := os.Getenv("FARO_CONSOLE_SCREENSHOT_DIR"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		return dir
	}
	return t.TempDir()
}

func shoot(t *testing.T, p *cdpConn, dir, name string) {
	t.Helper()
	shootWith(t, p, dir, name, map[string]any{"format": "png", "captureBeyondViewport": true})
}

func shootWith(t *testing.T, p *cdpConn, dir, name string, params map[string]any) {
	t.Helper()
	raw := p.call(t, "Page.captureScreenshot", params)
	var png struct {
		Data []byte `json:"data"`
	}
	require.NoError(t, json.Unmarshal(raw, &png))
	path := filepath.Join(dir, name+".png")
	require.NoError(t, os.WriteFile(path, png.Data, 0o644))
	t.Logf("screenshot: %s", path)
}

// signInConsole fills the console's sign-in form and waits for next.
func signInConsole(t *testing.T, p *cdpConn, email, password, wantPath string) {
	t.Helper()
	p.waitJS(t, `location.pathname === '/console/signin' && !!document.getElementById('email')`)
	p.eval(t, fmt.Sprintf(`(() => { document.getElementById('email').value = %q; document.getElementById('password').value = %q;
		document.querySelector('form[action="/console/signin"]').requestSubmit(); return true; })()`, email, password))
	p.waitJS(t, fmt.Sprintf(`location.pathname === %q && document.readyState === 'complete'`, wantPath))
}

// TestConsoleInChromium drives the staff console in headless Chromium
// beside a visitor's widget in another: sign-in, the dashboard against the
// API, a hand-off appearing live in the inbox, a staff reply reaching the
// widget, release and the bot answering again, a Markdown upload found by
// "try a question", and what staff, a missing CSRF token and a
// signed-out browser are refused.
func TestConsoleInChromium(t *testing.T) {
	m, visitor := widgetPage(t)
	base := "http://" + m.Addr()
	shots := consoleShots(t)
	ctx := t.Context()
	for email, role := range map[string]store.StaffRole{"admin@example.com": store.StaffAdmin, "sales@example.com": store.StaffMember} {
		hash, err := console.HashPassword("a long password")
		require.NoError(t, err)
		_, err = m.Store.CreateStaff(ctx, store.StaffAccount{Email: email, Name: strings.Split(email, "@")[0], Role: role, PasswordHash: hash})
		require.NoError(t, err)
	}
	staff := launchChromium(t, chromiumPath()).page(t)
	staff.call(t, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false})

	// A signed-out browser is sent to sign in, and back after.
	staff.call(t, "Page.navigate", map[string]any{"url": base + "/console/"})
	staff.waitJS(t, `location.pathname === '/console/signin' && document.readyState === 'complete'`)
	require.Equal(t, "?next=%2Fconsole%2F", staff.eval(t, `location.search`))
	shoot(t, staff, shots, "01-signin")
	signInConsole(t, staff, "admin@example.com", "a long password", "/console/")

	// First load's weight: the page and what it loaded, as transferred.
	weight := staff.eval(t, `(() => { const n = performance.getEntriesByType('navigation')[0];
		return n.transferSize + performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0); })()`).(float64)
	t.Logf("dashboard first load: %.0f bytes transferred", weight)

	// Leads at each stage, for the dashboard's chart and the leads page.
	for _, l := range []struct {
		email string
		score float64
		stage store.LeadStage
	}{{"alta@example.com", 80, store.StageSalesQualified}, {"media@example.com", 55, store.StageMarketingQualified},
		{"baja@example.com", 20, store.StageNew}, {"nueva@example.com", 10, store.StageNew}} {
		got, _, err := m.Store.UpsertLead(ctx, store.Lead{Email: l.email, Name: strings.Split(l.email, "@")[0], Interest: store.InterestCourses})
		require.NoError(t, err)
		_, err = m.Store.SetLeadStage(ctx, got.ID, l.stage, l.score, []byte(`{"budget":30}`))
		require.NoError(t, err)
	}

	// The dashboard's figures are the API's, for the same period.
	staff.navigate(t, base+"/console/?period=this_year&interval=month")
	shoot(t, staff, shots, "02-dashboard")
	same := staff.eval(t, `fetch('/api/v1/kpis?period=this_year').then(r => r.json()).then(rep => {
		const cards = [...document.querySelectorAll('.kpi')];
		const bad = rep.metrics.filter(m => { const c = document.querySelector('.kpi[data-metric="' + m.metric + '"]');
			return !c || c.dataset.value !== (m.value === null ? '' : String(m.value)) || c.dataset.previous !== (m.previous === null ? '' : String(m.previous)); });
		return cards.length === rep.metrics.length && bad.length === 0 ? 'same' : JSON.stringify(bad); })`)
	require.Equal(t, "same", same, "the dashboard's cards are GET /api/v1/kpis")
	drawn := staff.eval(t, `fetch('/api/v1/kpis/series?metric=mrr&interval=month&period=this_year').then(r => r.json()).then(s => {
		const bars = [...document.querySelectorAll('.chart[data-metric="mrr"] rect')].map(r => r.dataset.value);
		return JSON.stringify(bars) === JSON.stringify(s.points.filter(p => p.value !== null).map(p => String(p.value))) ? 'same' : JSON.stringify(bars); })`)
	require.Equal(t, "same", drawn, "the MRR chart draws the series API's figures")
	drawn = staff.eval(t, `fetch('/api/v1/kpis/series?metric=leads&interval=month&period=this_year').then(r => r.json()).then(s => {
		const segs = [...document.querySelectorAll('.chart[data-metric="leads"] g')].map(g => g.dataset.value + ':' +
			[...g.querySelectorAll('rect')].map(r => r.dataset.stage + '=' + r.dataset.value).join(','));
		const want = s.points.map(p => String(p.value) + ':' + ['new', 'marketing_qualified', 'sales_qualified']
			.filter(k => (p.breakdown || {})[k]).map(k => k + '=' + String(p.breakdown[k])).join(','));
		return JSON.stringify(segs) === JSON.stringify(want) ? 'same' : JSON.stringify(segs) + ' ' + JSON.stringify(want); })`)
	require.Equal(t, "same", drawn, "the leads chart stacks the series API's leads by stage")
	require.NotEqual(t, "", staff.eval(t, `document.querySelector('.kpi[data-metric="mrr"]').title`), "a definition on hover")

	// A visitor asks for a person; the inbox shows it without a reload.
	staff.navigate(t, base+"/console/inbox")
	staff.eval(t, `window.__loaded = performance.timeOrigin; true`)
	visitor.navigate(t, base+"/")
	visitor.waitJS(t, `!!window.FaroWidget && FaroWidget.state().phase === 'live'`)
	visitor.eval(t, `(document.getElementById('consent-no') || {click(){}}).click(); FaroWidget.open(); true`)
	sent := time.Now()
	sayInWidget(t, visitor, "Quiero hablar con una persona, por favor")
	staff.waitJS(t, `!!document.querySelector('#live tr .status-handed_off')`)
	appeared := time.Since(sent)
	require.Equal(t, true, staff.eval(t, `window.__loaded === performance.timeOrigin`), "no reload: the same document")
	visitor.waitJS(t, `!!document.querySelector('.faro-handoff')`)
	t.Logf("inbox: hand-off visible %v after the visitor sent it (polling every 2 s)", appeared.Round(time.Millisecond))
	require.Equal(t, "1", staff.eval(t, `document.querySelector('#live tr .count').dataset.unread`), "one unread message")
	// The polling alone: a message stored by the server (as any channel
	// stores one) until the open inbox shows it, three times, each stored
	// at another moment of the 2 s cycle (measured, not asserted).
	convID := staff.eval(t, `document.querySelector('#live tr').dataset.conversation`).(string)
	var total time.Duration
	for i := range 3 {
		time.Sleep(time.Duration(i) * 700 * time.Millisecond)
		stored := time.Now()
		_, _, err := m.Store.AppendMessage(ctx, store.Message{ConversationID: convID, Author: store.AuthorUser, Text: fmt.Sprintf("¿Hay alguien? (%d)", i+1)})
		require.NoError(t, err)
		staff.waitJS(t, fmt.Sprintf(`document.querySelector('#live tr .count').dataset.unread === '%d'`, i+2))
		d := time.Since(stored)
		total += d
		t.Logf("inbox: message %d visible %v after it was stored", i+1, d.Round(time.Millisecond))
	}
	t.Logf("inbox: mean %v from stored to visible", (total / 3).Round(time.Millisecond))
	shoot(t, staff, shots, "03-inbox")

	// Staff reply; the visitor's widget shows it; staff release.
	staff.eval(t, `document.querySelector('#live tr a').click(); true`)
	staff.waitJS(t, `location.pathname.startsWith('/console/conversations/') && !!document.getElementById('take-form')`)
	staff.eval(t, `document.getElementById('take-form').requestSubmit(); true`)
	staff.waitJS(t, `!!document.getElementById('holder') && document.getElementById('holder').textContent.includes('admin@example.com') && !document.getElementById('take-form')`)
	staff.eval(t, `(() => { document.getElementById('reply').value = 'Hola, soy Ana del equipo. ¿En qué te ayudo?'; document.getElementById('reply-form').requestSubmit(); return true; })()`)
	visitor.waitJS(t, `[...document.querySelectorAll('.faro-staff')].some(e => e.textContent.includes('soy Ana del equipo'))`)
	staff.waitJS(t, `[...document.querySelectorAll('.transcript .author-staff')].some(e => e.textContent.includes('soy Ana del equipo'))`)
	require.Equal(t, true, staff.eval(t, `[...document.querySelectorAll('.transcript details')].every(d => !d.open)`), "tool calls collapsed")
	shoot(t, staff, shots, "04-conversation")
	// The README's picture (docs/console.png): the first screen, smaller.
	staff.eval(t, `window.scrollTo(0, 0); true`)
	shootWith(t, staff, shots, "readme-console", map[string]any{"format": "png",
		"clip": map[string]any{"x": 0, "y": 0, "width": 1280, "height": 800, "scale": 0.625}})
	staff.eval(t, `document.querySelector('#release-form').requestSubmit(); true`)
	staff.waitJS(t, `document.getElementById('conv-status') && document.getElementById('conv-status').classList.contains('status-open')`)
	before := visitor.eval(t, `document.querySelectorAll('.faro-assistant:not(.faro-greeting):not(.faro-streaming) .faro-text').length`).(float64)
	sayInWidget(t, visitor, "¿Cuánto cuesta el curso de IA para marketing?")
	visitor.waitJS(t, fmt.Sprintf(`document.querySelectorAll('.faro-assistant:not(.faro-greeting):not(.faro-streaming) .faro-text').length > %v`, before))
	require.Contains(t, visitor.eval(t, `[...document.querySelectorAll('.faro-assistant .faro-text')].pop().textContent`), "249", "the bot answers again")

	// Upload a Markdown file and find it with "try a question".
	md := filepath.Join(t.TempDir(), "horarios-soporte.md")
	require.NoError(t, os.WriteFile(md, []byte("# Horario de soporte\n\nEl equipo de soporte atiende de lunes a viernes de 9 a 18 horas, hora de Lima.\n"), 0o644))
	staff.navigate(t, base+"/console/knowledge")
	var doc struct {
		Root struct {
			NodeID int `json:"nodeId"`
		} `json:"root"`
	}
	require.NoError(t, json.Unmarshal(staff.call(t, "DOM.getDocument", nil), &doc))
	var node struct {
		NodeID int `json:"nodeId"`
	}
	require.NoError(t, json.Unmarshal(staff.call(t, "DOM.querySelector", map[string]any{"nodeId": doc.Root.NodeID, "selector": "#file"}), &node))
	staff.call(t, "DOM.setFileInputFiles", map[string]any{"nodeId": node.NodeID, "files": []string{md}})
	staff.eval(t, `document.getElementById('upload-form').requestSubmit(); true`)
	staff.waitJS(t, `!!document.querySelector('tr[data-source="horarios-soporte.md"]')`)
	staff.eval(t, `(() => { document.getElementById('question').value = '¿A qué hora atiende el soporte?'; document.getElementById('try-form').requestSubmit(); return true; })()`)
	staff.waitJS(t, `!!document.getElementById('try-results')`)
	found := staff.eval(t, `document.getElementById('try-results').textContent`).(string)
	require.Contains(t, found, "horarios-soporte.md", "the passage found, with its source")
	require.Contains(t, staff.eval(t, `document.getElementById('try-answer').textContent`), "9", "the assistant's answer")
	shoot(t, staff, shots, "05-knowledge")

	// Without the CSRF token: refused by the API and by the console.
	require.Equal(t, float64(403), staff.eval(t, `fetch('/api/v1/knowledge/reindex', {method: 'POST'}).then(r => r.status)`))
	require.Equal(t, float64(403), staff.eval(t, `fetch('/console/knowledge/try', {method: 'POST', body: new URLSearchParams({question: 'hola'})}).then(r => r.status)`))

	// Enrolments: confirm a payment. Tickets: change a status. Documents:
	// generate one from its template's form and download it.
	courses, err := m.Store.ListCourses(ctx, store.CourseFilter{})
	require.NoError(t, err)
	require.NotEmpty(t, courses)
	enr, _, err := m.Store.Enroll(ctx, store.EnrollRequest{CourseSlug: courses[len(courses)-1].Slug, Email: "rosa@example.com", Name: "Rosa Díaz"})
	require.NoError(t, err)
	tk, _, err := m.Store.OpenTicket(ctx, store.Ticket{Subject: "No puedo entrar al campus", Email: "rosa@example.com", Category: store.TicketCategory("access")})
	require.NoError(t, err)
	staff.navigate(t, base+"/console/enrollments")
	staff.eval(t, fmt.Sprintf(`(() => { const i = document.getElementById('ref-%s'); i.value = 'PAY-778'; i.form.requestSubmit(); return true; })()`, enr.ID))
	staff.waitJS(t, `document.body.textContent.includes('(PAY-778)')`)
	got, err := m.Store.Enrollment(ctx, enr.ID)
	require.NoError(t, err)
	require.Equal(t, "PAY-778", got.PaymentRef, "the payment is confirmed")
	staff.navigate(t, base+"/console/tickets")
	staff.eval(t, fmt.Sprintf(`(() => { const s = document.getElementById('st-%s'); s.value = 'resolved'; s.form.requestSubmit(); return true; })()`, tk.ID))
	staff.waitJS(t, fmt.Sprintf(`fetch('/api/v1/tickets/%s').then(r => r.json()).then(x => x.status === 'resolved')`, tk.ID))
	staff.navigate(t, base+"/console/documents")
	staff.eval(t, `(() => { const f = document.querySelector('form[data-template="certificate"]'); f.closest('details').open = true;
		f.elements['var.student_name'].value = 'Rosa Díaz'; f.elements['var.course_title'].value = 'IA para marketing';
		f.elements['var.completion_date'].value = '2026-11-30'; f.elements['var.certificate_number'].value = 'C-2026-0042';
		f.elements['format'].value = 'html'; f.requestSubmit(); return true; })()`)
	staff.waitJS(t, `!!document.querySelector('a[download]')`)
	cert := staff.eval(t, `fetch(document.querySelector('a[download]').href).then(r => r.text())`).(string)
	require.Contains(t, cert, "Rosa Díaz", "the document downloads with what the form said")

	// Leads: filtered by minimum score in the form, highest first (the
	// leads were made before the dashboard).
	staff.navigate(t, base+"/console/leads")
	staff.eval(t, `(() => { document.getElementById('min_score').value = '50'; document.getElementById('sort').value = 'score';
		document.getElementById('leads-filters').requestSubmit(); return true; })()`)
	staff.waitJS(t, `location.search.includes('min_score=50') && document.readyState === 'complete'`)
	kept := staff.eval(t, `[...document.querySelectorAll('#leads tbody tr[data-lead]')].map(r => r.dataset.score).join(',')`).(string)
	require.NotEmpty(t, kept)
	for _, sc := range strings.Split(kept, ",") {
		f, err := strconv.ParseFloat(sc, 64)
		require.NoError(t, err)
		require.GreaterOrEqual(t, f, 50.0, "the form's minimum score filters: %s", kept)
	}
	require.Contains(t, staff.eval(t, `document.getElementById('leads').textContent`), "alta@example.com")
	require.NotContains(t, staff.eval(t, `document.getElementById('leads').textContent`), "baja@example.com")
	shoot(t, staff, shots, "06-leads-filtered")

	// The other pages render, and on a phone.
	for _, p := range []string{"leads", "tickets", "enrollments", "documents", "staff"} {
		staff.navigate(t, base+"/console/"+p)
		require.Equal(t, "", staff.eval(t, `document.querySelector('.error') ? document.querySelector('.error').textContent : ''`), p)
		shoot(t, staff, shots, "06-"+p)
	}
	staff.call(t, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true})
	staff.navigate(t, base+"/console/inbox")
	require.Equal(t, true, staff.eval(t, `document.documentElement.scrollWidth <= window.innerWidth + 1`), "no sideways scrolling on a phone")
	shoot(t, staff, shots, "07-inbox-phone")
	staff.call(t, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false})

	// Sign out; a staff account has no delete, and the API refuses it.
	staff.eval(t, `document.querySelector('form[action="/console/signout"]').requestSubmit(); true`)
	staff.waitJS(t, `location.pathname === '/console/signin'`)
	staff.call(t, "Page.navigate", map[string]any{"url": base + "/console/knowledge"})
	signInConsole(t, staff, "sales@example.com", "a long password", "/console/knowledge")
	require.Equal(t, float64(0), staff.eval(t, `document.querySelectorAll('form[data-method="DELETE"]').length`), "no delete for staff")
	id := staff.eval(t, `fetch('/api/v1/knowledge/documents?limit=1').then(r => r.json()).then(l => l.data[0].id)`).(string)
	require.Equal(t, float64(403), staff.eval(t, fmt.Sprintf(`fetch('/api/v1/knowledge/documents/%s', {method: 'DELETE',
		headers: {'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}}).then(r => r.status)`, id)), "staff may not delete")
	shoot(t, staff, shots, "08-knowledge-staff")

	// In Spanish, picked with the switch and kept.
	staff.eval(t, `document.querySelector('a[lang="es"]').click(); true`)
	staff.waitJS(t, `document.documentElement.lang === 'es' && location.pathname === '/console/knowledge'`)
	staff.navigate(t, base+"/console/?period=this_year&interval=month")
	require.Equal(t, "Panel", staff.eval(t, `document.querySelector('h1').textContent`))
	shoot(t, staff, shots, "09-dashboard-es")
}
