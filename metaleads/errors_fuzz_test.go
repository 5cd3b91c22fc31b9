package metaleads

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ecademy/leadkit/internal/transport"
	"github.com/shopspring/decimal"
)

// FuzzGraphErrorBody feeds arbitrary bodies and statuses to the error decoder
// and the retry classifier: no panic, a readable bounded message, and the
// client's token never appears in it even when the body echoes it.
func FuzzGraphErrorBody(f *testing.F) {
	for _, seed := range []string{
		`{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","is_transient":true,"code":4,"fbtrace_id":"AbC"}}`,
		`{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"error_user_title":"Session expired","error_user_msg":"Please log in again.","fbtrace_id":"X"}}`,
		`{"error":{"message":"Please reduce the amount of data you're asking for, then retry your request","code":1}}`,
		`{"error":{"message":"(#200) Requires leads_retrieval permission","code":"200"}}`,
		`{"error":{"code":100,"error_subcode":1487534,"message":"too much data"}}`,
		`{"error":"string instead of object"}`,
		`{"error":{"message":"echo access_token=test-page-token-XYZ123 and test-page-token-XYZ123"}}`,
		`<html><body><h1>502 Bad Gateway</h1></body></html>`,
		`{"error":{"message":"trunc`,
		``,
		`null`,
	} {
		f.Add(400, []byte(seed))
		f.Add(500, []byte(seed))
	}
	c, err := NewClient(testToken, WithLimiter(nil), WithAppSecret("fuzz-app-secret-value"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 400
		}
		resp := &transport.Response{StatusCode: status, Header: http.Header{}, Body: body}
		e := c.responseError("leads.page", resp)
		if e == nil {
			t.Fatal("nil error for an unsuccessful response")
		}
		msg := e.Error()
		if msg == "" || !strings.HasPrefix(msg, "metaleads") {
			t.Fatalf("unreadable error %q", msg)
		}
		if len(msg) > 4096 {
			t.Fatalf("unbounded error message: %d bytes", len(msg))
		}
		for _, secret := range []string{testToken, "fuzz-app-secret-value"} {
			if strings.Contains(msg, secret) || strings.Contains(e.Snippet, secret) || strings.Contains(e.Message, secret) {
				t.Fatalf("secret in error: %q", msg)
			}
		}
		_ = classify(resp)
	})
}

// FuzzDecodeInsightsPage: arbitrary bodies never panic; a decoded page is
// deterministic and its spend survives a round trip through its string form
// exactly (decimals, never float).
func FuzzDecodeInsightsPage(f *testing.F) {
	f.Add([]byte(`{"data":[{"campaign_id":"1","spend":"153.27","impressions":"48211","actions":[{"action_type":"lead","value":"31"},{"action_type":"onsite_conversion.lead_grouped","value":"31"}],"date_start":"2026-04-01","date_stop":"2026-04-01"}],"paging":{"cursors":{"after":"QQ"}}}`))
	f.Add([]byte(`{"data":[{"spend":153.27,"impressions":1e3,"clicks":"x"}]}`))
	f.Add([]byte(`{"data":[]}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`[]`))
	decode := decodeInsights(true)
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decode(body)
		if err != nil {
			return
		}
		again, err := decode(body)
		if err != nil || len(again.Items) != len(p.Items) || again.After != p.After {
			t.Fatalf("decoding is not deterministic: %v", err)
		}
		for i, r := range p.Items {
			back, err := decimal.NewFromString(r.Spend.String())
			if err != nil || !back.Equal(r.Spend) {
				t.Fatalf("spend %s does not round-trip: %v", r.Spend, err)
			}
			if r.Leads != again.Items[i].Leads || !r.Spend.Equal(again.Items[i].Spend) {
				t.Fatalf("row %d differs between two decodes", i)
			}
		}
	})
}
