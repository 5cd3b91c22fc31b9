package alfacrm

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ecademy/leadkit/internal/transport"
)

// FuzzErrorBody feeds arbitrary bodies and statuses to the error decoder:
// no panic, a bounded message that starts with the package name, and the API
// key never in it even when the body echoes it.
func FuzzErrorBody(f *testing.F) {
	const key = "fuzz-alfacrm-api-key-0123456789"
	for _, seed := range []string{
		`{"name":"Unauthorized","message":"Your request was made with invalid credentials.","code":0,"status":401}`,
		`{"success":false,"errors":["Name cannot be blank."]}`,
		`{"success":false,"errors":{"name":["Name cannot be blank."]}}`,
		`[{"field":"email","message":"Email is not a valid email address."}]`,
		`{"name":"Not Found","message":"echo api_key=` + key + `","status":404}`,
		`<html><body>502 Bad Gateway</body></html>`,
		`{"name":"Internal`,
		``,
		`null`,
	} {
		f.Add(400, []byte(seed))
		f.Add(200, []byte(seed))
	}
	c, err := NewClient(Config{BaseURL: "https://school.example.com", Email: "api@example.com", APIKey: key, BranchID: 1, Unlimited: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 400
		}
		e := c.responseError("customer/index", &transport.Response{StatusCode: status, Header: http.Header{}, Body: body})
		if e == nil {
			t.Fatal("nil error")
		}
		msg := e.Error()
		if !strings.HasPrefix(msg, "alfacrm") {
			t.Fatalf("unreadable error %q", msg)
		}
		if len(msg) > 4096 {
			t.Fatalf("unbounded error message: %d bytes", len(msg))
		}
		if strings.Contains(msg, key) || strings.Contains(e.Snippet, key) || strings.Contains(e.Message, key) {
			t.Fatalf("API key in error: %q", msg)
		}
	})
}
