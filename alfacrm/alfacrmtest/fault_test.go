package alfacrmtest_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
)

// send POSTs to path with the client's token and returns the response and
// the error of reading its body, or the error of the exchange.
func (rc *rawClient) send(hc *http.Client, path, body string) (*http.Response, []byte, error) {
	req, _ := http.NewRequest(http.MethodPost, rc.srv.URL+path, strings.NewReader(body))
	req.Header.Set("X-ALFACRM-TOKEN", rc.token)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

const createBody = `{"name":"Olena Koval","is_study":0,"legal_type":1}`

func TestFailNextStatuses(t *testing.T) {
	rc := newRaw(t)
	srv := rc.srv
	srv.FailNext(1, alfacrmtest.Fault{Status: 500})
	srv.FailNext(1, alfacrmtest.Fault{Status: 502, HTML: true})
	srv.FailNext(1, alfacrmtest.Fault{Status: 429, RetryAfter: 3})
	srv.FailNext(1, alfacrmtest.Fault{Body: `{"total": 1, "count": `})
	srv.FailNext(1, alfacrmtest.Fault{Status: 200})
	if n := srv.PendingFaults(); n != 5 {
		t.Errorf("PendingFaults = %d", n)
	}

	st, _, b := rc.do(custIndex, nil, true)
	if st != 500 {
		t.Errorf("first: %d", st)
	}
	yiiBody(t, b, 500, "Internal Server Error")

	st, h, b := rc.do(custIndex, nil, true)
	if st != 502 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !bytes.Contains(b, []byte("<title>502 Bad Gateway</title>")) {
		t.Errorf("second: %d %q %s", st, h.Get("Content-Type"), b)
	}

	st, h, b = rc.do(custIndex, nil, true)
	if st != 429 || h.Get("Retry-After") != "3" {
		t.Errorf("third: %d Retry-After %q", st, h.Get("Retry-After"))
	}
	yiiBody(t, b, 429, "Too Many Requests")

	st, _, b = rc.do(custIndex, nil, true)
	if st != 200 || string(b) != `{"total": 1, "count": ` {
		t.Errorf("fourth: %d %s", st, b)
	}

	// A success status alone wraps the real response.
	st, _, b = rc.do(custIndex, nil, true)
	if st != 200 || !bytes.Contains(b, []byte(`"items":[]`)) {
		t.Errorf("fifth: %d %s", st, b)
	}
	if n := srv.PendingFaults(); n != 0 {
		t.Errorf("PendingFaults = %d after use", n)
	}
	rc.list(custIndex, nil) // back to normal
}

func TestFailNextHitsLogin(t *testing.T) {
	rc := newRaw(t)
	rc.srv.FailNext(1, alfacrmtest.Fault{Status: 503})
	st, _, _ := rc.do("/v2api/auth/login", map[string]string{"email": rc.srv.Email, "api_key": rc.srv.APIKey}, false)
	if st != 503 || rc.srv.LoginCount() != 1 {
		t.Errorf("login under fault: %d, LoginCount %d", st, rc.srv.LoginCount())
	}
}

func TestFailMatching(t *testing.T) {
	rc := newRaw(t)
	rc.srv.FailMatching("/pay/index", 2, alfacrmtest.Fault{Status: 503})
	rc.list(custIndex, nil) // not matched
	for i := range 2 {
		if st, _, _ := rc.do("/v2api/1/pay/index", nil, true); st != 503 {
			t.Errorf("pay %d: %d", i, st)
		}
	}
	rc.list("/v2api/1/pay/index", nil)
}

func TestTruncate(t *testing.T) {
	rc := newRaw(t)
	for i := range 30 {
		rc.srv.AddCustomer(alfacrmtest.Customer{Name: fmt.Sprint("Student ", i), IsStudy: true})
	}
	rc.srv.FailNext(1, alfacrmtest.Fault{Truncate: true})
	resp, b, err := rc.send(rc.hc, custIndex, "{}")
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("reading a truncated body: err %v (%d bytes)", err, len(b))
	}
	if resp.StatusCode != 200 || resp.ContentLength <= int64(len(b)) || len(b) == 0 {
		t.Errorf("status %d, Content-Length %d, got %d bytes", resp.StatusCode, resp.ContentLength, len(b))
	}
	if reqs := rc.srv.Requests(); reqs[len(reqs)-1].Status != 200 {
		t.Errorf("recorded status %d", reqs[len(reqs)-1].Status)
	}
	rc.list(custIndex, nil)
}

func TestReset(t *testing.T) {
	rc := newRaw(t)
	rc.srv.FailNext(1, alfacrmtest.Fault{Reset: true})
	if _, _, err := rc.send(rc.hc, custIndex, "{}"); err == nil {
		t.Fatal("no error from a reset connection")
	}
	reqs := rc.srv.Requests()
	if last := reqs[len(reqs)-1]; last.Status != 0 || last.Path != custIndex {
		t.Errorf("recorded %+v", last)
	}
	rc.list(custIndex, nil)
}

func TestDelayEndsWhenTheClientGivesUp(t *testing.T) {
	rc := newRaw(t)
	rc.srv.FailNext(1, alfacrmtest.Fault{Delay: time.Hour})
	hc := rc.srv.HTTPClient()
	hc.Timeout = 50 * time.Millisecond
	_, _, err := rc.send(hc, custIndex, "{}")
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("want a client timeout, got %v", err)
	}
	// The server is not stuck: the handler noticed the client leaving.
	rc.list(custIndex, nil)
}

func TestCloseCutsLatency(t *testing.T) {
	srv := alfacrmtest.NewServer(alfacrmtest.WithLatency(time.Hour))
	hc := srv.HTTPClient()
	errc := make(chan error, 1)
	go func() {
		resp, err := hc.Post(srv.URL+"/v2api/auth/login", "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	srv.Close() // must not wait an hour
	if err := <-errc; err == nil {
		t.Error("request succeeded through a closed server")
	}
}

func TestLatency(t *testing.T) {
	rc := newRaw(t, alfacrmtest.WithLatency(20*time.Millisecond))
	start := time.Now()
	rc.list(custIndex, nil)
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("request took %v, latency is 20ms", d)
	}
}

func TestExpireTokenFault(t *testing.T) {
	rc := newRaw(t)
	other := *rc
	other.login()
	rc.srv.FailNext(1, alfacrmtest.Fault{ExpireToken: true})
	st, _, b := rc.do(custIndex, nil, true)
	if st != 401 {
		t.Fatalf("status %d", st)
	}
	yiiBody(t, b, 401, "Unauthorized")
	if st, _, _ := rc.do(custIndex, nil, true); st != 401 {
		t.Errorf("the expired token still works: %d", st)
	}
	other.list(custIndex, nil) // other tokens live on
}

func TestCreateFaults(t *testing.T) {
	for _, c := range []struct {
		name    string
		fault   alfacrmtest.Fault
		created bool
		status  int // 0: transport error
	}{
		{"reset before", alfacrmtest.Fault{Reset: true}, false, 0},
		{"reset after create", alfacrmtest.Fault{Reset: true, Perform: true}, true, 0},
		{"500 before", alfacrmtest.Fault{Status: 500}, false, 500},
		{"500 after create", alfacrmtest.Fault{Status: 500, Perform: true}, true, 500},
		{"504 html after create", alfacrmtest.Fault{Status: 504, HTML: true, Perform: true}, true, 504},
		{"429", alfacrmtest.Fault{Status: 429, RetryAfter: 1}, false, 429},
		{"truncated real response", alfacrmtest.Fault{Truncate: true}, true, 200},
		{"slow", alfacrmtest.Fault{Delay: time.Millisecond}, true, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			rc := newRaw(t)
			rc.srv.FailMatching("/customer/create", 1, c.fault)
			resp, _, err := rc.send(rc.hc, "/v2api/1/customer/create", createBody)
			switch {
			case c.status == 0 && err == nil:
				t.Errorf("want a transport error, got %d", resp.StatusCode)
			case c.status != 0 && (resp == nil || resp.StatusCode != c.status):
				t.Errorf("want status %d, got %v %v", c.status, resp, err)
			}
			if got := len(rc.srv.Customers()) == 1; got != c.created {
				t.Errorf("created = %v, want %v", got, c.created)
			}
		})
	}
}

func TestChaosIsSeeded(t *testing.T) {
	run := func(seed uint64) []int {
		rc := newRaw(t)
		rc.srv.SetChaos(alfacrmtest.Chaos{Seed: seed, Rate: 0.5, Match: "/customer/"})
		hc := rc.srv.HTTPClient()
		for range 40 {
			_, _, _ = rc.send(hc, custIndex, "{}")
			rc.login() // an ExpireToken fault must not spoil the rest
		}
		var st []int
		for _, r := range rc.srv.Requests() {
			if strings.Contains(r.Path, "/customer/") {
				st = append(st, r.Status)
			}
		}
		if n := rc.srv.ChaosFaults(); n < 5 || n > 35 {
			t.Errorf("seed %d: %d faults in 40 requests at rate 0.5", seed, n)
		}
		return st
	}
	a, b, c := run(7), run(7), run(8)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Errorf("different seeds, same faults: %v", a)
	}
}

func TestChaosRateAndClear(t *testing.T) {
	rc := newRaw(t)
	rc.srv.SetChaos(alfacrmtest.Chaos{Seed: 1, Rate: 1, Faults: []alfacrmtest.Fault{{Status: 503}}})
	for range 3 {
		if st, _, _ := rc.do(custIndex, nil, true); st != 503 {
			t.Errorf("status %d under full chaos", st)
		}
	}
	// Queued faults come first.
	rc.srv.FailNext(1, alfacrmtest.Fault{Status: 418})
	if st, _, _ := rc.do(custIndex, nil, true); st != 418 {
		t.Errorf("queued fault: %d", st)
	}
	if n := rc.srv.ChaosFaults(); n != 3 {
		t.Errorf("ChaosFaults = %d", n)
	}
	rc.srv.ClearFaults()
	rc.list(custIndex, nil)
	if n := len(alfacrmtest.DefaultChaosFaults()); n < 5 {
		t.Errorf("only %d default chaos faults", n)
	}
}

func TestRequestsAreRedacted(t *testing.T) {
	rc := newRaw(t)
	id := rc.srv.AddCustomer(alfacrmtest.Customer{Name: "Olena", IsStudy: true})
	rc.list(custIndex, map[string]any{"phone": "0671234567"})
	rc.do(fmt.Sprintf("/v2api/1/customer/update?id=%d", id), map[string]any{"name": "Olena", "is_study": 1, "legal_type": 1}, true)
	reqs := rc.srv.Requests()
	if len(reqs) != 3 || rc.srv.RequestCount() != 3 {
		t.Fatalf("%d requests recorded, RequestCount %d", len(reqs), rc.srv.RequestCount())
	}
	dump := fmt.Sprintf("%+v %s %s %s", reqs, reqs[0].Body, reqs[1].Body, reqs[2].Body)
	for _, secret := range []string{rc.srv.APIKey, rc.token} {
		if strings.Contains(dump, secret) {
			t.Errorf("secret %q recorded", secret)
		}
	}
	if !bytes.Contains(reqs[0].Body, []byte(`"api_key":"[REDACTED]"`)) || !bytes.Contains(reqs[0].Body, []byte(rc.srv.Email)) {
		t.Errorf("login body %s", reqs[0].Body)
	}
	if got := reqs[1].Header.Get("X-ALFACRM-TOKEN"); got != "[REDACTED]" {
		t.Errorf("token header recorded as %q", got)
	}
	if reqs[1].Path != custIndex || !bytes.Contains(reqs[1].Body, []byte("0671234567")) || reqs[1].Status != 200 {
		t.Errorf("index request %+v", reqs[1])
	}
	if reqs[2].Query.Get("id") != fmt.Sprint(id) || reqs[2].Method != http.MethodPost {
		t.Errorf("update request %+v", reqs[2])
	}
	reqs[1].Header.Set("X-Mutated", "1")
	if rc.srv.Requests()[1].Header.Get("X-Mutated") != "" {
		t.Error("Requests shares memory with the server")
	}
	rc.srv.ClearRequests()
	if len(rc.srv.Requests()) != 0 || rc.srv.RequestCount() != 3 {
		t.Error("ClearRequests")
	}
}

func TestConcurrentUse(t *testing.T) {
	rc := newRaw(t)
	srv := rc.srv
	const workers, each = 16, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*4)
	for w := range workers {
		wg.Go(func() {
			hc := srv.HTTPClient()
			for i := range each {
				srv.AddCustomer(alfacrmtest.Customer{Name: fmt.Sprintf("Seeded %d-%d", w, i), IsStudy: true})
				srv.AddPayment(alfacrmtest.Payment{CustomerID: 1})
				resp, _, err := rc.send(hc, "/v2api/1/customer/create", fmt.Sprintf(`{"name":"Created %d-%d","is_study":1,"legal_type":1}`, w, i))
				if err != nil || resp.StatusCode != 200 {
					errs <- fmt.Errorf("create: %v %v", resp, err)
				}
				if resp, _, err := rc.send(hc, custIndex, `{"pageSize": 5}`); err != nil || resp.StatusCode != 200 {
					errs <- fmt.Errorf("index: %v %v", resp, err)
				}
				_ = srv.Requests()
				_ = srv.Customers()
				_, _ = srv.Customer(1)
				_ = srv.LoginCount() + srv.RequestCount() + srv.PendingFaults()
				if i == each/2 {
					srv.FailMatching("/nothing/", 1, alfacrmtest.Fault{Status: 500})
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(srv.Customers()); n != 2*workers*each {
		t.Errorf("%d cards, want %d", n, 2*workers*each)
	}
	ids := map[int]bool{}
	for _, c := range srv.Customers() {
		if ids[c.ID] {
			t.Errorf("duplicate id %d", c.ID)
		}
		ids[c.ID] = true
	}
	if n := rc.list(custIndex, nil).Total; n != 2*workers*each {
		t.Errorf("index total %d", n)
	}
}
