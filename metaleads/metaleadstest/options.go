package metaleadstest

import (
	"fmt"
	"regexp"
	"time"
)

// Option configures a Server. Invalid options make NewServer panic with a
// message naming the option, the way httptest treats misuse.
type Option func(*config)

type config struct {
	err error

	addr            string
	apiVersion      string
	appID           string
	appSecret       string
	secretSet       bool
	requireProof    bool
	userToken       string
	pageToken       string
	tokenSuffix     string
	latency         time.Duration
	pageSizeCap     int
	reduceDataAbove int
	emptyPageEvery  int
	synthetic       []syntheticSpec
	demo            *demoSpec
	chaos           *chaosSpec
	usageRate       float64
	clock           func() time.Time
	requirePageTok  bool
	scopes          []string
	maxRecorded     int
	asyncPolls      int
	webhook         *WebhookConfig
}

type syntheticSpec struct {
	formID string
	n      int
}

// DefaultScopes are the permissions the fake's tokens carry unless WithScopes
// replaces them: the set the Lead Ads retrieval guide asks for, plus ads_read
// for insights.
var DefaultScopes = []string{
	"ads_management", "ads_read", "read_insights", "leads_retrieval", "pages_show_list",
	"pages_read_engagement", "pages_manage_ads", "pages_manage_metadata",
}

func defaultConfig() config {
	return config{
		apiVersion:  DefaultAPIVersion,
		appID:       "1098765432101234",
		pageSizeCap: DefaultPageSizeCap,
		usageRate:   0.01,
		scopes:      append([]string(nil), DefaultScopes...),
		maxRecorded: 10000,
		asyncPolls:  1,
	}
}

func (c *config) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf(format, args...)
	}
}

var versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// WithAddr makes the server listen on addr, which must be a loopback address
// such as "127.0.0.1:8089" or "[::1]:0" (the sandbox's -graph-addr). The
// default is 127.0.0.1:0, a free port.
func WithAddr(addr string) Option {
	return func(c *config) {
		if addr == "" {
			c.fail("WithAddr: empty address")
			return
		}
		c.addr = addr
	}
}

// WithAPIVersion sets the version reported for unversioned calls (default
// DefaultAPIVersion). Requests may always use any "vN.M" prefix.
func WithAPIVersion(v string) Option {
	return func(c *config) {
		if !versionRE.MatchString(v) {
			c.fail("WithAPIVersion: %q is not of the form vN.M", v)
			return
		}
		c.apiVersion = v
	}
}

// WithAppID sets the fake app's ID (default "1098765432101234").
func WithAppID(id string) Option {
	return func(c *config) {
		if id == "" {
			c.fail("WithAppID: empty id")
			return
		}
		c.appID = id
	}
}

// WithAppSecret sets the app secret. The fake always verifies an
// appsecret_proof that a request carries; with WithAppSecret, Client also
// sends proofs. Combine with RequireProof(true) to reject calls without one.
// Without this option the fake makes up a secret (Server.AppSecret).
func WithAppSecret(secret string) Option {
	return func(c *config) {
		if secret == "" {
			c.fail("WithAppSecret: empty secret")
			return
		}
		c.appSecret = secret
		c.secretSet = true
	}
}

// RequireProof makes every call that carries an access token (except
// /oauth/access_token) fail with Graph error 100 "API calls from the server
// require an appsecret_proof argument" unless it sends appsecret_proof, like
// the App Dashboard's "Require App Secret" switch.
func RequireProof(require bool) Option {
	return func(c *config) { c.requireProof = require }
}

// WithTokens fixes the user and default-Page tokens instead of generated
// "fake-user-token-…" / "fake-page-token-…" values (for a sandbox that prints
// them). Empty strings keep the generated value.
func WithTokens(userToken, pageToken string) Option {
	return func(c *config) {
		c.userToken = userToken
		c.pageToken = pageToken
	}
}

// WithLatency delays every response by d (benchmarks of concurrency).
func WithLatency(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.fail("WithLatency: negative duration")
			return
		}
		c.latency = d
	}
}

// WithPageSizeCap sets the largest page served on list edges (default
// DefaultPageSizeCap). A larger limit is clamped silently, which Graph allows
// ("limit is a maximum"). Use WithReduceDataAbove to get Graph's code-1 error
// instead.
func WithPageSizeCap(n int) Option {
	return func(c *config) {
		if n <= 0 {
			c.fail("WithPageSizeCap: %d is not positive", n)
			return
		}
		c.pageSizeCap = n
	}
}

// WithReduceDataAbove makes lead and insights pages with a limit above n fail
// with HTTP 500, Graph code 1 "Please reduce the amount of data you're asking
// for, then retry your request", as Graph does for heavy pages. Zero (the
// default) disables it.
func WithReduceDataAbove(n int) Option {
	return func(c *config) {
		if n < 0 {
			c.fail("WithReduceDataAbove: %d is negative", n)
			return
		}
		c.reduceDataAbove = n
	}
}

// WithEmptyPages makes every k-th lead page request (counted across the
// server) return an empty page that still carries a fresh "after" cursor and a
// next link, which Graph documents as legal. The traversal then continues where
// it was. Zero (the default) disables it.
func WithEmptyPages(k int) Option {
	return func(c *config) {
		if k < 0 {
			c.fail("WithEmptyPages: %d is negative", k)
			return
		}
		c.emptyPageEvery = k
	}
}

// WithSyntheticForm adds a form with n leads on the default Page. Its leads are
// generated page by page (deterministically, from the demo generator) and never
// held in memory, so a 100,000-lead form costs no more memory than a small one.
// If formID is empty one is made up; look it up with Server.SyntheticFormIDs.
func WithSyntheticForm(formID string, n int) Option {
	return func(c *config) {
		if n < 0 {
			c.fail("WithSyntheticForm: negative lead count %d", n)
			return
		}
		c.synthetic = append(c.synthetic, syntheticSpec{formID: formID, n: n})
	}
}

// WithUsageRate sets how fast the usage headers grow: each request adds
// percent to the call_count of X-App-Usage and of the
// X-Business-Use-Case-Usage entries for the request's use case (default 0.01,
// i.e. 1 % per 100 requests; values are whole numbers capped at 100). The fake
// never throttles by itself; use FailNext or Fault.Headers for that.
func WithUsageRate(percent float64) Option {
	return func(c *config) {
		if percent < 0 || percent > 100 {
			c.fail("WithUsageRate: %v is outside 0..100", percent)
			return
		}
		c.usageRate = percent
	}
}

// WithClock sets the clock used for token times, appsecret_time checks,
// default lead creation times and date presets (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			c.fail("WithClock: nil clock")
			return
		}
		c.clock = now
	}
}

// RequirePageToken makes lead reads (/{form-id}/leads, /{ad-id}/leads,
// /{lead-id}) and /{page-id}/leadgen_forms reject User tokens with Graph error
// 190 "(#190) This method must be called with a Page Access Token". By default
// the fake follows the retrieval guide, which allows a Page token or a User
// token of an advertiser of the Page.
func RequirePageToken(require bool) Option {
	return func(c *config) { c.requirePageTok = require }
}

// WithScopes replaces the permissions of every token (default DefaultScopes).
// Without leads_retrieval, lead reads fail with Graph error 200; without
// ads_read and ads_management, insights fail with error 200; without
// pages_show_list, /me/accounts fails with error 200.
func WithScopes(scopes ...string) Option {
	return func(c *config) { c.scopes = append([]string(nil), scopes...) }
}

// WithRequestLog caps the number of recorded requests (default 10,000; the
// oldest are dropped). Zero disables recording; counters keep counting.
func WithRequestLog(max int) Option {
	return func(c *config) {
		if max < 0 {
			c.fail("WithRequestLog: negative cap")
			return
		}
		c.maxRecorded = max
	}
}

// WithAsyncPolls sets how many status reads of an async insights report run
// answer "Job Running" before it reports "Job Completed" (default 1; 0 means
// completed at once).
func WithAsyncPolls(n int) Option {
	return func(c *config) {
		if n < 0 {
			c.fail("WithAsyncPolls: negative count")
			return
		}
		c.asyncPolls = n
	}
}
