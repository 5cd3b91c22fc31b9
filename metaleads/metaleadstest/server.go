package metaleadstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecademy/leadkit/internal/redact"
	"github.com/ecademy/leadkit/metaleads"
)

// DefaultAPIVersion is the version the fake reports in facebook-api-version
// for unversioned calls and uses in the paging URLs it builds for them: the
// version metaleads pins.
const DefaultAPIVersion = metaleads.APIVersion

// DefaultPageSize is the number of items a list edge returns without a limit
// parameter, as Graph does.
const DefaultPageSize = 25

// DefaultPageSizeCap is the largest page the fake serves unless WithPageSizeCap
// says otherwise; larger limits are silently clamped (see the package doc).
const DefaultPageSizeCap = 500

// MaxBatchSize is the largest batch the fake (and Graph) accepts.
const MaxBatchSize = 50

// Server is a fake Graph API server listening on a loopback address.
//
// The exported string fields are set by NewServer / NewUnstartedServer and
// must be treated as read-only afterwards.
type Server struct {
	// URL is the base URL of the form http://127.0.0.1:port, without a
	// trailing slash and without an API version. It is empty until Start.
	URL string
	// Listener is the listener the server uses; set by NewUnstartedServer.
	Listener net.Listener
	// Config is the underlying http.Server; it may be changed between
	// NewUnstartedServer and Start.
	Config *http.Server

	// UserToken is a valid (long-lived) User access token of a person who
	// administers every Page and ad account of the fake.
	UserToken string
	// PageToken is the Page access token of the default Page (PageID).
	PageToken string
	// AppID and AppSecret identify the fake app; AppToken is "AppID|AppSecret".
	AppID, AppSecret, AppToken string
	// PageID is the default Page; AdAccountID is the default ad account
	// ("act_<digits>").
	PageID, AdAccountID string
	// APIVersion is the version reported for unversioned calls.
	APIVersion string

	cfg      config
	red      *redact.Redactor
	mu       sync.RWMutex // guards st
	st       *store
	faults   faultState
	rec      recorder
	stats    counters
	started  atomic.Bool
	closed   atomic.Bool
	closeMu  sync.Mutex
	client   *http.Client
	emptySeq atomic.Int64

	exchanges    int // guarded by mu
	demoRef      time.Time
	demoSeed     int64
	syntheticIDs []string

	hooks webhookState // webhook.go
}

// NewServer starts and returns a fake Graph server on 127.0.0.1 (or the
// loopback address given with WithAddr). Like httptest.NewServer it panics if
// it cannot listen or if an option is invalid. The caller must Close it.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a fake that is listening but not yet serving:
// call Start. Between the two, Config may be adjusted. It panics if it cannot
// listen or if an option is invalid.
func NewUnstartedServer(opts ...Option) *Server {
	s, err := newServer(opts...)
	if err != nil {
		panic("metaleadstest: " + err.Error())
	}
	return s
}

func newServer(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	suffix := cfg.tokenSuffix
	if suffix == "" {
		suffix = randomSuffix()
	}
	s := &Server{
		cfg:        cfg,
		APIVersion: cfg.apiVersion,
		AppID:      cfg.appID,
		AppSecret:  cfg.appSecret,
		UserToken:  cfg.userToken,
	}
	if s.AppSecret == "" {
		s.AppSecret = "fake-app-secret-" + suffix
	}
	if s.UserToken == "" {
		s.UserToken = "fake-user-token-" + suffix
	}
	s.AppToken = s.AppID + "|" + s.AppSecret
	s.red = redact.New(s.AppSecret, s.AppToken, s.UserToken)
	s.st = newStore(s)
	s.rec.max = cfg.maxRecorded
	s.hooks.cfg = cfg.webhook
	s.faults.init(cfg)
	s.st.addToken(s.UserToken, tokenInfo{kind: userToken, issued: s.now()})
	s.st.addToken(s.AppToken, tokenInfo{kind: appToken, issued: s.now()})
	if err := s.seed(cfg, suffix); err != nil {
		return nil, err
	}
	ln, err := listen(cfg.addr)
	if err != nil {
		return nil, err
	}
	s.Listener = ln
	s.Config = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	s.client = &http.Client{Transport: &http.Transport{Proxy: nil, DisableCompression: false}}
	return s, nil
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func listen(addr string) (net.Listener, error) {
	if addr == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			ln, err = net.Listen("tcp6", "[::1]:0")
		}
		if err != nil {
			return nil, fmt.Errorf("listen on loopback: %w", err)
		}
		return ln, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", addr, err)
	}
	if host != "localhost" {
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("listen address %q is not a loopback address; the fake only listens on loopback", addr)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// Start starts serving on Listener and sets URL. It panics if called twice.
func (s *Server) Start() {
	if !s.started.CompareAndSwap(false, true) {
		panic("metaleadstest: Server already started")
	}
	s.URL = "http://" + s.Listener.Addr().String()
	s.st.baseURL = s.URL
	go func() { _ = s.Config.Serve(s.Listener) }()
}

// Close shuts the server down, closing idle and active connections, and
// releases the connections of the clients it handed out. It first stops the
// webhook deliveries (see SubmitLead): in-flight attempts are cancelled,
// pending redeliveries end as DeliveryStopped, and Close returns only after
// their goroutines have. It is safe to call more than once.
func (s *Server) Close() {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if !s.closed.CompareAndSwap(false, true) {
		return
	}
	s.stopWebhooks()
	// A connection the client dialed but never used is "new" to the server,
	// and Shutdown waits 5 seconds before it counts as idle: drop the
	// client's idle connections first.
	s.client.CloseIdleConnections()
	if s.started.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := s.Config.Shutdown(ctx); err != nil {
			_ = s.Config.Close()
		}
		cancel()
	} else {
		_ = s.Listener.Close()
	}
	s.client.CloseIdleConnections()
}

// HTTPClient returns an *http.Client for raw calls to the fake (no proxy); its
// idle connections are closed by Close.
func (s *Server) HTTPClient() *http.Client { return s.client }

// GraphURL returns URL joined with the API version and path, e.g.
// GraphURL("/me/accounts") is "http://127.0.0.1:port/v25.0/me/accounts".
func (s *Server) GraphURL(path string) string {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return s.URL + "/" + s.APIVersion + path
}

func (s *Server) now() time.Time {
	if s.cfg.clock != nil {
		return s.cfg.clock()
	}
	return time.Now()
}
