package metaleadstest

import (
	"time"

	"github.com/ecademy/leadkit/metaleads"
)

// Client returns a metaleads client wired to the fake with the default Page's
// token: base URL, the fake's HTTP client (its connections are closed by
// Close), no client-side rate limiter, retries with 1–10 ms waits, async
// insights report runs polled every 1–10 ms (WithReportPolling), usage
// slow-down only when the fake announces a block (WithUsageHighWater(100)),
// and appsecret_proof when WithAppSecret was given. opts are applied after
// these defaults and may override them.
func (s *Server) Client(opts ...metaleads.Option) (*metaleads.Client, error) {
	return s.clientWith(s.PageToken, opts)
}

// UserClient is Client with the User token (UserToken), for /me/accounts,
// the Page-token exchange, debug_token and insights.
func (s *Server) UserClient(opts ...metaleads.Option) (*metaleads.Client, error) {
	return s.clientWith(s.UserToken, opts)
}

// ClientWithToken is Client with any token, e.g. one from PageTokenFor or
// IssueUserToken, or a deliberately wrong one.
func (s *Server) ClientWithToken(token string, opts ...metaleads.Option) (*metaleads.Client, error) {
	return s.clientWith(token, opts)
}

func (s *Server) clientWith(token string, opts []metaleads.Option) (*metaleads.Client, error) {
	all := []metaleads.Option{
		metaleads.WithBaseURL(s.URL),
		metaleads.WithHTTPClient(s.client),
		metaleads.WithLimiter(nil),
		metaleads.WithRetry(metaleads.RetryPolicy{MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond}),
		metaleads.WithReportPolling(time.Millisecond, 10*time.Millisecond),
		metaleads.WithUsageHighWater(100),
	}
	if s.cfg.secretSet {
		all = append(all, metaleads.WithAppSecret(s.AppSecret))
	}
	return metaleads.NewClient(token, append(all, opts...)...)
}
