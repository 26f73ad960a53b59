package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Poll receives updates by long polling (getUpdates) until ctx ends, for a
// bot without a public URL. It removes the bot's webhook first (Telegram
// refuses getUpdates while one is set). An update is confirmed to
// Telegram (the next call's offset passes it) only after the runtime
// accepted it, so a server killed mid-batch receives the rest again.
// Poll returns nil when ctx ends.
func (a *Adapter) Poll(ctx context.Context) error {
	if _, err := a.bot.DeleteWebhook(ctx, &bot.DeleteWebhookParams{}); err != nil && ctx.Err() == nil {
		a.log.Warn("telegram: deleteWebhook failed; polling anyway", "err", err)
	}
	var offset int64
	wait := time.Duration(0)
	for {
		if wait > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
		}
		updates, err := a.getUpdates(ctx, offset)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			wait = min(max(2*wait, time.Second), time.Minute)
			var ra retryAfter
			if errors.As(err, &ra) {
				wait = time.Duration(ra)
			}
			a.log.Warn("telegram: getUpdates failed", "err", err, "retry_in", wait.String())
			continue
		}
		wait = 0
		for _, u := range updates {
			if err := a.handle(ctx, u); err != nil {
				// Not stored: receive it again (and what follows it).
				a.log.Error("telegram: update not stored: polling it again", "update_id", u.ID, "err", err)
				wait = time.Second
				break
			}
			offset = u.ID + 1
		}
	}
}

// retryAfter is a getUpdates 429's wait.
type retryAfter time.Duration

func (r retryAfter) Error() string { return fmt.Sprintf("retry after %s", time.Duration(r)) }

// getUpdates asks for the updates from offset, waiting up to PollTimeout.
func (a *Adapter) getUpdates(ctx context.Context, offset int64) ([]models.Update, error) {
	body, _ := json.Marshal(map[string]any{ // plain values: never fails
		"offset": offset, "timeout": int((a.opts.PollTimeout - time.Second).Seconds()),
		"allowed_updates": []string{"message"},
	})
	ctx, cancel := context.WithTimeout(ctx, a.opts.PollTimeout+10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.opts.APIURL+"/bot"+a.opts.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("telegram: getUpdates: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.opts.HTTPClient.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap() // the URL holds the token: leave it out
		}
		return nil, fmt.Errorf("telegram: getUpdates: %w", err)
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool            `json:"ok"`
		Result      []models.Update `json:"result"`
		ErrorCode   int             `json:"error_code"`
		Description string          `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("telegram: getUpdates: HTTP %d: %w", resp.StatusCode, err)
	}
	if !r.OK {
		if r.ErrorCode == http.StatusTooManyRequests {
			return nil, fmt.Errorf("telegram: getUpdates: %s: %w", r.Description, retryAfter(time.Duration(max(r.Parameters.RetryAfter, 1))*time.Second))
		}
		return nil, fmt.Errorf("telegram: getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	return r.Result, nil
}
