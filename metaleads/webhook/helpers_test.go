package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/stretchr/testify/require"
)

const (
	testSecret = "test-app-secret-XYZ"
	testVerify = "test-verify-token-XYZ"
)

// change is one leadgen change for delivery().
type change struct {
	page, lead, form string
}

// delivery builds a compact page delivery: one entry per page, leadgen
// changes in order, with ids as strings.
func delivery(changes ...change) []byte {
	var b strings.Builder
	b.WriteString(`{"object":"page","entry":[`)
	first := true
	for i := 0; i < len(changes); {
		page := changes[i].page
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, `{"id":"%s","time":1767225600,"changes":[`, page)
		for j := 0; i < len(changes) && changes[i].page == page; i, j = i+1, j+1 {
			if j > 0 {
				b.WriteByte(',')
			}
			c := changes[i]
			fmt.Fprintf(&b, `{"field":"leadgen","value":{"ad_id":"120200000000000001","adgroup_id":"120200000000000002","form_id":"%s","leadgen_id":"%s","created_time":1767225590,"page_id":"%s"}}`, c.form, c.lead, c.page)
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// leads builds a delivery with the given lead ids on one page and form.
func leads(ids ...string) []byte {
	cs := make([]change, len(ids))
	for i, id := range ids {
		cs[i] = change{page: "102030405060708", lead: id, form: "987654321098765"}
	}
	return delivery(cs...)
}

func signSHA1(payload []byte, secret string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(payload)
	return "sha1=" + hex.EncodeToString(mac.Sum(nil))
}

// post sends a signed delivery through h.ServeHTTP.
func post(h http.Handler, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderSignature256, Sign(body, testSecret))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// sink records what reaches the user's code.
type sink struct {
	mu       sync.Mutex
	fetched  map[string]int
	handled  map[string]int
	events   []Event
	errs     []error
	errEvs   []Event
	handledC chan string // receives every handled lead id when non-nil
}

func newSink() *sink {
	return &sink{fetched: map[string]int{}, handled: map[string]int{}}
}

func (s *sink) fetch(_ context.Context, id string, _ ...string) (metaleads.Lead, error) {
	s.mu.Lock()
	s.fetched[id]++
	s.mu.Unlock()
	return testLead(id), nil
}

func (s *sink) handle(_ context.Context, e Event, lead metaleads.Lead) error {
	if lead.ID != e.LeadID {
		return Permanent(fmt.Errorf("lead %s handed with event %s", lead.ID, e.LeadID))
	}
	s.mu.Lock()
	s.handled[e.LeadID]++
	s.events = append(s.events, e)
	s.mu.Unlock()
	if s.handledC != nil {
		s.handledC <- e.LeadID
	}
	return nil
}

func (s *sink) onError(_ context.Context, e Event, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, err)
	s.errEvs = append(s.errEvs, e)
}

func (s *sink) snapshot() (fetched, handled map[string]int, errs []error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, h := map[string]int{}, map[string]int{}
	for k, v := range s.fetched {
		f[k] = v
	}
	for k, v := range s.handled {
		h[k] = v
	}
	return f, h, append([]error(nil), s.errs...)
}

func testLead(id string) metaleads.Lead {
	return metaleads.Lead{
		ID:          id,
		CreatedTime: time.Unix(1767225590, 0).UTC(),
		Fields: []metaleads.Field{
			{Name: "full_name", Values: []string{"Ada Testperson"}},
			{Name: "email", Values: []string{"ada.testperson@example.com"}},
		},
	}
}

// baseConfig returns a valid Config wired to s.
func baseConfig(s *sink) Config {
	return Config{
		AppSecret:   testSecret,
		VerifyToken: testVerify,
		Fetcher:     FetchFunc(s.fetch),
		Handle:      s.handle,
		OnError:     s.onError,
	}
}

func newHandler(t *testing.T, cfg Config) *Handler {
	t.Helper()
	h, err := NewHandler(cfg)
	require.NoError(t, err)
	return h
}

// shutdown drains h and fails the test on a ShutdownError.
func shutdown(t *testing.T, h *Handler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, h.Shutdown(ctx))
}

func runtimeGosched() { runtime.Gosched() }
