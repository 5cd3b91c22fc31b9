package alfacrmtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/internal/redact"
)

// DefaultPageSizeCap is the largest page the fake returns unless
// WithPageSizeCap says otherwise; larger pageSize values are clamped to it.
const DefaultPageSizeCap = 50

// DefaultTokenTTL is the documented AlfaCRM token lifetime.
const DefaultTokenTTL = 15 * time.Minute

// DefaultBranchID is the id of the branch every server starts with.
const DefaultBranchID = 1

// maxRecords bounds the request log of a long-running sandbox.
const maxRecords = 10000

// maxRequestBody caps what the fake reads from one request.
const maxRequestBody = 8 << 20

// Server is a fake AlfaCRM v2api server listening on a loopback address.
// It is safe for concurrent use; every method may be called while requests
// are being served.
//
// The exported fields are set by NewServer / NewUnstartedServer; treat them
// as read-only, except Listener and Config, which may be changed between
// NewUnstartedServer and Start.
type Server struct {
	// URL is the base URL, of the form http://127.0.0.1:port, with no
	// trailing slash; use it as the client's base URL. It is empty until
	// Start (NewServer starts the server).
	URL string
	// Listener is the listener the server serves on: a loopback one opened
	// by NewUnstartedServer. It may be replaced before Start (close the one
	// it replaces), for example by an in-memory listener; Start serves on
	// it and Close closes it. HTTPClient and ClientConfig dial the URL over
	// TCP, so a client of a replaced listener brings its own transport.
	Listener net.Listener
	// Config is the underlying http.Server, whose Handler is the Server
	// itself; it may be changed (for example to wrap the handler) between
	// NewUnstartedServer and Start.
	Config *http.Server
	// Email is the login e-mail the fake accepts.
	Email string
	// APIKey is the (obviously fake) API key the fake accepts.
	APIKey string
	// BranchID is the branch that seeding helpers, paths without a branch
	// and Client use (1, or the demo's first branch). Treat it as read-only.
	BranchID int

	cfg      config
	served   chan struct{} // closed when Serve returns
	done     chan struct{} // closed by Close; cancels latency and delays
	closeMu  sync.Mutex
	started  bool // guarded by closeMu
	closed   bool // guarded by closeMu
	inflight sync.WaitGroup

	mu        sync.Mutex
	st        *store
	tokens    map[string]time.Time // token → expiry
	logins    int
	requests  int
	records   []*Request
	rules     []*rule
	chaos     *chaosState
	red       *redact.Redactor
	transport []*http.Transport // handed out by HTTPClient, closed by Close
}

// Option configures a Server.
type Option func(*config)

type config struct {
	addr          string
	latency       time.Duration
	pageCap       int
	fixedPage     int
	clampPages    bool
	partialUpdate bool
	tokenTTL      time.Duration
	clock         func() time.Time
	loc           *time.Location
	locSet        bool // WithTimezone was given
	email, apiKey string
	loginStatus   int
	demo          bool
	demoCfg       demo.Config   // WithDemoData, WithDemoConfig
	demoSeed      int64         // WithDemoSeed; applies when demoCfg.Seed is 0
	dataset       *demo.Dataset // WithDataset
	datasetNil    bool          // WithDataset(nil): NewServer panics
	chaos         *Chaos
}

// WithAddr listens on addr, which must be a loopback address such as
// "127.0.0.1:8081" or "localhost:8081" (an empty host means 127.0.0.1).
// The default is 127.0.0.1 on a free port. NewServer panics on any other
// host.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithLatency delays every response by d, for benchmarks and timeouts.
func WithLatency(d time.Duration) Option { return func(c *config) { c.latency = d } }

// WithPageSizeCap sets the largest page the server returns (default 50).
// A pageSize in the body (or per-page in the query) above the cap is clamped
// to it; a request without one gets the cap.
func WithPageSizeCap(n int) Option { return func(c *config) { c.pageCap = n } }

// WithFixedPageSize makes every list return pages of exactly n items (the
// last page fewer), ignoring pageSize and per-page entirely, as the 2021
// capture of an instance with 20-item pages suggests some instances do.
func WithFixedPageSize(n int) Option { return func(c *config) { c.fixedPage = n } }

// WithClampedPages makes a page number past the end return the last page
// again (and echo that page's number), as Yii2's Pagination does when
// validatePage is on. A client that waits for an empty page then loops; one
// that stops when it has total items does not. By default a page past the
// end is empty.
func WithClampedPages() Option { return func(c *config) { c.clampPages = true } }

// WithPartialUpdates makes customer/update change only the fields sent.
// By default an update overwrites every writable field of the card with what
// was sent (omitted fields become empty), which is what practitioners report
// of the real API, so a client must read, modify and write the whole card.
func WithPartialUpdates() Option { return func(c *config) { c.partialUpdate = true } }

// WithTokenTTL sets how long a token stays valid after login (default 15
// minutes). Use does not extend it.
func WithTokenTTL(d time.Duration) Option { return func(c *config) { c.tokenTTL = d } }

// WithClock replaces time.Now for token expiry and for the creation time of
// records created through the API.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithTimezone sets the school's time zone: every date the server writes or
// reads is wall-clock time in loc. The default is Moscow time (a fixed UTC+3),
// or the demo data set's time zone when WithDataset or WithDemoConfig gives
// one.
func WithTimezone(loc *time.Location) Option {
	return func(c *config) { c.loc, c.locSet = loc, true }
}

// WithCredentials replaces the generated login e-mail and API key, for a
// sandbox whose credentials must stay the same across restarts.
func WithCredentials(email, apiKey string) Option {
	return func(c *config) { c.email, c.apiKey = email, apiKey }
}

// WithLoginFailureStatus sets the status of a login with wrong credentials:
// 403 (default, as aioalfacrm expects) or 401 (as another client's mocks do).
func WithLoginFailureStatus(status int) Option { return func(c *config) { c.loginStatus = status } }

// WithDemoData seeds the demo school of internal/demo, built around ref
// (the "now" of the data set) in the server's time zone: over 1,500
// customers, their payments and lessons, and the dictionaries they refer to.
func WithDemoData(ref time.Time) Option {
	return WithDemoConfig(demo.Config{Ref: ref})
}

// WithDemoConfig is WithDemoData with the full demo configuration: reference
// day, seed and sizes (demo.Config.Customers, demo.Config.Leads; zero means
// the defaults). A nil cfg.Loc means the server's time zone; a non-nil one
// becomes the server's time zone unless WithTimezone is given. demo.Config
// lives in an internal package, so this option is for programs inside the
// leadkit module (the sandbox, enrich tests, benchmarks).
func WithDemoConfig(cfg demo.Config) Option {
	return func(c *config) { c.demo, c.demoCfg, c.dataset, c.datasetNil = true, cfg, nil, false }
}

// WithDataset seeds the server from an already built demo data set, so that
// a program can serve the very same people from the fake Graph API
// (metaleadstest.WithDataset) and the fake AlfaCRM without building the data
// twice. The data set's time zone becomes the server's unless WithTimezone
// is given. The server only reads ds. Like WithDemoConfig, it is for
// programs inside the leadkit module. NewServer panics on a nil ds.
func WithDataset(ds *demo.Dataset) Option {
	return func(c *config) { c.demo, c.dataset, c.datasetNil = true, ds, ds == nil }
}

// WithDemoSeed changes the seed of the demo data (default 1) when the demo
// configuration does not set one; it has no effect without WithDemoData or
// WithDemoConfig, nor with WithDataset.
func WithDemoSeed(seed int64) Option { return func(c *config) { c.demoSeed = seed } }

// WithChaos starts the server in chaos mode; see SetChaos.
func WithChaos(ch Chaos) Option { return func(c *config) { c.chaos = &ch } }

// NewServer starts a fake AlfaCRM server on a loopback address. It panics if
// it cannot listen or an option is invalid, as httptest.NewServer does; call
// Close when done.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a fake that listens on a loopback address (see
// WithAddr) but does not serve yet: call Start, after replacing Listener or
// adjusting Config if need be, and Close when done. Like NewServer it panics
// if it cannot listen or an option is invalid. Its ServeHTTP works without
// Start, so the fake can also be mounted in another server.
func NewUnstartedServer(opts ...Option) *Server {
	cfg := config{
		pageCap:     DefaultPageSizeCap,
		tokenTTL:    DefaultTokenTTL,
		clock:       time.Now,
		loc:         time.FixedZone("MSK", 3*60*60),
		loginStatus: http.StatusForbidden,
		demoSeed:    1,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.pageCap <= 0 {
		panic("alfacrmtest: WithPageSizeCap needs a positive size")
	}
	if cfg.fixedPage < 0 {
		panic("alfacrmtest: WithFixedPageSize needs a positive size")
	}
	if cfg.tokenTTL <= 0 {
		panic("alfacrmtest: WithTokenTTL needs a positive duration")
	}
	if cfg.datasetNil {
		panic("alfacrmtest: WithDataset needs a data set")
	}
	if cfg.demo && !cfg.locSet {
		switch {
		case cfg.dataset != nil && cfg.dataset.Loc != nil:
			cfg.loc = cfg.dataset.Loc
		case cfg.dataset == nil && cfg.demoCfg.Loc != nil:
			cfg.loc = cfg.demoCfg.Loc
		}
	}
	if cfg.clock == nil || cfg.loc == nil {
		panic("alfacrmtest: nil clock or time zone")
	}
	if cfg.loginStatus != http.StatusForbidden && cfg.loginStatus != http.StatusUnauthorized {
		panic("alfacrmtest: WithLoginFailureStatus takes 401 or 403")
	}
	if cfg.email == "" {
		cfg.email = "api-user@example.com"
	}
	if cfg.apiKey == "" {
		cfg.apiKey = "fake-alfacrm-api-key-" + randomHex(12)
	}

	addr, err := loopbackAddr(cfg.addr)
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil && cfg.addr == "" {
		ln, err = net.Listen("tcp6", "[::1]:0")
	}
	if err != nil {
		panic(fmt.Sprintf("alfacrmtest: failed to listen on %s: %v", addr, err))
	}

	s := &Server{
		Listener: ln,
		Email:    cfg.email,
		APIKey:   cfg.apiKey,
		BranchID: DefaultBranchID,
		cfg:      cfg,
		served:   make(chan struct{}),
		done:     make(chan struct{}),
		st:       newStore(cfg.loc),
		tokens:   map[string]time.Time{},
		red:      redact.New(cfg.apiKey),
	}
	s.st.addDict(kindBranch, DefaultBranchID, "Main branch")
	if cfg.demo {
		ds := cfg.dataset
		if ds == nil {
			dc := cfg.demoCfg
			if dc.Loc == nil {
				dc.Loc = cfg.loc
			}
			if dc.Seed == 0 {
				dc.Seed = cfg.demoSeed
			}
			ds = demo.New(dc)
		}
		if err := s.loadDemo(ds); err != nil {
			ln.Close()
			panic(err)
		}
	}
	if cfg.chaos != nil {
		s.SetChaos(*cfg.chaos)
	}
	s.Config = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0), // the fake logs nothing
	}
	return s
}

// Start serves Config on Listener and sets URL from the listener's address.
// It panics if the server was already started or closed.
func (s *Server) Start() {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	switch {
	case s.closed:
		panic("alfacrmtest: Start of a closed Server")
	case s.started:
		panic("alfacrmtest: Server already started")
	}
	s.started = true
	s.URL = "http://" + s.Listener.Addr().String()
	srv, ln := s.Config, s.Listener
	go func() {
		defer close(s.served)
		_ = srv.Serve(ln)
	}()
}

func loopbackAddr(addr string) (string, error) {
	if addr == "" {
		return "127.0.0.1:0", nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("alfacrmtest: bad listen address %q: %v", addr, err)
	}
	switch {
	case host == "":
		host = "127.0.0.1"
	case host == "localhost":
	default:
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return "", fmt.Errorf("alfacrmtest: listen address %q is not a loopback address", addr)
		}
	}
	return net.JoinHostPort(host, port), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// Close shuts the server down (an unstarted one just closes its Listener),
// waits for in-flight requests to end (pending latencies and fault delays
// are cut short; requests reaching ServeHTTP afterwards are aborted) and
// closes idle connections of the clients it handed out. It is safe to call
// more than once.
func (s *Server) Close() {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return
	}
	s.closed = true
	started := s.started
	close(s.done)
	s.closeMu.Unlock()

	if started {
		_ = s.Config.Close() // closes Listener too
		<-s.served
	} else {
		_ = s.Listener.Close()
	}
	s.inflight.Wait()
	s.mu.Lock()
	ts := s.transport
	s.transport = nil
	s.mu.Unlock()
	for _, t := range ts {
		t.CloseIdleConnections()
	}
}

// HTTPClient returns a plain *http.Client for raw calls to the server; Close
// closes its idle connections.
func (s *Server) HTTPClient() *http.Client {
	t := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
	}
	s.mu.Lock()
	s.transport = append(s.transport, t)
	s.mu.Unlock()
	return &http.Client{Transport: t}
}

// LoginCount returns the number of successful logins (tokens issued).
func (s *Server) LoginCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// RequestCount returns the number of requests received, logins and faulted
// requests included.
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// ExpireTokens invalidates every token issued so far, as if the token
// lifetime had passed: the next call with any of them gets a 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// now returns the server clock.
func (s *Server) now() time.Time { return s.cfg.clock() }

// wait sleeps for d unless the server closes or ctx ends first.
func (s *Server) wait(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.done:
	case <-r.Context().Done():
	}
}

// ServeHTTP implements http.Handler: it answers r as the fake AlfaCRM, so
// the fake can be mounted in another server or served on any listener. The
// paths are the API's (/v2api/...). After Close it aborts every request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		panic(http.ErrAbortHandler)
	}
	s.inflight.Add(1)
	s.closeMu.Unlock()
	defer s.inflight.Done()

	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	tooBig := len(body) > maxRequestBody

	s.mu.Lock()
	s.requests++
	rec := s.record(r, body)
	if len(s.records) >= maxRecords {
		s.records = slices.Delete(s.records, 0, len(s.records)-maxRecords+1)
	}
	s.records = append(s.records, rec)
	f := s.takeFault(r.URL.Path)
	s.mu.Unlock()

	s.wait(r, s.cfg.latency)

	status := 0
	defer func() {
		s.mu.Lock()
		rec.Status = status
		s.mu.Unlock()
	}()
	if tooBig {
		status = writeResponse(w, yiiError(http.StatusRequestEntityTooLarge, "Request body is too large."))
		return
	}
	if f != nil {
		s.applyFault(w, r, body, *f, &status)
		return
	}
	status = writeResponse(w, s.route(r, body))
}

// response is a complete reply before it is written.
type response struct {
	status int
	header http.Header
	body   []byte
}

// writeResponse writes resp and returns its status.
func writeResponse(w http.ResponseWriter, resp response) int {
	writeHeader(w, resp)
	_, _ = w.Write(resp.body)
	return resp.status
}

// writeHeader writes resp's status and headers (JSON by default), with
// the Content-Length of its whole body.
func writeHeader(w http.ResponseWriter, resp response) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json; charset=UTF-8")
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
}

// route handles one request as the real API would (faults aside).
func (s *Server) route(r *http.Request, body []byte) response {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v2api/")
	if !ok {
		return yiiError(http.StatusNotFound, "Page not found.")
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if len(parts) == 2 && parts[0] == "auth" && parts[1] == "login" {
		if r.Method != http.MethodPost {
			return methodNotAllowed()
		}
		return s.login(body)
	}

	var branch int
	var model, action string
	switch len(parts) {
	case 2: // /v2api/{model}/{action}: the global form (branch/index) or the default branch
		model, action = parts[0], parts[1]
		branch = s.BranchID
		if model == "branch" {
			branch = 0
		}
	case 3:
		b, err := strconv.Atoi(parts[0])
		if err != nil || b < 0 {
			return yiiError(http.StatusNotFound, "Page not found.")
		}
		branch, model, action = b, parts[1], parts[2]
	default:
		return yiiError(http.StatusNotFound, "Page not found.")
	}
	h, ok := s.handler(model, action)
	if !ok {
		return yiiError(http.StatusNotFound, "Page not found.")
	}
	if r.Method != http.MethodPost {
		return methodNotAllowed()
	}
	if !s.authorized(r) {
		return unauthorized()
	}
	if model != "branch" && !s.st.branchExists(branch) {
		return yiiError(http.StatusNotFound, fmt.Sprintf("Branch not found: %d", branch))
	}
	params, err := parseBody(body)
	if err != nil {
		return yiiError(http.StatusBadRequest, "Invalid JSON data in request body: Syntax error.")
	}
	return h(call{branch: branch, query: r.URL.Query(), params: params, raw: body})
}

func methodNotAllowed() response {
	resp := yiiError(http.StatusMethodNotAllowed, "Method Not Allowed. This URL can only handle the following request methods: POST.")
	resp.header = http.Header{"Allow": {"POST"}}
	return resp
}

func unauthorized() response {
	return yiiError(http.StatusUnauthorized, "Your request was made with invalid credentials.")
}

// authorized reports whether r carries a live token, dropping it if expired.
func (s *Server) authorized(r *http.Request) bool {
	tok := r.Header.Get("X-ALFACRM-TOKEN")
	if tok == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	if !ok {
		return false
	}
	if !s.now().Before(exp) {
		delete(s.tokens, tok)
		return false
	}
	return true
}

// expireToken invalidates the token r carries, if any.
func (s *Server) expireToken(r *http.Request) {
	tok := r.Header.Get("X-ALFACRM-TOKEN")
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tok)
}

func (s *Server) login(body []byte) response {
	email, key, ok := parseLogin(body)
	if !ok || !strings.EqualFold(strings.TrimSpace(email), s.Email) || key != s.APIKey {
		if s.cfg.loginStatus == http.StatusUnauthorized {
			return yiiError(http.StatusUnauthorized, "Your request was made with invalid credentials.")
		}
		return yiiError(http.StatusForbidden, "Access denied")
	}
	tok := "fake-alfacrm-token-" + randomHex(16)
	s.mu.Lock()
	s.tokens[tok] = s.now().Add(s.cfg.tokenTTL)
	s.logins++
	s.red.Add(tok)
	s.mu.Unlock()
	return jsonResponse(http.StatusOK, map[string]string{"token": tok})
}
