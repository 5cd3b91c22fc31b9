package metaleadstest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/stretchr/testify/require"
)

func TestFaultGraphErrors(t *testing.T) {
	srv := newEmpty(t)
	formID, _ := seedForm(srv, 3, ref)
	path := "/v25.0/" + formID + "/leads"

	srv.FailNext(2, metaleadstest.ThrottleFault(80005))
	require.Equal(t, 2, srv.PendingFaults())
	for range 2 {
		r := get(t, srv, srv.PageToken, path)
		require.Equal(t, http.StatusBadRequest, r.Status)
		e := r.errorObj(t)
		require.Equal(t, 80005.0, e["code"])
		require.Equal(t, true, e["is_transient"])
		require.NotEmpty(t, e["fbtrace_id"])
		var buc map[string][]map[string]any
		require.NoError(t, json.Unmarshal([]byte(r.Header.Get("X-Business-Use-Case-Usage")), &buc))
		entry := buc[strings.TrimPrefix(srv.AdAccountID, "act_")]
		require.Len(t, entry, 1, "placeholders are replaced by the server's IDs: %v", buc)
		require.Equal(t, "leadgen", entry[0]["type"])
		require.Equal(t, 100.0, entry[0]["call_count"])
	}
	require.Zero(t, srv.PendingFaults())
	require.Len(t, get(t, srv, srv.PageToken, path).data(t), 3, "faults are consumed")
	require.Equal(t, 2, srv.Stats().Faults)
	require.Zero(t, srv.Stats().LeadPages-1, "faulted requests serve no lead page")

	srv.FailNext(1, metaleadstest.ThrottleFaultRegain(80001, 7))
	r := get(t, srv, srv.PageToken, path)
	require.Contains(t, r.Header.Get("X-Business-Use-Case-Usage"), `"`+srv.PageID+`":[{"type":"pages","call_count":100,"total_cputime":12,"total_time":20,"estimated_time_to_regain_access":7}]`)

	srv.FailNext(1, metaleadstest.ThrottleFault(4))
	r = get(t, srv, srv.PageToken, path)
	require.Equal(t, http.StatusForbidden, r.Status)
	require.Equal(t, "(#4) Application request limit reached", r.errorObj(t)["message"])
	require.Contains(t, r.Header.Get("X-App-Usage"), `"call_count":100`)

	srv.FailNext(1, metaleadstest.ReduceDataFault())
	r = get(t, srv, srv.PageToken, path)
	require.Equal(t, http.StatusInternalServerError, r.Status)
	require.Equal(t, 1, r.code(t))
	require.Equal(t, false, r.errorObj(t)["is_transient"])

	srv.FailNext(1, metaleadstest.ExpiredTokenFault())
	e := get(t, srv, srv.PageToken, path).errorObj(t)
	require.Equal(t, 190.0, e["code"])
	require.Equal(t, 463.0, e["error_subcode"])

	srv.FailNext(1, metaleadstest.TransientFault())
	r = get(t, srv, srv.PageToken, path)
	require.Equal(t, http.StatusInternalServerError, r.Status)
	require.Equal(t, 2, r.code(t))

	srv.FailNext(1, metaleadstest.Fault{GraphCode: 190, Subcode: 460, Status: 401, Type: "OAuthException", Message: "password changed"})
	r = get(t, srv, srv.PageToken, path)
	require.Equal(t, 401, r.Status)
	require.Equal(t, 460.0, r.errorObj(t)["error_subcode"])
}

func TestFaultMatchingOnlyMatchesItsPath(t *testing.T) {
	srv := newEmpty(t)
	formID, _ := seedForm(srv, 1, ref)
	srv.FailMatching("/leads", 1, metaleadstest.Fault{Status: http.StatusServiceUnavailable, Headers: map[string]string{"Retry-After": "2"}})
	require.Equal(t, http.StatusOK, get(t, srv, srv.PageToken, "/v25.0/"+formID).Status)
	r := get(t, srv, srv.PageToken, "/v25.0/"+formID+"/leads")
	require.Equal(t, http.StatusServiceUnavailable, r.Status)
	require.Empty(t, r.Body, "a bare status has no body")
	require.Equal(t, "2", r.Header.Get("Retry-After"))
	require.Equal(t, http.StatusOK, get(t, srv, srv.PageToken, "/v25.0/"+formID+"/leads").Status)

	srv.FailMatching("/leads", 5, metaleadstest.TransientFault())
	srv.ClearFaults()
	require.Zero(t, srv.PendingFaults())
	require.Equal(t, http.StatusOK, get(t, srv, srv.PageToken, "/v25.0/"+formID+"/leads").Status)
}

func TestFaultHTMLPage(t *testing.T) {
	srv := newEmpty(t)
	srv.FailNext(1, metaleadstest.Fault{HTML: true})
	r := get(t, srv, srv.UserToken, "/v25.0/me")
	require.Equal(t, http.StatusBadGateway, r.Status)
	require.Equal(t, "text/html; charset=utf-8", r.Header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(string(r.Body), "<!DOCTYPE html>"))

	srv.FailNext(1, metaleadstest.Fault{HTML: true, Status: 200})
	r = get(t, srv, srv.UserToken, "/v25.0/me")
	require.Equal(t, http.StatusOK, r.Status, "an HTML page with 200, as a captive proxy sends")
	require.Contains(t, string(r.Body), "<html")
}

func TestFaultTruncatedBody(t *testing.T) {
	srv := newEmpty(t)
	formID, _ := seedForm(srv, 5, ref)
	full := get(t, srv, srv.PageToken, "/v25.0/"+formID+"/leads").Body

	srv.FailNext(1, metaleadstest.Fault{Truncate: true})
	r := get(t, srv, srv.PageToken, "/v25.0/"+formID+"/leads")
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, string(full[:len(full)/2]), string(r.Body), "half of the real answer")
	require.False(t, json.Valid(r.Body))

	srv.FailNext(1, metaleadstest.Fault{Truncate: true, OverstateLength: true})
	resp, err := srv.HTTPClient().Get(srv.URL + "/v25.0/" + formID + "/leads?access_token=" + srv.PageToken)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprint(len(full)), resp.Header.Get("Content-Length"))
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	require.Len(t, b, len(full)/2)

	// A truncated Graph error.
	srv.FailNext(1, metaleadstest.Fault{GraphCode: 2, Truncate: true})
	r = get(t, srv, srv.PageToken, "/v25.0/me")
	require.Equal(t, http.StatusInternalServerError, r.Status)
	require.True(t, strings.HasPrefix(string(r.Body), `{"error":`))
	require.False(t, json.Valid(r.Body))
}

func TestFaultReset(t *testing.T) {
	srv := newEmpty(t)
	srv.FailNext(1, metaleadstest.Fault{Reset: true})
	_, err := srv.HTTPClient().Get(srv.URL + "/v25.0/me?access_token=" + srv.UserToken)
	require.Error(t, err)
	require.Equal(t, http.StatusOK, get(t, srv, srv.UserToken, "/v25.0/me").Status, "the next connection works")
	require.Equal(t, 2, srv.RequestCount(), "the reset request was received and counted")
}

func TestFaultDelayHonoursClientDeadline(t *testing.T) {
	srv := newEmpty(t)
	srv.FailNext(1, metaleadstest.Fault{Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v25.0/me?access_token="+srv.UserToken, nil)
	_, err := srv.HTTPClient().Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	// The server gave up the delayed request with the client; Close does not hang.
	require.Equal(t, http.StatusOK, get(t, srv, srv.UserToken, "/v25.0/me").Status)
}

func TestFaultDelayThenNormalAnswer(t *testing.T) {
	srv := newEmpty(t)
	srv.FailNext(1, metaleadstest.Fault{Delay: time.Millisecond, Headers: map[string]string{"X-App-Usage": `{"call_count":95,"total_cputime":10,"total_time":10}`}})
	r := get(t, srv, srv.UserToken, "/v25.0/me")
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, "10009999999999999", r.JSON["id"])
	require.Equal(t, `{"call_count":95,"total_cputime":10,"total_time":10}`, r.Header.Get("X-App-Usage"))
}

func TestChaosIsSeeded(t *testing.T) {
	faults := []metaleadstest.Fault{metaleadstest.TransientFault(), metaleadstest.ThrottleFault(80005), {Status: 503}}
	run := func(seed int64) []int {
		srv := newEmpty(t, metaleadstest.WithChaos(0.5, seed, faults))
		var st []int
		for range 40 {
			st = append(st, get(t, srv, srv.UserToken, "/v25.0/me").Status)
		}
		return st
	}
	a, b, c := run(7), run(7), run(8)
	require.Equal(t, a, b, "same seed, same faults")
	require.NotEqual(t, a, c)
	ok := 0
	for _, s := range a {
		if s == 200 {
			ok++
		}
	}
	require.Greater(t, ok, 5)
	require.Less(t, ok, 35)
	require.Panics(t, func() { metaleadstest.NewServer(metaleadstest.WithChaos(1.5, 1, faults)) })
	require.Panics(t, func() { metaleadstest.NewServer(metaleadstest.WithChaos(0.5, 1, nil)) })
}

func TestLatency(t *testing.T) {
	srv := newEmpty(t, metaleadstest.WithLatency(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v25.0/me?access_token="+srv.UserToken, nil)
	_, err := srv.HTTPClient().Do(req)
	require.True(t, errors.Is(err, context.DeadlineExceeded), "latency applies to every request: %v", err)
}

func TestFaultString(t *testing.T) {
	require.Equal(t, "graph 80005/0", metaleadstest.ThrottleFault(80005).String()[:13])
	require.Equal(t, "no-op", metaleadstest.Fault{}.String())
	require.Equal(t, "reset", metaleadstest.Fault{Reset: true}.String())
	require.Equal(t, "truncated (overstated length)", metaleadstest.Fault{Truncate: true, OverstateLength: true}.String())
}
