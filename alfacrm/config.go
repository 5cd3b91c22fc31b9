package alfacrm

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ecademy/leadkit/internal/transport"
	"golang.org/x/time/rate"
)

// Defaults applied by [NewClient] to zero Config fields.
const (
	// DefaultRate is the client-side request rate (requests per second) used
	// when neither Config.Limiter nor Config.Unlimited is set. AlfaCRM
	// recommends processing requests sequentially and publishes no limit;
	// peers settled on 3–4 requests per second.
	DefaultRate = 3
	// DefaultBurst is the burst of the default limiter.
	DefaultBurst = 1
	// DefaultPageSize is the page size requested from list endpoints. The
	// server may ignore it; paging never relies on it.
	DefaultPageSize = 50
	// DefaultPhoneRegion is the region assumed for phone numbers written
	// without a country code.
	DefaultPhoneRegion = "UA"
	// DefaultUserAgent is sent when Config.UserAgent is empty.
	DefaultUserAgent = "leadkit-alfacrm/1"
	// TokenRefreshAfter is the age at which a token is replaced before use.
	// AlfaCRM tokens live 15 minutes.
	TokenRefreshAfter = 14 * time.Minute
)

// RetryPolicy bounds the retries of calls that may be retried: reads (index
// calls, the login) on HTTP 429, 5xx, connection errors and unparsable 2xx
// bodies; writes only on 429 or when the request provably never left. The
// zero value means the defaults of the shared transport (4 attempts, backoff
// from 500 ms to 30 s, 30 s per attempt); MaxAttempts 1 disables retries.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts including the first one.
	MaxAttempts int
	// MinWait and MaxWait bound the exponential backoff between attempts.
	MinWait, MaxWait time.Duration
	// AttemptTimeout bounds one attempt (connect, headers and body).
	AttemptTimeout time.Duration
	// MaxServerWait caps a wait the server asks for with Retry-After; a
	// longer requested wait ends the retries and returns the 429.
	MaxServerWait time.Duration
}

func (p RetryPolicy) policy() transport.Policy {
	return transport.Policy{
		MaxAttempts:    p.MaxAttempts,
		MinWait:        p.MinWait,
		MaxWait:        p.MaxWait,
		AttemptTimeout: p.AttemptTimeout,
		MaxServerWait:  p.MaxServerWait,
	}
}

// Config configures a [Client]. BaseURL, Email, APIKey and BranchID are
// required; every other field has a working zero value.
type Config struct {
	// BaseURL is the account URL, e.g. "https://school.s20.online". Any host
	// is accepted; a trailing "/" or "/v2api" is tolerated. It must not
	// carry user information, a query or a fragment.
	BaseURL string
	// Email is the e-mail address of the API user.
	Email string
	// APIKey is the API key from that user's AlfaCRM profile. It is only
	// ever sent in the login body and never appears in errors or logs.
	APIKey string
	// BranchID is the branch (филиал) that branch-scoped calls address.
	BranchID int

	// HTTPClient supplies the base RoundTripper (its Transport) and, when
	// RetryPolicy.AttemptTimeout is zero, the per-attempt timeout (its
	// Timeout). Nil means http.DefaultTransport.
	HTTPClient *http.Client
	// Limiter throttles every attempt, retries and logins included. Nil
	// means DefaultRate requests per second with DefaultBurst, unless
	// Unlimited is set.
	Limiter *rate.Limiter
	// Unlimited disables client-side rate limiting. It cannot be combined
	// with Limiter.
	Unlimited bool
	// Retry bounds retries; the zero value means the defaults.
	Retry RetryPolicy
	// Logger receives one debug record per HTTP attempt (method, host, path,
	// status, attempt, duration) and warnings for failed attempts. It never
	// receives queries, bodies, tokens, names, phones or e-mails. Nil logs
	// nothing.
	Logger *slog.Logger
	// Location is the time zone of the school: AlfaCRM dates carry no offset
	// and are interpreted as wall-clock times there; date filters are
	// formatted there too. Nil means UTC.
	Location *time.Location
	// PhoneRegion is the ISO 3166-1 region (e.g. "UA", "PL") assumed for
	// phone numbers without a country code, when normalising to E.164.
	// Empty means DefaultPhoneRegion.
	PhoneRegion string
	// IncomePayTypeIDs, when set, lists the pay types (pay-type ids) that
	// count as income. Otherwise income pay types are recognised by name
	// ("Доход", "Дохід", "Income", any case) from the pay-type dictionary.
	IncomePayTypeIDs []int
	// Now is the clock for token expiry. Nil means time.Now.
	Now func() time.Time
	// UserAgent is sent on every request. Empty means DefaultUserAgent.
	UserAgent string
	// Header holds extra headers sent with every request, the login
	// included; some accounts reportedly require an X-APP-KEY header. The
	// values are treated as secrets: registered with the redaction point,
	// they never appear in errors or logs. Header must not set
	// X-ALFACRM-TOKEN, Content-Type, Content-Length, Accept or Host, which
	// the client manages.
	Header http.Header
}

// managedHeaders are set by the client; Config.Header must not set them.
var managedHeaders = []string{tokenHeader, "Content-Type", "Content-Length", "Accept", "Host"}

// baseURL validates and normalises Config.BaseURL: it returns the URL with
// any trailing "/" and "/v2api" removed.
func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("alfacrm: Config.BaseURL is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("alfacrm: Config.BaseURL is not a valid URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, errors.New("alfacrm: Config.BaseURL must start with https:// or http://")
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("alfacrm: Config.BaseURL has no host")
	}
	if u.User != nil {
		return nil, errors.New("alfacrm: Config.BaseURL must not contain user information")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, errors.New("alfacrm: Config.BaseURL must not contain a query or fragment")
	}
	p := strings.TrimRight(u.Path, "/")
	if strings.HasSuffix(strings.ToLower(p), "/v2api") {
		p = strings.TrimRight(p[:len(p)-len("/v2api")], "/")
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: p}, nil
}

func (cfg *Config) validate() error {
	if strings.TrimSpace(cfg.Email) == "" {
		return errors.New("alfacrm: Config.Email is required")
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return errors.New("alfacrm: Config.APIKey is required")
	}
	if cfg.BranchID <= 0 {
		return errors.New("alfacrm: Config.BranchID must be a positive branch id")
	}
	if cfg.Limiter != nil && cfg.Unlimited {
		return errors.New("alfacrm: Config.Limiter and Config.Unlimited are mutually exclusive")
	}
	if err := cfg.Retry.policy().Validate(); err != nil {
		return fmt.Errorf("alfacrm: Config.Retry: %w", err)
	}
	if r := cfg.PhoneRegion; r != "" {
		if len(r) != 2 || !isASCIILetter(r[0]) || !isASCIILetter(r[1]) {
			return errors.New(`alfacrm: Config.PhoneRegion must be a two-letter region code such as "UA"`)
		}
	}
	for k, vs := range cfg.Header {
		if !validHeaderName(k) {
			return errors.New("alfacrm: Config.Header has an invalid header name")
		}
		for _, m := range managedHeaders {
			if strings.EqualFold(k, m) {
				return fmt.Errorf("alfacrm: Config.Header must not set %s", m)
			}
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				return fmt.Errorf("alfacrm: Config.Header %s has a value with a line break", k)
			}
		}
	}
	for _, id := range cfg.IncomePayTypeIDs {
		if id <= 0 {
			return errors.New("alfacrm: Config.IncomePayTypeIDs must hold positive ids")
		}
	}
	return nil
}

// validHeaderName reports whether k is an HTTP token (RFC 9110).
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func isASCIILetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
