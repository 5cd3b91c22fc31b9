package alfacrmtest

import (
	"time"

	"github.com/ecademy/leadkit/alfacrm"
)

// ClientConfig returns an alfacrm.Config wired to this server: its URL,
// credentials, branch and time zone, the server's clock, a private HTTP
// client (closed by Close), no client-side rate limit, and retries with
// millisecond waits.
func (s *Server) ClientConfig() alfacrm.Config {
	return alfacrm.Config{
		BaseURL:    s.URL,
		Email:      s.Email,
		APIKey:     s.APIKey,
		BranchID:   s.BranchID,
		HTTPClient: s.HTTPClient(),
		Unlimited:  true,
		Retry: alfacrm.RetryPolicy{
			MaxAttempts:    4,
			MinWait:        time.Millisecond,
			MaxWait:        5 * time.Millisecond,
			AttemptTimeout: 10 * time.Second,
			MaxServerWait:  2 * time.Second,
		},
		Location: s.cfg.loc,
		Now:      s.cfg.clock,
	}
}

// Client returns an *alfacrm.Client wired to this server (see
// ClientConfig); each adjust function may change the configuration first.
func (s *Server) Client(adjust ...func(*alfacrm.Config)) (*alfacrm.Client, error) {
	cfg := s.ClientConfig()
	for _, f := range adjust {
		f(&cfg)
	}
	return alfacrm.NewClient(cfg)
}
