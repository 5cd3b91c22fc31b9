package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/webhook"
)

// A Handler acknowledges a signed delivery at once and hands each new lead,
// read through the Fetcher (here an in-memory fake; in production a
// *metaleads.Client), to Handle on its workers.
func Example() {
	const appSecret = "test-app-secret-XYZ"
	var (
		mu      sync.Mutex
		handled []string
	)
	h, err := webhook.NewHandler(webhook.Config{
		AppSecret:   appSecret,
		VerifyToken: "test-verify-token-XYZ",
		Fetcher: webhook.FetchFunc(func(_ context.Context, id string, _ ...string) (metaleads.Lead, error) {
			return metaleads.Lead{ID: id, Fields: []metaleads.Field{
				{Name: "email", Values: []string{"grace.example@example.com"}},
			}}, nil
		}),
		Handle: func(_ context.Context, e webhook.Event, lead metaleads.Lead) error {
			email, _ := lead.Value("email")
			mu.Lock()
			defer mu.Unlock()
			handled = append(handled, fmt.Sprintf("lead %s from form %s: %s", e.LeadID, e.FormID, email))
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	body := []byte(`{"object":"page","entry":[{"id":"102030405060708","time":1767225600,"changes":[` +
		`{"field":"leadgen","value":{"leadgen_id":1122334455667788,"form_id":"987654321098765",` +
		`"page_id":"102030405060708","created_time":1767225590}}]}]}`)
	req := httptest.NewRequest(http.MethodPost, "/webhooks/meta", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", webhook.Sign(body, appSecret))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println("delivery:", rec.Code)

	// The same delivery again (Meta redelivers): acknowledged, not handled twice.
	req = httptest.NewRequest(http.MethodPost, "/webhooks/meta", bytes.NewReader(body))
	req.Header.Set("X-Hub-Signature-256", webhook.Sign(body, appSecret))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println("redelivery:", rec.Code)

	// A forged signature never reaches Handle.
	req = httptest.NewRequest(http.MethodPost, "/webhooks/meta", bytes.NewReader(body))
	req.Header.Set("X-Hub-Signature-256", webhook.Sign(body, "not-the-app-secret"))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println("forged:", rec.Code)

	// Shutdown drains the queue: every acknowledged event is processed.
	if err := h.Shutdown(context.Background()); err != nil {
		fmt.Println(err)
	}
	for _, s := range handled {
		fmt.Println(s)
	}
	// Output:
	// delivery: 200
	// redelivery: 200
	// forged: 403
	// lead 1122334455667788 from form 987654321098765: grace.example@example.com
}

// The GET handshake Meta sends when the subscription is saved.
func ExampleHandler_ServeHTTP_verification() {
	h, err := webhook.NewHandler(webhook.Config{
		AppSecret:   "test-app-secret-XYZ",
		VerifyToken: "test-verify-token-XYZ",
		Fetcher: webhook.FetchFunc(func(context.Context, string, ...string) (metaleads.Lead, error) {
			return metaleads.Lead{}, nil
		}),
		Handle: func(context.Context, webhook.Event, metaleads.Lead) error { return nil },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Shutdown(context.Background())

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet,
		"/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=test-verify-token-XYZ", nil))
	fmt.Println(rec.Code, rec.Body.String())

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet,
		"/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess", nil))
	fmt.Println(rec.Code)
	// Output:
	// 200 1158201444
	// 403
}

func ExampleSign() {
	body := []byte(`{"object":"page","entry":[]}`)
	sig := webhook.Sign(body, "example-app-secret")
	fmt.Println(sig[:len("sha256=")], len(sig))
	fmt.Println(webhook.Verify(body, sig, "example-app-secret"))
	fmt.Println(webhook.Verify(body, sig, "another-secret"))
	fmt.Println(webhook.Verify(body, "", "example-app-secret"))
	// Output:
	// sha256= 71
	// <nil>
	// webhook: signature mismatch
	// webhook: missing X-Hub-Signature-256
}

func ExampleParse() {
	events, err := webhook.Parse([]byte(`{"object":"page","entry":[{"id":"102030405060708","changes":[` +
		`{"field":"leadgen","value":{"leadgen_id":12345678901234567891,"form_id":"987654321098765","created_time":1767225590}},` +
		`{"field":"feed","value":{"item":"post"}}]}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range events {
		fmt.Println(e.LeadID, e.PageID, e.FormID, e.CreatedTime.Format("2006-01-02T15:04:05Z07:00"))
	}
	_, err = webhook.Parse([]byte(`{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":{}}]}]}`))
	fmt.Println(err)
	// Output:
	// 12345678901234567891 102030405060708 987654321098765 2025-12-31T23:59:50Z
	// webhook: malformed payload: entry[0].changes[0].value: leadgen_id missing
}
