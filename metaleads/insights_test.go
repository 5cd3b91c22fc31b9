package metaleads

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// insightsRow is the reference's sample row: every number a string, and the
// same 31 leads reported as both lead and onsite_conversion.lead_grouped.
const insightsRow = `{
	"account_id": "123456789012345",
	"account_currency": "EUR",
	"campaign_id": "120200000000000003",
	"campaign_name": "Spring test drives",
	"spend": "153.27",
	"impressions": "48211",
	"clicks": "912",
	"reach": "30154",
	"actions": [
		{"action_type": "link_click", "value": "640"},
		{"action_type": "lead", "value": "31"},
		{"action_type": "onsite_conversion.lead_grouped", "value": "31"}
	],
	"date_start": "2026-04-01",
	"date_stop": "2026-04-01"
}`

func insightsBody(after string, next bool, rows ...string) string {
	paging := `"paging":{"cursors":{"before":"B","after":"` + after + `"}`
	if next {
		paging += `,"next":"https://graph.facebook.com/v26.0/x/insights?access_token=LEAKED&after=` + after + `"`
	}
	return `{"data":[` + strings.Join(rows, ",") + `],` + paging + `}}`
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestInsightsPageParsesNumericStringsExactly(t *testing.T) {
	numbers := `{"campaign_id": 120200000000000004, "spend": 0.1, "impressions": 10, "clicks": "3",
		"actions": [{"action_type": "lead", "value": 2}], "date_start": "2026-04-02", "date_stop": "2026-04-02"}`
	sparse := `{"campaign_id": "120200000000000005", "date_start": "2026-04-03", "date_stop": "2026-04-03"}`
	s, mt := newScript(t, step{status: 200, body: insightsBody("MQZDZD", false, insightsRow, numbers, sparse), check: func(t *testing.T, r recorded) {
		assert.Equal(t, "GET", r.Method)
		assert.Equal(t, "/v26.0/act_123456789012345/insights", r.URL.Path)
		q := r.URL.Query()
		assert.Equal(t, "campaign", q.Get("level"))
		assert.Equal(t, `{"since":"2026-04-01","until":"2026-04-07"}`, q.Get("time_range"))
		assert.Empty(t, q.Get("date_preset"), "a range replaces the preset")
		assert.Equal(t, "1", q.Get("time_increment"))
		assert.Equal(t, "100", q.Get("limit"))
		assert.Equal(t, strings.Join(DefaultInsightsFields, ","), q.Get("fields"))
		assert.Empty(t, q.Get("access_token"))
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
	}})
	c := newTestClient(t, mt)
	page, err := c.InsightsPage(t.Context(), "act_123456789012345", InsightsOptions{
		Level: LevelCampaign, Since: "2026-04-01", Until: "2026-04-07", TimeIncrement: 1, DatePreset: "last_7d",
	})
	require.NoError(t, err)
	require.Len(t, page.Items, 3)
	assert.Empty(t, page.After, "no next link: last page")
	assert.Equal(t, 0, s.remaining())

	r := page.Items[0]
	assert.Equal(t, "123456789012345", r.AccountID)
	assert.Equal(t, "EUR", r.AccountCurrency)
	assert.Equal(t, "120200000000000003", r.CampaignID)
	assert.Equal(t, "Spring test drives", r.CampaignName)
	assert.Equal(t, "2026-04-01", r.DateStart)
	assert.Equal(t, "2026-04-01", r.DateStop)
	assert.True(t, r.Spend.Equal(dec("153.27")), "spend %s", r.Spend)
	assert.Equal(t, "153.27", r.Spend.String())
	assert.Equal(t, int64(48211), r.Impressions)
	assert.Equal(t, int64(912), r.Clicks)
	assert.Equal(t, int64(30154), r.Reach)
	assert.Equal(t, int64(31), r.Leads, "lead and onsite_conversion.lead_grouped are the same leads: never summed")
	require.Len(t, r.Actions, 3)
	assert.Equal(t, "link_click", r.Actions[0].Type)
	assert.True(t, r.Actions[0].Value.Equal(dec("640")))
	assert.Nil(t, r.Extra)

	n := page.Items[1]
	assert.Equal(t, "120200000000000004", n.CampaignID, "numeric id kept digit for digit")
	assert.Equal(t, "0.1", n.Spend.String(), "a JSON number is parsed as a decimal, not through float64 arithmetic")
	assert.Equal(t, int64(10), n.Impressions)
	assert.Equal(t, int64(3), n.Clicks)
	assert.Equal(t, int64(2), n.Leads, "lead is used when lead_grouped is absent")

	z := page.Items[2]
	assert.True(t, z.Spend.IsZero())
	assert.Zero(t, z.Impressions)
	assert.Zero(t, z.Leads)
	assert.Nil(t, z.Actions)
}

func TestInsightRowLeadPreference(t *testing.T) {
	cases := map[string]struct {
		actions string
		want    int64
	}{
		"grouped wins over lead":  {`[{"action_type":"lead","value":"7"},{"action_type":"onsite_conversion.lead_grouped","value":"5"}]`, 5},
		"grouped listed first":    {`[{"action_type":"onsite_conversion.lead_grouped","value":"5"},{"action_type":"lead","value":"7"}]`, 5},
		"lead alone":              {`[{"action_type":"lead","value":"7"}]`, 7},
		"pixel leads not counted": {`[{"action_type":"offsite_conversion.fb_pixel_lead","value":"9"}]`, 0},
		"no actions":              {`null`, 0},
		"fractional modelled":     {`[{"action_type":"lead","value":"2.6"}]`, 3},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var r InsightRow
			require.NoError(t, json.Unmarshal([]byte(`{"actions":`+tc.actions+`}`), &r))
			assert.Equal(t, tc.want, r.Leads)
		})
	}
}

// A row marshalled by this package reads back the same.
func TestInsightRowJSONRoundTrip(t *testing.T) {
	var r InsightRow
	require.NoError(t, json.Unmarshal([]byte(insightsRow), &r))
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var back InsightRow
	require.NoError(t, json.Unmarshal(b, &back))
	assert.True(t, back.Spend.Equal(r.Spend))
	back.Spend = r.Spend
	for i := range back.Actions {
		require.True(t, back.Actions[i].Value.Equal(r.Actions[i].Value))
		back.Actions[i].Value = r.Actions[i].Value
	}
	assert.Equal(t, r, back)
}

func TestInsightsBadBodies(t *testing.T) {
	cases := map[string]string{
		"spend not a number":  `{"data":[{"spend":"12,50"}]}`,
		"spend an object":     `{"data":[{"spend":{"amount":1}}]}`,
		"count with fraction": `{"data":[{"impressions":"12.5"}]}`,
		"actions not a list":  `{"data":[{"actions":"lead"}]}`,
		"no data":             `{"rows":[]}`,
		"html":                `<html>upstream error</html>`,
		"truncated":           `{"data":[{"spend":"1`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			_, mt := newScript(t, ok(body), ok(body), ok(body))
			c := newTestClient(t, mt)
			_, err := c.InsightsPage(t.Context(), "120200000000000003", InsightsOptions{})
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidResponse)
		})
	}
}

func TestInsightsOptionsValidation(t *testing.T) {
	bad := map[string]InsightsOptions{
		"since only":      {Since: "2026-04-01"},
		"until only":      {Until: "2026-04-01"},
		"unix since":      {Since: "1767225600", Until: "2026-04-01"},
		"reversed range":  {Since: "2026-04-08", Until: "2026-04-01"},
		"increment 91":    {TimeIncrement: 91},
		"increment -1":    {TimeIncrement: -1},
		"bad level":       {Level: "country"},
		"negative size":   {PageSize: -1},
		"bad preset":      {DatePreset: "last 7 days&x=1"},
		"bad extra field": {Fields: []string{"cpm&limit=1"}},
	}
	for name, o := range bad {
		t.Run(name, func(t *testing.T) {
			s, mt := newScript(t)
			c := newTestClient(t, mt)
			_, err := c.InsightsPage(t.Context(), "act_1", o)
			assert.Error(t, err)
			for _, err := range c.Insights(t.Context(), "act_1", o) {
				assert.Error(t, err)
			}
			assert.Empty(t, s.requests(), "invalid options send nothing")
		})
	}
	s, mt := newScript(t)
	c := newTestClient(t, mt)
	_, err := c.InsightsPage(t.Context(), "act_1/../me", InsightsOptions{})
	assert.Error(t, err)
	assert.Empty(t, s.requests())
}

func TestInsightsDefaultsAndExtraFields(t *testing.T) {
	_, mt := newScript(t, step{status: 200, body: `{"data":[{"spend":"1.00","cpm":"3.179149","ctr":"1.9"}]}`, check: func(t *testing.T, r recorded) {
		q := r.URL.Query()
		assert.Equal(t, "last_30d", q.Get("date_preset"))
		assert.Empty(t, q.Get("time_range"))
		assert.Empty(t, q.Get("level"), "no level: the object's own")
		assert.Equal(t, "all_days", q.Get("time_increment"))
		assert.Equal(t, "25", q.Get("limit"))
		assert.Equal(t, strings.Join(append(append([]string{}, DefaultInsightsFields...), "cpm", "ctr"), ","), q.Get("fields"))
	}})
	c := newTestClient(t, mt)
	page, err := c.InsightsPage(t.Context(), "120200000000000003", InsightsOptions{PageSize: 25, Fields: []string{"cpm", "spend", "ctr"}})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, json.RawMessage(`"3.179149"`), page.Items[0].Extra["cpm"])
	assert.Contains(t, page.Items[0].Extra, "ctr")
	assert.NotContains(t, page.Items[0].Extra, "spend")
}

func TestInsightsIteratorPages(t *testing.T) {
	s, mt := newScript(t,
		ok(insightsBody("C1", true, insightsRow)),
		step{status: 200, body: insightsBody("C2", false, `{"spend":"0.73","date_start":"2026-04-02","date_stop":"2026-04-02"}`), check: func(t *testing.T, r recorded) {
			assert.Equal(t, "C1", r.URL.Query().Get("after"))
			assert.Equal(t, "graph.facebook.com", r.URL.Host, "the next URL is never followed")
		}},
	)
	c := newTestClient(t, mt)
	total := decimal.Zero
	var rows int
	for r, err := range c.Insights(t.Context(), "act_123456789012345", InsightsOptions{Level: LevelCampaign}) {
		require.NoError(t, err)
		total = total.Add(r.Spend)
		rows++
	}
	assert.Equal(t, 2, rows)
	assert.Equal(t, "154", total.String())
	assert.Equal(t, 0, s.remaining())
}

// asyncSteps scripts a report run: POST → id, status reads, then rows.
func reportStatusBody(status string, pct int) string {
	b, _ := json.Marshal(map[string]any{"id": "6044775548468", "async_status": status, "async_percent_completion": pct})
	return string(b)
}

func TestInsightsFallsBackToAsyncOnDataLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var posted url.Values
		var pollTimes []time.Time
		poll := func(t *testing.T, r recorded) {
			assert.Equal(t, "GET", r.Method)
			assert.Equal(t, "/v26.0/6044775548468", r.URL.Path)
			pollTimes = append(pollTimes, time.Now())
		}
		start := time.Now()
		s, mt := newScript(t,
			graphErr(400, 100, 1487534, "(#100) The data you're asking for exceeds the limit for a single call. Please use async."),
			step{status: 200, body: `{"report_run_id": 6044775548468}`, check: func(t *testing.T, r recorded) {
				assert.Equal(t, "POST", r.Method)
				assert.Equal(t, "/v26.0/act_123456789012345/insights", r.URL.Path)
				assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
				assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
				var err error
				posted, err = url.ParseQuery(r.Body)
				require.NoError(t, err)
			}},
			step{status: 200, body: reportStatusBody("Job Not Started", 0), check: poll},
			step{status: 200, body: reportStatusBody("Job Running", 40), check: poll},
			step{status: 200, body: reportStatusBody("Job Completed", 90), check: poll},
			step{status: 200, body: reportStatusBody("Job Completed", 100), check: poll},
			step{status: 200, body: insightsBody("R1", true, insightsRow), check: func(t *testing.T, r recorded) {
				assert.Equal(t, "/v26.0/6044775548468/insights", r.URL.Path)
				assert.Empty(t, r.URL.Query().Get("after"))
				assert.Equal(t, "100", r.URL.Query().Get("limit"))
			}},
			step{status: 200, body: insightsBody("R2", false, `{"spend":"10.01","actions":[{"action_type":"lead","value":"4"}]}`), check: func(t *testing.T, r recorded) {
				assert.Equal(t, "/v26.0/6044775548468/insights", r.URL.Path)
				assert.Equal(t, "R1", r.URL.Query().Get("after"))
			}},
		)
		logs := &captureHandler{}
		c := newTestClient(t, mt, WithRetry(RetryPolicy{MaxAttempts: 2}), WithLogger(slog.New(logs)))
		opts := InsightsOptions{Level: LevelAd, Since: "2026-01-01", Until: "2026-03-31", TimeIncrement: 1}
		spend, leads := decimal.Zero, int64(0)
		for r, err := range c.Insights(t.Context(), "act_123456789012345", opts) {
			require.NoError(t, err)
			spend = spend.Add(r.Spend)
			leads += r.Leads
		}
		assert.Equal(t, "163.28", spend.String())
		assert.Equal(t, int64(35), leads)
		assert.Equal(t, 0, s.remaining())

		assert.Contains(t, logs.text(), "starting an async report run")
		assert.NotContains(t, logs.text(), testToken)
		assert.NotContains(t, logs.text(), "2026-01-01", "no query strings in logs")

		// The report was started with the synchronous call's parameters.
		assert.Equal(t, "ad", posted.Get("level"))
		assert.Equal(t, `{"since":"2026-01-01","until":"2026-03-31"}`, posted.Get("time_range"))
		assert.Equal(t, "1", posted.Get("time_increment"))
		assert.Equal(t, strings.Join(DefaultInsightsFields, ","), posted.Get("fields"))
		assert.Empty(t, posted.Get("limit"))
		assert.Empty(t, posted.Get("access_token"))

		// Status reads back off: 1 s, 1.5 s, 2.25 s, 3.375 s after the start.
		require.Len(t, pollTimes, 4)
		want := []time.Duration{time.Second, 2500 * time.Millisecond, 4750 * time.Millisecond, 8125 * time.Millisecond}
		for i, pt := range pollTimes {
			assert.Equal(t, want[i], pt.Sub(start), "poll %d", i)
		}
	})
}

// WithReportPolling replaces the polling schedule: first wait, growing by
// half, capped.
func TestReportPollingIsConfigurable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var pollTimes []time.Duration
		start := time.Now()
		poll := func(t *testing.T, r recorded) { pollTimes = append(pollTimes, time.Since(start)) }
		_, mt := newScript(t,
			ok(`{"report_run_id": 6044775548468}`),
			step{status: 200, body: reportStatusBody("Job Running", 10), check: poll},
			step{status: 200, body: reportStatusBody("Job Running", 20), check: poll},
			step{status: 200, body: reportStatusBody("Job Running", 30), check: poll},
			step{status: 200, body: reportStatusBody("Job Completed", 100), check: poll},
			ok(insightsBody("", false, insightsRow)),
		)
		c := newTestClient(t, mt, WithReportPolling(2*time.Millisecond, 4*time.Millisecond))
		page, err := c.InsightsPage(t.Context(), "act_123456789012345", InsightsOptions{Async: true})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		ms := time.Millisecond
		assert.Equal(t, []time.Duration{2 * ms, 5 * ms, 9 * ms, 13 * ms}, pollTimes, "waits of 2, 3, 4, 4 ms")
	})
	for _, bad := range [][2]time.Duration{{0, time.Second}, {-time.Second, time.Second}, {2 * time.Second, time.Second}} {
		_, err := NewClient(testToken, WithReportPolling(bad[0], bad[1]))
		assert.Error(t, err, "%v", bad)
	}
}

// The page method returns a cursor that names the run, so the next page
// call reads the same run without starting another.
func TestInsightsPageAsyncCursor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, mt := newScript(t,
			ok(`{"report_run_id": "6044775548468"}`),
			ok(reportStatusBody("Job Completed", 100)),
			ok(insightsBody("R1", true, insightsRow)),
			step{status: 200, body: insightsBody("R2", false), check: func(t *testing.T, r recorded) {
				assert.Equal(t, "/v26.0/6044775548468/insights", r.URL.Path)
				assert.Equal(t, "R1", r.URL.Query().Get("after"))
				assert.Equal(t, "10", r.URL.Query().Get("limit"))
			}},
		)
		c := newTestClient(t, mt)
		opts := InsightsOptions{Async: true, PageSize: 10}
		p1, err := c.InsightsPage(t.Context(), "120200000000000003", opts)
		require.NoError(t, err)
		require.Len(t, p1.Items, 1)
		assert.Equal(t, "POST", s.requests()[0].Method, "Async starts a report run at once")
		assert.NotEqual(t, "R1", p1.After)
		opts.After = p1.After
		p2, err := c.InsightsPage(t.Context(), "120200000000000003", opts)
		require.NoError(t, err)
		assert.Empty(t, p2.Items)
		assert.Empty(t, p2.After)
		assert.Equal(t, 0, s.remaining())
	})
}

func TestInsightsAsyncJobFailed(t *testing.T) {
	for _, status := range []string{"Job Failed", "Job Skipped"} {
		t.Run(status, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				failed := `{"id":"6044775548468","async_status":"` + status + `","async_percent_completion":"37",` +
					`"error_code":100,"error_subcode":"1487534","error_message":"Report too large for test-page-token-XYZ123","error_user_title":"Too big"}`
				s, mt := newScript(t,
					ok(`{"report_run_id": 6044775548468}`),
					ok(reportStatusBody("Job Running", 37)),
					ok(failed),
				)
				c := newTestClient(t, mt)
				var got []error
				for _, err := range c.Insights(t.Context(), "act_123456789012345", InsightsOptions{Async: true}) {
					got = append(got, err)
				}
				require.Len(t, got, 1, "one error, then the iterator stops")
				err := got[0]
				assert.ErrorIs(t, err, ErrReportFailed)
				var re *ReportRunError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, "6044775548468", re.RunID)
				assert.Equal(t, status, re.Status)
				assert.Equal(t, 37, re.Percent)
				var ge *Error
				require.ErrorAs(t, err, &ge, "Graph's reason is reachable with errors.As")
				assert.Equal(t, 100, ge.Code)
				assert.Equal(t, 1487534, ge.Subcode)
				assert.Equal(t, "Too big", ge.UserTitle)
				assert.NotContains(t, err.Error(), testToken, "error text is redacted")
				assert.Contains(t, err.Error(), status)
				assert.Equal(t, 0, s.remaining())
			})
		})
	}
}

func TestInsightsAsyncHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		steps := []step{ok(`{"report_run_id": 6044775548468}`)}
		for range 100 {
			steps = append(steps, ok(reportStatusBody("Job Running", 10)))
		}
		s, mt := newScript(t, steps...)
		c := newTestClient(t, mt)
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.InsightsPage(ctx, "act_123456789012345", InsightsOptions{Async: true})
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 20*time.Second, time.Since(start), "stops when ctx ends, not at the next poll")
		polls := len(s.requests()) - 1
		assert.Greater(t, polls, 3)
		assert.Less(t, polls, 20, "status reads back off")
	})
}

// A synchronous call that exceeds the attempt timeout falls back to async.
func TestInsightsFallsBackToAsyncOnTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, mt := newScript(t,
			ok(`{"report_run_id": 6044775548468}`),
			ok(reportStatusBody("Job Completed", 100)),
			ok(insightsBody("", false, insightsRow)),
		)
		var hung atomic.Int32
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/act_123456789012345/insights") {
				hung.Add(1)
				<-r.Context().Done()
				return nil, r.Context().Err()
			}
			return mt.RoundTrip(r)
		})
		c := newTestClient(t, rt, WithRetry(RetryPolicy{MaxAttempts: 2, MinWait: time.Second, MaxWait: time.Second, AttemptTimeout: 60 * time.Second}))
		page, err := c.InsightsPage(t.Context(), "act_123456789012345", InsightsOptions{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		assert.Equal(t, int64(31), page.Items[0].Leads)
		assert.Equal(t, int32(2), hung.Load(), "the read was retried before falling back")
		assert.Equal(t, 0, s.remaining())
	})
}

func TestInsightsFallbackConditions(t *testing.T) {
	cases := map[string]struct {
		first    step
		fallback bool
	}{
		"data per call limit": {graphErr(400, 100, 1487534, "(#100) too much data"), true},
		"reduce data":         {graphErr(500, 1, 0, "Please reduce the amount of data you're asking for, then retry your request"), true},
		"unknown 500":         {graphErr(500, 1, 0, "An unknown error occurred"), true},
		"gateway timeout":     {step{status: 504, body: "<html>Gateway Timeout</html>"}, true},
		"other 100":           {graphErr(400, 100, 0, "(#100) Tried accessing nonexisting field (foo)"), false},
		"permission":          {graphErr(403, 200, 0, "(#200) Requires ads_read permission"), false},
		"expired token":       {graphErr(400, 190, 463, "Session has expired"), false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				steps := []step{tc.first}
				if tc.fallback {
					steps = append(steps, ok(`{"report_run_id":"1"}`), ok(reportStatusBody("Job Completed", 100)), ok(`{"data":[]}`))
				}
				s, mt := newScript(t, steps...)
				c := newTestClient(t, mt, WithRetry(RetryPolicy{MaxAttempts: 1}))
				_, err := c.InsightsPage(t.Context(), "act_123456789012345", InsightsOptions{})
				if tc.fallback {
					require.NoError(t, err)
					assert.Equal(t, "POST", s.requests()[1].Method)
				} else {
					require.Error(t, err)
					assert.Len(t, s.requests(), 1, "no async run")
				}
				assert.Equal(t, 0, s.remaining())
			})
		})
	}
}

// Only the first page falls back: a later synchronous page's failure is
// returned, after the rows already delivered.
func TestInsightsLaterPageDoesNotFallBack(t *testing.T) {
	s, mt := newScript(t,
		ok(insightsBody("C1", true, insightsRow)),
		graphErr(400, 100, 1487534, "(#100) too much data"),
	)
	c := newTestClient(t, mt)
	var rows int
	var errs []error
	for _, err := range c.Insights(t.Context(), "act_123456789012345", InsightsOptions{}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rows++
	}
	assert.Equal(t, 1, rows)
	require.Len(t, errs, 1)
	var ge *Error
	require.ErrorAs(t, errs[0], &ge)
	assert.Equal(t, 1487534, ge.Subcode)
	assert.Len(t, s.requests(), 2)
}

func TestInsightsCancelledContextDoesNotFallBack(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.False(t, needsAsync(ctx, context.DeadlineExceeded))
	assert.True(t, needsAsync(t.Context(), errors.Join(errors.New("attempt timed out"), context.DeadlineExceeded)))
	assert.False(t, needsAsync(t.Context(), errors.New("connection refused")))
}

func TestStartReportRejectsBadRunID(t *testing.T) {
	for _, body := range []string{`{}`, `{"report_run_id":""}`, `{"report_run_id":"../me"}`, `{"report_run_id":{}}`} {
		_, mt := newScript(t, ok(body))
		c := newTestClient(t, mt)
		_, err := c.InsightsPage(t.Context(), "act_1", InsightsOptions{Async: true})
		assert.ErrorIs(t, err, ErrInvalidResponse, body)
	}
}

// Starting a report run is retried like a read: a Graph error answer (here
// a transient 500) proves no run was created, and a reset after sending may
// at worst leave an unused read-only run behind. Either way the run whose id
// the successful start returned is the one polled and read.
func TestStartReportRetried(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	for name, first := range map[string]step{
		"transient 500":    graphErr(500, 2, 0, "Service temporarily unavailable"),
		"5xx without body": {status: 502, body: "<html>Bad Gateway</html>", header: http.Header{"Content-Type": {"text/html"}}},
		"throttled":        graphErr(400, 80000, 0, "There have been too many calls from this ad-account."),
		"connection reset": {err: reset},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				post := func(t *testing.T, r recorded) {
					assert.Equal(t, "POST", r.Method)
					assert.Equal(t, "/v26.0/act_123456789012345/insights", r.URL.Path)
				}
				first.check = post
				s, mt := newScript(t,
					first,
					step{status: 200, body: `{"report_run_id":"6044775548468"}`, check: post},
					step{status: 200, body: reportStatusBody("Job Completed", 100), check: func(t *testing.T, r recorded) {
						assert.Equal(t, "/v26.0/6044775548468", r.URL.Path)
					}},
					step{status: 200, body: insightsBody("", false, insightsRow), check: func(t *testing.T, r recorded) {
						assert.Equal(t, "/v26.0/6044775548468/insights", r.URL.Path)
					}},
				)
				c := newTestClient(t, mt)
				page, err := c.InsightsPage(t.Context(), "act_123456789012345", InsightsOptions{Async: true})
				require.NoError(t, err)
				require.Len(t, page.Items, 1)
				assert.Equal(t, 0, s.remaining())
				posts := 0
				for _, r := range s.requests() {
					if r.Method == "POST" {
						posts++
						assert.Equal(t, s.requests()[0].Body, r.Body, "the retry sends the same parameters")
					}
				}
				assert.Equal(t, 2, posts)
			})
		})
	}
}

// The same holds after the fallback from a synchronous call that hit the
// data-per-call limit: one transient error while starting the run does not
// fail the report.
func TestInsightsFallbackSurvivesTransientStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, mt := newScript(t,
			graphErr(400, 1, 0, "Please reduce the amount of data you're asking for, then retry your request"),
			graphErr(500, 2, 0, "Service temporarily unavailable"),
			ok(`{"report_run_id":"6044775548468"}`),
			ok(reportStatusBody("Job Completed", 100)),
			ok(insightsBody("", false, insightsRow)),
		)
		c := newTestClient(t, mt)
		var rows int
		for _, err := range c.Insights(t.Context(), "act_123456789012345", InsightsOptions{}) {
			require.NoError(t, err)
			rows++
		}
		assert.Equal(t, 1, rows)
		assert.Equal(t, 0, s.remaining())
	})
}

// A Graph error that is not temporary (a bad parameter) is not retried.
func TestStartReportPermanentErrorNotRetried(t *testing.T) {
	s, mt := newScript(t, graphErr(400, 100, 0, "(#100) Invalid parameter"))
	c := newTestClient(t, mt)
	_, err := c.InsightsPage(t.Context(), "act_1", InsightsOptions{Async: true})
	var ge *Error
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, 100, ge.Code)
	assert.Len(t, s.requests(), 1)
}

func TestNormalizeAdAccountID(t *testing.T) {
	for in, want := range map[string]string{
		"123": "act_123", "act_123": "act_123", " 123 ": "act_123", "": "",
	} {
		assert.Equal(t, want, NormalizeAdAccountID(in), in)
	}
}

func TestAdAccount(t *testing.T) {
	s, mt := newScript(t, step{status: 200, body: `{"id":"act_123456789012345","account_id":123456789012345,"name":"Example School Ads",
		"currency":"EUR","timezone_name":"Europe/Berlin","account_status":"1"}`, check: func(t *testing.T, r recorded) {
		assert.Equal(t, "/v26.0/act_123456789012345", r.URL.Path)
		assert.Equal(t, "id,account_id,name,currency,timezone_name,account_status", r.URL.Query().Get("fields"))
	}})
	c := newTestClient(t, mt)
	a, err := c.AdAccount(t.Context(), "123456789012345")
	require.NoError(t, err)
	assert.Equal(t, AdAccount{ID: "act_123456789012345", AccountID: "123456789012345", Name: "Example School Ads",
		Currency: "EUR", TimeZone: "Europe/Berlin", Status: 1}, a)
	assert.Equal(t, 0, s.remaining())

	for _, bad := range []string{"", "act_", "act_12x", "../me"} {
		_, err := c.AdAccount(t.Context(), bad)
		assert.Error(t, err, bad)
	}
	assert.Len(t, s.requests(), 1)

	_, mt = newScript(t, ok(`{"id":"act_1","account_status":{"x":1}}`))
	c = newTestClient(t, mt)
	_, err = c.AdAccount(t.Context(), "act_1")
	assert.ErrorIs(t, err, ErrInvalidResponse)
}
