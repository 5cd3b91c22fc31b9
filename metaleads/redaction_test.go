package metaleads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ecademy/leadkit/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoFail fails every request with an error that repeats everything a
// careless transport might: the URL (with appsecret_proof and
// input_token), the Authorization header and the body (with
// client_secret and fb_exchange_token).
type echoFail struct{}

func (echoFail) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	return nil, fmt.Errorf("dial tcp 192.0.2.1:443: connect: connection refused (request %s %s, Authorization: %s, body %q)",
		r.Method, r.URL, r.Header.Get("Authorization"), body)
}

// echoServer answers 500 with a Graph error echoing the same things.
type echoServer struct{}

func (echoServer) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	msg := fmt.Sprintf("boom for %s with %s and %s", r.URL, r.Header.Get("Authorization"), body)
	b := fmt.Sprintf(`{"error":{"message":%q,"code":2,"type":"OAuthException","error_user_msg":%q,"fbtrace_id":"T"}}`, msg, msg)
	return &http.Response{StatusCode: 500, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(b)), Request: r}, nil
}

func TestSecretsNeverLeak(t *testing.T) {
	const (
		appSecretEx  = "test-exchange-secret-S3CR3T"
		shortTok     = "test-short-user-token-SHORT1"
		inspectedTok = "test-inspected-token-INSP42"
	)
	for _, timed := range []bool{false, true} {
		for name, rt := range map[string]http.RoundTripper{"transport error": echoFail{}, "server echo": echoServer{}} {
			t.Run(fmt.Sprintf("%s timed=%v", name, timed), func(t *testing.T) {
				h := &captureHandler{}
				opts := []Option{WithAppSecret(testAppSecret), WithLogger(slog.New(h))}
				if timed {
					opts = append(opts, WithTimedProof(true))
				}
				c := newTestClient(t, rt, opts...)
				secrets := []string{testToken, testAppSecret, AppSecretProof(testAppSecret, testToken), appSecretEx, shortTok, inspectedTok}
				now := time.Now().Unix()
				for d := int64(-5); d <= 5; d++ {
					secrets = append(secrets, TimedAppSecretProof(testAppSecret, testToken, now+d))
				}

				var errs []error
				add := func(err error) {
					require.Error(t, err)
					errs = append(errs, err)
				}
				ctx := context.Background()
				_, err := c.Lead(ctx, "1122334455667788")
				add(err)
				_, err = c.LeadsPage(ctx, formID, LeadsOptions{})
				add(err)
				for _, err := range c.Leads(ctx, formID, LeadsOptions{}) {
					add(err)
				}
				_, err = c.FormsPage(ctx, pageID, FormsOptions{})
				add(err)
				_, err = c.PageToken(ctx, pageID)
				add(err)
				_, err = c.ExchangeLongLived(ctx, "1234567890123456", appSecretEx, shortTok)
				add(err)
				_, err = c.DebugToken(ctx, inspectedTok)
				add(err)
				_, err = c.CheckPermissions(ctx)
				add(err)
				res, err := c.LeadsByID(ctx, []string{"1", "2"})
				add(err)
				for _, r := range res {
					add(r.Err)
				}
				_, err = c.AdLeadsPage(ctx, "120200000000000001", LeadsOptions{})
				add(err)
				_, err = c.Form(ctx, formID)
				add(err)
				for _, err := range c.Forms(ctx, pageID, FormsOptions{}) {
					add(err)
				}
				for _, err := range c.Accounts(ctx) {
					add(err)
				}
				_, err = c.AdAccount(ctx, "act_123456789012345")
				add(err)
				for _, err := range c.Insights(ctx, "act_123456789012345", InsightsOptions{}) {
					add(err)
				}
				_, err = c.InsightsPage(ctx, "act_123456789012345", InsightsOptions{Async: true})
				add(err)
				add(c.SubscribePage(ctx, pageID))
				add(c.UnsubscribePage(ctx, pageID))
				_, err = c.PageSubscriptions(ctx, pageID)
				add(err)

				var texts []string
				for _, err := range errs {
					texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%v", err))
					var ge *Error
					if errors.As(err, &ge) {
						texts = append(texts, fmt.Sprintf("%#v", *ge))
					}
				}
				logs := h.text()
				require.NotEmpty(t, logs, "debug logging was on")
				texts = append(texts, logs)
				all := strings.Join(texts, "\n")
				for _, s := range secrets {
					assert.NotContains(t, all, s)
				}
				assert.Contains(t, logs, "path=/v26.0/")
				if _, ok := rt.(echoServer); ok {
					// The SDK logs method, host and path, never the query or a
					// body. (With echoFail the transport's own error text,
					// which repeats the URL, is logged, redacted.)
					assert.NotContains(t, logs, "fields=")
					assert.NotContains(t, logs, "boom")
				}
			})
		}
	}
}

// proofEcho answers every request with a Graph error whose message repeats
// the appsecret_proof value alone (without its parameter name, which the
// redactor masks anyway), in the message and the user message.
type proofEcho struct{ sent []string }

func (p *proofEcho) RoundTrip(r *http.Request) (*http.Response, error) {
	proof := r.URL.Query().Get("appsecret_proof")
	p.sent = append(p.sent, proof)
	msg := fmt.Sprintf("The proof %s does not match", proof)
	b := fmt.Sprintf(`{"error":{"message":%q,"code":100,"type":"GraphMethodException","error_user_msg":%q,"fbtrace_id":"T"}}`, msg, msg)
	return &http.Response{StatusCode: 400, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(b)), Request: r}, nil
}

// A time-stamped proof echoed by Graph is masked in the error, like the
// classic proof; it stays registered for the attempt timeout plus
// proofTTLMargin and is then forgotten, so the values (one a second) do not
// pile up.
func TestTimedProofEchoRedacted(t *testing.T) {
	for _, timed := range []bool{false, true} {
		t.Run(fmt.Sprintf("timed=%v", timed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := &proofEcho{}
				c := newTestClient(t, rt, WithAppSecret(testAppSecret), WithTimedProof(timed),
					WithRetry(RetryPolicy{MaxAttempts: 1, AttemptTimeout: 20 * time.Second}))
				var proofs []string
				for range 3 {
					_, err := c.Lead(t.Context(), "1122334455667788")
					var ge *Error
					require.ErrorAs(t, err, &ge)
					proof := rt.sent[len(rt.sent)-1]
					require.Len(t, proof, 64)
					proofs = append(proofs, proof)
					for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), ge.Message, ge.UserMessage} {
						assert.NotContains(t, text, proof)
						assert.Contains(t, text, "The proof [REDACTED] does not match")
					}
					time.Sleep(time.Second) // a new second: a new timed proof
				}
				red := c.tr.Redactor()
				if !timed {
					assert.Equal(t, []string{proofs[0], proofs[0], proofs[0]}, proofs)
					assert.Equal(t, 3, red.Len(), "token, app secret and one proof")
					return
				}
				assert.Len(t, slices.Compact(slices.Clone(proofs)), 3, "one proof per second")
				assert.Equal(t, 2+3+1, red.Len(), "token, app secret, 3 timed proofs, the unused classic proof")
				// Just before the end of the time to live of the last proof,
				// it is still masked; after it, every timed proof is forgotten.
				time.Sleep(20*time.Second + proofTTLMargin - 2*time.Second)
				assert.Equal(t, redact.Mask, red.String(proofs[2]))
				time.Sleep(2 * time.Second)
				assert.Equal(t, proofs[2], red.String(proofs[2]))
				assert.Equal(t, 3, red.Len())
			})
		})
	}
}
