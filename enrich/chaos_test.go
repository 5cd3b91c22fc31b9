package enrich_test

// Chaos tests: the whole pipeline — every form's leads from the Graph fake,
// enrichment against the AlfaCRM fake, the ROI report — with a seeded
// random share of the requests failing on both sides (see metaChaos and
// crmChaos), compared with a fault-free run of the same data. They run on
// the fake clock of a testing/synctest bubble (see chaos_helpers_test.go), so
// regain waits of minutes, backoffs and attempt timeouts cost no real time.
//
// Select them with -run Chaos; pick another fault sequence with
// -chaos.seed=N (go test ./enrich -run Chaos -chaos.seed=7). -short skips
// the per-lead run.

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/ecademy/leadkit/enrich"
	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

var chaosSeed = flag.Uint64("chaos.seed", 20260316, "seed of the chaos tests' fault sequence")

// The demo school both fakes serve, as in the package's other tests.
var (
	chaosRef = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)
	chaosLoc = time.FixedZone("MSK", 3*60*60)

	chaosDSOnce sync.Once
	chaosDS     *demo.Dataset
)

func chaosDataset() *demo.Dataset {
	chaosDSOnce.Do(func() { chaosDS = demo.New(demo.Config{Ref: chaosRef, Loc: chaosLoc}) })
	return chaosDS
}

// weighted is one entry of a fault mix: the fakes draw uniformly from a
// list, so an entry of weight w appears w times in it.
type weighted[F any] struct {
	name   string
	weight int
	fault  F
}

func expand[F any](mix []weighted[F]) []F {
	var out []F
	for _, w := range mix {
		for range w.weight {
			out = append(out, w.fault)
		}
	}
	return out
}

// describeMix lists the entries of a mix with their share of the faults.
func describeMix[F any](mix []weighted[F]) string {
	total := 0
	for _, w := range mix {
		total += w.weight
	}
	parts := make([]string, len(mix))
	for i, w := range mix {
		parts[i] = fmt.Sprintf("%s %d/%d", w.name, w.weight, total)
	}
	return strings.Join(parts, "; ")
}

// Share of requests that get a fault. The observed share must be at least
// minFaultRate on each side; with a few hundred requests per side, 0.35
// keeps it there by several standard deviations.
const (
	metaChaosRate = 0.35
	crmChaosRate  = 0.35
	minFaultRate  = 0.20
)

// Retry policies of the chaos runs. Twelve attempts make a call that fails
// every attempt at a 35 % fault rate a one-in-300,000 event. The attempt
// timeouts are shorter than the slow faults' delays.
var (
	metaRetry = metaleads.RetryPolicy{MaxAttempts: 12, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second,
		AttemptTimeout: 30 * time.Second, MaxServerWait: time.Hour}
	crmRetry = alfacrm.RetryPolicy{MaxAttempts: 12, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second,
		AttemptTimeout: 20 * time.Second, MaxServerWait: 5 * time.Minute}
)

// metaChaos is the Graph side of the mix: server errors, an HTML error
// page, Graph's transient codes 1 and 2, the throttling codes with usage
// headers (estimated_time_to_regain_access in minutes in
// X-Business-Use-Case-Usage, X-App-Usage at 100 % for code 4), connection
// resets, truncated JSON (a short body with a matching length, and one
// whose announced length is never delivered) and a response slower than
// the attempt timeout.
var metaChaos = []weighted[metaleadstest.Fault]{
	{"HTTP 500", 2, metaleadstest.Fault{Status: http.StatusInternalServerError}},
	{"HTTP 502 HTML page", 2, metaleadstest.Fault{HTML: true, Status: http.StatusBadGateway}},
	{"HTTP 503", 2, metaleadstest.Fault{Status: http.StatusServiceUnavailable}},
	{"Graph 1 unknown error", 2, metaleadstest.Fault{GraphCode: 1, Status: http.StatusInternalServerError, Message: "An unknown error occurred"}},
	{"Graph 2 transient", 2, metaleadstest.TransientFault()},
	{"Graph 4 app limit", 1, metaleadstest.ThrottleFault(4)},
	{"Graph 17 user limit, regain 2 min", 1, metaleadstest.ThrottleFaultRegain(17, 2)},
	{"Graph 32 Page limit, regain 1 min", 1, metaleadstest.ThrottleFaultRegain(32, 1)},
	{"Graph 613, regain 3 min", 1, metaleadstest.ThrottleFaultRegain(613, 3)},
	{"Graph 80001 Pages BUC, regain 5 min", 1, metaleadstest.ThrottleFaultRegain(80001, 5)},
	{"Graph 80005 LeadGen BUC, regain 4 min", 1, metaleadstest.ThrottleFaultRegain(80005, 4)},
	{"connection reset", 2, metaleadstest.Fault{Reset: true}},
	{"truncated JSON", 1, metaleadstest.Fault{Truncate: true}},
	{"truncated JSON, length overstated", 1, metaleadstest.Fault{Truncate: true, OverstateLength: true}},
	{"2 min delay (past the 30 s attempt timeout)", 1, metaleadstest.Fault{Delay: 2 * time.Minute}},
}

// crmChaos is the AlfaCRM side: server errors, an HTML error page, 429
// with Retry-After, truncated JSON (cut mid-body, and a complete short body
// that is not valid JSON), resets and a response slower than the attempt
// timeout. 401s for an expired token come on top, in the middle of paging
// (see crmTokenTTL). A 401 is not drawn at random: a refused login, or a
// refusal of the one replay with a fresh token, is rightly fatal, so a
// random 401 would make the run fail by design.
var crmChaos = []weighted[alfacrmtest.Fault]{
	{"HTTP 500", 2, alfacrmtest.Fault{Status: http.StatusInternalServerError}},
	{"HTTP 502 HTML page", 2, alfacrmtest.Fault{Status: http.StatusBadGateway, HTML: true}},
	{"HTTP 503", 2, alfacrmtest.Fault{Status: http.StatusServiceUnavailable}},
	{"HTTP 429, Retry-After 20 s", 2, alfacrmtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 20}},
	{"truncated JSON (connection closed mid-body)", 2, alfacrmtest.Fault{Truncate: true}},
	{"malformed JSON with HTTP 200", 1, alfacrmtest.Fault{Body: `{"total": 3, "count": 3, "page": 0, "items": [{"id": `}},
	{"connection reset", 2, alfacrmtest.Fault{Reset: true}},
	{"1 min delay (past the 20 s attempt timeout)", 1, alfacrmtest.Fault{Delay: time.Minute}},
}

// The AlfaCRM fake is slow and its pages small, on the fake clock: every
// answer takes crmLatency and holds at most worldOpts.crmPageCap items
// (default 10), so that the bulk load makes several hundred requests and
// lasts longer than crmTokenTTL. Graph pages hold at most
// worldOpts.metaPageCap leads (default 10), so that a run makes enough Graph
// requests for the observed fault rate to mean something.
const (
	crmLatency     = 5 * time.Second
	defaultPageCap = 10
)

// crmTokenTTL is the AlfaCRM fake's token lifetime in the chaos runs
// (the fault-free runs keep the documented 15 minutes): shorter than the
// client's refresh age (alfacrm.TokenRefreshAfter), as on a server whose
// tokens die early, so a run that lasts longer than that on the fake clock
// meets 401s in the middle of paging. It is longer than any one call's
// retries can last (12 attempts of at most 20 s, backoffs of at most 3 min
// in all), so the one replay with a fresh token is never refused again.
const crmTokenTTL = 10 * time.Minute

// chaosWorld is one pair of fakes and their clients, all inside one bubble.
type chaosWorld struct {
	meta    *memMeta
	crm     *memCRM
	mc      *metaleads.Client
	ac      *alfacrm.Client
	logs    *logSink
	tokens  *tokenRecorder
	answers [2]*answerCounter // Graph, AlfaCRM
}

type worldOpts struct {
	chaos bool
	seed  uint64
	// Page size caps of the Graph and AlfaCRM fakes; 0 means
	// defaultPageCap.
	metaPageCap, crmPageCap int
	// crmHook, if set, sees every AlfaCRM request before the fake does
	// (to queue a fault at a chosen point).
	crmHook func(srv *alfacrmtest.Server, r *http.Request)
}

func orDefault(n int) int {
	if n == 0 {
		return defaultPageCap
	}
	return n
}

// newChaosWorld starts both fakes (with the fault mix when o.chaos) and
// their clients, logging every record of both to one sink. Call it inside
// a bubble, and close the world there.
func newChaosWorld(t *testing.T, o worldOpts) *chaosWorld {
	t.Helper()
	w := &chaosWorld{logs: &logSink{}, tokens: &tokenRecorder{}, answers: [2]*answerCounter{{}, {}}}
	metaOpts := []metaleadstest.Option{
		metaleadstest.WithDataset(chaosDataset()),
		metaleadstest.WithPageSizeCap(orDefault(o.metaPageCap)),
		metaleadstest.WithAppSecret("test-app-secret-chaos-0123456789"),
		metaleadstest.RequireProof(true), // the client sends appsecret_proof, in the query string
	}
	crmOpts := []alfacrmtest.Option{
		alfacrmtest.WithDemoData(chaosRef),
		alfacrmtest.WithTimezone(chaosLoc),
		alfacrmtest.WithPageSizeCap(orDefault(o.crmPageCap)),
		alfacrmtest.WithLatency(crmLatency),
	}
	if o.chaos {
		metaOpts = append(metaOpts, metaleadstest.WithChaos(metaChaosRate, int64(o.seed), expand(metaChaos)),
			metaleadstest.WithEmptyPages(7)) // legal on Graph: an empty page with a next cursor
		crmOpts = append(crmOpts, alfacrmtest.WithTokenTTL(crmTokenTTL),
			alfacrmtest.WithChaos(alfacrmtest.Chaos{Seed: o.seed + 1, Rate: crmChaosRate, Faults: expand(crmChaos)}))
	}
	w.meta = startMeta(metaOpts, w.answers[0].wrap)
	w.crm = startCRM(crmOpts, func(h http.Handler) http.Handler {
		h = w.tokens.wrap(h)
		if hook := o.crmHook; hook != nil {
			next := h
			h = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				hook(w.crm.Server, r)
				next.ServeHTTP(rw, r)
			})
		}
		return w.answers[1].wrap(h)
	})

	var err error
	w.mc, err = w.meta.Client(
		metaleads.WithHTTPClient(w.meta.hc),
		metaleads.WithRetry(metaRetry),
		metaleads.WithLogger(w.logs.logger()),
	)
	require.NoError(t, err)
	cfg := w.crm.ClientConfig()
	cfg.HTTPClient = w.crm.hc
	cfg.Retry = crmRetry
	cfg.Logger = w.logs.logger()
	w.ac, err = alfacrm.NewClient(cfg)
	require.NoError(t, err)
	return w
}

// close stops the fakes and the clients' connections.
func (w *chaosWorld) close(t *testing.T) {
	if t.Failed() {
		// The bubble's clock stops when its main goroutine returns. A
		// failed run may leave work behind that outlives its caller by
		// design (AlfaCRM's login and dictionary loads are shared flights
		// bounded by their own timeout); let it end on the fake clock, so
		// the failure is reported instead of a bubble deadlock.
		time.Sleep(time.Hour)
	}
	w.meta.close()
	w.crm.close()
}

// secrets lists every credential of the world.
func (w *chaosWorld) secrets() []secret {
	out := []secret{
		{"Graph Page token", w.meta.PageToken},
		{"Graph User token", w.meta.UserToken},
		{"Graph app secret", w.meta.AppSecret},
		{"Graph app token", w.meta.AppToken},
		{"appsecret_proof", metaleads.AppSecretProof(w.meta.AppSecret, w.meta.PageToken)},
		{"AlfaCRM API key", w.crm.APIKey},
		{"AlfaCRM token prefix", "fake-alfacrm-token-"},
	}
	for _, tok := range w.tokens.list() {
		out = append(out, secret{"AlfaCRM token", tok})
	}
	return out
}

// faultRates returns the observed share of faulted requests on each side.
func (w *chaosWorld) faultRates() (meta, crm float64, metaReq, crmReq int) {
	st := w.meta.Stats()
	metaReq, crmReq = st.Requests, w.crm.RequestCount()
	return ratio(st.Faults, metaReq), ratio(w.crm.ChaosFaults(), crmReq), metaReq, crmReq
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// checkHygiene asserts that no log record and no error text carries a
// credential or a query string, and that every attempt was logged.
func (w *chaosWorld) checkHygiene(t *testing.T, errs ...error) {
	t.Helper()
	records := w.logs.all()
	_, _, metaReq, crmReq := w.faultRates()
	// One record per attempt. net/http itself resends a request whose
	// reused connection was dropped before any answer, so a reset may
	// cost two requests and one record.
	hijacked := w.answers[0].get("hijacked") + w.answers[1].get("hijacked")
	assert.GreaterOrEqual(t, len(records), metaReq+crmReq-hijacked, "a log record per attempt")
	texts := slices.Clone(records)
	for _, err := range errs {
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%+v", err))
		}
	}
	assert.Empty(t, leaks(texts, w.secrets()), "credentials in errors or log records")
	for i, r := range records {
		if strings.Contains(r, "appsecret_proof") || strings.Contains(r, "fields=") || strings.Contains(r, "per-page=") {
			t.Errorf("log record %d carries a query string: %s", i, r)
			break
		}
	}
}

// checkRates logs the observed fault rates and what the fakes answered,
// and asserts that at least minFaultRate of the requests failed on each
// side and that every broad kind of trouble happened.
func checkRates(t *testing.T, w *chaosWorld) {
	t.Helper()
	meta, crm, metaReq, crmReq := w.faultRates()
	t.Logf("Graph:   %d requests, %d faults (%.1f %%); answers: %v", metaReq, w.meta.Stats().Faults, 100*meta, w.answers[0])
	t.Logf("AlfaCRM: %d requests, %d chaos faults (%.1f %%), %d logins; answers: %v", crmReq, w.crm.ChaosFaults(), 100*crm, w.crm.LoginCount(), w.answers[1])
	assert.GreaterOrEqual(t, meta, minFaultRate, "Graph fault rate")
	assert.GreaterOrEqual(t, crm, minFaultRate, "AlfaCRM fault rate")
	assert.Positive(t, w.answers[0].sum("5"), "Graph 5xx")
	assert.Positive(t, w.answers[0].get("400")+w.answers[0].get("403"), "Graph throttling errors")
	assert.Positive(t, w.answers[0].get("hijacked"), "Graph resets")
	assert.Positive(t, w.answers[1].sum("5"), "AlfaCRM 5xx")
	assert.Positive(t, w.answers[1].get("429"), "AlfaCRM 429")
	assert.Positive(t, w.answers[1].get("401"), "AlfaCRM expired tokens")
	assert.Positive(t, w.answers[1].get("hijacked"), "AlfaCRM resets")
	assert.Greater(t, w.crm.LoginCount(), 1, "the AlfaCRM client logged in again")
}

// The period of the ROI report: the demo's last 30 days.
var chaosROI = enrich.ROIOptions{
	Level: metaleads.LevelCampaign, Since: "2026-02-14", Until: "2026-03-15",
	Location: chaosLoc, Today: chaosRef,
}

// reportRun is the outcome of one report run.
type reportRun struct {
	report   enrich.Report
	json     string   // the report's JSON
	leads    []string // lead ids as the Graph client yielded them
	progress enrich.Progress
	took     time.Duration // on the bubble's clock
}

// runReport builds the ROI report with the given strategy.
func runReport(t *testing.T, w *chaosWorld, s enrich.Strategy) reportRun {
	t.Helper()
	var run reportRun
	e, err := enrich.New(w.ac, enrich.Config{Strategy: s, OnProgress: func(p enrich.Progress) { run.progress = p }})
	require.NoError(t, err)
	src := &recordingSource{LeadSource: w.mc}
	start := time.Now()
	rep, err := e.Report(t.Context(), src, w.mc, w.meta.PageID, w.meta.AdAccountID, chaosROI)
	run.took = time.Since(start)
	w.checkHygiene(t, err)
	require.NoError(t, err)
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	run.report, run.json, run.leads = rep, string(b), src.leadIDs()
	return run
}

// TestChaosReport builds the ROI report of the demo's last 30 days (every
// form's leads, the bulk strategy, insights) once without faults and once
// with the fault mix, and requires the same leads, each once, and a
// byte-identical report.
func TestChaosReport(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	seed := *chaosSeed
	t.Logf("Graph fault mix (%.0f %% of requests): %s", 100*metaChaosRate, describeMix(metaChaos))
	t.Logf("AlfaCRM fault mix (%.0f %% of requests): %s", 100*crmChaosRate, describeMix(crmChaos))
	synctest.Test(t, func(t *testing.T) {
		clean := newChaosWorld(t, worldOpts{})
		want := runReport(t, clean, enrich.StrategyBulk)
		clean.close(t)
		require.Empty(t, duplicates(want.leads))
		require.Equal(t, len(want.leads), want.report.Totals.Leads, "every lead of the period is in the report")
		require.Positive(t, want.report.Totals.Paying)
		require.Zero(t, clean.answers[1].get("401"), "the fault-free run met no expired token")

		w := newChaosWorld(t, worldOpts{chaos: true, seed: seed})
		defer w.close(t)
		got := runReport(t, w, enrich.StrategyBulk)
		t.Logf("seed %d: %d leads; fault-free run %v, chaos run %v on the fake clock", seed, len(got.leads), want.took, got.took)
		checkRates(t, w)

		assert.Empty(t, duplicates(got.leads), "leads delivered twice")
		assert.Equal(t, want.leads, got.leads, "the same leads, in the same order")
		assert.Equal(t, want.progress, got.progress, "every lead enriched once, as many matched")
		assert.Equal(t, want.json, got.json, "the ROI report differs from the fault-free run's")
		assert.Greater(t, got.took, want.took+10*time.Minute, "regain waits and timeouts passed on the fake clock")
	})
}

// The per-lead run's window: the demo's last four days, read from Graph in
// pages of perLeadPageCap leads.
const perLeadPageCap = 2

var perLeadWindow = metaleads.LeadsOptions{
	Since: time.Date(2026, 3, 12, 0, 0, 0, 0, chaosLoc),
	Until: time.Date(2026, 3, 16, 0, 0, 0, 0, chaosLoc),
}

// enrichRun is the outcome of one EnrichPage run.
type enrichRun struct {
	leads    []string // lead ids as the Graph client yielded them
	enriched []enrich.EnrichedLead
	json     string // the enriched leads' JSON
	took     time.Duration
}

func runEnrich(t *testing.T, w *chaosWorld, s enrich.Strategy, opts metaleads.LeadsOptions) enrichRun {
	t.Helper()
	e, err := enrich.New(w.ac, enrich.Config{Strategy: s})
	require.NoError(t, err)
	src := &recordingSource{LeadSource: w.mc}
	var run enrichRun
	var runErr error
	start := time.Now()
	for el, err := range e.EnrichPage(t.Context(), src, w.meta.PageID, opts) {
		if err != nil {
			runErr = err
			break
		}
		run.enriched = append(run.enriched, el)
	}
	run.took = time.Since(start)
	w.checkHygiene(t, runErr)
	require.NoError(t, runErr)
	b, err := json.Marshal(run.enriched)
	require.NoError(t, err)
	run.json, run.leads = string(b), src.leadIDs()
	return run
}

// TestChaosEnrichPerLead enriches the demo's last four days of leads with the
// per-lead strategy (concurrent searches, payments and lessons per matched
// customer) without and with the fault mix, and requires identical
// results.
func TestChaosEnrichPerLead(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the bulk report run (TestChaosReport) covers the fault mix")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	seed := *chaosSeed + 100
	synctest.Test(t, func(t *testing.T) {
		clean := newChaosWorld(t, worldOpts{metaPageCap: perLeadPageCap})
		want := runEnrich(t, clean, enrich.StrategyPerLead, perLeadWindow)
		clean.close(t)
		require.NotEmpty(t, want.enriched)
		require.Empty(t, duplicates(want.leads))
		matched := 0
		for _, el := range want.enriched {
			if el.Matched() {
				matched++
			}
		}
		require.Positive(t, matched)

		w := newChaosWorld(t, worldOpts{chaos: true, seed: seed, metaPageCap: perLeadPageCap})
		defer w.close(t)
		got := runEnrich(t, w, enrich.StrategyPerLead, perLeadWindow)
		t.Logf("seed %d: %d leads, %d matched; fault-free run %v, chaos run %v on the fake clock", seed, len(got.leads), matched, want.took, got.took)
		checkRates(t, w)

		assert.Empty(t, duplicates(got.leads), "leads delivered twice")
		assert.Equal(t, want.leads, got.leads, "the same leads, in the same order")
		assert.Equal(t, len(want.enriched), len(got.enriched))
		assert.Equal(t, want.json, got.json, "the enriched leads differ from the fault-free run's")
	})
}

// fatalAfter is how many leads a fatal-fault run delivers before the
// fault is queued: well into the run, well before its end.
const fatalAfter = 713

// TestChaosFatalGraphErrors makes one lead page fail, in the middle of a
// run with the fault mix on, with an error that must not be retried, and
// checks that the run stops at once with the right typed error while the
// leads delivered before it stay delivered.
func TestChaosFatalGraphErrors(t *testing.T) {
	cases := []struct {
		name     string
		fault    metaleadstest.Fault
		sentinel error
		code     int
		subcode  int
	}{
		{"expired token 190/463", metaleadstest.ExpiredTokenFault(), metaleads.ErrUnauthorized, 190, 463},
		{"permission 10", metaleadstest.Fault{GraphCode: 10, Message: "(#10) Application does not have permission for this action"},
			metaleads.ErrPermission, 10, 0},
		{"permission 200", metaleadstest.Fault{GraphCode: 200, Message: "(#200) Requires pages_manage_ads and leads_retrieval permission to access leads"},
			metaleads.ErrPermission, 200, 0},
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	seed := *chaosSeed + 200
	synctest.Test(t, func(t *testing.T) {
		// The Page's leads, in order, without faults.
		clean := newChaosWorld(t, worldOpts{metaPageCap: 25, crmPageCap: 50})
		leads, _, err := enrich.PageLeads(t.Context(), clean.mc, clean.meta.PageID, metaleads.LeadsOptions{})
		require.NoError(t, err)
		var want []string
		for l, err := range leads {
			require.NoError(t, err)
			want = append(want, l.ID)
		}
		clean.close(t)
		require.Greater(t, len(want), 2*fatalAfter)

		for i, tc := range cases {
			fatalRun(t, tc.name, worldOpts{chaos: true, seed: seed + uint64(i), metaPageCap: 25, crmPageCap: 50},
				tc.fault, want, func(runErr error) {
					assert.ErrorIs(t, runErr, tc.sentinel, tc.name)
					var ge *metaleads.Error
					if assert.ErrorAs(t, runErr, &ge, tc.name) {
						assert.Equal(t, tc.code, ge.Code, tc.name)
						assert.Equal(t, tc.subcode, ge.Subcode, tc.name)
					}
					assert.NotErrorIs(t, runErr, metaleads.ErrRateLimited, tc.name)
				})
		}
	})
}

// fatalRun runs EnrichPage in a world made with o (larger pages than the
// other chaos runs: it is about one fault, not the rate), makes the first
// lead page requested after fatalAfter leads fail with fault, and checks
// the outcome: one error, checked by check, after the leads of want that
// came before it, and no request after the failed one.
func fatalRun(t *testing.T, name string, o worldOpts, fault metaleadstest.Fault, want []string, check func(error)) {
	t.Helper()
	w := newChaosWorld(t, o)
	defer w.close(t)
	e, err := enrich.New(w.ac, enrich.Config{Strategy: enrich.StrategyBulk})
	require.NoError(t, err)
	var got []string
	var runErr error
	before := -1
	for el, err := range e.EnrichPage(t.Context(), w.mc, w.meta.PageID, metaleads.LeadsOptions{}) {
		if err != nil {
			runErr = err
			break
		}
		got = append(got, el.Lead.ID)
		if len(got) == fatalAfter {
			before = w.meta.RequestCount()
			w.meta.FailMatching("/leads", 1, fault)
		}
	}
	w.checkHygiene(t, runErr)

	require.Error(t, runErr, name)
	check(runErr)
	assert.Zero(t, w.meta.PendingFaults(), name)
	assert.Equal(t, 1, w.meta.RequestCount()-before, "%s: the failed page was neither retried nor followed by other requests", name)
	assert.GreaterOrEqual(t, len(got), fatalAfter, name)
	assert.Less(t, len(got), len(want), name)
	assert.Equal(t, want[:min(len(got), len(want))], got, "%s: the leads before the error, in order", name)
	t.Logf("%s: %d leads delivered, then %v", name, len(got), runErr)
}

// TestChaosCRMEmptyPageMidList: the AlfaCRM fake answers the third page of
// payments with HTTP 200 and an empty item list while its total says more
// payments exist (a server glitch), once. The client reads the page again
// and gets it, so the run must produce the fault-free report: nothing
// dropped after the glitch, nothing counted twice.
func TestChaosCRMEmptyPageMidList(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	synctest.Test(t, func(t *testing.T) {
		want, total, cleanPays := cleanPaymentsReport(t)
		w, pays := emptyPaymentPageWorld(t, total, 1)
		defer w.close(t)
		got := runReport(t, w, enrich.StrategyBulk)
		assert.Equal(t, want.json, got.json, "the payments after the empty page were dropped or repeated")
		assert.Zero(t, w.crm.PendingFaults())
		assert.Equal(t, cleanPays+1, pays.Load(), "pay/index requests: the clean run's and the one re-read")
	})
}

// TestChaosCRMEmptyPageTwice: the third page of payments stays empty on
// the re-read too. The run must fail with a typed error saying the list is
// incomplete (no report that silently lacks revenue), and the error must
// be clean.
func TestChaosCRMEmptyPageTwice(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	synctest.Test(t, func(t *testing.T) {
		_, total, _ := cleanPaymentsReport(t)
		w, pays := emptyPaymentPageWorld(t, total, 2)
		defer w.close(t)
		e, err := enrich.New(w.ac, enrich.Config{Strategy: enrich.StrategyBulk})
		require.NoError(t, err)
		_, err = e.Report(t.Context(), w.mc, w.mc, w.meta.PageID, w.meta.AdAccountID, chaosROI)
		w.checkHygiene(t, err)
		require.Error(t, err, "a report without the payments after the empty page")
		assert.ErrorIs(t, err, alfacrm.ErrIncompleteList)
		assert.ErrorIs(t, err, alfacrm.ErrInvalidResponse)
		assert.ErrorContains(t, err, fmt.Sprintf("page 2 empty after %d of %d items", 2*defaultPageCap, total))
		assert.Zero(t, w.crm.PendingFaults())
		assert.Equal(t, int32(4), pays.Load(), "pages 0 and 1, then page 2 twice, and no page after it")
	})
}

// cleanPaymentsReport runs the bulk report on a fault-free world and returns
// it, the number of payments (which must span more than three pages) and
// the number of pay/index requests the run made.
func cleanPaymentsReport(t *testing.T) (want reportRun, total int, requests int32) {
	t.Helper()
	var pays atomic.Int32
	clean := newChaosWorld(t, worldOpts{crmHook: func(_ *alfacrmtest.Server, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/pay/index") {
			pays.Add(1)
		}
	}})
	want = runReport(t, clean, enrich.StrategyBulk)
	requests = pays.Load()
	first, err := clean.ac.PaymentsPage(t.Context(), alfacrm.PaymentQuery{}, 0)
	require.NoError(t, err)
	clean.close(t)
	require.Greater(t, first.Total, 3*defaultPageCap)
	return want, first.Total, requests
}

// emptyPaymentPageWorld starts a fault-free world whose third pay/index
// request, and the (reads-1) requests after it, get an empty page that
// claims total payments; it returns the world and the count of pay/index
// requests.
func emptyPaymentPageWorld(t *testing.T, total, reads int) (*chaosWorld, *atomic.Int32) {
	t.Helper()
	pays := &atomic.Int32{}
	w := newChaosWorld(t, worldOpts{crmHook: func(srv *alfacrmtest.Server, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/pay/index") && pays.Add(1) == 3 {
			srv.FailMatching("/pay/index", reads, alfacrmtest.Fault{
				Body: fmt.Sprintf(`{"total": %d, "count": 0, "page": 2, "items": []}`, total)})
		}
	}})
	return w, pays
}

// TestChaosInsightsAsyncFallback: Graph answers the report's synchronous
// insights call with "reduce the amount of data", so the client falls back
// to an async report run, and starting it (POST /act_…/insights) meets one
// transient error (HTTP 500, code 2, is_transient). Starting a report run
// only reads, so it should be retried like the rest; the report must be
// the fault-free one.
func TestChaosInsightsAsyncFallback(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	synctest.Test(t, func(t *testing.T) {
		clean := newChaosWorld(t, worldOpts{})
		want := runReport(t, clean, enrich.StrategyBulk)
		clean.close(t)

		w := newChaosWorld(t, worldOpts{})
		defer w.close(t)
		w.meta.FailMatching("/insights", 1, metaleadstest.ReduceDataFault()) // the synchronous read
		w.meta.FailMatching("/insights", 1, metaleadstest.TransientFault())  // starting the report run
		got := runReport(t, w, enrich.StrategyBulk)
		assert.Zero(t, w.meta.PendingFaults())
		assert.Equal(t, want.json, got.json)
	})
}
