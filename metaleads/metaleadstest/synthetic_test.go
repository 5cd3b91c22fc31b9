package metaleadstest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/stretchr/testify/require"
)

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func TestSyntheticFormIsLazy(t *testing.T) {
	before := heapAfterGC()
	srv := metaleadstest.NewServer(metaleadstest.WithSyntheticForm("", 1_000_000))
	defer srv.Close()
	grown := int64(heapAfterGC()) - int64(before)
	// A million materialised leads would take hundreds of megabytes.
	require.Less(t, grown, int64(2<<20), "a synthetic form must not hold its leads (grew %d bytes)", grown)
	formID := srv.SyntheticFormIDs()[0]
	r := get(t, srv, srv.PageToken, "/v25.0/"+formID+"?fields=leads_count,organic_leads_count,questions{key}")
	require.Equal(t, 1_000_000.0, r.JSON["leads_count"])
	require.Equal(t, 1_000_000.0, r.JSON["organic_leads_count"])
	require.NotEmpty(t, r.JSON["questions"])
}

// pageThrough reads every page of a form's leads with raw HTTP, using the
// after cursor and the header token (never the next URL), and calls fn for
// each lead; it returns the number of requests.
func pageThrough(tb testing.TB, srv *metaleadstest.Server, formID string, limit int, extra url.Values, fn func(id string, created time.Time)) int {
	tb.Helper()
	after := ""
	requests := 0
	for {
		q := url.Values{"limit": {strconv.Itoa(limit)}, "fields": {"id,created_time,field_data"}}
		for k, v := range extra {
			q[k] = v
		}
		if after != "" {
			q.Set("after", after)
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v25.0/"+formID+"/leads?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+srv.PageToken)
		resp, err := srv.HTTPClient().Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		requests++
		var page struct {
			Data []struct {
				ID          string `json:"id"`
				CreatedTime string `json:"created_time"`
			} `json:"data"`
			Paging struct {
				Cursors struct{ After string } `json:"cursors"`
				Next    string                 `json:"next"`
			} `json:"paging"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			tb.Fatalf("page %d: status %d, %v", requests, resp.StatusCode, err)
		}
		for _, l := range page.Data {
			ct, err := time.Parse("2006-01-02T15:04:05-0700", l.CreatedTime)
			if err != nil {
				tb.Fatal(err)
			}
			fn(l.ID, ct)
		}
		if page.Paging.Next == "" {
			return requests
		}
		after = page.Paging.Cursors.After
	}
}

func TestSynthetic100kPageByPage(t *testing.T) {
	n := 100_000
	if testing.Short() || raceEnabled {
		n = 20_000
	}
	srv := newEmpty(t, metaleadstest.WithSyntheticForm("990000000000001", n))
	formID := srv.SyntheticFormIDs()[0]
	require.Equal(t, "990000000000001", formID)
	seen := make(map[string]bool, n)
	var prev time.Time
	var pick string
	requests := pageThrough(t, srv, formID, 500, nil, func(id string, ct time.Time) {
		require.False(t, seen[id], "duplicate %s", id)
		if len(seen) > 0 {
			require.True(t, ct.Before(prev), "newest first, strictly")
		}
		seen[id] = true
		prev = ct
		if len(seen) == n/2 {
			pick = id
		}
	})
	require.Len(t, seen, n)
	require.Equal(t, (n+499)/500, requests)
	require.Equal(t, requests, srv.Stats().LeadPages)

	// A synthetic lead can be read by ID (the webhook path).
	r := get(t, srv, srv.PageToken, "/v25.0/"+pick+"?fields=id,form_id,is_organic")
	require.Equal(t, map[string]any{"id": pick, "form_id": formID, "is_organic": true}, r.JSON)
	require.Equal(t, 100, get(t, srv, srv.PageToken, "/v25.0/6"+pick[1:5]+"000000000001").code(t), "an ID past the end does not exist")

	// Filtering works on the lazy form: the window (t(1000), t(10)] holds leads 10..999.
	var times []time.Time
	pageThrough(t, srv, formID, 100, url.Values{"limit": {"100"}}, func(_ string, ct time.Time) {
		if len(times) < 1001 {
			times = append(times, ct)
		}
	})
	filter := `[{"field":"time_created","operator":"GREATER_THAN","value":` + strconv.FormatInt(times[1000].Unix(), 10) +
		`},{"field":"time_created","operator":"LESS_THAN_OR_EQUAL","value":` + strconv.FormatInt(times[10].Unix(), 10) + `}]`
	count := 0
	pageThrough(t, srv, formID, 250, url.Values{"filtering": {filter}}, func(string, time.Time) { count++ })
	require.Equal(t, 990, count)
}

// BenchmarkSyntheticForm100k pages through a 100,000-lead synthetic form with
// raw HTTP and reports the peak heap of the whole process (fake and reader):
// it stays flat because the fake generates each page on demand.
func BenchmarkSyntheticForm100k(b *testing.B) {
	const n = 100_000
	srv := metaleadstest.NewServer(metaleadstest.WithSyntheticForm("", n))
	defer srv.Close()
	formID := srv.SyntheticFormIDs()[0]
	base := heapAfterGC()
	var peak uint64
	var ms runtime.MemStats
	b.ResetTimer()
	for range b.N {
		count := 0
		pages := 0
		pageThrough(b, srv, formID, 500, nil, func(string, time.Time) {
			count++
			if count%500 == 0 {
				pages++
				if pages%10 == 0 {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapAlloc)
				}
			}
		})
		if count != n {
			b.Fatalf("got %d leads", count)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "heap-growth-MB")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "leads/s")
	b.ReportMetric(float64(srv.Stats().LeadPages)/float64(b.N), "requests/op")
}
