package metaleads

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseUsageHeadersLenient(t *testing.T) {
	h := http.Header{
		"X-App-Usage":               {`{"call_count":28,"total_time":"25","total_cputime":25.5}`},
		"X-Page-Usage":              {`{"call_count":"85%","total_cputime":56}`}, // total_time missing
		"X-Ad-Account-Usage":        {`{"acc_id_util_pct":9.67,"reset_time_duration":"100","ads_api_access_tier":"standard_access"}`},
		"X-Business-Use-Case-Usage": {`{"102030405060708":[{"type":"pages","call_count":12,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":0}],"123456789012345":{"type":"leadgen","call_count":"57","total_cputime":9,"total_time":11,"estimated_time_to_regain_access":"2"}}`},
	}
	s := parseUsageHeaders(h)
	require.NotNil(t, s.app)
	assert.Equal(t, CallUsage{CallCount: 28, TotalTime: 25, TotalCPUTime: 25.5}, *s.app)
	require.NotNil(t, s.page)
	assert.Equal(t, CallUsage{CallCount: 85, TotalCPUTime: 56}, *s.page)
	require.NotNil(t, s.adAccount)
	assert.Equal(t, AdAccountUsage{UtilPct: 9.67, ResetIn: 100 * time.Second, AccessTier: "standard_access"}, *s.adAccount)
	require.Len(t, s.bucs, 2)
	assert.Equal(t, 2*time.Minute, s.regain())

	// Garbage is ignored, never fatal.
	bad := http.Header{
		"X-App-Usage":               {`not json`},
		"X-Page-Usage":              {`[1,2,3]`},
		"X-Ad-Account-Usage":        {`{"acc_id_util_pct":"NaN","reset_time_duration":-5}`},
		"X-Business-Use-Case-Usage": {`{"1":[42,"x",null,{"type":7,"call_count":true,"estimated_time_to_regain_access":1e300}]}`},
	}
	s = parseUsageHeaders(bad)
	assert.Nil(t, s.app)
	assert.Nil(t, s.page)
	require.NotNil(t, s.adAccount)
	assert.Equal(t, 0.0, s.adAccount.UtilPct)
	assert.Equal(t, time.Duration(0), s.adAccount.ResetIn)
	require.Len(t, s.bucs, 1)
	assert.Equal(t, maxRegain, s.bucs[0].RegainAccessIn, "absurd regain is capped")
	assert.Equal(t, "", s.bucs[0].Type)
}

func TestUsageSnapshot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := http.Header{
			"X-App-Usage":               {`{"call_count":28,"total_time":25,"total_cputime":25}`},
			"X-Business-Use-Case-Usage": {`{"123456789012345":[{"type":"leadgen","call_count":57,"total_cputime":9,"total_time":11,"estimated_time_to_regain_access":0}]}`},
		}
		_, mt := newScript(t, step{status: 200, body: `{}`, header: h}, step{status: 200, body: `{}`, header: http.Header{
			"X-Business-Use-Case-Usage": {`{"102030405060708":[{"type":"pages","call_count":12,"total_cputime":3,"total_time":4}]}`},
		}}, step{status: 200, body: `{}`})
		c := newTestClient(t, mt)
		assert.Equal(t, Usage{}, c.Usage())
		_, err := get(t.Context(), c, "1")
		require.NoError(t, err)
		first := time.Now()
		u := c.Usage()
		assert.Equal(t, 57.0, u.Percent)
		assert.Equal(t, 28.0, u.App.CallCount)
		assert.Equal(t, first, u.Observed)
		time.Sleep(time.Second)
		_, err = get(t.Context(), c, "1")
		require.NoError(t, err)
		u = c.Usage()
		// The leadgen reading of the other object is kept; sorted by object id.
		require.Len(t, u.BusinessUseCase, 2)
		assert.Equal(t, "102030405060708", u.BusinessUseCase[0].ObjectID)
		assert.Equal(t, "pages", u.BusinessUseCase[0].Type)
		assert.Equal(t, "leadgen", u.BusinessUseCase[1].Type)
		assert.Equal(t, 57.0, u.Percent)
		assert.Equal(t, first.Add(time.Second), u.Observed)
		// A response without usage headers changes nothing.
		_, err = get(t.Context(), c, "1")
		require.NoError(t, err)
		assert.Equal(t, u, c.Usage())
		// Old readings stop counting.
		time.Sleep(usageStale + time.Second)
		assert.Equal(t, 0.0, c.Usage().Percent)
	})
}

func TestUsageGateSlowsDownProportionally(t *testing.T) {
	tests := []struct {
		pct, highWater float64
		want           time.Duration
	}{
		{50, 80, 0},
		{80, 80, 0},
		{90, 80, maxSlowdown / 2},
		{95, 80, maxSlowdown * 3 / 4},
		{100, 80, maxSlowdown},
		{99, 98, maxSlowdown / 2},
	}
	for _, tc := range tests {
		synctest.Test(t, func(t *testing.T) {
			h := http.Header{"X-App-Usage": {`{"call_count":` + ftoa(tc.pct) + `}`}}
			_, mt := newScript(t, step{status: 200, body: `{}`, header: h}, step{status: 200, body: `{}`})
			c := newTestClient(t, mt, WithUsageHighWater(tc.highWater))
			_, err := get(t.Context(), c, "1")
			require.NoError(t, err)
			start := time.Now()
			_, err = get(t.Context(), c, "1")
			require.NoError(t, err)
			assert.Equal(t, tc.want, time.Since(start), "pct %v high water %v", tc.pct, tc.highWater)
		})
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// At 100% with a regain time, calls wait until then; the wait honours ctx.
func TestUsageGateBlocksUntilRegain(t *testing.T) {
	blocked := http.Header{"X-Business-Use-Case-Usage": {`{"1":[{"type":"leadgen","call_count":100,"estimated_time_to_regain_access":10}]}`}}
	synctest.Test(t, func(t *testing.T) {
		s, mt := newScript(t, step{status: 200, body: `{}`, header: blocked}, step{status: 200, body: `{}`})
		c := newTestClient(t, mt)
		_, err := get(t.Context(), c, "1")
		require.NoError(t, err)
		assert.Equal(t, 10*time.Minute, c.Usage().RegainAccessIn)
		start := time.Now()
		_, err = get(t.Context(), c, "1")
		require.NoError(t, err)
		assert.Equal(t, 10*time.Minute, time.Since(start))
		assert.Len(t, s.requests(), 2)
	})
	synctest.Test(t, func(t *testing.T) {
		s, mt := newScript(t, step{status: 200, body: `{}`, header: blocked})
		c := newTestClient(t, mt)
		_, err := get(t.Context(), c, "1")
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			time.Sleep(time.Minute)
			cancel()
		}()
		start := time.Now()
		_, err = get(ctx, c, "1")
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, time.Minute, time.Since(start))
		assert.Len(t, s.requests(), 1, "no request while blocked")
	})
	// A deadline shorter than the block fails at once with ErrRateLimited.
	synctest.Test(t, func(t *testing.T) {
		s, mt := newScript(t, step{status: 200, body: `{}`, header: blocked})
		c := newTestClient(t, mt)
		_, err := get(t.Context(), c, "1")
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		start := time.Now()
		_, err = get(ctx, c, "1")
		require.ErrorIs(t, err, ErrRateLimited)
		assert.Equal(t, time.Duration(0), time.Since(start))
		var ge *Error
		require.ErrorAs(t, err, &ge)
		assert.Equal(t, 10*time.Minute, ge.RetryAfter)
		assert.Len(t, s.requests(), 1)
	})
}

// A fresh reading of the same object without a regain time lifts its block.
func TestUsageBlockLifted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := newUsageTracker(80)
		now := time.Now()
		tr.observe(http.Header{"X-Business-Use-Case-Usage": {`{"1":[{"type":"leadgen","call_count":100,"estimated_time_to_regain_access":10}]}`}}, now)
		d, blocked := tr.delay(now)
		assert.True(t, blocked)
		assert.Equal(t, 10*time.Minute, d)
		tr.observe(http.Header{"X-Business-Use-Case-Usage": {`{"1":[{"type":"leadgen","call_count":20,"estimated_time_to_regain_access":0}]}`}}, now.Add(time.Minute))
		d, blocked = tr.delay(now.Add(time.Minute))
		assert.False(t, blocked)
		assert.Equal(t, time.Duration(0), d)
	})
}

func FuzzParseUsage(f *testing.F) {
	f.Add(`{"call_count":28,"total_time":25,"total_cputime":25}`, `{"acc_id_util_pct":9.67,"reset_time_duration":100}`,
		`{"102030405060708":[{"type":"pages","call_count":12,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":0}]}`)
	f.Add(`{"call_count":"30"}`, `{}`, `{"1":{"type":"leadgen","call_count":"100","estimated_time_to_regain_access":"5"}}`)
	f.Add(`garbage`, `null`, `[]`)
	f.Add(`{"call_count":1e308}`, `{"acc_id_util_pct":-1}`, `{"1":[{"estimated_time_to_regain_access":9e18}]}`)
	f.Fuzz(func(t *testing.T, app, ad, buc string) {
		h := http.Header{"X-App-Usage": {app}, "X-Page-Usage": {app}, "X-Ad-Account-Usage": {ad}, "X-Business-Use-Case-Usage": {buc}}
		s := parseUsageHeaders(h)
		if r := s.regain(); r < 0 || r > maxRegain {
			t.Fatalf("regain %v out of range", r)
		}
		tr := newUsageTracker(80)
		now := time.Unix(1767225600, 0)
		tr.observe(h, now)
		u := tr.snapshot(now)
		if math.IsNaN(u.Percent) || u.Percent < 0 || u.Percent > 1000 {
			t.Fatalf("percent %v", u.Percent)
		}
		d, _ := tr.delay(now)
		if d < 0 || d > maxRegain {
			t.Fatalf("delay %v", d)
		}
	})
}
