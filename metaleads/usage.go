package metaleads

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Usage header names.
const (
	headerAppUsage       = "X-App-Usage"
	headerPageUsage      = "X-Page-Usage"
	headerAdAccountUsage = "X-Ad-Account-Usage"
	headerBUCUsage       = "X-Business-Use-Case-Usage"
)

const (
	// DefaultUsageHighWater is the usage percentage above which the client
	// starts slowing down (see WithUsageHighWater).
	DefaultUsageHighWater = 80
	// maxSlowdown is the delay before each call at 100% usage when Graph gave
	// no regain time; between the high-water mark and 100% the delay grows
	// linearly from 0.
	maxSlowdown = 5 * time.Second
	// usageStale is how long an observed percentage counts for slowing down;
	// Graph sends usage headers only once enough calls were made, so an old
	// reading must not slow the client forever.
	usageStale = 5 * time.Minute
	// maxRegain caps a regain time read from a header.
	maxRegain = 24 * time.Hour
)

// CallUsage is an X-App-Usage or X-Page-Usage reading: percentages (0–100) of
// the quota used.
type CallUsage struct {
	CallCount      float64       // call_count
	TotalCPUTime   float64       // total_cputime
	TotalTime      float64       // total_time
	RegainAccessIn time.Duration // estimated_time_to_regain_access (X-Page-Usage only)
}

// Percent is the highest of the three percentages.
func (u CallUsage) Percent() float64 { return max(u.CallCount, u.TotalCPUTime, u.TotalTime) }

// AdAccountUsage is an X-Ad-Account-Usage reading.
type AdAccountUsage struct {
	UtilPct    float64       // acc_id_util_pct, percent
	ResetIn    time.Duration // reset_time_duration
	AccessTier string        // ads_api_access_tier
}

// BusinessUseCaseUsage is one entry of X-Business-Use-Case-Usage: the usage
// of one business object (ad account, Page…) for one use case type
// ("leadgen", "pages", "ads_management", …).
type BusinessUseCaseUsage struct {
	ObjectID       string        // the business object's id (the header's key)
	Type           string        // the use case type, e.g. "leadgen"
	CallCount      float64       // call_count, percent
	TotalCPUTime   float64       // total_cputime, percent
	TotalTime      float64       // total_time, percent
	RegainAccessIn time.Duration // estimated_time_to_regain_access (minutes in the header)
	AccessTier     string        // ads_api_access_tier, when sent
}

// Percent is the highest of the three percentages.
func (u BusinessUseCaseUsage) Percent() float64 { return max(u.CallCount, u.TotalCPUTime, u.TotalTime) }

// Usage is the throttling state last reported by Graph's usage headers, as
// seen by a client (and the clients derived from it with WithToken). Each
// header keeps its most recent reading; a header never seen is zero.
type Usage struct {
	// Percent is the highest percentage in any reading still current.
	Percent float64
	// App, Page and AdAccount are the last X-App-Usage, X-Page-Usage and
	// X-Ad-Account-Usage readings.
	App       CallUsage      // X-App-Usage
	Page      CallUsage      // X-Page-Usage
	AdAccount AdAccountUsage // X-Ad-Account-Usage
	// BusinessUseCase holds the last reading for each (object, type) pair of
	// X-Business-Use-Case-Usage, sorted by ObjectID then Type.
	BusinessUseCase []BusinessUseCaseUsage
	// RegainAccessIn is how long, from the moment Usage was called, until the
	// longest block announced by Graph ends; 0 when not blocked.
	RegainAccessIn time.Duration
	// Observed is when the last usage header arrived; zero if never.
	Observed time.Time
}

// usageSample is what one response's headers said.
type usageSample struct {
	app, page     *CallUsage
	adAccount     *AdAccountUsage
	bucs          []BusinessUseCaseUsage
	hasBUC        bool
	anyHeaderSeen bool
}

// regain is the longest wait any reading of the sample announces.
func (s usageSample) regain() time.Duration {
	var d time.Duration
	if s.page != nil {
		d = max(d, s.page.RegainAccessIn)
	}
	if s.app != nil {
		d = max(d, s.app.RegainAccessIn)
	}
	if s.adAccount != nil && s.adAccount.UtilPct >= 100 {
		d = max(d, s.adAccount.ResetIn)
	}
	for _, b := range s.bucs {
		d = max(d, b.RegainAccessIn)
	}
	return d
}

// parseUsageHeaders reads the four usage headers leniently: numbers or
// numeric strings, floats, missing keys; a header that does not parse is
// ignored.
func parseUsageHeaders(h http.Header) usageSample {
	var s usageSample
	if v := h.Get(headerAppUsage); v != "" {
		s.anyHeaderSeen = true
		if m, ok := jsonObject(v); ok {
			u := callUsage(m)
			s.app = &u
		}
	}
	if v := h.Get(headerPageUsage); v != "" {
		s.anyHeaderSeen = true
		if m, ok := jsonObject(v); ok {
			u := callUsage(m)
			s.page = &u
		}
	}
	if v := h.Get(headerAdAccountUsage); v != "" {
		s.anyHeaderSeen = true
		if m, ok := jsonObject(v); ok {
			s.adAccount = &AdAccountUsage{
				UtilPct:    percent(m["acc_id_util_pct"]),
				ResetIn:    duration(m["reset_time_duration"], time.Second),
				AccessTier: text(m["ads_api_access_tier"]),
			}
		}
	}
	if v := h.Get(headerBUCUsage); v != "" {
		s.anyHeaderSeen = true
		if m, ok := jsonObject(v); ok {
			s.hasBUC = true
			for id, raw := range m {
				var entries []any
				switch x := raw.(type) {
				case []any:
					entries = x
				case map[string]any:
					entries = []any{x}
				}
				for _, e := range entries {
					em, ok := e.(map[string]any)
					if !ok {
						continue
					}
					s.bucs = append(s.bucs, BusinessUseCaseUsage{
						ObjectID:       id,
						Type:           text(em["type"]),
						CallCount:      percent(em["call_count"]),
						TotalCPUTime:   percent(em["total_cputime"]),
						TotalTime:      percent(em["total_time"]),
						RegainAccessIn: duration(em["estimated_time_to_regain_access"], time.Minute),
						AccessTier:     text(em["ads_api_access_tier"]),
					})
				}
			}
		}
	}
	return s
}

func callUsage(m map[string]any) CallUsage {
	return CallUsage{
		CallCount:      percent(m["call_count"]),
		TotalCPUTime:   percent(m["total_cputime"]),
		TotalTime:      percent(m["total_time"]),
		RegainAccessIn: duration(m["estimated_time_to_regain_access"], time.Minute),
	}
}

func jsonObject(s string) (map[string]any, bool) {
	if len(s) > 64<<10 {
		return nil, false
	}
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

// number reads a JSON number or numeric string; NaN, infinities and
// negative values are rejected.
func number(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case string:
		var err error
		f, err = strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(x), "%"), 64)
		if err != nil {
			return 0, false
		}
	case bool, nil:
		return 0, false
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0, false
	}
	return f, true
}

// percent reads a percentage, capped at 1000 so a broken header cannot make
// arithmetic overflow.
func percent(v any) float64 {
	f, _ := number(v)
	return min(f, 1000)
}

func duration(v any, unit time.Duration) time.Duration {
	f, ok := number(v)
	if !ok {
		return 0
	}
	if f*float64(unit) >= float64(maxRegain) {
		return maxRegain
	}
	return time.Duration(f * float64(unit))
}

func text(v any) string {
	s, _ := v.(string)
	return truncate(s, 100)
}

// bucKey identifies one business-use-case reading.
type bucKey struct{ id, typ string }

type bucState struct {
	u        BusinessUseCaseUsage
	observed time.Time
}

// usageTracker keeps the last readings; shared by a client and the clients
// derived from it.
type usageTracker struct {
	highWater float64

	mu            sync.Mutex
	app, page     CallUsage
	appAt, pageAt time.Time
	adAccount     AdAccountUsage
	adAccountAt   time.Time
	bucs          map[bucKey]bucState
	observed      time.Time
	regainUntil   time.Time // end of the longest announced block
}

func newUsageTracker(highWater float64) *usageTracker {
	return &usageTracker{highWater: highWater, bucs: make(map[bucKey]bucState)}
}

// observe records the usage headers of a response.
func (t *usageTracker) observe(h http.Header, now time.Time) {
	s := parseUsageHeaders(h)
	if !s.anyHeaderSeen {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.observed = now
	if s.app != nil {
		t.app, t.appAt = *s.app, now
	}
	if s.page != nil {
		t.page, t.pageAt = *s.page, now
	}
	if s.adAccount != nil {
		t.adAccount, t.adAccountAt = *s.adAccount, now
	}
	for _, b := range s.bucs {
		t.bucs[bucKey{b.ObjectID, b.Type}] = bucState{u: b, observed: now}
	}
	// Forget readings of objects not heard of for an hour, unless they still
	// announce a block.
	for k, b := range t.bucs {
		if now.Sub(b.observed) > time.Hour && !b.observed.Add(b.u.RegainAccessIn).After(now) {
			delete(t.bucs, k)
		}
	}
	// A fresh reading replaces the previous one of the same header or
	// object, so a reading without a regain time lifts that reading's block.
	t.regainUntil = t.recomputeRegain(now)
}

// recomputeRegain returns the end of the longest block still announced by a
// stored reading; t.mu is held.
func (t *usageTracker) recomputeRegain(now time.Time) time.Time {
	var until time.Time
	consider := func(at time.Time, d time.Duration) {
		if d > 0 && at.Add(d).After(until) {
			until = at.Add(d)
		}
	}
	consider(t.appAt, t.app.RegainAccessIn)
	consider(t.pageAt, t.page.RegainAccessIn)
	if t.adAccount.UtilPct >= 100 {
		consider(t.adAccountAt, t.adAccount.ResetIn)
	}
	for _, b := range t.bucs {
		consider(b.observed, b.u.RegainAccessIn)
	}
	if !until.After(now) {
		return time.Time{}
	}
	return until
}

// percentAt is the highest percentage among readings not older than
// usageStale; a reading that announced a block no longer counts once the
// block has ended. t.mu is held.
func (t *usageTracker) percentAt(now time.Time) float64 {
	var p float64
	current := func(at time.Time, regain time.Duration) bool {
		if at.IsZero() || now.Sub(at) > usageStale {
			return false
		}
		return regain <= 0 || at.Add(regain).After(now)
	}
	if current(t.appAt, t.app.RegainAccessIn) {
		p = max(p, t.app.Percent())
	}
	if current(t.pageAt, t.page.RegainAccessIn) {
		p = max(p, t.page.Percent())
	}
	adRegain := time.Duration(0)
	if t.adAccount.UtilPct >= 100 {
		adRegain = t.adAccount.ResetIn
	}
	if current(t.adAccountAt, adRegain) {
		p = max(p, t.adAccount.UtilPct)
	}
	for _, b := range t.bucs {
		if current(b.observed, b.u.RegainAccessIn) {
			p = max(p, b.u.Percent())
		}
	}
	return p
}

// snapshot returns the public view.
func (t *usageTracker) snapshot(now time.Time) Usage {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := Usage{
		Percent:   t.percentAt(now),
		App:       t.app,
		Page:      t.page,
		AdAccount: t.adAccount,
		Observed:  t.observed,
	}
	if t.regainUntil.After(now) {
		u.RegainAccessIn = t.regainUntil.Sub(now)
	}
	for _, b := range t.bucs {
		u.BusinessUseCase = append(u.BusinessUseCase, b.u)
	}
	slices.SortFunc(u.BusinessUseCase, func(a, b BusinessUseCaseUsage) int {
		return cmp.Or(cmp.Compare(a.ObjectID, b.ObjectID), cmp.Compare(a.Type, b.Type))
	})
	return u
}

// delay says how long to wait before the next attempt: until the announced
// block ends (blocked), or a slowdown proportional to how far usage is above
// the high-water mark.
func (t *usageTracker) delay(now time.Time) (d time.Duration, blocked bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.regainUntil.After(now) {
		return t.regainUntil.Sub(now), true
	}
	p := t.percentAt(now)
	if p <= t.highWater {
		return 0, false
	}
	if p >= 100 || t.highWater >= 100 {
		return maxSlowdown, false
	}
	return time.Duration((p - t.highWater) / (100 - t.highWater) * float64(maxSlowdown)), false
}

// wait is the transport's BeforeAttempt hook: it sleeps for delay, honouring
// ctx.
func (t *usageTracker) wait(ctx context.Context) error {
	d, _ := t.delay(time.Now())
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-timer.C:
		return nil
	}
}
