package alfacrmtest_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
)

// pipeListener is an in-memory net.Listener: DialContext hands the server
// end of a net.Pipe to Accept.
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) isClosed() bool {
	select {
	case <-l.closed:
		return true
	default:
		return false
	}
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
	case <-ctx.Done():
	}
	client.Close()
	server.Close()
	return nil, net.ErrClosed
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "crm.pipe.test" }

// customerNames lists every customer (students and leads) through c.
func customerNames(ctx context.Context, c *alfacrm.Client) ([]string, error) {
	var names []string
	for _, study := range []bool{true, false} {
		for cu, err := range c.Customers(ctx, alfacrm.CustomerQuery{IsStudy: &study}) {
			if err != nil {
				return names, err
			}
			names = append(names, cu.Name)
		}
	}
	return names, nil
}

func TestNewUnstartedServerStartsOnItsLoopbackListener(t *testing.T) {
	srv := alfacrmtest.NewUnstartedServer()
	defer srv.Close()
	if srv.URL != "" {
		t.Errorf("URL before Start = %q, want empty", srv.URL)
	}
	if srv.Listener == nil || srv.Config == nil || srv.Config.Handler != http.Handler(srv) {
		t.Fatalf("Listener %v, Config %v: want a listener and a config serving the Server", srv.Listener, srv.Config)
	}
	host, _, err := net.SplitHostPort(srv.Listener.Addr().String())
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		t.Errorf("listener address %s is not loopback", srv.Listener.Addr())
	}
	srv.AddCustomer(alfacrmtest.Customer{Name: "Anna Example", IsStudy: true})
	srv.Start()
	if want := "http://" + srv.Listener.Addr().String(); srv.URL != want {
		t.Errorf("URL = %q, want %q", srv.URL, want)
	}
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	names, err := customerNames(t.Context(), c)
	if err != nil || len(names) != 1 || names[0] != "Anna Example" {
		t.Errorf("customers = %q, %v; want [Anna Example]", names, err)
	}
}

func TestStartPanicsWhenStartedOrClosed(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	srv := alfacrmtest.NewServer()
	mustPanic("Start of a started server", srv.Start)
	srv.Close()
	unstarted := alfacrmtest.NewUnstartedServer()
	unstarted.Close()
	mustPanic("Start of a closed server", unstarted.Start)
}

func TestCloseUnstartedServerClosesListener(t *testing.T) {
	srv := alfacrmtest.NewUnstartedServer()
	ln := newPipeListener()
	_ = srv.Listener.Close()
	srv.Listener = ln
	srv.Close() // must not wait for a Serve that never ran
	if !ln.isClosed() {
		t.Error("Close left the listener of an unstarted server open")
	}
	srv.Close() // twice is fine
}

// TestReplacedListenerInBubble serves the fake on an in-memory listener
// inside a synctest bubble, with a wrapped handler, and checks that a token
// expiring on the bubble's clock is renewed and that Close stops serving.
func TestReplacedListenerInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := alfacrmtest.NewUnstartedServer()
		_ = srv.Listener.Close()
		ln := newPipeListener()
		srv.Listener = ln
		var wrapped int
		var mu sync.Mutex
		inner := srv.Config.Handler
		srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			wrapped++
			mu.Unlock()
			inner.ServeHTTP(w, r)
		})
		srv.AddCustomer(alfacrmtest.Customer{Name: "Boris Example", IsStudy: true})
		srv.Start()
		if srv.URL != "http://crm.pipe.test" {
			t.Errorf("URL = %q", srv.URL)
		}
		tr := &http.Transport{DialContext: ln.DialContext}
		c, err := srv.Client(func(cfg *alfacrm.Config) { cfg.HTTPClient = &http.Client{Transport: tr} })
		if err != nil {
			t.Fatal(err)
		}
		if names, err := customerNames(t.Context(), c); err != nil || len(names) != 1 {
			t.Fatalf("customers = %q, %v", names, err)
		}
		time.Sleep(alfacrmtest.DefaultTokenTTL + time.Second) // the bubble's clock: the token expires
		if names, err := customerNames(t.Context(), c); err != nil || len(names) != 1 {
			t.Fatalf("customers after the token expired = %q, %v", names, err)
		}
		if srv.LoginCount() != 2 {
			t.Errorf("LoginCount = %d, want 2 (the expired token renewed once)", srv.LoginCount())
		}
		mu.Lock()
		got := wrapped
		mu.Unlock()
		if got != srv.RequestCount() || got == 0 {
			t.Errorf("wrapped handler saw %d requests, server %d", got, srv.RequestCount())
		}
		tr.CloseIdleConnections()
		srv.Close()
		if !ln.isClosed() {
			t.Error("Close left the replaced listener open")
		}
		_, err = customerNames(t.Context(), c)
		if err == nil {
			t.Error("a call after Close succeeded")
		}
	})
}

func TestServeHTTPMountedWithoutStart(t *testing.T) {
	srv := alfacrmtest.NewUnstartedServer()
	defer srv.Close()
	rec := httptest.NewRecorder()
	body := fmt.Sprintf(`{"email":%q,"api_key":%q}`, srv.Email, srv.APIKey)
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v2api/auth/login", strings.NewReader(body)))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"token"`) {
		t.Errorf("login through ServeHTTP: %d %s", rec.Code, rec.Body)
	}
	if srv.LoginCount() != 1 {
		t.Errorf("LoginCount = %d, want 1", srv.LoginCount())
	}

	srv.Close()
	aborted := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err, _ = r.(error)
			}
		}()
		srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/v2api/auth/login", strings.NewReader(body)))
		return nil
	}()
	if !errors.Is(aborted, http.ErrAbortHandler) {
		t.Errorf("ServeHTTP after Close: %v, want the http.ErrAbortHandler panic", aborted)
	}
}

// ExampleServer_ServeHTTP mounts the fake under a path prefix of another
// server.
func ExampleServer_ServeHTTP() {
	srv := alfacrmtest.NewUnstartedServer()
	defer srv.Close()
	srv.AddCustomer(alfacrmtest.Customer{Name: "Olena Example", IsStudy: true})

	mux := http.NewServeMux()
	mux.Handle("/crm/", http.StripPrefix("/crm", srv))
	front := httptest.NewServer(mux)
	defer front.Close()

	client, err := srv.Client(func(c *alfacrm.Config) {
		c.BaseURL = front.URL + "/crm"
		c.HTTPClient = front.Client()
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for c, err := range client.Customers(context.Background(), alfacrm.CustomerQuery{}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(c.Name)
	}
	// Output: Olena Example
}
