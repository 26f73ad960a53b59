package telegramtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"
)

// Update is a message update as Telegram sends it.
type Update map[string]any

// Private is a text message from user in their private chat with the bot;
// lang is the user's language_code.
func Private(updateID, userID int64, text, lang string) Update {
	return Update{
		"update_id": updateID,
		"message": map[string]any{
			"message_id": updateID % 100000, "date": time.Now().Unix(), "text": text,
			"from": map[string]any{"id": userID, "is_bot": false, "first_name": "Ana", "last_name": "García", "language_code": lang},
			"chat": map[string]any{"id": userID, "type": "private", "first_name": "Ana"},
		},
	}
}

// Group is a text message from user in a group; entities as Telegram
// computes them for text (pass nil for none).
func Group(updateID, userID, chatID int64, text string, entities []map[string]any, replyToBot bool) Update {
	msg := map[string]any{
		"message_id": updateID % 100000, "date": time.Now().Unix(), "text": text,
		"from": map[string]any{"id": userID, "is_bot": false, "first_name": "Luis", "language_code": "es"},
		"chat": map[string]any{"id": chatID, "type": "supergroup", "title": "Curso IA"},
	}
	if entities != nil {
		msg["entities"] = entities
	}
	if replyToBot {
		msg["reply_to_message"] = map[string]any{"message_id": 1, "date": time.Now().Unix(), "text": "…",
			"from": map[string]any{"id": BotID, "is_bot": true, "first_name": "Faro", "username": Username},
			"chat": map[string]any{"id": chatID, "type": "supergroup"}}
	}
	return Update{"update_id": updateID, "message": msg}
}

// Post sends update to a webhook as Telegram does: JSON, with the secret
// token header when secret is not empty. It returns the status answered.
func Post(url, secret string, update any) (int, error) {
	raw, err := json.Marshal(update)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
