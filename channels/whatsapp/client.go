package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIURL and DefaultAPIVersion reach Meta's Graph API.
const (
	DefaultAPIURL     = "https://graph.facebook.com"
	DefaultAPIVersion = "v21.0"
)

// Error codes of the Cloud API that change what Faro does.
const (
	// CodeThroughput: the business number's messages per second were
	// exceeded.
	CodeThroughput = 130429
	// CodePairRate: too many messages to one person in a short time
	// (about one every 6 seconds).
	CodePairRate = 131056
	// CodeRateLimit: the business account's rate limit.
	CodeRateLimit = 80007
	// CodeAppRateLimit: the app's Graph API call limit.
	CodeAppRateLimit = 4
	// CodeOutsideWindow: more than 24 hours since the person last wrote;
	// only a template may be sent.
	CodeOutsideWindow = 131047
)

// APIError is an error the Graph API answered, in its shape:
// {"error":{"message","type","code","error_subcode","fbtrace_id"}}.
type APIError struct {
	HTTPStatus int    `json:"-"`
	Message    string `json:"message"`
	Type       string `json:"type"`
	Code       int    `json:"code"`
	Subcode    int    `json:"error_subcode"`
	FBTraceID  string `json:"fbtrace_id"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("whatsapp: graph API %d: code %d: %s", e.HTTPStatus, e.Code, e.Message)
}

// Throttled reports an error that says "too many, too fast": WhatsApp
// says so with HTTP 400 and a code in the body, never a Retry-After.
func (e *APIError) Throttled() bool {
	switch e.Code {
	case CodeThroughput, CodePairRate, CodeRateLimit, CodeAppRateLimit:
		return true
	}
	return e.HTTPStatus == http.StatusTooManyRequests
}

// OutsideWindow reports the error of a free-form message sent more than 24
// hours after the person last wrote.
func (e *APIError) OutsideWindow() bool { return e.Code == CodeOutsideWindow }

// Client calls the Cloud API's messages endpoint of one business number:
// POST {BaseURL}/{Version}/{PhoneNumberID}/messages with a Bearer token.
type Client struct {
	// BaseURL is the Graph API's address (DefaultAPIURL, or a local
	// stand-in in tests and staging).
	BaseURL       string
	Version       string
	PhoneNumberID string
	Token         string
	// HTTP sends the requests; its Timeout bounds each one. Nil is a
	// client with a 15-second timeout.
	HTTP *http.Client
}

// sendResponse is the messages endpoint's answer to a send.
type sendResponse struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
	Success bool `json:"success"`
}

// SendText sends a text message to the wa_id to and returns its wamid.
// previewURL asks WhatsApp to show a preview of the first link.
func (c *Client) SendText(ctx context.Context, to, body string, previewURL bool) (string, error) {
	return c.send(ctx, map[string]any{
		"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
		"text": map[string]any{"body": body, "preview_url": previewURL},
	})
}

// SendTemplate sends the approved template name in language (its code as
// approved: es, en_US, pt_BR…) to the wa_id to, with no parameters.
func (c *Client) SendTemplate(ctx context.Context, to, name, language string) (string, error) {
	return c.send(ctx, map[string]any{
		"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template",
		"template": map[string]any{"name": name, "language": map[string]any{"code": language}},
	})
}

// SendDocument sends a document by link (WhatsApp downloads it) with its
// file name and a caption.
func (c *Client) SendDocument(ctx context.Context, to, link, filename, caption string) (string, error) {
	doc := map[string]any{"link": link, "filename": filename}
	if caption != "" {
		doc["caption"] = caption
	}
	return c.send(ctx, map[string]any{
		"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "document", "document": doc,
	})
}

// Typing marks the message messageID as read and shows the person that a
// reply is being written; WhatsApp clears it with the reply, or after 25
// seconds.
func (c *Client) Typing(ctx context.Context, messageID string) error {
	_, err := c.post(ctx, map[string]any{
		"messaging_product": "whatsapp", "status": "read", "message_id": messageID,
		"typing_indicator": map[string]any{"type": "text"},
	})
	return err
}

func (c *Client) send(ctx context.Context, payload map[string]any) (string, error) {
	raw, err := c.post(ctx, payload)
	if err != nil {
		return "", err
	}
	var r sendResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return "", fmt.Errorf("whatsapp: read the send response: %w", err)
	}
	if len(r.Messages) == 0 || r.Messages[0].ID == "" {
		return "", fmt.Errorf("whatsapp: the send response has no message id: %.200s", raw)
	}
	return r.Messages[0].ID, nil
}

// maxResponse bounds what is read of an answer: the API's are small.
const maxResponse = 1 << 20

// post sends payload and returns the body of a 2xx answer; any other
// answer is an *APIError (with the Graph error when the body has one).
func (c *Client) post(ctx context.Context, payload map[string]any) ([]byte, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: encode request: %w", err)
	}
	endpoint, err := url.JoinPath(strings.TrimRight(c.BaseURL, "/"), c.Version, c.PhoneNumberID, "messages")
	if err != nil {
		return nil, fmt.Errorf("whatsapp: API URL %q: %w", c.BaseURL, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("whatsapp: request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: POST messages: %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("whatsapp: read the answer (HTTP %d): %w", res.StatusCode, err)
	}
	if res.StatusCode/100 == 2 {
		return raw, nil
	}
	apiErr := &APIError{HTTPStatus: res.StatusCode}
	var wrapped struct {
		Error *APIError `json:"error"`
	}
	if json.Unmarshal(raw, &wrapped) == nil && wrapped.Error != nil {
		*apiErr = *wrapped.Error
		apiErr.HTTPStatus = res.StatusCode
	} else {
		apiErr.Message = strings.TrimSpace(fmt.Sprintf("%.200s", raw))
		if apiErr.Message == "" {
			apiErr.Message = http.StatusText(res.StatusCode)
		}
	}
	return nil, apiErr
}

// AsAPIError finds the *APIError in err's chain.
func AsAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}
