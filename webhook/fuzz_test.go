package webhook

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faroai/faro/store"
)

// FuzzVerify: Verify accepts a delivery only when its signature is the
// HMAC of its own timestamp and body under the secret, and its timestamp
// is within the tolerance; whatever the headers hold, it does not panic.
func FuzzVerify(f *testing.F) {
	const secret = "a-webhook-secret-of-some-length"
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"e1","type":"lead.qualified"}`)
	f.Add(strconv.FormatInt(now.Unix(), 10), Sign(secret, now, body), body)
	f.Add(strconv.FormatInt(now.Unix()-3600, 10), Sign(secret, now.Add(-time.Hour), body), body)
	f.Add("+1800000000", Sign(secret, now, body), body)
	f.Add("9223372036854775807", "sha256=00", body)
	f.Add("-9223372036854775808", "sha256=", []byte{})
	f.Add("1800000000", "sha1=abc", body)
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		err := Verify(secret, h, body, now, 0)
		if err != nil {
			if !errors.Is(err, ErrNoSignature) && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrStale) {
				t.Fatalf("an error outside the documented ones: %v", err)
			}
			return
		}
		want := "sha256=" + hex.EncodeToString(mac(secret, h.Get(HeaderTimestamp), body))
		if !bytes.EqualFold([]byte(h.Get(HeaderSignature)), []byte(want)) {
			t.Fatalf("accepted signature %q, want %q", sig, want)
		}
		n, perr := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
		if perr != nil {
			t.Fatalf("accepted timestamp %q", ts)
		}
		if d := now.Sub(time.Unix(n, 0)); d > DefaultTolerance || d < -DefaultTolerance {
			t.Fatalf("accepted a timestamp %s away", d)
		}
	})
}

// FuzzEventBody: any payload the outbox accepts is delivered as a body
// that decodes back to the event, with the payload as its data.
func FuzzEventBody(f *testing.F) {
	f.Add("lead.qualified:1", "lead.qualified", []byte(`{"lead_id":"l1","score":72}`), 1)
	f.Add("e", "t", []byte(``), 0)
	f.Add("e", "t", []byte(`null`), 3)
	f.Add("e\u2028", "t<>&", []byte(`{"html":"<b>\u2028</b>"}`), 2)
	f.Add("e", "t", []byte(`[1,2,{"a":"\ud800"}]`), 1)
	f.Fuzz(func(t *testing.T, id, typ string, payload []byte, attempt int) {
		ev := store.Event{ID: id, Type: typ, Payload: payload, Attempts: attempt, CreatedAt: time.Unix(1_800_000_000, 0)}
		checked, err := store.CheckEvent(ev)
		if err != nil {
			return
		}
		ev.Payload = checked
		body, err := eventBody(ev)
		if err != nil {
			t.Fatalf("an accepted event cannot be delivered: %v", err)
		}
		var got Body
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("the body is not JSON: %v: %s", err, body)
		}
		if got.ID != id && utf8.ValidString(id) {
			t.Fatalf("id %q came back as %q", id, got.ID)
		}
		if got.Attempt != attempt || !got.CreatedAt.Equal(ev.CreatedAt) {
			t.Fatalf("attempt or time changed: %+v", got)
		}
		var a, b any
		if len(checked) > 0 {
			if json.Unmarshal(checked, &a) != nil {
				t.Fatalf("the outbox accepted a payload that is not JSON: %q", checked)
			}
			_ = json.Unmarshal(got.Data, &b)
			ra, _ := json.Marshal(a)
			rb, _ := json.Marshal(b)
			if !bytes.Equal(ra, rb) {
				t.Fatalf("data %s came back as %s", ra, rb)
			}
		}
	})
}
