package enrich_test

// Helpers of the chaos tests (chaos_test.go): in-memory serving of the two
// fakes, log capture, secret scanning, answer counting and lead recording.
//
// The chaos runs happen inside a testing/synctest bubble so that Graph's
// regain waits (minutes), retry backoffs, attempt timeouts and AlfaCRM's
// token lifetime pass on the bubble's fake clock. A goroutine blocked on a
// real socket is not "durably blocked", so the fakes are served over
// net.Pipe connections (channels and timers, all created in the bubble) by
// an http.Server running in the bubble. Hijack-based faults (connection
// resets, truncated bodies) work over pipes as over TCP.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"iter"
	"log"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/ecademy/leadkit/enrich"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
)

// memListener is a net.Listener whose connections are net.Pipe pairs.
type memListener struct {
	addr   memAddr
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newMemListener(host string) *memListener {
	return &memListener{addr: memAddr(host), conns: make(chan net.Conn), closed: make(chan struct{})}
}

// Accept returns the server end of the next dialled pipe.
func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close stops Accept and Dial; established pipes stay open.
func (l *memListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

// Addr returns the host the fake's URL names (never resolved).
func (l *memListener) Addr() net.Addr { return l.addr }

// DialContext connects to the listener, whatever the address; it is the
// client transport's dialer.
func (l *memListener) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		client.Close()
		server.Close()
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: net.ErrClosed}
	case <-ctx.Done():
		client.Close()
		server.Close()
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: ctx.Err()}
	}
}

// client returns an HTTP client whose connections go to the listener.
func (l *memListener) client() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:               nil,
		DialContext:         l.DialContext,
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     time.Minute,
	}}
}

type memAddr string

func (a memAddr) Network() string { return "pipe" }
func (a memAddr) String() string  { return string(a) }

// quietLog drops the http.Server's own messages.
var quietLog = log.New(io.Discard, "", 0)

// memMeta is a metaleadstest server served in memory.
type memMeta struct {
	*metaleadstest.Server
	hc *http.Client // the client side of the listener
}

// startMeta starts a Graph fake on an in-memory listener, through the
// fake's own NewUnstartedServer/Start; wrap, if not nil, wraps its handler.
// Call it inside the bubble; close it there too.
func startMeta(opts []metaleadstest.Option, wrap func(http.Handler) http.Handler) *memMeta {
	srv := metaleadstest.NewUnstartedServer(opts...)
	_ = srv.Listener.Close() // the loopback listener it opened
	ln := newMemListener("graph.fake.test")
	srv.Listener = ln
	if wrap != nil {
		srv.Config.Handler = wrap(srv.Config.Handler)
	}
	srv.Config.ErrorLog = quietLog
	srv.Start()
	return &memMeta{Server: srv, hc: ln.client()}
}

func (m *memMeta) close() {
	m.hc.CloseIdleConnections()
	m.Server.Close()
}

// memCRM is an alfacrmtest server served in memory.
type memCRM struct {
	*alfacrmtest.Server
	hc *http.Client // the client side of the listener
}

// startCRM starts an AlfaCRM fake on an in-memory listener, through the
// fake's own NewUnstartedServer/Start; wrap, if not nil, wraps its handler.
// Call it inside the bubble; close it there too.
func startCRM(opts []alfacrmtest.Option, wrap func(http.Handler) http.Handler) *memCRM {
	srv := alfacrmtest.NewUnstartedServer(opts...)
	_ = srv.Listener.Close() // the loopback listener it opened
	ln := newMemListener("crm.fake.test")
	srv.Listener = ln
	if wrap != nil {
		srv.Config.Handler = wrap(srv.Config.Handler)
	}
	srv.Config.ErrorLog = quietLog
	srv.Start()
	return &memCRM{Server: srv, hc: ln.client()}
}

func (c *memCRM) close() {
	c.hc.CloseIdleConnections()
	c.Server.Close()
}

// logSink keeps every record written by a slog.TextHandler, one Write per
// record.
type logSink struct {
	mu      sync.Mutex
	records []string
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.records = append(s.records, string(p))
	s.mu.Unlock()
	return len(p), nil
}

// logger returns a logger that records everything, debug level included.
func (s *logSink) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (s *logSink) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.records...)
}

// tokenRecorder wraps the AlfaCRM fake's handler and remembers every
// session token clients sent, so the scans know them.
type tokenRecorder struct {
	mu     sync.Mutex
	tokens map[string]bool
}

func (r *tokenRecorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if tok := req.Header.Get("X-ALFACRM-TOKEN"); tok != "" {
			r.mu.Lock()
			if r.tokens == nil {
				r.tokens = map[string]bool{}
			}
			r.tokens[tok] = true
			r.mu.Unlock()
		}
		h.ServeHTTP(w, req)
	})
}

func (r *tokenRecorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.tokens))
	for tok := range r.tokens {
		out = append(out, tok)
	}
	return out
}

// secret is a value that must never appear in an error or a log record.
type secret struct{ name, value string }

// leaks returns a description of every secret found in texts.
func leaks(texts []string, secrets []secret) []string {
	var out []string
	for _, s := range secrets {
		if s.value == "" {
			continue
		}
		for i, txt := range texts {
			if strings.Contains(txt, s.value) {
				out = append(out, s.name+" in text "+strconv.Itoa(i)+": "+excerpt(txt, s.value))
				break
			}
		}
	}
	return out
}

// excerpt shows where needle sits in txt, with the needle masked.
func excerpt(txt, needle string) string {
	i := strings.Index(txt, needle)
	lo, hi := max(0, i-60), min(len(txt), i+len(needle)+60)
	return strings.ReplaceAll(txt[lo:hi], needle, "<SECRET>")
}

// answerCounter counts how a fake answered: by status, or "reset" when the
// handler took the connection over (resets and overstated lengths).
type answerCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *answerCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() { // also when the handler aborts with a panic
			label := strconv.Itoa(sw.status)
			switch {
			case sw.hijacked:
				label = "hijacked"
			case sw.status == 0:
				label = "client gone"
			}
			c.mu.Lock()
			if c.counts == nil {
				c.counts = map[string]int{}
			}
			c.counts[label]++
			c.mu.Unlock()
		}()
		h.ServeHTTP(sw, r)
	})
}

func (c *answerCounter) get(label string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[label]
}

// sum counts the answers whose label starts with prefix ("5" for 5xx).
func (c *answerCounter) sum(prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, v := range c.counts {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

func (c *answerCounter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.counts))
	for k := range c.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, c.counts[k])
	}
	return strings.Join(parts, " ")
}

// statusWriter remembers the status written and whether the connection
// was hijacked; it passes Flush and Hijack through.
type statusWriter struct {
	http.ResponseWriter
	status   int
	hijacked bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// recordingSource passes a LeadSource through and records the id of every
// lead it yields.
type recordingSource struct {
	enrich.LeadSource
	mu  sync.Mutex
	ids []string
}

func (s *recordingSource) Leads(ctx context.Context, formID string, opts metaleads.LeadsOptions) iter.Seq2[metaleads.Lead, error] {
	return func(yield func(metaleads.Lead, error) bool) {
		for l, err := range s.LeadSource.Leads(ctx, formID, opts) {
			if err == nil {
				s.mu.Lock()
				s.ids = append(s.ids, l.ID)
				s.mu.Unlock()
			}
			if !yield(l, err) {
				return
			}
		}
	}
}

func (s *recordingSource) leadIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ids)
}

// duplicates returns the ids that occur more than once.
func duplicates(ids []string) []string {
	seen := map[string]int{}
	var dup []string
	for _, id := range ids {
		seen[id]++
		if seen[id] == 2 {
			dup = append(dup, id)
		}
	}
	return dup
}
