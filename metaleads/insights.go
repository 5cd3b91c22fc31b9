package metaleads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Level is the aggregation level of an insights report: one row per ad
// account, campaign, ad set or ad (and per time increment).
type Level string

// Insights levels, Graph's level parameter.
const (
	LevelAccount  Level = "account"
	LevelCampaign Level = "campaign"
	LevelAdSet    Level = "adset"
	LevelAd       Level = "ad"
)

// DefaultInsightsFields are the insights fields every insights call asks
// for: everything InsightRow holds.
var DefaultInsightsFields = []string{
	"account_id", "account_currency", "campaign_id", "campaign_name",
	"adset_id", "adset_name", "ad_id", "ad_name", "date_start", "date_stop",
	"spend", "impressions", "clicks", "reach", "actions",
}

// DefaultInsightsPageSize is the page size of insights listings when
// InsightsOptions.PageSize is 0.
const DefaultInsightsPageSize = 100

// DefaultDatePreset is the date preset used when InsightsOptions has no
// Since/Until range and no DatePreset (Graph's own default).
const DefaultDatePreset = "last_30d"

// Lead action types of Graph's actions list. Graph reports the same leads
// under several names at once, so they are never summed: InsightRow.Leads is
// the first of these that is present.
const (
	// ActionLeadGrouped counts on-Facebook instant-form leads.
	ActionLeadGrouped = "onsite_conversion.lead_grouped"
	// ActionLead is the aggregate lead action.
	ActionLead = "lead"
)

// Default async report run timing (see WithReportPolling): the first status
// read comes asyncPollMin after the run starts, later ones back off up to
// asyncPollMax apart.
const (
	asyncPollMin = time.Second
	asyncPollMax = 30 * time.Second
)

// Report run statuses (AdReportRun.async_status).
const (
	reportCompleted = "Job Completed"
	reportFailed    = "Job Failed"
	reportSkipped   = "Job Skipped"
)

// asyncCursorPrefix marks a cursor of an async report run's rows; such a
// cursor carries the run id so that the next page call reads the same run.
const asyncCursorPrefix = "async:"

// ErrReportFailed matches a *ReportRunError: an async insights report run
// that ended as "Job Failed" or "Job Skipped" (expired; start a new one).
var ErrReportFailed = errors.New("metaleads: async insights report failed")

// ReportRunError reports an async insights report run that did not complete.
// It matches ErrReportFailed; when Graph said why (error_code and friends,
// returned since Marketing API v25.0), Graph holds the details and is
// returned by Unwrap.
type ReportRunError struct {
	RunID   string // the report_run_id
	Status  string // "Job Failed" or "Job Skipped"
	Percent int    // async_percent_completion at the end
	Graph   *Error // Graph's error_code, error_message, …; nil when absent
}

// Error describes the run and, when known, Graph's reason.
func (e *ReportRunError) Error() string {
	msg := fmt.Sprintf("metaleads: async insights report run %s ended with %q at %d%%", e.RunID, e.Status, e.Percent)
	if e.Status == reportSkipped {
		msg += " (the run expired; start a new one)"
	}
	if e.Graph != nil {
		msg += ": " + strings.TrimPrefix(e.Graph.Error(), "metaleads: ")
	}
	return msg
}

// Is reports whether target is ErrReportFailed.
func (e *ReportRunError) Is(target error) bool { return target == ErrReportFailed }

// Unwrap returns Graph's error for the run, or nil.
func (e *ReportRunError) Unwrap() error {
	if e.Graph == nil {
		return nil
	}
	return e.Graph
}

// InsightsOptions shapes an insights report (GET /{object}/insights). The
// zero value asks for the object's own level over DefaultDatePreset, all
// days in one row.
type InsightsOptions struct {
	// Level is the aggregation level; "" means the level of the object
	// asked for.
	Level Level
	// Since and Until ("YYYY-MM-DD", in the ad account's time zone, both
	// inclusive) are sent as time_range. Give both or neither; when set,
	// DatePreset is ignored, as Graph ignores it.
	Since, Until string
	// DatePreset (e.g. "last_7d", "last_month") applies when there is no
	// Since/Until range; "" means DefaultDatePreset.
	DatePreset string
	// TimeIncrement is the number of days per row, 1 to 90; 0 means one row
	// for the whole range (all_days).
	TimeIncrement int
	// Fields are extra insights fields to request (e.g. "cpm",
	// "cost_per_action_type"); those without an InsightRow field of their own
	// land in InsightRow.Extra.
	Fields []string
	// PageSize is Graph's limit per page; 0 means DefaultInsightsPageSize.
	PageSize int
	// After resumes from a cursor returned in Page.After.
	After string
	// Async forces an async report run (POST /{object}/insights, then
	// polling), which Graph recommends for large reports. Without it an
	// async run is started only when the synchronous call fails with the
	// data-per-call limit or times out.
	Async bool
}

func (o InsightsOptions) clone() InsightsOptions {
	o.Fields = slices.Clone(o.Fields)
	return o
}

var datePresetRE = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// params returns the report parameters (everything but paging) and the page
// size.
func (o InsightsOptions) params() (url.Values, int, error) {
	if o.PageSize < 0 {
		return nil, 0, fmt.Errorf("metaleads: negative PageSize %d", o.PageSize)
	}
	q := url.Values{}
	switch o.Level {
	case "":
	case LevelAccount, LevelCampaign, LevelAdSet, LevelAd:
		q.Set("level", string(o.Level))
	default:
		return nil, 0, fmt.Errorf("metaleads: invalid insights level %q (want account, campaign, adset or ad)", truncate(string(o.Level), 40))
	}
	fields, err := fieldList(DefaultInsightsFields, o.Fields)
	if err != nil {
		return nil, 0, err
	}
	q.Set("fields", fields)
	switch {
	case o.Since != "" || o.Until != "":
		if o.Since == "" || o.Until == "" {
			return nil, 0, errors.New("metaleads: insights range needs both Since and Until")
		}
		since, err1 := time.Parse(time.DateOnly, o.Since)
		until, err2 := time.Parse(time.DateOnly, o.Until)
		if err1 != nil || err2 != nil {
			return nil, 0, fmt.Errorf("metaleads: insights Since %q and Until %q must be dates YYYY-MM-DD", truncate(o.Since, 40), truncate(o.Until, 40))
		}
		if until.Before(since) {
			return nil, 0, fmt.Errorf("metaleads: insights Since %s is after Until %s", o.Since, o.Until)
		}
		b, _ := json.Marshal(struct {
			Since string `json:"since"`
			Until string `json:"until"`
		}{o.Since, o.Until})
		q.Set("time_range", string(b))
	default:
		p := o.DatePreset
		if p == "" {
			p = DefaultDatePreset
		}
		if !datePresetRE.MatchString(p) {
			return nil, 0, fmt.Errorf("metaleads: invalid DatePreset %q", truncate(p, 40))
		}
		q.Set("date_preset", p)
	}
	switch {
	case o.TimeIncrement == 0:
		q.Set("time_increment", "all_days")
	case o.TimeIncrement >= 1 && o.TimeIncrement <= 90:
		q.Set("time_increment", strconv.Itoa(o.TimeIncrement))
	default:
		return nil, 0, fmt.Errorf("metaleads: TimeIncrement %d out of range (0 for all days, or 1 to 90)", o.TimeIncrement)
	}
	limit := o.PageSize
	if limit == 0 {
		limit = DefaultInsightsPageSize
	}
	return q, limit, nil
}

// Action is one element of an insights row's actions list: an action type
// (e.g. "link_click", "lead") and its count, exact as Graph reported it
// (modelled conversions can make it fractional).
type Action struct {
	Type  string          `json:"action_type"` // the action type, e.g. "lead"
	Value decimal.Decimal `json:"value"`       // the count, exact
}

// InsightRow is one row of an insights report. Graph sends every number as
// a string; they are parsed exactly (money into decimal, never float).
// Fields Graph omits (the ids of levels below the report's level, a missing
// metric) are zero.
type InsightRow struct {
	AccountID       string `json:"account_id,omitzero"`       // digits, without "act_"
	AccountCurrency string `json:"account_currency,omitzero"` // ISO 4217 code of Spend, e.g. "UAH"
	CampaignID      string `json:"campaign_id,omitzero"`      // at campaign level and below
	CampaignName    string `json:"campaign_name,omitzero"`    // at campaign level and below
	AdSetID         string `json:"adset_id,omitzero"`         // at ad set level and below
	AdSetName       string `json:"adset_name,omitzero"`       // at ad set level and below
	AdID            string `json:"ad_id,omitzero"`            // at ad level
	AdName          string `json:"ad_name,omitzero"`          // at ad level
	// DateStart and DateStop ("YYYY-MM-DD", inclusive) are the row's period
	// in the ad account's time zone.
	DateStart string `json:"date_start"`
	DateStop  string `json:"date_stop"` // the last day of the row, inclusive
	// Spend is the amount spent in AccountCurrency's major units.
	Spend       decimal.Decimal `json:"spend"`
	Impressions int64           `json:"impressions"` // times the ads were shown
	Clicks      int64           `json:"clicks"`      // clicks of all kinds
	Reach       int64           `json:"reach"`       // people reached (Graph de-duplicates them)
	// Leads counts lead actions once: the onsite_conversion.lead_grouped
	// action when present, else the lead action (Graph reports the same
	// leads under both, so they are never added up). A fractional
	// (modelled) count is rounded to the nearest integer; Actions keeps the
	// exact values.
	Leads int64 `json:"leads"`
	// Actions is Graph's actions list as reported.
	Actions []Action `json:"actions,omitzero"`
	// Extra holds the raw JSON of fields requested through
	// InsightsOptions.Fields that have no field of their own here; nil when
	// none were requested.
	Extra map[string]json.RawMessage `json:"-"`
}

// knownInsightKeys are the Graph keys decoded into InsightRow's own fields.
var knownInsightKeys = map[string]bool{
	"account_id": true, "account_currency": true, "campaign_id": true, "campaign_name": true,
	"adset_id": true, "adset_name": true, "ad_id": true, "ad_name": true,
	"date_start": true, "date_stop": true, "spend": true, "impressions": true,
	"clicks": true, "reach": true, "actions": true, "leads": true,
}

// wireDecimal is an exact decimal that may arrive as a numeric string or a
// JSON number; "", null and a missing value are zero.
type wireDecimal decimal.Decimal

func (d *wireDecimal) UnmarshalJSON(b []byte) error {
	var s wireString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	str := strings.TrimSpace(string(s))
	if str == "" || str == "true" || str == "false" {
		if str != "" {
			return fmt.Errorf("%w: want a number, got %s", errUnexpectedType, str)
		}
		*d = wireDecimal(decimal.Zero)
		return nil
	}
	v, err := decimal.NewFromString(str)
	if err != nil {
		return fmt.Errorf("%w: want a decimal number, got %q", errUnexpectedType, truncate(str, 40))
	}
	*d = wireDecimal(v)
	return nil
}

// wireAction is one AdsActionStats element.
type wireAction struct {
	Type  wireString  `json:"action_type"`
	Value wireDecimal `json:"value"`
}

// wireInsightRow is an AdsInsights row as Graph sends it.
type wireInsightRow struct {
	AccountID       wireString   `json:"account_id"`
	AccountCurrency wireString   `json:"account_currency"`
	CampaignID      wireString   `json:"campaign_id"`
	CampaignName    wireString   `json:"campaign_name"`
	AdSetID         wireString   `json:"adset_id"`
	AdSetName       wireString   `json:"adset_name"`
	AdID            wireString   `json:"ad_id"`
	AdName          wireString   `json:"ad_name"`
	DateStart       wireString   `json:"date_start"`
	DateStop        wireString   `json:"date_stop"`
	Spend           wireDecimal  `json:"spend"`
	Impressions     wireInt      `json:"impressions"`
	Clicks          wireInt      `json:"clicks"`
	Reach           wireInt      `json:"reach"`
	Actions         []wireAction `json:"actions"`
	Leads           *wireInt     `json:"leads"` // only in rows this package encoded
}

// leadCount picks the one lead action to count; ok is false when there is
// none.
func leadCount(actions []Action) (n int64, ok bool) {
	for _, want := range [...]string{ActionLeadGrouped, ActionLead} {
		for _, a := range actions {
			if a.Type == want {
				return a.Value.Round(0).IntPart(), true
			}
		}
	}
	return 0, false
}

// UnmarshalJSON implements [json.Unmarshaler] for InsightRow with Graph's
// wire quirks: numbers as numeric strings or JSON numbers, missing fields as
// zero, Leads derived from the actions list.
func (r *InsightRow) UnmarshalJSON(b []byte) error {
	var w wireInsightRow
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	row := InsightRow{
		AccountID:       string(w.AccountID),
		AccountCurrency: string(w.AccountCurrency),
		CampaignID:      string(w.CampaignID),
		CampaignName:    string(w.CampaignName),
		AdSetID:         string(w.AdSetID),
		AdSetName:       string(w.AdSetName),
		AdID:            string(w.AdID),
		AdName:          string(w.AdName),
		DateStart:       string(w.DateStart),
		DateStop:        string(w.DateStop),
		Spend:           decimal.Decimal(w.Spend),
		Impressions:     int64(w.Impressions),
		Clicks:          int64(w.Clicks),
		Reach:           int64(w.Reach),
	}
	if len(w.Actions) > 0 {
		row.Actions = make([]Action, len(w.Actions))
		for i, a := range w.Actions {
			row.Actions[i] = Action{Type: string(a.Type), Value: decimal.Decimal(a.Value)}
		}
	}
	if n, ok := leadCount(row.Actions); ok {
		row.Leads = n
	} else if w.Leads != nil {
		row.Leads = int64(*w.Leads)
	}
	*r = row
	return nil
}

// UnmarshalJSON implements [json.Unmarshaler] for Action: the value may be a
// numeric string or a JSON number.
func (a *Action) UnmarshalJSON(b []byte) error {
	var w wireAction
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*a = Action{Type: string(w.Type), Value: decimal.Decimal(w.Value)}
	return nil
}

func setInsightExtra(r *InsightRow, m map[string]json.RawMessage) { r.Extra = m }

// AdAccount is an ad account (GET /act_{id}).
type AdAccount struct {
	ID        string // "act_<digits>"
	AccountID string // the digits alone
	Name      string // the account name
	Currency  string // ISO 4217 code of spend, e.g. "EUR"
	TimeZone  string // IANA name, e.g. "Europe/Berlin"; insights dates use it
	Status    int    // account_status: 1 active, 2 disabled, 3 unsettled, …
}

// NormalizeAdAccountID returns the Graph node id of an ad account given as
// "123" or "act_123" (surrounding blanks dropped): "act_123".
func NormalizeAdAccountID(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "act_") {
		return s
	}
	return "act_" + s
}

// AdAccount fetches an ad account's id, name, currency, time zone and
// status; id may be given with or without the "act_" prefix.
func (c *Client) AdAccount(ctx context.Context, id string) (AdAccount, error) {
	a, err := c.adAccount(ctx, id)
	return a, c.err(err)
}

func (c *Client) adAccount(ctx context.Context, id string) (AdAccount, error) {
	id = NormalizeAdAccountID(id)
	if err := checkID("ad account", id); err != nil {
		return AdAccount{}, err
	}
	if _, err := strconv.ParseUint(strings.TrimPrefix(id, "act_"), 10, 64); err != nil {
		return AdAccount{}, fmt.Errorf("metaleads: invalid ad account id %q: want digits, with or without act_", truncate(id, 70))
	}
	q := url.Values{"fields": {"id,account_id,name,currency,timezone_name,account_status"}}
	var w struct {
		ID        wireString `json:"id"`
		AccountID wireString `json:"account_id"`
		Name      wireString `json:"name"`
		Currency  wireString `json:"currency"`
		TimeZone  wireString `json:"timezone_name"`
		Status    wireInt    `json:"account_status"`
	}
	if err := c.getJSON(ctx, call{op: "adaccount", method: "GET", path: id, query: q}, &w); err != nil {
		return AdAccount{}, err
	}
	a := AdAccount{
		ID:        NormalizeAdAccountID(string(w.ID)),
		AccountID: string(w.AccountID),
		Name:      string(w.Name),
		Currency:  string(w.Currency),
		TimeZone:  string(w.TimeZone),
		Status:    int(w.Status),
	}
	if a.ID == "" {
		a.ID = id
	}
	if a.AccountID == "" {
		a.AccountID = strings.TrimPrefix(a.ID, "act_")
	}
	return a, nil
}

// InsightsPage fetches one page of an insights report of objectID (an ad
// account "act_…", a campaign, ad set or ad id). Pass Page.After as
// opts.After, with the same opts, to continue.
//
// The first page is read synchronously (GET /{object}/insights) unless
// opts.Async is set. When that call fails with Graph's data-per-call limit
// (code 100, subcode 1487534), with "reduce the amount of data", or times
// out (the retry policy's attempt timeout, an HTTP 504, or a 5xx code 1
// error after the retries), InsightsPage falls back to an async report run
// as Graph recommends: POST /{object}/insights with the same parameters,
// polling GET /{report_run_id} with backoff until "Job Completed" at 100%
// (honouring ctx), then reading GET /{report_run_id}/insights. A run that
// ends as "Job Failed" or "Job Skipped" is a *ReportRunError
// (ErrReportFailed). Cursors of an async run's rows carry the run id, so
// later pages read the same run. Later synchronous pages do not fall back:
// their errors are returned as they are. Starting the run is retried like a
// read (transient errors, throttling, 5xx, connection resets): a retry
// after an ambiguous failure may start a second run, which is harmless (a
// read-only job that is never read and that Graph expires).
func (c *Client) InsightsPage(ctx context.Context, objectID string, opts InsightsOptions) (Page[InsightRow], error) {
	p, err := c.insightsPage(ctx, objectID, opts, opts.After, opts.PageSize)
	return p, c.err(err)
}

// InsightsPager returns a Pager over an insights report; opts is copied.
// See InsightsPage for the async fallback.
func (c *Client) InsightsPager(objectID string, opts InsightsOptions) *Pager[InsightRow] {
	opts = opts.clone()
	_, limit, err := opts.params()
	if err == nil {
		err = checkID("insights object", objectID)
	}
	return clientPager(c, "insights.page", err, opts.After, limit, func(ctx context.Context, after string, limit int) (Page[InsightRow], error) {
		return c.insightsPage(ctx, objectID, opts, after, limit)
	})
}

// Insights iterates over the rows of an insights report of objectID (see
// InsightsPage), fetching pages lazily with the same contract as Leads: no
// request before the first pull, cursors only (never Graph's next URL), page
// size halved on ErrReduceData for later pages, an error yielded at most
// once. opts is copied when Insights is called.
func (c *Client) Insights(ctx context.Context, objectID string, opts InsightsOptions) iter.Seq2[InsightRow, error] {
	opts = opts.clone()
	return lazySeq(ctx, func() *Pager[InsightRow] { return c.InsightsPager(objectID, opts) })
}

func (c *Client) insightsPage(ctx context.Context, objectID string, opts InsightsOptions, after string, limit int) (Page[InsightRow], error) {
	if err := checkID("insights object", objectID); err != nil {
		return Page[InsightRow]{}, err
	}
	params, defLimit, err := opts.params()
	if err != nil {
		return Page[InsightRow]{}, err
	}
	if limit <= 0 {
		limit = defLimit
	}
	extra := len(opts.Fields) > 0
	if runID, cursor, ok := parseAsyncCursor(after); ok {
		return c.reportPage(ctx, runID, cursor, limit, extra)
	}
	if opts.Async && after == "" {
		return c.asyncInsights(ctx, objectID, params, limit, extra)
	}
	page, err := edgePage(ctx, c, "insights.page", objectID+"/insights", maps.Clone(params), after, limit, decodeInsights(extra))
	if err != nil && after == "" && needsAsync(ctx, err) {
		c.logDebug(ctx, "metaleads: synchronous insights call too heavy; starting an async report run",
			slog.String("op", "insights.page"))
		return c.asyncInsights(ctx, objectID, params, limit, extra)
	}
	return page, err
}

// decodeInsights decodes a page of insights rows, with Extra when extra
// fields were requested.
func decodeInsights(extra bool) func([]byte) (Page[InsightRow], error) {
	return func(body []byte) (Page[InsightRow], error) {
		return decodeWithExtra(body, extra, knownInsightKeys, setInsightExtra)
	}
}

// needsAsync reports a synchronous insights failure that an async report
// run avoids: the data-per-call limit, "reduce the amount of data", or a
// timeout (the attempt timeout, HTTP 504, a 5xx code 1 or a 5xx whose
// message says it timed out). A cancelled or expired ctx never qualifies.
func needsAsync(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		msg := strings.ToLower(e.Message)
		switch {
		case e.Code == 100 && e.Subcode == 1487534,
			e.Is(ErrReduceData),
			e.HTTPStatus == 504,
			e.HTTPStatus >= 500 && e.Code == 1,
			e.HTTPStatus >= 500 && (strings.Contains(msg, "timeout") || strings.Contains(msg, "timed out")):
			return true
		}
		return false
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// asyncInsights starts a report run, waits for it and reads its first page.
func (c *Client) asyncInsights(ctx context.Context, objectID string, params url.Values, limit int, extra bool) (Page[InsightRow], error) {
	runID, err := c.startReport(ctx, objectID, params)
	if err != nil {
		return Page[InsightRow]{}, err
	}
	if err := c.waitReport(ctx, runID); err != nil {
		return Page[InsightRow]{}, err
	}
	return c.reportPage(ctx, runID, "", limit, extra)
}

// startReport starts an async report run and returns its id.
//
// Starting a run is a POST, but it is retried like a read (call.write is
// false): transient Graph errors, throttling, 429, 5xx and connection
// failures after sending all get another attempt. This is safe because:
//
//   - a Graph error answer (a transient code, a 5xx or 429 with an error
//     envelope, throttling) means Graph created no report run;
//   - an ambiguous failure (a reset after sending, a 5xx without a Graph
//     error body, an attempt timeout) may leave a run behind, and the retry
//     starts a second one. A report run is a read-only job: the extra run
//     changes nothing on the ad account, is never read (only the run id
//     this call returns is polled) and Graph expires it within 30 days.
//
// A duplicate run is harmless; a failed start fails the whole report, so
// the start is retried.
func (c *Client) startReport(ctx context.Context, objectID string, params url.Values) (string, error) {
	form := url.Values{}
	for k, v := range params {
		form[k] = v
	}
	resp, err := c.send(ctx, call{op: "insights.async", method: "POST", path: objectID + "/insights", form: form})
	if err != nil {
		return "", err
	}
	var out struct {
		RunID wireString `json:"report_run_id"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return "", c.invalidResponse(resp, err)
	}
	id := string(out.RunID)
	if err := checkID("report run", id); err != nil {
		return "", c.invalidResponse(resp, errors.New("no valid report_run_id in the response"))
	}
	return id, nil
}

// reportStatus is the part of an AdReportRun that polling reads.
type reportStatus struct {
	Status       wireString `json:"async_status"`
	Percent      wireInt    `json:"async_percent_completion"`
	ErrorCode    wireInt    `json:"error_code"`
	ErrorSubcode wireInt    `json:"error_subcode"`
	ErrorMessage wireString `json:"error_message"`
	UserTitle    wireString `json:"error_user_title"`
	UserMessage  wireString `json:"error_user_msg"`
}

// pollWait is the wait before status read n (0-based): the first wait,
// growing by half each time up to the longest (see WithReportPolling).
func (s *shared) pollWait(n int) time.Duration {
	d := s.pollFirst
	for i := 0; i < n && d < s.pollMax; i++ {
		d += max(d/2, 1)
	}
	return min(d, s.pollMax)
}

// waitReport polls a report run until it completes, fails or ctx ends. The
// status read asks for Graph's default fields, which include the error_*
// fields since Marketing API v25.0 (asking for them by name would fail on
// older versions).
func (c *Client) waitReport(ctx context.Context, runID string) error {
	for n := 0; ; n++ {
		timer := time.NewTimer(c.s.pollWait(n))
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("metaleads: waiting for async insights report run %s: %w", runID, ctx.Err())
		case <-timer.C:
		}
		var st reportStatus
		if err := c.getJSON(ctx, call{op: "insights.status", method: "GET", path: runID}, &st); err != nil {
			return err
		}
		switch string(st.Status) {
		case reportCompleted:
			if st.Percent >= 100 {
				return nil
			}
		case reportFailed, reportSkipped:
			e := &ReportRunError{RunID: runID, Status: string(st.Status), Percent: int(st.Percent)}
			if st.ErrorCode != 0 || st.ErrorMessage != "" {
				red := c.tr.Redactor()
				e.Graph = graphToError(graphError{
					Message:     st.ErrorMessage,
					Code:        st.ErrorCode,
					Subcode:     st.ErrorSubcode,
					UserTitle:   st.UserTitle,
					UserMessage: st.UserMessage,
				}, 0, func(s string) string { return red.String(truncate(s, maxErrorText)) })
			}
			return e
		}
	}
}

// reportPage reads one page of a completed report run's rows.
func (c *Client) reportPage(ctx context.Context, runID, cursor string, limit int, extra bool) (Page[InsightRow], error) {
	page, err := edgePage(ctx, c, "insights.report", runID+"/insights", nil, cursor, limit, decodeInsights(extra))
	if err != nil {
		return Page[InsightRow]{}, err
	}
	if page.After != "" {
		page.After = asyncCursorPrefix + runID + ":" + page.After
	}
	return page, nil
}

// parseAsyncCursor splits a cursor made by reportPage.
func parseAsyncCursor(after string) (runID, cursor string, ok bool) {
	rest, ok := strings.CutPrefix(after, asyncCursorPrefix)
	if !ok {
		return "", "", false
	}
	runID, cursor, ok = strings.Cut(rest, ":")
	if !ok || checkID("report run", runID) != nil || cursor == "" {
		return "", "", false
	}
	return runID, cursor, true
}
