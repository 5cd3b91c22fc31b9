package metaleadstest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/ecademy/leadkit/metaleads/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// The test vector of the reference (§8): Meta's sample delivery, compact,
// signed with "example-app-secret".
const (
	vectorBody   = `{"object":"page","entry":[{"id":"102030405060708","time":1767225600,"changes":[{"field":"leadgen","value":{"ad_id":"120200000000000001","adgroup_id":"120200000000000001","form_id":"987654321098765","leadgen_id":"1122334455667788","created_time":1767225590,"page_id":"102030405060708"}}]}]}`
	vectorSHA256 = "sha256=a608788a34ae35f12826788b345d2ec0290b978b02b4ad8a11fa843e70e7f9de"
	vectorSHA1   = "sha1=47cc1bab3cb375ce5ea2940aaffc353191feb1e8"
)

func vectorServer(t *testing.T) *metaleadstest.Server {
	t.Helper()
	srv := metaleadstest.NewServer(
		metaleadstest.WithAppSecret("example-app-secret"),
		metaleadstest.WithClock(func() time.Time { return time.Unix(1767225600, 0) }),
	)
	t.Cleanup(srv.Close)
	return srv
}

var vectorLead = metaleads.Lead{
	ID: "1122334455667788", FormID: "987654321098765", AdID: "120200000000000001",
	CreatedTime: time.Unix(1767225590, 0),
}

func TestDeliveryMatchesMetaSampleAndSignature(t *testing.T) {
	srv := vectorServer(t)
	body, sig := srv.Delivery(vectorLead)
	require.Equal(t, vectorBody, string(body))
	require.Equal(t, vectorSHA256, sig)
	require.NoError(t, webhook.Verify(body, sig, "example-app-secret"))
	require.ErrorIs(t, webhook.Verify(body, sig, "another-secret"), webhook.ErrInvalidSignature)

	req, err := srv.NewDeliveryRequest("http://127.0.0.1:1/hook", vectorLead)
	require.NoError(t, err)
	require.Equal(t, http.MethodPost, req.Method)
	require.Equal(t, "application/json", req.Header.Get("Content-Type"))
	require.Equal(t, vectorSHA256, req.Header.Get(webhook.HeaderSignature256))
	require.Equal(t, vectorSHA1, req.Header.Get(webhook.HeaderSignatureSHA1))
	require.Equal(t, metaleadstest.WebhookUserAgent, req.Header.Get("User-Agent"))
	got, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	require.Equal(t, vectorBody, string(got))

	_, err = srv.NewDeliveryRequest("::not a url", vectorLead)
	require.Error(t, err)
}

func TestDeliveryParsesBackPerPage(t *testing.T) {
	srv := metaleadstest.NewServer()
	t.Cleanup(srv.Close)
	other := srv.AddPage(metaleadstest.Page{Name: "Second Page"})
	formA := srv.AddForm(srv.PageID, metaleads.Form{Name: "A"})
	formB := srv.AddForm(other, metaleads.Form{Name: "B"})
	created := time.Date(2026, 4, 3, 9, 0, 0, 0, time.UTC)
	stored := srv.AddLead(formB, metaleads.Lead{CreatedTime: created.Add(time.Hour)})

	leads := []metaleads.Lead{
		{ID: "5550001", FormID: formA, AdID: "777001", CreatedTime: created},
		{ID: stored, CreatedTime: created.Add(time.Hour)},                       // form and Page from the store
		{ID: "5550003", FormID: formA, CreatedTime: created.Add(2 * time.Hour)}, // organic
	}
	body, sig := srv.Delivery(leads...)
	require.NoError(t, webhook.Verify(body, sig, srv.AppSecret))
	events, err := webhook.Parse(body)
	require.NoError(t, err)
	// One entry per Page, in order of first appearance: A's two leads, then B's.
	require.Equal(t, []webhook.Event{
		{LeadID: "5550001", PageID: srv.PageID, FormID: formA, AdID: "777001", AdGroupID: "777001", CreatedTime: created},
		{LeadID: "5550003", PageID: srv.PageID, FormID: formA, CreatedTime: created.Add(2 * time.Hour)},
		{LeadID: stored, PageID: other, FormID: formB, CreatedTime: created.Add(time.Hour)},
	}, events)
	require.Equal(t, 2, strings.Count(string(body), `"time":`), "two entries")
	require.NotContains(t, string(body), `"ad_id":""`, "organic leads carry no ad ids")
}

// handlerFixture is a webhook.Handler reading leads from the fake.
type handlerFixture struct {
	h       *webhook.Handler
	mu      sync.Mutex
	handled []metaleads.Lead
}

func newHandler(t *testing.T, srv *metaleadstest.Server, verifyToken string) *handlerFixture {
	t.Helper()
	c, err := srv.Client()
	require.NoError(t, err)
	f := &handlerFixture{}
	f.h, err = webhook.NewHandler(webhook.Config{
		AppSecret: srv.AppSecret, VerifyToken: verifyToken, Fetcher: c,
		Handle: func(_ context.Context, _ webhook.Event, l metaleads.Lead) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.handled = append(f.handled, l)
			return nil
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.h.Shutdown(context.Background()) })
	return f
}

func (f *handlerFixture) drain(t *testing.T) []metaleads.Lead {
	t.Helper()
	require.NoError(t, f.h.Shutdown(context.Background()))
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.handled
}

func TestNewDeliveryRequestDrivesAHandler(t *testing.T) {
	srv := metaleadstest.NewServer()
	t.Cleanup(srv.Close)
	form := srv.AddForm(srv.PageID, metaleads.Form{Name: "Open day"})
	id := srv.AddLead(form, metaleads.Lead{Fields: []metaleads.Field{{Name: "email", Values: []string{"ada.example@example.com"}}}})
	f := newHandler(t, srv, "test-verify-token-XYZ")

	req, err := srv.NewDeliveryRequest("/hook", metaleads.Lead{ID: id})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)

	// A tampered body keeps the signature of the original: rejected.
	body, sig := srv.Delivery(metaleads.Lead{ID: id})
	forged := bytes.Replace(body, []byte(id), []byte("1"+id[1:]), 1)
	req = httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(forged))
	req.Header.Set(webhook.HeaderSignature256, sig)
	rec = httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusForbidden, rec.Code)

	handled := f.drain(t)
	require.Len(t, handled, 1)
	require.Equal(t, id, handled[0].ID)
	email, _ := handled[0].Value("email")
	require.Equal(t, "ada.example@example.com", email)
}

func TestSubmitLeadVerifiesAndDelivers(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := metaleadstest.NewServer()
	defer srv.Close()
	form := srv.AddForm(srv.PageID, metaleads.Form{Name: "Open day"})
	f := newHandler(t, srv, "test-verify-token-XYZ")
	var mu sync.Mutex
	var agents []string
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents = append(agents, r.Method+" "+r.UserAgent())
		mu.Unlock()
		f.h.ServeHTTP(w, r)
	}))
	defer cb.Close()

	_, err := srv.SubmitLead(form, metaleads.Lead{})
	require.ErrorIs(t, err, metaleadstest.ErrNoWebhook)

	ctx := context.Background()
	require.NoError(t, srv.SetWebhook(ctx, metaleadstest.WebhookConfig{CallbackURL: cb.URL, VerifyToken: "test-verify-token-XYZ"}))
	id, err := srv.SubmitLead(form, metaleads.Lead{Fields: []metaleads.Field{{Name: "full_name", Values: []string{"Ada Example"}}}})
	require.NoError(t, err)
	require.NoError(t, srv.WaitWebhooks(ctx))

	handled := f.drain(t)
	require.Len(t, handled, 1)
	require.Equal(t, id, handled[0].ID)
	require.Equal(t, form, handled[0].FormID)
	name, _ := handled[0].Value("full_name")
	require.Equal(t, "Ada Example", name)

	require.Equal(t, metaleadstest.WebhookStats{Deliveries: 1, Attempts: 1, Delivered: 1, Verifications: 1}, srv.WebhookStats())
	require.Equal(t, []metaleadstest.WebhookDelivery{{LeadIDs: []string{id}, Statuses: []int{200}, State: metaleadstest.DeliveryDelivered}},
		srv.WebhookDeliveries())
	mu.Lock()
	require.Equal(t, []string{"GET " + metaleadstest.VerifyUserAgent, "POST " + metaleadstest.WebhookUserAgent}, agents)
	mu.Unlock()

	// The lead is in the Graph data too.
	c, err := srv.Client()
	require.NoError(t, err)
	got, err := c.Lead(ctx, id)
	require.NoError(t, err)
	require.Equal(t, id, got.ID)
}

func TestSetWebhookVerificationFailure(t *testing.T) {
	srv := metaleadstest.NewServer()
	t.Cleanup(srv.Close)
	f := newHandler(t, srv, "the-right-token")
	cb := httptest.NewServer(f.h)
	t.Cleanup(cb.Close)

	err := srv.SetWebhook(context.Background(), metaleadstest.WebhookConfig{CallbackURL: cb.URL, VerifyToken: "a-wrong-token-XYZ"})
	require.ErrorContains(t, err, "status 403")
	require.NotContains(t, err.Error(), "a-wrong-token-XYZ")
	form := srv.AddForm(srv.PageID, metaleads.Form{})
	_, err = srv.SubmitLead(form, metaleads.Lead{})
	require.ErrorIs(t, err, metaleadstest.ErrNoWebhook, "a failed handshake leaves no subscription")

	// An unreachable callback: the error names it without the token.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	err = srv.SetWebhook(context.Background(), metaleadstest.WebhookConfig{CallbackURL: dead.URL + "/hook?x=1", VerifyToken: "a-wrong-token-XYZ"})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "a-wrong-token-XYZ")
	require.Contains(t, err.Error(), dead.URL+"/hook")

	// A callback that answers 200 without echoing the challenge.
	echoless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	t.Cleanup(echoless.Close)
	err = srv.SetWebhook(context.Background(), metaleadstest.WebhookConfig{CallbackURL: echoless.URL, VerifyToken: "tok"})
	require.ErrorContains(t, err, "not the hub.challenge")

	require.ErrorContains(t, srv.SetWebhook(context.Background(), metaleadstest.WebhookConfig{CallbackURL: "ftp://example.com/x"}), "http(s)")
	require.Zero(t, srv.WebhookStats().Verifications)
}

// flaky answers each request with the next status of a script (200 once
// the script is used up) and keeps the bodies and signatures it got.
type flaky struct {
	mu       sync.Mutex
	script   []int
	bodies   [][]byte
	sigs     []string
	received []time.Time
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.sigs = append(f.sigs, r.Header.Get(webhook.HeaderSignature256))
	f.received = append(f.received, time.Now())
	status := http.StatusOK
	if len(f.script) > 0 {
		status, f.script = f.script[0], f.script[1:]
	}
	f.mu.Unlock()
	w.WriteHeader(status)
}

func TestRedeliveryOnServerErrorThenSuccess(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	fl := &flaky{script: []int{500, 503}}
	cb := httptest.NewServer(fl)
	defer cb.Close()
	srv := metaleadstest.NewServer(metaleadstest.WithWebhook(metaleadstest.WebhookConfig{
		CallbackURL: cb.URL, Redelivery: []time.Duration{0, 0, 0},
	}))
	defer srv.Close()
	form := srv.AddForm(srv.PageID, metaleads.Form{})
	ids, err := srv.SubmitLeads(form, metaleads.Lead{}, metaleads.Lead{})
	require.NoError(t, err)
	require.Len(t, ids, 2)
	require.NoError(t, srv.WaitWebhooks(context.Background()))

	require.Equal(t, []metaleadstest.WebhookDelivery{{LeadIDs: ids, Statuses: []int{500, 503, 200}, State: metaleadstest.DeliveryDelivered}},
		srv.WebhookDeliveries())
	st := srv.WebhookStats()
	require.Equal(t, 3, st.Attempts)
	require.Equal(t, 1, st.Delivered)
	require.Zero(t, st.Pending)

	fl.mu.Lock()
	defer fl.mu.Unlock()
	require.Len(t, fl.bodies, 3)
	for i := range fl.bodies {
		require.Equal(t, fl.bodies[0], fl.bodies[i], "a redelivery resends the same body")
		require.NoError(t, webhook.Verify(fl.bodies[i], fl.sigs[i], srv.AppSecret))
	}
	events, err := webhook.Parse(fl.bodies[0])
	require.NoError(t, err)
	require.Len(t, events, 2, "one delivery carries both leads")
	require.Equal(t, ids[0], events[0].LeadID)
	require.Equal(t, ids[1], events[1].LeadID)
}

func TestRedeliveryGivesUpAfterSchedule(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // connection refused from now on
	fl := &flaky{script: []int{404, 404, 404}}
	cb := httptest.NewServer(fl)
	defer cb.Close()

	srv := metaleadstest.NewServer(metaleadstest.WithWebhook(metaleadstest.WebhookConfig{
		CallbackURL: deadURL, Redelivery: []time.Duration{0, 0},
	}))
	defer srv.Close()
	form := srv.AddForm(srv.PageID, metaleads.Form{})
	_, err := srv.SubmitLead(form, metaleads.Lead{})
	require.NoError(t, err)
	require.NoError(t, srv.WaitWebhooks(context.Background()))
	require.Equal(t, []int{0, 0, 0}, srv.WebhookDeliveries()[0].Statuses)
	require.Equal(t, metaleadstest.DeliveryFailed, srv.WebhookDeliveries()[0].State)

	// A 4xx is not an acknowledgement either; an empty schedule means one attempt.
	require.NoError(t, srv.SetWebhook(context.Background(), metaleadstest.WebhookConfig{CallbackURL: cb.URL, Redelivery: []time.Duration{}}))
	_, err = srv.SubmitLead(form, metaleads.Lead{})
	require.NoError(t, err)
	require.NoError(t, srv.WaitWebhooks(context.Background()))
	d := srv.WebhookDeliveries()
	require.Len(t, d, 2)
	require.Equal(t, []int{404}, d[1].Statuses)
	require.Equal(t, metaleadstest.DeliveryFailed, d[1].State)
	st := srv.WebhookStats()
	require.Equal(t, metaleadstest.WebhookStats{Deliveries: 2, Attempts: 4, Failed: 2}, st)
}

// roundTripFunc is an in-memory transport, so that deliveries stay inside a
// synctest bubble.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func inMemory(h http.Handler) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Result(), nil
	})}
}

func TestRedeliveryFollowsSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := &flaky{script: []int{500, 502, 500}}
		srv := metaleadstest.NewUnstartedServer(metaleadstest.WithWebhook(metaleadstest.WebhookConfig{
			CallbackURL: "https://hooks.example.com/meta",
			Redelivery:  []time.Duration{0, time.Minute, time.Hour},
			HTTPClient:  inMemory(fl),
		}))
		defer srv.Close()
		form := srv.AddForm(srv.PageID, metaleads.Form{})
		start := time.Now()
		_, err := srv.SubmitLead(form, metaleads.Lead{})
		require.NoError(t, err)
		require.NoError(t, srv.WaitWebhooks(context.Background()))

		fl.mu.Lock()
		defer fl.mu.Unlock()
		var offsets []time.Duration
		for _, r := range fl.received {
			offsets = append(offsets, r.Sub(start))
		}
		// Immediately, a retry at once, then after a minute and an hour.
		require.Equal(t, []time.Duration{0, 0, time.Minute, time.Minute + time.Hour}, offsets)
		require.Equal(t, []int{500, 502, 500, 200}, srv.WebhookDeliveries()[0].Statuses)
	})
}

func TestDefaultRedeliverySpansAbout36Hours(t *testing.T) {
	var total time.Duration
	for _, d := range metaleadstest.DefaultRedelivery {
		total += d
	}
	require.Equal(t, time.Duration(0), metaleadstest.DefaultRedelivery[0], "Meta retries immediately")
	require.True(t, total > 30*time.Hour && total <= 36*time.Hour, "total %v", total)
	for i := 2; i < len(metaleadstest.DefaultRedelivery); i++ {
		require.Greater(t, metaleadstest.DefaultRedelivery[i], metaleadstest.DefaultRedelivery[i-1], "decreasing frequency")
	}
}

func TestCloseStopsWaitingRedelivery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := &flaky{script: []int{500, 500, 500}}
		srv := metaleadstest.NewUnstartedServer(metaleadstest.WithWebhook(metaleadstest.WebhookConfig{
			CallbackURL: "https://hooks.example.com/meta",
			Redelivery:  []time.Duration{time.Hour, time.Hour},
			HTTPClient:  inMemory(fl),
		}))
		form := srv.AddForm(srv.PageID, metaleads.Form{})
		_, err := srv.SubmitLead(form, metaleads.Lead{})
		require.NoError(t, err)
		synctest.Wait() // the first attempt failed; the delivery waits an hour
		require.Equal(t, 1, srv.WebhookStats().Pending)

		before := time.Now()
		srv.Close()
		require.Equal(t, before, time.Now(), "Close does not wait for the schedule")
		time.Sleep(3 * time.Hour) // fake time: nothing is sent any more
		d := srv.WebhookDeliveries()
		require.Equal(t, []int{500}, d[0].Statuses)
		require.Equal(t, metaleadstest.DeliveryStopped, d[0].State)
		require.Equal(t, 1, srv.WebhookStats().Stopped)
		require.NoError(t, srv.WaitWebhooks(context.Background()))

		_, err = srv.SubmitLead(form, metaleads.Lead{})
		require.ErrorIs(t, err, metaleadstest.ErrClosed)
		require.ErrorIs(t, srv.SetWebhook(context.Background(), metaleadstest.WebhookConfig{}), metaleadstest.ErrClosed)
	})
}

func TestCloseCancelsInFlightAttemptWithoutLeaks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	started := make(chan struct{}, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
		started <- struct{}{}
		<-r.Context().Done() // hang until the fake gives up
	}))
	defer cb.Close()
	srv := metaleadstest.NewServer(metaleadstest.WithWebhook(metaleadstest.WebhookConfig{
		CallbackURL: cb.URL, Timeout: time.Hour,
	}))
	form := srv.AddForm(srv.PageID, metaleads.Form{})
	_, err := srv.SubmitLead(form, metaleads.Lead{})
	require.NoError(t, err)
	<-started
	srv.Close()
	d := srv.WebhookDeliveries()
	require.Equal(t, []int{0}, d[0].Statuses)
	require.Equal(t, metaleadstest.DeliveryStopped, d[0].State)
}

func TestSubmitLeadsIsAllOrNothing(t *testing.T) {
	srv := metaleadstest.NewServer(metaleadstest.WithWebhook(metaleadstest.WebhookConfig{CallbackURL: "http://127.0.0.1:1/unused"}))
	t.Cleanup(srv.Close)
	form := srv.AddForm(srv.PageID, metaleads.Form{})
	_, err := srv.SubmitLeads(form, metaleads.Lead{ID: "4440001"}, metaleads.Lead{ID: "4440001"})
	require.ErrorContains(t, err, "already exists")
	require.False(t, srv.RemoveLead("4440001"), "the first lead was rolled back")
	_, err = srv.SubmitLead("123", metaleads.Lead{})
	require.ErrorContains(t, err, "unknown form")
	_, err = srv.SubmitLeads(form)
	require.Error(t, err)
	require.Zero(t, srv.WebhookStats().Deliveries)
}

func TestRequireSubscriptionSkipsUnsubscribedPages(t *testing.T) {
	fl := &flaky{}
	cb := httptest.NewServer(fl)
	t.Cleanup(cb.Close)
	srv := metaleadstest.NewServer(metaleadstest.WithWebhook(metaleadstest.WebhookConfig{
		CallbackURL: cb.URL, RequireSubscription: true,
	}))
	t.Cleanup(srv.Close)
	form := srv.AddForm(srv.PageID, metaleads.Form{})
	ctx := context.Background()

	lost, err := srv.SubmitLead(form, metaleads.Lead{})
	require.NoError(t, err)
	require.NoError(t, srv.WaitWebhooks(ctx))
	require.Equal(t, metaleadstest.WebhookStats{NotSubscribed: 1}, srv.WebhookStats())
	c, err := srv.Client()
	require.NoError(t, err)
	_, err = c.Lead(ctx, lost)
	require.NoError(t, err, "an undelivered lead is still readable (reconciliation finds it)")

	require.NoError(t, c.SubscribePage(ctx, srv.PageID))
	id, err := srv.SubmitLead(form, metaleads.Lead{})
	require.NoError(t, err)
	require.NoError(t, srv.WaitWebhooks(ctx))
	d := srv.WebhookDeliveries()
	require.Len(t, d, 1)
	assert.Equal(t, []string{id}, d[0].LeadIDs)
	assert.Equal(t, metaleadstest.DeliveryDelivered, d[0].State)
}

func TestWithWebhookValidates(t *testing.T) {
	for _, cfg := range []metaleadstest.WebhookConfig{
		{CallbackURL: "/relative"},
		{CallbackURL: "mailto:someone@example.com"},
		{CallbackURL: "http://127.0.0.1:1/", Timeout: -time.Second},
		{CallbackURL: "http://127.0.0.1:1/", Redelivery: []time.Duration{-1}},
	} {
		require.Panics(t, func() { metaleadstest.NewServer(metaleadstest.WithWebhook(cfg)).Close() }, "%+v", cfg)
	}
}

func TestWaitWebhooksHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := metaleadstest.NewUnstartedServer(metaleadstest.WithWebhook(metaleadstest.WebhookConfig{
			CallbackURL: "https://hooks.example.com/meta",
			Redelivery:  []time.Duration{time.Hour},
			HTTPClient:  inMemory(&flaky{script: []int{500}}),
		}))
		defer srv.Close()
		form := srv.AddForm(srv.PageID, metaleads.Form{})
		_, err := srv.SubmitLead(form, metaleads.Lead{})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		require.True(t, errors.Is(srv.WaitWebhooks(ctx), context.DeadlineExceeded))
		require.NoError(t, srv.WaitWebhooks(context.Background())) // the redelivery an hour later succeeds
		require.Equal(t, []int{500, 200}, srv.WebhookDeliveries()[0].Statuses)
	})
}

// SubmitLead adds a lead to the fake Graph data and delivers a signed
// webhook for it to the configured callback, here a webhook.Handler that
// reads the lead back from the fake. The first attempt is refused with 503,
// so the fake redelivers it.
func ExampleServer_SubmitLead() {
	srv := metaleadstest.NewServer()
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	h, err := webhook.NewHandler(webhook.Config{
		AppSecret:   srv.AppSecret,
		VerifyToken: "test-verify-token-XYZ",
		Fetcher:     c,
		Handle: func(_ context.Context, e webhook.Event, l metaleads.Lead) error {
			name, _ := l.Value("full_name")
			fmt.Println("handled:", name)
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	refused := false
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && !refused {
			refused = true
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer cb.Close()

	ctx := context.Background()
	err = srv.SetWebhook(ctx, metaleadstest.WebhookConfig{
		CallbackURL: cb.URL,
		VerifyToken: "test-verify-token-XYZ", // the GET handshake runs first
		Redelivery:  []time.Duration{0, 0},   // tests redeliver at once
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	form := srv.AddForm(srv.PageID, metaleads.Form{Name: "Open day"})
	if _, err := srv.SubmitLead(form, metaleads.Lead{
		Fields: []metaleads.Field{{Name: "full_name", Values: []string{"Ada Example"}}},
	}); err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.WaitWebhooks(ctx); err != nil {
		fmt.Println(err)
		return
	}
	if err := h.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	d := srv.WebhookDeliveries()[0]
	fmt.Println(d.State, d.Statuses)
	// Output:
	// handled: Ada Example
	// delivered [503 200]
}

// NewDeliveryRequest builds the signed POST Meta would send, to drive a
// webhook handler under test without a network.
func ExampleServer_NewDeliveryRequest() {
	srv := metaleadstest.NewServer()
	defer srv.Close()
	req, err := srv.NewDeliveryRequest("/webhooks/meta", metaleads.Lead{ID: "1122334455667788", FormID: "987654321098765"})
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(req.Body)
	fmt.Println(webhook.Verify(body, req.Header.Get("X-Hub-Signature-256"), srv.AppSecret))
	events, _ := webhook.Parse(body)
	fmt.Println(events[0].LeadID, events[0].FormID, events[0].PageID == srv.PageID)
	// Output:
	// <nil>
	// 1122334455667788 987654321098765 true
}
