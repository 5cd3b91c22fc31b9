package metaleads

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ecademy/leadkit/internal/redact"
	"github.com/ecademy/leadkit/internal/transport"
	"golang.org/x/time/rate"
)

// APIVersion is the Graph API version the client calls unless WithAPIVersion
// overrides it. A change of the pinned version is noted in the CHANGELOG.
const APIVersion = "v26.0"

// DefaultBaseURL is the Graph API host.
const DefaultBaseURL = "https://graph.facebook.com"

// Default client-side rate limit: DefaultRateLimit requests per second with a
// burst of DefaultRateBurst, shared by a client and the clients derived from
// it with WithToken. Graph's own quotas are enforced from its usage headers.
const (
	DefaultRateLimit = 50
	DefaultRateBurst = 50
)

// sdkUserAgent is the SDK's product token.
const sdkUserAgent = "leadkit-metaleads"

// RetryPolicy bounds retries. The zero value means the defaults (4 attempts,
// 0.5 s–30 s exponential backoff with jitter, 30 s per attempt, server waits
// up to 1 h); MaxAttempts 1 disables retries. Only reads (and the start of
// an async insights report run, see Client.InsightsPage) are retried once a
// request may have reached Graph; waits honour ctx, Retry-After and the
// usage headers.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts including the first one.
	MaxAttempts int
	// MinWait and MaxWait bound the exponential backoff between attempts.
	MinWait, MaxWait time.Duration
	// AttemptTimeout bounds each attempt; when zero, the Timeout of the
	// client given to WithHTTPClient is used, else 30 s.
	AttemptTimeout time.Duration
	// MaxServerWait caps waits asked for by Graph (Retry-After, regain
	// times); a longer wait ends the retries with an ErrRateLimited error
	// carrying RetryAfter.
	MaxServerWait time.Duration
}

// Option configures a Client. Options are applied in order; an invalid option
// makes NewClient fail.
type Option func(*config) error

type config struct {
	hc         *http.Client
	base       *url.URL
	version    string
	appSecret  string
	timedProof bool
	limiter    *rate.Limiter
	limiterSet bool
	retry      RetryPolicy
	logger     *slog.Logger
	userAgent  string
	highWater  float64
	pollFirst  time.Duration
	pollMax    time.Duration
}

// WithHTTPClient sets the HTTP client whose Transport performs the requests.
// The SDK wraps that Transport (auth, retries, rate limiting); it never
// replaces it. hc.Timeout, when set, becomes the per-attempt timeout unless
// WithRetry sets one. Redirects are not followed and hc.Jar is not used.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("metaleads: WithHTTPClient(nil)")
		}
		c.hc = hc
		return nil
	}
}

// WithBaseURL points the client at another Graph host, for example a
// metaleadstest server. It must be absolute http or https with a host and
// optional port, and nothing else (no path, query, fragment or user info).
func WithBaseURL(u string) Option {
	return func(c *config) error {
		p, err := url.Parse(strings.TrimSuffix(u, "/"))
		if err != nil {
			return fmt.Errorf("metaleads: WithBaseURL: %w", err)
		}
		switch {
		case p.Scheme != "http" && p.Scheme != "https":
			return fmt.Errorf("metaleads: WithBaseURL(%q): scheme must be http or https", u)
		case p.Host == "" || p.Hostname() == "":
			return fmt.Errorf("metaleads: WithBaseURL(%q): no host", u)
		case p.Path != "" || p.RawQuery != "" || p.Fragment != "" || p.User != nil || p.Opaque != "" || p.ForceQuery:
			return fmt.Errorf("metaleads: WithBaseURL(%q): want scheme://host[:port] only", u)
		}
		if port := p.Port(); port != "" {
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				return fmt.Errorf("metaleads: WithBaseURL(%q): bad port", u)
			}
		}
		c.base = p
		return nil
	}
}

var versionRE = regexp.MustCompile(`^v[1-9][0-9]{0,2}\.0$`)

// WithAPIVersion overrides the pinned Graph API version; it must look like
// "v25.0".
func WithAPIVersion(v string) Option {
	return func(c *config) error {
		if !versionRE.MatchString(v) {
			return fmt.Errorf("metaleads: WithAPIVersion(%q): want vN.0", v)
		}
		c.version = v
		return nil
	}
}

// WithAppSecret sends appsecret_proof on every authenticated call: the
// lowercase hex HMAC-SHA256 of the access token keyed with the app secret
// (see WithTimedProof for the time-stamped form). Apps with "Require App
// Secret" enabled reject calls without it.
func WithAppSecret(secret string) Option {
	return func(c *config) error {
		if secret == "" || strings.TrimSpace(secret) != secret {
			return errors.New("metaleads: WithAppSecret: empty secret or surrounding blanks")
		}
		c.appSecret = secret
		return nil
	}
}

// WithTimedProof selects the time-stamped proof documented on Meta's Login
// Security page: appsecret_proof = HMAC-SHA256(secret, token+"|"+unix) sent
// with appsecret_time=unix, computed afresh for every attempt (Graph rejects
// proofs older than 5 minutes). The default (false) is the classic untimed
// proof, which Meta's own Business SDKs send. It requires WithAppSecret.
// Each timed proof is scrubbed from errors and log records for the attempt
// timeout plus ten minutes, then forgotten (a new one is made every second).
func WithTimedProof(timed bool) Option {
	return func(c *config) error {
		c.timedProof = timed
		return nil
	}
}

// WithLimiter sets the client-side rate limiter every attempt waits on; share
// one limiter between clients of the same app. nil disables client-side
// limiting. The default is DefaultRateLimit requests per second.
func WithLimiter(l *rate.Limiter) Option {
	return func(c *config) error {
		c.limiter, c.limiterSet = l, true
		return nil
	}
}

// WithRetry sets the retry policy; see RetryPolicy.
func WithRetry(p RetryPolicy) Option {
	return func(c *config) error {
		if err := toPolicy(p).Validate(); err != nil {
			return fmt.Errorf("metaleads: WithRetry: %w", err)
		}
		c.retry = p
		return nil
	}
}

// WithLogger enables one debug record per HTTP attempt (method, host, path,
// status, attempt, duration) plus notes such as page-size reductions. Query
// strings, bodies and lead data are never logged, and every record passes
// the SDK's redaction. nil, the default, logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithUserAgent appends a product token (e.g. "acme-sync/1.2") to the SDK's
// User-Agent.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if strings.ContainsAny(ua, "\r\n\x00") || strings.TrimSpace(ua) == "" {
			return errors.New("metaleads: WithUserAgent: empty or contains control characters")
		}
		c.userAgent = strings.TrimSpace(ua)
		return nil
	}
}

// WithUsageHighWater sets the usage percentage (default 80) above which the
// client slows down before each call, proportionally to how close usage is
// to 100%. At 100% with a regain time announced by Graph, calls wait until
// then (or fail fast with ErrRateLimited when the wait exceeds the context
// deadline or RetryPolicy.MaxServerWait).
func WithUsageHighWater(pct float64) Option {
	return func(c *config) error {
		if !(pct > 0 && pct <= 100) {
			return fmt.Errorf("metaleads: WithUsageHighWater(%v): want 0 < pct <= 100", pct)
		}
		c.highWater = pct
		return nil
	}
}

// WithReportPolling sets how an async insights report run is polled: the
// first status read comes first after the run starts, and each later wait
// is half as long again as the one before, up to maxWait. The defaults are
// 1 s and 30 s; a test against a fake that completes runs at once can use
// millisecond waits. Polling stops when the context ends.
func WithReportPolling(first, maxWait time.Duration) Option {
	return func(c *config) error {
		if first <= 0 || maxWait < first {
			return fmt.Errorf("metaleads: WithReportPolling(%v, %v): want 0 < first <= maxWait", first, maxWait)
		}
		c.pollFirst, c.pollMax = first, maxWait
		return nil
	}
}

func toPolicy(p RetryPolicy) transport.Policy {
	return transport.Policy{
		MaxAttempts:    p.MaxAttempts,
		MinWait:        p.MinWait,
		MaxWait:        p.MaxWait,
		AttemptTimeout: p.AttemptTimeout,
		MaxServerWait:  p.MaxServerWait,
	}
}

// Client calls the Graph API for Lead Ads with one access token. It is safe
// for concurrent use. Clients derived with WithToken share its configuration,
// rate limiter, usage tracking and redaction.
type Client struct {
	s     *shared
	token string
	tr    *transport.Transport
}

// shared is what a client and its WithToken siblings have in common.
type shared struct {
	base      *url.URL
	version   string
	appSecret string
	timed     bool
	usage     *usageTracker
	red       *redact.Redactor
	rt        http.RoundTripper
	tcfg      transport.Config
	pollFirst time.Duration // first wait of async report polling
	pollMax   time.Duration // longest wait of async report polling
}

// NewClient returns a client that authenticates with token (a Page, User or
// system-user access token), sent only in the Authorization header.
func NewClient(token string, opts ...Option) (*Client, error) {
	if err := checkToken(token); err != nil {
		return nil, err
	}
	cfg := config{highWater: DefaultUsageHighWater, version: APIVersion, pollFirst: asyncPollMin, pollMax: asyncPollMax}
	cfg.base, _ = url.Parse(DefaultBaseURL)
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.timedProof && cfg.appSecret == "" {
		return nil, errors.New("metaleads: WithTimedProof(true) needs WithAppSecret")
	}
	red := redact.New(token, cfg.appSecret)
	rt := http.DefaultTransport
	policy := toPolicy(cfg.retry)
	if cfg.hc != nil {
		if cfg.hc.Transport != nil {
			rt = cfg.hc.Transport
		}
		if policy.AttemptTimeout == 0 && cfg.hc.Timeout > 0 {
			policy.AttemptTimeout = cfg.hc.Timeout
		}
	}
	limiter := cfg.limiter
	if !cfg.limiterSet {
		limiter = rate.NewLimiter(DefaultRateLimit, DefaultRateBurst)
	}
	ua := sdkUserAgent
	if cfg.userAgent != "" {
		ua += " " + cfg.userAgent
	}
	usage := newUsageTracker(cfg.highWater)
	s := &shared{
		base:      cfg.base,
		version:   cfg.version,
		appSecret: cfg.appSecret,
		timed:     cfg.timedProof,
		usage:     usage,
		red:       red,
		rt:        rt,
		pollFirst: cfg.pollFirst,
		pollMax:   cfg.pollMax,
		tcfg: transport.Config{
			Limiter:       limiter,
			Policy:        policy,
			Classify:      classify,
			Logger:        cfg.logger,
			Redactor:      red,
			UserAgent:     ua,
			ValidateJSON:  true,
			BeforeAttempt: usage.wait,
			AfterAttempt:  func(h http.Header, _ int) { usage.observe(h, time.Now()) },
		},
	}
	return s.client(token)
}

// WithToken returns a client that uses token instead (for example a Page
// token from PageToken) and shares everything else with c: options, rate
// limiter, usage tracking and redaction.
func (c *Client) WithToken(token string) (*Client, error) {
	if err := checkToken(token); err != nil {
		return nil, err
	}
	c.s.red.Add(token)
	return c.s.client(token)
}

// proofTTLMargin is added to the attempt timeout to get how long a timed
// appsecret_proof stays registered with the redactor: long enough for any
// error or log record of the attempt that sent it to be produced and
// scrubbed, short enough that the values (a new one every second) do not
// pile up.
const proofTTLMargin = 10 * time.Minute

func (s *shared) client(token string) (*Client, error) {
	a := &authRT{base: s.rt, token: token}
	if s.appSecret != "" {
		a.secret = []byte(s.appSecret)
		a.timed = s.timed
		a.proof = AppSecretProof(s.appSecret, token)
		s.red.Add(a.proof) // once: the classic proof never changes
	}
	cfg := s.tcfg
	cfg.Base = a
	tr, err := transport.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("metaleads: %w", err)
	}
	if a.timed {
		// Set before the client is returned, so never read concurrently.
		a.red = s.red
		a.proofTTL = tr.Policy().AttemptTimeout + proofTTLMargin
	}
	return &Client{s: s, token: token, tr: tr}, nil
}

func checkToken(token string) error {
	if token == "" {
		return errors.New("metaleads: empty access token")
	}
	for _, r := range token {
		if r <= ' ' || r == 0x7f {
			return errors.New("metaleads: access token contains blanks or control characters")
		}
	}
	return nil
}

// APIVersion returns the Graph API version the client calls.
func (c *Client) APIVersion() string { return c.s.version }

// Usage returns the throttling state last reported by Graph's usage headers
// to this client or any client sharing its usage tracking.
func (c *Client) Usage() Usage { return c.s.usage.snapshot(time.Now()) }

// AppSecretProof returns the classic appsecret_proof for token: the lowercase
// hex HMAC-SHA256 of token keyed with appSecret.
func AppSecretProof(appSecret, token string) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// TimedAppSecretProof returns the time-stamped appsecret_proof: the lowercase
// hex HMAC-SHA256 of token+"|"+unix keyed with appSecret, to be sent with
// appsecret_time=unix.
func TimedAppSecretProof(appSecret, token string, unix int64) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write([]byte(token))
	m.Write([]byte{'|'})
	m.Write(strconv.AppendInt(nil, unix, 10))
	return hex.EncodeToString(m.Sum(nil))
}

// authMode says where a call's credentials go.
type authMode uint8

const (
	authHeader authMode = iota // Authorization: Bearer, proof in the query
	authNone                   // no token, no proof (the token exchange)
	authBody                   // access_token and proof in the form body (a batch)
)

// authModeKey carries a call's authMode in its context.
type authModeKey struct{}

// authRT authenticates each attempt: the Bearer header and, with an app
// secret, appsecret_proof (and appsecret_time) in the query string; for a
// batch, which Graph documents with a top-level access_token parameter, the
// token and the proof go in the form body instead. A time-stamped proof is
// computed per attempt so a long retry wait cannot make it expire, and is
// registered with the redactor for proofTTL (see proofTTLMargin).
type authRT struct {
	base   http.RoundTripper
	token  string
	secret []byte
	timed  bool
	proof  string // the classic proof

	red      *redact.Redactor // timed proofs only
	proofTTL time.Duration    // how long a timed proof stays registered
	// lastTimed caches the timed proof of the current second, so that
	// attempts within one second neither recompute nor re-register it.
	lastTimed atomic.Pointer[timedProof]
}

// timedProof is a time-stamped appsecret_proof and its unix time.
type timedProof struct {
	unix  int64
	proof string
}

// timedProof returns the time-stamped proof for unix time now, registering
// a new value with the redactor for proofTTL.
func (a *authRT) timedProof(now int64) string {
	if p := a.lastTimed.Load(); p != nil && p.unix == now {
		return p.proof
	}
	p := &timedProof{unix: now, proof: TimedAppSecretProof(string(a.secret), a.token, now)}
	a.red.AddFor(a.proofTTL, p.proof)
	a.lastTimed.Store(p)
	return p.proof
}

func (a *authRT) RoundTrip(req *http.Request) (*http.Response, error) {
	mode, _ := req.Context().Value(authModeKey{}).(authMode)
	if mode == authNone {
		return a.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	params := url.Values{}
	if a.secret != nil {
		if a.timed {
			now := time.Now().Unix()
			params.Set("appsecret_proof", a.timedProof(now))
			params.Set("appsecret_time", strconv.FormatInt(now, 10))
		} else {
			params.Set("appsecret_proof", a.proof)
		}
	}
	if mode == authBody {
		params.Set("access_token", a.token)
		if err := addFormParams(r, params); err != nil {
			return nil, err
		}
		return a.base.RoundTrip(r)
	}
	r.Header.Set("Authorization", "Bearer "+a.token)
	if len(params) > 0 {
		q := r.URL.Query()
		for k, v := range params {
			q[k] = v
		}
		r.URL.RawQuery = q.Encode()
	}
	return a.base.RoundTrip(r)
}

// addFormParams adds params to r's form-encoded body.
func addFormParams(r *http.Request, params url.Values) error {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return fmt.Errorf("metaleads: reading the request body: %w", err)
		}
		body = b
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return errors.New("metaleads: the request body is not form-encoded")
	}
	for k, v := range params {
		form[k] = v
	}
	b := []byte(form.Encode())
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r.ContentLength = int64(len(b))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return nil
}

// call is one Graph request.
type call struct {
	op     string
	method string
	path   string     // below /{version}/; segments already validated; "" is the root
	query  url.Values // may be nil
	form   url.Values // POST body, form-encoded; nil for none
	auth   authMode   // where the credentials go; authHeader by default
	// write marks a call that changes state on Graph: it is retried only
	// when the request provably never left this process or Graph answered
	// 429. Other calls are reads (also when sent as POST), retried even when
	// they may have reached Graph.
	write bool
}

// send performs a call and returns the successful response, or an error: a
// *Error for Graph's answers, a transport error otherwise. Errors are not
// yet redacted by the top-level wrapper; exported methods wrap them with
// c.err.
func (c *Client) send(ctx context.Context, k call) (*transport.Response, error) {
	if err := c.precheck(ctx); err != nil {
		return nil, err
	}
	u := c.s.base.JoinPath(c.s.version, k.path)
	if k.path == "" {
		u.Path += "/"
	}
	if len(k.query) > 0 {
		u.RawQuery = k.query.Encode()
	}
	req := transport.Request{Method: k.method, URL: u, Idempotent: !k.write, Op: k.op}
	form := k.form
	if form == nil && k.auth == authBody {
		form = url.Values{}
	}
	if form != nil {
		req.Body = []byte(form.Encode())
		req.Header = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	}
	if k.auth != authHeader {
		ctx = context.WithValue(ctx, authModeKey{}, k.auth)
	}
	resp, err := c.tr.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, c.responseError(k.op, resp)
	}
	return resp, nil
}

// getNode reads one node, GET /{id}?fields=..., asking for the default
// fields plus the extra ones; what names the kind of id in errors.
func (c *Client) getNode(ctx context.Context, op, what, id string, defaults, extra []string) (*transport.Response, error) {
	if err := checkID(what, id); err != nil {
		return nil, err
	}
	fields, err := fieldList(defaults, extra)
	if err != nil {
		return nil, err
	}
	return c.send(ctx, call{op: op, method: http.MethodGet, path: id, query: url.Values{"fields": {fields}}})
}

// getJSON performs a call and decodes its JSON body into out.
func (c *Client) getJSON(ctx context.Context, k call, out any) error {
	resp, err := c.send(ctx, k)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return c.invalidResponse(resp, err)
	}
	return nil
}

// precheck refuses a call at once when Graph announced a block longer than
// the retry policy or the context allows to wait.
func (c *Client) precheck(ctx context.Context) error {
	d, blocked := c.s.usage.delay(time.Now())
	if !blocked {
		return nil
	}
	limit := c.tr.Policy().MaxServerWait
	if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(dl))
	}
	if d <= limit {
		return nil // the usage gate waits
	}
	return &Error{
		Message:    "Graph's usage headers announce that access is blocked for another " + d.Round(time.Second).String() + "; not calling",
		RetryAfter: d,
		kind:       kindThrottled,
	}
}

// err passes an error leaving the SDK through the redaction point.
func (c *Client) err(err error) error { return c.tr.Err(err) }

// logDebug writes a debug record through the redacting logger, if any.
func (c *Client) logDebug(ctx context.Context, msg string, attrs ...slog.Attr) {
	if l := c.tr.Logger(); l != nil {
		l.LogAttrs(ctx, slog.LevelDebug, msg, attrs...)
	}
}

var idRE = regexp.MustCompile(`^[0-9A-Za-z_]{1,64}$`)

// checkID validates an object id before it goes into a path.
func checkID(what, id string) error {
	if !idRE.MatchString(id) {
		return fmt.Errorf("metaleads: invalid %s id %q", what, truncate(id, 70))
	}
	return nil
}

// fieldList joins the default fields with extra ones, dropping duplicates.
func fieldList(defaults []string, extra []string) (string, error) {
	seen := make(map[string]bool, len(defaults)+len(extra))
	out := make([]string, 0, len(defaults)+len(extra))
	for _, f := range defaults {
		seen[f] = true
		out = append(out, f)
	}
	for _, f := range extra {
		f = strings.TrimSpace(f)
		if f == "" || strings.ContainsAny(f, " \t\r\n&?#") {
			return "", fmt.Errorf("metaleads: invalid field name %q", truncate(f, 70))
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return strings.Join(out, ","), nil
}
