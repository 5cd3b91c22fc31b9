package metaleadstest_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/stretchr/testify/require"
)

func TestRequestsAreRedacted(t *testing.T) {
	srv := newEmpty(t, metaleadstest.WithAppSecret("test-app-secret-XYZ"))
	formID, _ := seedForm(srv, 2, ref)
	proof := metaleadstest.Proof("test-app-secret-XYZ", srv.PageToken)
	get(t, srv, "", "/v25.0/"+formID+"/leads?limit=1&access_token="+srv.PageToken+"&appsecret_proof="+proof)
	get(t, srv, srv.UserToken, "/v25.0/me")
	q := url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {srv.AppID}, "client_secret": {"test-app-secret-XYZ"}, "fb_exchange_token": {srv.UserToken}}
	long := get(t, srv, "", "/v25.0/oauth/access_token?"+q.Encode()).JSON["access_token"].(string)
	get(t, srv, srv.AppToken, "/v25.0/debug_token?input_token="+long)
	batch := `[{"method":"GET","relative_url":"` + formID + `/leads?access_token=` + srv.PageToken + `"}]`
	post(t, srv, "", "/", url.Values{"access_token": {srv.UserToken}, "batch": {batch}})

	reqs := srv.Requests()
	require.Len(t, reqs, 5)
	require.Equal(t, 5, srv.RequestCount())
	dump := fmt.Sprintf("%+v", reqs)
	for _, secret := range []string{srv.PageToken, srv.UserToken, long, "test-app-secret-XYZ", proof, srv.AppToken} {
		require.NotContains(t, dump, secret)
	}
	require.Equal(t, "[REDACTED]", reqs[0].Query.Get("access_token"))
	require.Equal(t, "[REDACTED]", reqs[0].Query.Get("appsecret_proof"))
	require.Equal(t, "1", reqs[0].Query.Get("limit"), "other parameters stay readable")
	require.Equal(t, "/v25.0/"+formID+"/leads", reqs[0].Path)
	require.Equal(t, "[REDACTED]", reqs[1].Header.Get("Authorization"))
	require.Equal(t, "[REDACTED]", reqs[2].Query.Get("client_secret"))
	require.Equal(t, "[REDACTED]", reqs[2].Query.Get("fb_exchange_token"))
	require.Equal(t, "[REDACTED]", reqs[3].Query.Get("input_token"))
	require.Equal(t, "POST", reqs[4].Method)
	require.Contains(t, reqs[4].Form.Get("batch"), formID+"/leads", "the batch stays inspectable")
	require.False(t, reqs[0].Time.IsZero())

	srv.ResetRequests()
	require.Empty(t, srv.Requests())
	require.Zero(t, srv.RequestCount())
	require.Equal(t, metaleadstest.Stats{}, srv.Stats())
}

func TestRequestLogCap(t *testing.T) {
	srv := newEmpty(t, metaleadstest.WithRequestLog(3))
	for i := range 5 {
		get(t, srv, srv.UserToken, fmt.Sprintf("/v25.0/me?n=%d", i))
	}
	reqs := srv.Requests()
	require.Len(t, reqs, 3, "the oldest are dropped")
	require.Equal(t, "2", reqs[0].Query.Get("n"))
	require.Equal(t, 5, srv.RequestCount(), "counting goes on")

	off := newEmpty(t, metaleadstest.WithRequestLog(0))
	get(t, off, off.UserToken, "/v25.0/me")
	require.Empty(t, off.Requests())
	require.Equal(t, 1, off.RequestCount())
}

func TestUsageHeadersGrow(t *testing.T) {
	srv := newEmpty(t, metaleadstest.WithUsageRate(10))
	formID, _ := seedForm(srv, 1, ref)
	type entry struct {
		Type      string `json:"type"`
		CallCount int    `json:"call_count"`
		Regain    *int   `json:"estimated_time_to_regain_access"`
	}
	var last, lastLeadgen int
	for i := 1; i <= 12; i++ {
		r := get(t, srv, srv.PageToken, "/v25.0/"+formID+"/leads")
		var app map[string]int
		require.NoError(t, json.Unmarshal([]byte(r.Header.Get("X-App-Usage")), &app))
		require.Equal(t, min(100, i*10), app["call_count"], "request %d", i)
		require.GreaterOrEqual(t, app["call_count"], last)
		last = app["call_count"]
		var buc map[string][]entry
		require.NoError(t, json.Unmarshal([]byte(r.Header.Get("X-Business-Use-Case-Usage")), &buc))
		require.Contains(t, buc, srv.PageID)
		acct := buc[strings.TrimPrefix(srv.AdAccountID, "act_")]
		require.NotEmpty(t, acct)
		for _, e := range acct {
			require.NotNil(t, e.Regain)
			if e.Type == "leadgen" {
				require.GreaterOrEqual(t, e.CallCount, lastLeadgen)
				lastLeadgen = e.CallCount
			}
		}
		require.NotEmpty(t, r.Header.Get("X-Fb-Trace-Id"))
	}
	require.Equal(t, 100, lastLeadgen)
}

func TestConcurrentUse(t *testing.T) {
	srv := newEmpty(t, metaleadstest.WithChaos(0.1, 3, []metaleadstest.Fault{metaleadstest.TransientFault()}))
	formID, _ := seedForm(srv, 50, ref)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				switch i % 4 {
				case 0:
					srv.AddLead(formID, metaleads.Lead{CreatedTime: ref.Add(time.Duration(g*100+i) * time.Second)})
				case 1:
					get(t, srv, srv.PageToken, "/v25.0/"+formID+"/leads?limit=7")
				case 2:
					srv.FailMatching("/nothing-matches-"+fmt.Sprint(g), 1, metaleadstest.TransientFault())
					_ = srv.Requests()
					_ = srv.Stats()
				case 3:
					get(t, srv, srv.PageToken, "/v25.0/"+srv.PageID+"/leadgen_forms?fields=leads_count")
				}
			}
		}()
	}
	wg.Wait()
	r := get(t, srv, srv.PageToken, "/v25.0/"+formID+"?fields=leads_count")
	for r.Status != 200 { // chaos may hit this one too
		r = get(t, srv, srv.PageToken, "/v25.0/"+formID+"?fields=leads_count")
	}
	require.Equal(t, float64(50+16*5), r.JSON["leads_count"])
}
