// Package cli holds what the example programs share: configuration from the
// environment, the sandbox (embedded fakes with the demo data) when
// credentials are absent, date flags and output files.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // ALFACRM_TIMEZONE works on machines without a zoneinfo database

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/ecademy/leadkit/internal/contact"
	"github.com/ecademy/leadkit/internal/daterange"
	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"golang.org/x/time/rate"
)

// Environment variables read by the examples.
const (
	EnvUserToken      = "META_USER_ACCESS_TOKEN"
	EnvPageToken      = "META_PAGE_ACCESS_TOKEN"
	EnvPageID         = "FACEBOOK_PAGE_ID"
	EnvAdAccountID    = "META_AD_ACCOUNT_ID"
	EnvAppID          = "META_APP_ID"
	EnvAppSecret      = "META_APP_SECRET"
	EnvGraphURL       = "META_GRAPH_URL"
	EnvAPIVersion     = "META_API_VERSION"
	EnvVerifyToken    = "META_VERIFY_TOKEN"
	EnvPhoneRegion    = "LEADKIT_PHONE_REGION"
	EnvLog            = "LEADKIT_LOG"
	EnvCRMBaseURL     = "ALFACRM_BASE_URL"
	EnvCRMEmail       = "ALFACRM_EMAIL"
	EnvCRMAPIKey      = "ALFACRM_API_KEY"
	EnvCRMBranchID    = "ALFACRM_BRANCH_ID"
	EnvCRMCompanyID   = "ALFACRM_COMPANY_ID" // the seed's name, accepted as an alias of ALFACRM_BRANCH_ID
	EnvCRMTimezone    = "ALFACRM_TIMEZONE"
	EnvCRMRPS         = "ALFACRM_RPS"
	EnvCRMIncomeTypes = "ALFACRM_INCOME_PAY_TYPE_IDS"
	EnvCRMCurrency    = "ALFACRM_CURRENCY"
)

// DefaultPhoneRegion is used when LEADKIT_PHONE_REGION is not set.
const DefaultPhoneRegion = "UA"

// Env reads one variable, trimmed.
func Env(name string) string { return strings.TrimSpace(os.Getenv(name)) }

// Logger returns a stderr logger when LEADKIT_LOG is debug, info, warn or
// error, and nil (no logging) otherwise.
func Logger(stderr io.Writer) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(Env(EnvLog)) {
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return nil
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
}

// PhoneRegion returns LEADKIT_PHONE_REGION or DefaultPhoneRegion.
func PhoneRegion() string {
	if r := Env(EnvPhoneRegion); r != "" {
		return strings.ToUpper(r)
	}
	return DefaultPhoneRegion
}

// checkPhoneRegion fails when LEADKIT_PHONE_REGION names no region the
// phone number library knows.
func checkPhoneRegion() error {
	if _, ok := contact.Region(PhoneRegion()); !ok {
		return fmt.Errorf("%s=%q: not a known ISO 3166-1 region code (e.g. UA, PL, DE)", EnvPhoneRegion, PhoneRegion())
	}
	return nil
}

// Explain adds to errors of the SDKs the environment variables that
// usually fix them: the credentials for refused logins and tokens, the
// permissions for Graph's permission errors. Other errors are returned as
// they are.
func Explain(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, alfacrm.ErrUnauthorized):
		return fmt.Errorf("%w (check %s and %s)", err, EnvCRMEmail, EnvCRMAPIKey)
	case errors.Is(err, alfacrm.ErrAccessDenied):
		return fmt.Errorf("%w (the API user's role needs access to the API; check %s too)", err, EnvCRMBranchID)
	case errors.Is(err, metaleads.ErrUnauthorized):
		return fmt.Errorf("%w (check %s / %s)", err, EnvPageToken, EnvUserToken)
	case errors.Is(err, metaleads.ErrPermission):
		return fmt.Errorf("%w (the token needs %s)", err, strings.Join(metaleads.SeedPermissions, ", "))
	}
	return err
}

// Location returns ALFACRM_TIMEZONE, or UTC when unset.
func Location() (*time.Location, error) {
	name := Env(EnvCRMTimezone)
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: %w", EnvCRMTimezone, name, err)
	}
	return loc, nil
}

// Period parses -since/-until flags (YYYY-MM-DD whole days, inclusive, or RFC
// 3339) in loc. Empty flags give the defaultDays full days ending yesterday;
// defaultDays 0 leaves the missing bound zero (unbounded).
func Period(since, until string, loc *time.Location, now time.Time, defaultDays int) (from, to time.Time, err error) {
	if loc == nil {
		loc = time.UTC
	}
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	if since != "" || until != "" {
		from, to, err = daterange.Range(since, until, loc)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
	}
	if defaultDays > 0 {
		if until == "" {
			to = today
		}
		if since == "" {
			from = to.AddDate(0, 0, -defaultDays)
		}
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return time.Time{}, time.Time{}, errors.New("the period is empty: -since must not be after -until")
	}
	return from, to, nil
}

// Meta is a Graph client for the configured Page, real or sandboxed.
type Meta struct {
	// Client uses the Page access token.
	Client *metaleads.Client
	// PageID and AdAccountID identify the Page and the ad account.
	PageID, AdAccountID string
	// Sandbox is true when Client talks to the embedded fake.
	Sandbox bool
	// Fake is the embedded fake in sandbox mode, else nil.
	Fake *metaleadstest.Server
}

// Close stops the embedded fake, if any.
func (m *Meta) Close() {
	if m.Fake != nil {
		m.Fake.Close()
	}
}

// sandbox holds the demo data set of the embedded fakes, so that OpenMeta
// and OpenCRM in one program serve the same people from one data set
// (building it takes a noticeable fraction of a second and memory). The
// fakes only read it. Only the latest data set is kept.
var sandbox struct {
	mu  sync.Mutex
	key string
	ds  *demo.Dataset
}

// SandboxData returns the demo data set of the sandbox for the reference
// day ref (its calendar date; zero means today) with CRM dates in loc (nil
// means UTC). It is built on first use and shared by every later call for
// the same day and time zone: OpenMeta and OpenCRM use it. Callers must not
// modify it.
func SandboxData(ref time.Time, loc *time.Location) *demo.Dataset {
	if loc == nil {
		loc = time.UTC
	}
	if ref.IsZero() {
		ref = time.Now().In(loc) // as demo.New does
	}
	key := ref.Format(time.DateOnly) + " " + loc.String()
	sandbox.mu.Lock()
	defer sandbox.mu.Unlock()
	if sandbox.ds == nil || sandbox.key != key {
		sandbox.ds, sandbox.key = demo.New(demo.Config{Ref: ref, Loc: loc}), key
	}
	return sandbox.ds
}

// OpenMeta builds the Graph side from the environment. With neither token set
// it starts the embedded fake with the demo data for the reference day ref
// (SandboxData, shared with OpenCRM's fake) and says so on stderr. With only
// a user token it exchanges it for the Page token first.
func OpenMeta(ctx context.Context, stderr io.Writer, ref time.Time, log *slog.Logger) (*Meta, error) {
	userTok, pageTok := Env(EnvUserToken), Env(EnvPageToken)
	if userTok == "" && pageTok == "" {
		// The Graph side's data do not depend on the CRM's time zone; it
		// only picks the data set OpenCRM will share. OpenCRM reports an
		// invalid ALFACRM_TIMEZONE.
		loc, err := Location()
		if err != nil {
			loc = time.UTC
		}
		srv := metaleadstest.NewServer(metaleadstest.WithDataset(SandboxData(ref, loc)))
		opts := []metaleads.Option{}
		if log != nil {
			opts = append(opts, metaleads.WithLogger(log))
		}
		c, err := srv.Client(opts...)
		if err != nil {
			srv.Close()
			return nil, err
		}
		fmt.Fprintf(stderr, "meta: %s and %s are not set: using the built-in fake Graph API with demo data (sandbox) at %s\n", EnvPageToken, EnvUserToken, srv.URL)
		return &Meta{Client: c, PageID: srv.PageID, AdAccountID: srv.AdAccountID, Sandbox: true, Fake: srv}, nil
	}
	pageID := Env(EnvPageID)
	if pageID == "" && pageTok != "" {
		return nil, fmt.Errorf("%s is required with %s", EnvPageID, EnvPageToken)
	}
	var opts []metaleads.Option
	if u := Env(EnvGraphURL); u != "" {
		opts = append(opts, metaleads.WithBaseURL(u))
	}
	if v := Env(EnvAPIVersion); v != "" {
		opts = append(opts, metaleads.WithAPIVersion(v))
	}
	if s := Env(EnvAppSecret); s != "" {
		opts = append(opts, metaleads.WithAppSecret(s))
	}
	if log != nil {
		opts = append(opts, metaleads.WithLogger(log))
	}
	m := &Meta{PageID: pageID, AdAccountID: metaleadsAccount(Env(EnvAdAccountID))}
	if pageTok != "" {
		c, err := metaleads.NewClient(pageTok, opts...)
		if err != nil {
			return nil, err
		}
		m.Client = c
		return m, nil
	}
	user, err := metaleads.NewClient(userTok, opts...)
	if err != nil {
		return nil, err
	}
	if pageID == "" {
		if pageID, err = onlyPage(ctx, user); err != nil {
			return nil, err
		}
		m.PageID = pageID
		fmt.Fprintf(stderr, "meta: %s is not set: using the only Page of the user, %s\n", EnvPageID, pageID)
	}
	tok, err := user.PageToken(ctx, pageID)
	if err != nil {
		return nil, fmt.Errorf("exchanging the user token for the Page token: %w", Explain(err))
	}
	if m.Client, err = user.WithToken(tok); err != nil {
		return nil, err
	}
	fmt.Fprintln(stderr, "meta: exchanged the user token for the Page token")
	return m, nil
}

// onlyPage returns the id of the one Page the user token can act on, or an
// error naming the Pages to choose from.
func onlyPage(ctx context.Context, user *metaleads.Client) (string, error) {
	var pages []string
	for a, err := range user.Accounts(ctx) {
		if err != nil {
			return "", fmt.Errorf("%s is not set and listing the user's Pages failed: %w", EnvPageID, err)
		}
		pages = append(pages, fmt.Sprintf("%s (%s)", a.ID, a.Name))
		if len(pages) > 20 {
			break
		}
	}
	switch len(pages) {
	case 0:
		return "", fmt.Errorf("%s is not set and the user token has no Page", EnvPageID)
	case 1:
		id, _, _ := strings.Cut(pages[0], " ")
		return id, nil
	default:
		return "", fmt.Errorf("%s is not set and the user has several Pages; set it to one of: %s",
			EnvPageID, strings.Join(pages, ", "))
	}
}

func metaleadsAccount(id string) string {
	if id == "" {
		return ""
	}
	return metaleads.NormalizeAdAccountID(id)
}

// CRM is an AlfaCRM client, real or sandboxed.
type CRM struct {
	// Client is the AlfaCRM client.
	Client *alfacrm.Client
	// Sandbox is true when Client talks to the embedded fake.
	Sandbox bool
	// Fake is the embedded fake in sandbox mode, else nil.
	Fake *alfacrmtest.Server
	// Location is ALFACRM_TIMEZONE (UTC when unset).
	Location *time.Location
	// Currency is ALFACRM_CURRENCY ("" = the ad account's).
	Currency string
}

// Close stops the embedded fake, if any.
func (c *CRM) Close() {
	if c.Fake != nil {
		c.Fake.Close()
	}
}

// OpenCRM builds the AlfaCRM side from the environment. Without
// ALFACRM_BASE_URL it starts the embedded fake with the demo data for the
// reference day ref (SandboxData, shared with OpenMeta's fake), in the time
// zone ALFACRM_TIMEZONE (UTC when unset), and says so on stderr. ALFACRM_INCOME_PAY_TYPE_IDS applies to both;
// ALFACRM_RPS only to a real CRM (the fake is never rate limited).
func OpenCRM(stderr io.Writer, ref time.Time, log *slog.Logger) (*CRM, error) {
	loc, err := Location()
	if err != nil {
		return nil, err
	}
	if err := checkPhoneRegion(); err != nil {
		return nil, err
	}
	incomeIDs, err := incomePayTypes()
	if err != nil {
		return nil, err
	}
	out := &CRM{Location: loc, Currency: strings.ToUpper(Env(EnvCRMCurrency))}
	base := Env(EnvCRMBaseURL)
	if base == "" {
		// The fake writes and reads its dates in loc, as the client
		// interprets them.
		srv := alfacrmtest.NewServer(alfacrmtest.WithDataset(SandboxData(ref, loc)), alfacrmtest.WithTimezone(loc))
		c, err := srv.Client(func(cfg *alfacrm.Config) {
			cfg.Location = loc
			cfg.PhoneRegion = PhoneRegion()
			cfg.Logger = log
			cfg.IncomePayTypeIDs = incomeIDs
		})
		if err != nil {
			srv.Close()
			return nil, err
		}
		fmt.Fprintf(stderr, "alfacrm: %s is not set: using the built-in fake AlfaCRM with demo data (sandbox) at %s\n", EnvCRMBaseURL, srv.URL)
		out.Client, out.Sandbox, out.Fake = c, true, srv
		return out, nil
	}
	cfg := alfacrm.Config{
		BaseURL:          base,
		Email:            Env(EnvCRMEmail),
		APIKey:           Env(EnvCRMAPIKey),
		Location:         loc,
		PhoneRegion:      PhoneRegion(),
		Logger:           log,
		IncomePayTypeIDs: incomeIDs,
	}
	if cfg.Email == "" || cfg.APIKey == "" {
		return nil, fmt.Errorf("%s and %s are required with %s", EnvCRMEmail, EnvCRMAPIKey, EnvCRMBaseURL)
	}
	branchVar, branch := EnvCRMBranchID, Env(EnvCRMBranchID)
	if branch == "" {
		branchVar, branch = EnvCRMCompanyID, Env(EnvCRMCompanyID)
	}
	if branch == "" {
		branch = "1"
		fmt.Fprintf(stderr, "alfacrm: %s is not set: using branch 1\n", EnvCRMBranchID)
	}
	if cfg.BranchID, err = strconv.Atoi(branch); err != nil || cfg.BranchID <= 0 {
		return nil, fmt.Errorf("%s=%q: want a positive branch id", branchVar, branch)
	}
	if rps := Env(EnvCRMRPS); rps != "" {
		f, err := strconv.ParseFloat(rps, 64)
		if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%s=%q: want a number of requests per second (0 = unlimited)", EnvCRMRPS, rps)
		}
		if f == 0 {
			cfg.Unlimited = true
		} else {
			cfg.Limiter = rate.NewLimiter(rate.Limit(f), 1)
		}
	}
	c, err := alfacrm.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	out.Client = c
	return out, nil
}

// WarnMixed says on stderr, as prog, when only one of the two sides runs
// on its sandbox: the demo people of that fake are not the real account's,
// so few or no leads will match. It reports whether it warned.
func WarnMixed(stderr io.Writer, prog string, meta *Meta, crm *CRM) bool {
	if meta.Sandbox == crm.Sandbox {
		return false
	}
	side := "Meta"
	if crm.Sandbox {
		side = "AlfaCRM"
	}
	fmt.Fprintf(stderr, "%s: only the %s side is the sandbox: its demo people are not yours, so expect few or no matches\n", prog, side)
	return true
}

// incomePayTypes parses ALFACRM_INCOME_PAY_TYPE_IDS; nil when unset.
func incomePayTypes() ([]int, error) {
	ids := Env(EnvCRMIncomeTypes)
	if ids == "" {
		return nil, nil
	}
	var out []int
	for s := range strings.SplitSeq(ids, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := strconv.Atoi(s)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%s=%q: want comma-separated pay type ids", EnvCRMIncomeTypes, ids)
		}
		out = append(out, id)
	}
	return out, nil
}

// Output opens -out FILE, or returns stdout when path is "" or "-". The file
// is created at once and keeps whatever was written if the program fails;
// prefer Create, which publishes the file only on success.
func Output(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// Fatal prints err to stderr and exits with status 1.
func Fatal(stderr io.Writer, prog string, err error) {
	fmt.Fprintf(stderr, "%s: %v\n", prog, err)
	os.Exit(1)
}
