package metaleadstest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

const dateLayout = "2006-01-02"

var insightsFields = []string{
	"account_currency", "account_id", "account_name", "campaign_id", "campaign_name",
	"adset_id", "adset_name", "ad_id", "ad_name", "date_start", "date_stop",
	"spend", "impressions", "clicks", "reach", "cpm", "ctr", "cpc", "frequency",
	"inline_link_clicks", "actions", "cost_per_action_type", "action_values",
	"conversion_leads", "cost_per_conversion_lead", "objective", "results", "cost_per_result",
}

var levels = []string{"ad", "adset", "campaign", "account"}

// insightsQuery is a parsed insights request.
type insightsQuery struct {
	level       string
	fields      []string
	since       time.Time
	until       time.Time
	increment   int // days per row; 0 = all_days; -1 = monthly
	filterIDs   map[string]map[string]bool
	filterNotIn map[string]map[string]bool
}

// presetToday is "today" for date presets: the clock if one was given, else
// the demo data's reference day, else now.
func (s *Server) presetToday() time.Time {
	if s.cfg.clock == nil && !s.demoRef.IsZero() {
		return dayOf(s.demoRef)
	}
	return dayOf(s.now())
}

func (s *Server) parseInsights(c *call, objLevel string, dataStart func() time.Time) (insightsQuery, *graphErr) {
	q := insightsQuery{level: c.params.Get("level")}
	if q.level == "" {
		q.level = objLevel
	}
	if !slices.Contains(levels, q.level) {
		return q, errParam("param level must be one of {ad, adset, campaign, account}")
	}
	if f := c.params.Get("fields"); f != "" {
		for _, name := range strings.Split(f, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if !slices.Contains(insightsFields, name) {
				return q, errParam("%s is not valid for fields param. please check https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ for all valid values", name)
			}
			q.fields = append(q.fields, name)
		}
	} else {
		q.fields = []string{"impressions", "spend"}
	}
	if b := c.params.Get("breakdowns"); b != "" && b != "[]" {
		return q, errParam("breakdowns are not supported by metaleadstest")
	}
	if c.params.Get("time_ranges") != "" {
		return q, errParam("time_ranges is not supported by metaleadstest; use time_range")
	}
	today := s.presetToday()
	if tr := c.params.Get("time_range"); tr != "" {
		var r struct {
			Since string `json:"since"`
			Until string `json:"until"`
		}
		if err := json.Unmarshal([]byte(tr), &r); err != nil {
			return q, errParam("param time_range must be a JSON object {\"since\":\"YYYY-MM-DD\",\"until\":\"YYYY-MM-DD\"}")
		}
		var err1, err2 error
		q.since, err1 = time.Parse(dateLayout, r.Since)
		q.until, err2 = time.Parse(dateLayout, r.Until)
		if err1 != nil || err2 != nil {
			return q, errParam("param time_range: since and until must be dates YYYY-MM-DD (UNIX timestamps are not supported)")
		}
		if q.until.Before(q.since) {
			return q, errParam("param time_range: since must not be after until")
		}
	} else {
		p := c.params.Get("date_preset")
		if p == "" {
			p = "last_30d"
		}
		var ok bool
		q.since, q.until, ok = presetRange(p, today, dataStart)
		if !ok {
			return q, errParam("date_preset must be one of the following values: today, yesterday, this_month, last_month, this_quarter, maximum, data_maximum, last_3d, last_7d, last_14d, last_28d, last_30d, last_90d, last_week_mon_sun, last_week_sun_sat, last_quarter, last_year, this_week_mon_today, this_week_sun_today, this_year")
		}
	}
	switch ti := c.params.Get("time_increment"); ti {
	case "", "all_days":
	case "monthly":
		q.increment = -1
	default:
		n, err := strconv.Atoi(ti)
		if err != nil || n < 1 || n > 90 {
			return q, errParam("param time_increment must be all_days, monthly or an integer from 1 to 90")
		}
		q.increment = n
	}
	if raw := c.params.Get("filtering"); raw != "" {
		var fs []struct {
			Field    string `json:"field"`
			Operator string `json:"operator"`
			Value    any    `json:"value"`
		}
		if err := json.Unmarshal([]byte(raw), &fs); err != nil {
			return q, errParam("param filtering must be an array of {field, operator, value} objects")
		}
		for _, f := range fs {
			lvl, ok := strings.CutSuffix(f.Field, ".id")
			if !ok || !slices.Contains([]string{"campaign", "adset", "ad"}, lvl) {
				return q, errParam("filtering on %q is not supported by metaleadstest (only campaign.id, adset.id, ad.id)", f.Field)
			}
			var vals []string
			switch v := f.Value.(type) {
			case string:
				vals = []string{v}
			case float64:
				vals = []string{strconv.FormatFloat(v, 'f', -1, 64)}
			case []any:
				for _, x := range v {
					if s, ok := x.(string); ok {
						vals = append(vals, s)
					}
				}
			}
			set := map[string]bool{}
			for _, v := range vals {
				set[v] = true
			}
			switch f.Operator {
			case "EQUAL", "IN":
				if q.filterIDs == nil {
					q.filterIDs = map[string]map[string]bool{}
				}
				q.filterIDs[lvl] = set
			case "NOT_EQUAL", "NOT_IN":
				if q.filterNotIn == nil {
					q.filterNotIn = map[string]map[string]bool{}
				}
				q.filterNotIn[lvl] = set
			default:
				return q, errParam("filtering operator %s is not supported by metaleadstest on %s", f.Operator, f.Field)
			}
		}
	}
	return q, nil
}

// presetRange resolves a date_preset relative to today (00:00 UTC).
func presetRange(p string, today time.Time, dataStart func() time.Time) (since, until time.Time, ok bool) {
	day := func(n int) time.Time { return today.AddDate(0, 0, n) }
	y, m, _ := today.Date()
	monthStart := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	qStart := time.Date(y, time.Month((int(m)-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	wd := (int(today.Weekday()) + 6) % 7 // days since Monday
	switch p {
	case "today":
		return today, today, true
	case "yesterday":
		return day(-1), day(-1), true
	case "last_3d", "last_7d", "last_14d", "last_28d", "last_30d", "last_90d":
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "last_"), "d"))
		return day(-n), day(-1), true
	case "this_month":
		return monthStart, today, true
	case "last_month":
		return monthStart.AddDate(0, -1, 0), monthStart.AddDate(0, 0, -1), true
	case "this_quarter":
		return qStart, today, true
	case "last_quarter":
		return qStart.AddDate(0, -3, 0), qStart.AddDate(0, 0, -1), true
	case "this_year":
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), today, true
	case "last_year":
		return time.Date(y-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y-1, 12, 31, 0, 0, 0, 0, time.UTC), true
	case "this_week_mon_today":
		return day(-wd), today, true
	case "this_week_sun_today":
		return day(-int(today.Weekday())), today, true
	case "last_week_mon_sun":
		return day(-wd - 7), day(-wd - 1), true
	case "last_week_sun_sat":
		sun := day(-int(today.Weekday()))
		return sun.AddDate(0, 0, -7), sun.AddDate(0, 0, -1), true
	case "maximum", "data_maximum":
		start := dataStart()
		if start.IsZero() || start.After(today) {
			start = today.AddDate(0, -37, 0)
		}
		return start, today, true
	}
	return time.Time{}, time.Time{}, false
}

// insightsAgg accumulates rows of one output line.
type insightsAgg struct {
	start, stop               time.Time
	accountID                 string
	campaignID, adsetID, adID string
	spend                     decimal.Decimal
	impressions, reach        int64
	clicks, leads             int64
}

// insightsScope is the object an insights call reads.
type insightsScope struct {
	level string // account, campaign, adset, ad
	id    string
}

// buildInsights aggregates the seeded rows for a scope and query. The caller
// holds s.mu.RLock.
func (st *store) buildInsights(sc insightsScope, q insightsQuery) []*insightsAgg {
	type key struct {
		bucket time.Time
		id     string
	}
	groups := map[key]*insightsAgg{}
	for _, r := range st.rows {
		if r.Date.Before(q.since) || r.Date.After(q.until) {
			continue
		}
		ad := st.ads[r.AdID]
		as := st.adsets[ad.AdSetID]
		camp := st.campaigns[as.CampaignID]
		ids := map[string]string{"ad": ad.ID, "adset": as.ID, "campaign": camp.ID, "account": camp.AccountID}
		if ids[sc.level] != sc.id {
			continue
		}
		skip := false
		for lvl, set := range q.filterIDs {
			if !set[ids[lvl]] {
				skip = true
			}
		}
		for lvl, set := range q.filterNotIn {
			if set[ids[lvl]] {
				skip = true
			}
		}
		if skip {
			continue
		}
		bStart, bStop := bucketOf(r.Date, q)
		k := key{bStart, ids[q.level]}
		g := groups[k]
		if g == nil {
			g = &insightsAgg{start: bStart, stop: bStop, accountID: camp.AccountID}
			switch q.level {
			case "ad":
				g.adID, g.adsetID, g.campaignID = ad.ID, as.ID, camp.ID
			case "adset":
				g.adsetID, g.campaignID = as.ID, camp.ID
			case "campaign":
				g.campaignID = camp.ID
			}
			groups[k] = g
		}
		g.spend = g.spend.Add(r.Spend)
		g.impressions += r.Impressions
		reach := r.Reach
		if reach == 0 {
			reach = r.Impressions * 62 / 100
		}
		g.reach += reach
		g.clicks += r.Clicks
		g.leads += r.Leads
	}
	out := make([]*insightsAgg, 0, len(groups))
	for _, g := range groups {
		if g.impressions == 0 && g.spend.IsZero() {
			continue
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.start.Equal(b.start) {
			return a.start.Before(b.start)
		}
		ka, kb := a.campaignID+"/"+a.adsetID+"/"+a.adID, b.campaignID+"/"+b.adsetID+"/"+b.adID
		return ka < kb
	})
	return out
}

// bucketOf returns the reporting period containing day d.
func bucketOf(d time.Time, q insightsQuery) (time.Time, time.Time) {
	switch {
	case q.increment == 0:
		return q.since, q.until
	case q.increment < 0:
		y, m, _ := d.Date()
		start := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		stop := start.AddDate(0, 1, -1)
		return maxTime(start, q.since), minTime(stop, q.until)
	default:
		n := int(d.Sub(q.since).Hours()/24) / q.increment
		start := q.since.AddDate(0, 0, n*q.increment)
		stop := start.AddDate(0, 0, q.increment-1)
		return start, minTime(stop, q.until)
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// render turns an aggregate into a Graph insights row with only the asked
// fields (plus date_start and date_stop, which Graph always includes).
func (st *store) renderInsights(g *insightsAgg, fields []string) node {
	n := node{"date_start": g.start.Format(dateLayout), "date_stop": g.stop.Format(dateLayout)}
	acct := st.accounts[g.accountID]
	div := func(a decimal.Decimal, b int64) (string, bool) {
		if b == 0 {
			return "", false
		}
		return a.Div(decimal.NewFromInt(b)).Round(6).String(), true
	}
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	leadActions := []string{"lead", "leadgen_grouped", "onsite_conversion.lead_grouped"}
	for _, f := range fields {
		switch f {
		case "account_currency":
			n[f] = acct.Currency
		case "account_id":
			n[f] = strings.TrimPrefix(acct.ID, "act_")
		case "account_name":
			n[f] = acct.Name
		case "campaign_id":
			if g.campaignID != "" {
				n[f] = g.campaignID
			}
		case "campaign_name":
			if c := st.campaigns[g.campaignID]; c != nil {
				n[f] = c.Name
			}
		case "adset_id":
			if g.adsetID != "" {
				n[f] = g.adsetID
			}
		case "adset_name":
			if a := st.adsets[g.adsetID]; a != nil {
				n[f] = a.Name
			}
		case "ad_id":
			if g.adID != "" {
				n[f] = g.adID
			}
		case "ad_name":
			if a := st.ads[g.adID]; a != nil {
				n[f] = a.Name
			}
		case "spend":
			n[f] = g.spend.Round(2).String()
		case "impressions":
			n[f] = i64(g.impressions)
		case "clicks", "inline_link_clicks":
			n[f] = i64(g.clicks)
		case "reach":
			n[f] = i64(g.reach)
		case "cpm":
			if v, ok := div(g.spend.Mul(decimal.NewFromInt(1000)), g.impressions); ok {
				n[f] = v
			}
		case "ctr":
			if v, ok := div(decimal.NewFromInt(g.clicks*100), g.impressions); ok {
				n[f] = v
			}
		case "cpc":
			if v, ok := div(g.spend, g.clicks); ok {
				n[f] = v
			}
		case "frequency":
			if v, ok := div(decimal.NewFromInt(g.impressions), g.reach); ok {
				n[f] = v
			}
		case "actions":
			var acts []node
			if g.clicks > 0 {
				for _, t := range []string{"link_click", "page_engagement", "post_engagement"} {
					acts = append(acts, node{"action_type": t, "value": i64(g.clicks)})
				}
			}
			if g.leads > 0 {
				for _, t := range leadActions {
					acts = append(acts, node{"action_type": t, "value": i64(g.leads)})
				}
			}
			if len(acts) > 0 {
				n[f] = acts
			}
		case "cost_per_action_type":
			var acts []node
			if v, ok := div(g.spend, g.clicks); ok {
				acts = append(acts, node{"action_type": "link_click", "value": v})
			}
			if v, ok := div(g.spend, g.leads); ok {
				for _, t := range leadActions {
					acts = append(acts, node{"action_type": t, "value": v})
				}
			}
			if len(acts) > 0 {
				n[f] = acts
			}
		}
	}
	return n
}

// adsCall serves ad accounts, campaigns, ad sets and ads.
func (s *Server) adsCall(c *call, kind, id, edge string) (any, *graphErr) {
	c.uc = ucAdsMgmt
	if c.tok.kind != userToken && c.tok.kind != pageToken {
		return nil, errUnsupported(c.method, id)
	}
	switch edge {
	case "":
		if c.method != http.MethodGet {
			return nil, errUnsupported(c.method, id)
		}
		if !s.hasScope("ads_read", "ads_management") {
			return nil, errPermission("ads_read")
		}
		sel, gerr := selection(c)
		if gerr != nil {
			return nil, gerr
		}
		s.mu.RLock()
		n, t := s.st.adsNode(kind, id)
		s.mu.RUnlock()
		return t.project(n, sel)
	case "insights":
		c.uc = ucInsight
		if !s.hasScope("ads_read", "ads_management") {
			return nil, errPermission("ads_read")
		}
		sc := insightsScope{level: kind, id: id}
		switch c.method {
		case http.MethodGet:
			return s.insights(c, sc, c.params)
		case http.MethodPost:
			return s.startReport(c, sc)
		}
		return nil, errUnsupported(c.method, id)
	case "leads":
		if kind == "ad" {
			c.uc = ucLeadgen
			s.mu.RLock()
			ad := *s.st.ads[id]
			s.mu.RUnlock()
			return s.adLeads(c, &ad)
		}
	}
	t := adAccountType
	switch kind {
	case "campaign":
		t = campaignType
	case "adset":
		t = adSetType
	case "ad":
		t = adType
	}
	return nil, errNonexistingField(edge, t.name)
}

func (st *store) adsNode(kind, id string) (node, nodeType) {
	switch kind {
	case "account":
		a := st.accounts[id]
		return node{"id": a.ID, "account_id": strings.TrimPrefix(a.ID, "act_"), "name": a.Name,
			"currency": a.Currency, "timezone_name": a.TimeZone, "account_status": 1}, adAccountType
	case "campaign":
		c := st.campaigns[id]
		return node{"id": c.ID, "name": c.Name, "account_id": strings.TrimPrefix(c.AccountID, "act_"),
			"status": "ACTIVE", "effective_status": "ACTIVE", "objective": "OUTCOME_LEADS"}, campaignType
	case "adset":
		a := st.adsets[id]
		c := st.campaigns[a.CampaignID]
		return node{"id": a.ID, "name": a.Name, "campaign_id": a.CampaignID, "campaign": node{"id": c.ID, "name": c.Name},
			"account_id": strings.TrimPrefix(c.AccountID, "act_"), "status": "ACTIVE", "effective_status": "ACTIVE"}, adSetType
	default:
		a := st.ads[id]
		as := st.adsets[a.AdSetID]
		c := st.campaigns[as.CampaignID]
		return node{"id": a.ID, "name": a.Name, "adset_id": as.ID, "campaign_id": c.ID,
			"adset": node{"id": as.ID, "name": as.Name}, "campaign": node{"id": c.ID, "name": c.Name},
			"account_id": strings.TrimPrefix(c.AccountID, "act_"), "status": "ACTIVE", "effective_status": "ACTIVE"}, adType
	}
}

// insights serves a synchronous insights read (or an async run's rows).
func (s *Server) insights(c *call, sc insightsScope, params url.Values) (any, *graphErr) {
	qc := &call{params: params}
	s.mu.RLock()
	q, gerr := s.parseInsights(qc, sc.level, s.st.dataStart)
	var rows []node
	if gerr == nil {
		aggs := s.st.buildInsights(sc, q)
		rows = make([]node, len(aggs))
		for i, g := range aggs {
			rows[i] = s.st.renderInsights(g, q.fields)
		}
	}
	s.mu.RUnlock()
	if gerr != nil {
		return nil, gerr
	}
	if _, gerr := s.pageLimit(c, true); gerr != nil {
		return nil, gerr
	}
	return s.listPage(c, rows, func(n node) (node, *graphErr) { return n, nil })
}

// dataStart is the first day with delivery. The caller holds s.mu.
func (st *store) dataStart() time.Time {
	var first time.Time
	for _, r := range st.rows {
		if first.IsZero() || r.Date.Before(first) {
			first = r.Date
		}
	}
	return first
}

// reportJob is an async insights report run.
type reportJob struct {
	id        string
	scope     insightsScope
	accountID string
	params    url.Values
	created   time.Time
	polls     int
	since     time.Time
	until     time.Time
}

func (s *Server) startReport(c *call, sc insightsScope) (any, *graphErr) {
	params := url.Values{}
	for k, v := range c.params {
		switch k {
		case "access_token", "appsecret_proof", "appsecret_time", "limit", "after", "before":
			continue
		}
		params[k] = v
	}
	// Validate now, as Graph does before accepting the job.
	s.mu.RLock()
	q, gerr := s.parseInsights(&call{params: params}, sc.level, s.st.dataStart)
	s.mu.RUnlock()
	if gerr != nil {
		return nil, gerr
	}
	s.mu.Lock()
	id := s.st.newID()
	acct := s.st.accountOf(sc)
	s.mu.Unlock()
	job := &reportJob{id: id, scope: sc, accountID: acct, params: params, created: s.now(), since: q.since, until: q.until}
	s.st.jobsMu.Lock()
	s.st.jobs[id] = job
	s.st.jobsMu.Unlock()
	n, _ := strconv.ParseInt(id, 10, 64)
	return node{"report_run_id": n}, nil
}

func (st *store) accountOf(sc insightsScope) string {
	switch sc.level {
	case "account":
		return sc.id
	case "campaign":
		return st.campaigns[sc.id].AccountID
	case "adset":
		return st.campaigns[st.adsets[sc.id].CampaignID].AccountID
	default:
		return st.campaigns[st.adsets[st.ads[sc.id].AdSetID].CampaignID].AccountID
	}
}

func (s *Server) jobCall(c *call, id, edge string) (any, *graphErr) {
	c.uc = ucInsight
	if c.tok.kind != userToken && c.tok.kind != pageToken {
		return nil, errUnsupported(c.method, id)
	}
	s.st.jobsMu.Lock()
	job := s.st.jobs[id]
	s.st.jobsMu.Unlock()
	if c.method != http.MethodGet {
		return nil, errUnsupported(c.method, id)
	}
	switch edge {
	case "":
		sel, gerr := selection(c)
		if gerr != nil {
			return nil, gerr
		}
		s.st.jobsMu.Lock()
		job.polls++
		done := job.polls > s.cfg.asyncPolls
		s.st.jobsMu.Unlock()
		n := node{
			"id":            job.id,
			"account_id":    strings.TrimPrefix(job.accountID, "act_"),
			"time_ref":      job.created.Unix(),
			"date_start":    job.since.Format(dateLayout),
			"date_stop":     job.until.Format(dateLayout),
			"is_bookmarked": false,
		}
		if done {
			n["async_status"] = "Job Completed"
			n["async_percent_completion"] = 100
			n["is_running"] = false
			n["time_completed"] = job.created.Unix() + 1
		} else {
			n["async_status"] = "Job Running"
			n["async_percent_completion"] = 50
			n["is_running"] = true
		}
		return reportRunType.project(n, sel)
	case "insights":
		s.st.jobsMu.Lock()
		done := job.polls > s.cfg.asyncPolls
		s.st.jobsMu.Unlock()
		if !done {
			return nil, errParam("Report run %s is not complete yet; poll async_status until Job Completed", id)
		}
		return s.insights(c, job.scope, mergeParams(job.params, c.params))
	}
	return nil, errNonexistingField(edge, reportRunType.name)
}

// mergeParams overlays paging parameters of the current call on a stored
// report's parameters.
func mergeParams(stored, cur url.Values) url.Values {
	out := url.Values{}
	for k, v := range stored {
		out[k] = v
	}
	for _, k := range []string{"limit", "after", "before"} {
		if v, ok := cur[k]; ok {
			out[k] = v
		}
	}
	return out
}
