package metaleadstest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/webhook"
)

// DefaultRedelivery is the redelivery schedule of a WebhookConfig without
// one: the waits before the second, third… attempt at a delivery that was
// not acknowledged with a 2xx. Meta documents only that it "will retry
// immediately, then try a few more times with decreasing frequency over the
// next 36 hours", so this is an approximation: nine attempts over about 36
// hours. Do not modify it; pass your own schedule (tests use a short one).
var DefaultRedelivery = []time.Duration{
	0, 30 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 15 * time.Hour,
}

// DefaultWebhookTimeout bounds one delivery attempt (and the verification
// handshake) when WebhookConfig.Timeout is zero. Meta documents no timeout.
const DefaultWebhookTimeout = 10 * time.Second

// Header values the fake sends, as Meta's do.
const (
	// WebhookUserAgent is the User-Agent of deliveries.
	WebhookUserAgent = "facebookexternalua"
	// VerifyUserAgent is the User-Agent of the verification handshake.
	VerifyUserAgent = "facebookplatform/1.0 (+http://developers.facebook.com)"
)

// maxWebhookRecords caps the delivery records kept for WebhookDeliveries
// (the oldest finished ones are dropped).
const maxWebhookRecords = 10_000

// ErrClosed is returned by SubmitLead, SubmitLeads and SetWebhook after
// Close.
var ErrClosed = errors.New("metaleadstest: server closed")

// ErrNoWebhook is returned by SubmitLead and SubmitLeads when no callback
// URL is configured (WithWebhook or SetWebhook).
var ErrNoWebhook = errors.New("metaleadstest: no webhook callback configured (WithWebhook or SetWebhook)")

// WebhookConfig is the Page "leadgen" webhook subscription of the fake app:
// where SubmitLead and SubmitLeads deliver new leads, and how failures are
// redelivered.
type WebhookConfig struct {
	// CallbackURL is the http or https URL deliveries are POSTed to. Meta
	// requires https with a valid certificate; the fake also accepts http.
	// Empty disables deliveries.
	CallbackURL string
	// VerifyToken, when set, makes SetWebhook perform Meta's verification
	// handshake first (GET CallbackURL with hub.mode=subscribe, a random
	// numeric hub.challenge and hub.verify_token=VerifyToken; the callback
	// must answer 200 with the challenge as its body). WithWebhook never
	// performs it.
	VerifyToken string
	// Redelivery lists the waits before each redelivery of a delivery that
	// got no 2xx answer (a non-2xx status, a connection error or a
	// timeout); its length is the number of redeliveries. Nil means
	// DefaultRedelivery; a non-nil empty slice disables redelivery.
	Redelivery []time.Duration
	// Timeout bounds each attempt; 0 means DefaultWebhookTimeout.
	Timeout time.Duration
	// RequireSubscription delivers only the leads of Pages that installed
	// the app with the "leadgen" field (POST /{page-id}/subscribed_apps,
	// metaleads.Client.SubscribePage), as Meta does. The other leads are
	// still added to the Graph data, so a reconciliation finds them. Off by
	// default: every submitted lead is delivered.
	RequireSubscription bool
	// HTTPClient sends the handshake and the deliveries; nil means the
	// fake's own client (no proxy; its idle connections are closed by
	// Close).
	HTTPClient *http.Client
}

func (cfg WebhookConfig) validate() error {
	if cfg.CallbackURL == "" {
		return nil
	}
	u, err := url.Parse(cfg.CallbackURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("webhook callback URL %q is not an absolute http(s) URL", cfg.CallbackURL)
	}
	if cfg.Timeout < 0 {
		return errors.New("negative webhook Timeout")
	}
	for _, d := range cfg.Redelivery {
		if d < 0 {
			return errors.New("negative wait in webhook Redelivery")
		}
	}
	return nil
}

// WithWebhook configures the webhook subscription from the start, without
// the verification handshake (use SetWebhook for that). NewServer panics if
// the callback URL is not an absolute http(s) URL or a duration is negative.
func WithWebhook(cfg WebhookConfig) Option {
	return func(c *config) {
		if err := cfg.validate(); err != nil {
			c.fail("WithWebhook: %v", err)
			return
		}
		cfg.Redelivery = slices.Clone(cfg.Redelivery) // nil stays nil
		c.webhook = &cfg
	}
}

// DeliveryState is the state of one webhook delivery.
type DeliveryState string

// Delivery states.
const (
	// DeliveryPending: being sent, or waiting for a redelivery.
	DeliveryPending DeliveryState = "pending"
	// DeliveryDelivered: the callback answered 2xx.
	DeliveryDelivered DeliveryState = "delivered"
	// DeliveryFailed: every attempt of the schedule failed; Meta drops the
	// notification at this point.
	DeliveryFailed DeliveryState = "failed"
	// DeliveryStopped: Close ended the delivery before it succeeded.
	DeliveryStopped DeliveryState = "stopped"
)

// WebhookDelivery records one delivery: a signed POST of one or more leads,
// sent until acknowledged or the redelivery schedule is exhausted.
type WebhookDelivery struct {
	// LeadIDs are the leads the delivery carries, in payload order.
	LeadIDs []string
	// Statuses holds the HTTP status of each attempt, in order; 0 means no
	// response (connection error or timeout). Its length is the number of
	// attempts.
	Statuses []int
	// State is where the delivery stands.
	State DeliveryState
}

// WebhookStats counts webhook activity since the server started.
type WebhookStats struct {
	// Deliveries is the number of deliveries started.
	Deliveries int
	// Attempts is the number of POSTs sent, redeliveries included.
	Attempts int
	// Delivered, Failed and Stopped count finished deliveries by state;
	// Pending counts the others.
	Delivered, Failed, Stopped, Pending int
	// NotSubscribed counts submitted leads left undelivered because their
	// Page has no "leadgen" subscription (WebhookConfig.RequireSubscription).
	NotSubscribed int
	// Verifications counts successful verification handshakes.
	Verifications int
}

// webhookState is the Server's delivery machinery.
type webhookState struct {
	mu      sync.Mutex
	cfg     *WebhookConfig // nil = no callback
	closed  bool
	ctx     context.Context // cancelled by Close; made with the first delivery
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	pending int
	idle    chan struct{} // closed when pending drops to 0
	stats   WebhookStats
	records []*WebhookDelivery
}

// SetWebhook replaces the webhook subscription. With cfg.VerifyToken set it
// first performs Meta's verification handshake against cfg.CallbackURL and
// returns an error, leaving the previous subscription in place, unless the
// callback answers 200 with the challenge. An empty CallbackURL removes the
// subscription. Deliveries already started keep their configuration.
func (s *Server) SetWebhook(ctx context.Context, cfg WebhookConfig) error {
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("metaleadstest: SetWebhook: %w", err)
	}
	if s.closed.Load() {
		return ErrClosed
	}
	if cfg.CallbackURL != "" && cfg.VerifyToken != "" {
		if err := s.verifyCallback(ctx, cfg); err != nil {
			return err
		}
	}
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	if cfg.VerifyToken != "" && cfg.CallbackURL != "" {
		h.stats.Verifications++
	}
	if cfg.CallbackURL == "" {
		h.cfg = nil
		return nil
	}
	cfg.Redelivery = slices.Clone(cfg.Redelivery) // nil stays nil
	h.cfg = &cfg
	return nil
}

// verifyCallback performs the GET handshake.
func (s *Server) verifyCallback(ctx context.Context, cfg WebhookConfig) error {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000_000))
	if err != nil {
		return err
	}
	challenge := strconv.FormatInt(n.Int64()+1_000_000_000, 10)
	u, _ := url.Parse(cfg.CallbackURL)
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.challenge", challenge)
	q.Set("hub.verify_token", cfg.VerifyToken)
	u.RawQuery = q.Encode()
	where := callbackName(cfg.CallbackURL)

	ctx, cancel := context.WithTimeout(ctx, cmpDur(cfg.Timeout, DefaultWebhookTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("metaleadstest: webhook verification of %s: %w", where, err)
	}
	req.Header.Set("User-Agent", VerifyUserAgent)
	resp, err := s.webhookClient(cfg).Do(req)
	if err != nil {
		// *url.Error quotes the URL, whose query holds the verify token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("metaleadstest: webhook verification of %s failed: %w", where, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	switch {
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("metaleadstest: webhook verification of %s failed: status %d", where, resp.StatusCode)
	case strings.TrimSpace(string(body)) != challenge:
		return fmt.Errorf("metaleadstest: webhook verification of %s failed: the response body is not the hub.challenge", where)
	}
	return nil
}

// callbackName is the callback URL without its query, for messages.
func callbackName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the callback URL"
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

func cmpDur(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func (s *Server) webhookClient(cfg WebhookConfig) *http.Client {
	if cfg.HTTPClient != nil {
		return cfg.HTTPClient
	}
	return s.client
}

// Wire form of a leadgen delivery, in the field order of Meta's sample.
type deliveryJSON struct {
	Object string      `json:"object"`
	Entry  []entryJSON `json:"entry"`
}

type entryJSON struct {
	ID      string       `json:"id"`
	Time    int64        `json:"time"`
	Changes []changeJSON `json:"changes"`
}

type changeJSON struct {
	Field string      `json:"field"`
	Value leadgenJSON `json:"value"`
}

type leadgenJSON struct {
	AdID        string `json:"ad_id,omitempty"`
	AdGroupID   string `json:"adgroup_id,omitempty"`
	FormID      string `json:"form_id,omitempty"`
	LeadgenID   string `json:"leadgen_id"`
	CreatedTime int64  `json:"created_time"`
	PageID      string `json:"page_id"`
}

// pagedLead is a lead with the Page it belongs to.
type pagedLead struct {
	lead   metaleads.Lead
	pageID string
}

// Delivery builds the webhook delivery Meta would POST for leads and its
// X-Hub-Signature-256 value ("sha256=<hex>", keyed with AppSecret): the
// exact body
//
//	{"object":"page","entry":[{"id":PAGE,"time":NOW,"changes":[{"field":"leadgen",
//	  "value":{"ad_id":…,"adgroup_id":…,"form_id":…,"leadgen_id":…,"created_time":…,"page_id":…}}]}]}
//
// with one entry per Page (in order of first appearance) and one change per
// lead. Ids are JSON strings, times unix seconds; ad_id and adgroup_id (the
// ad) are left out for leads without an AdID (organic leads). The Page is
// that of the lead's form, else that of the lead's stored form, else PageID;
// form_id falls back to the stored lead's form. created_time is the lead's
// CreatedTime (now when zero) and time is the fake's clock.
//
// The leads need not be stored in the fake: Delivery only formats them. The
// body is meant to be sent as is (webhook.Verify hashes the exact bytes).
func (s *Server) Delivery(leads ...metaleads.Lead) (body []byte, signature string) {
	s.mu.RLock()
	pl := make([]pagedLead, len(leads))
	for i, l := range leads {
		pl[i] = pagedLead{lead: l, pageID: s.PageID}
		if f, ok := s.st.forms[l.FormID]; ok {
			pl[i].pageID = f.pageID
		} else if fid, ok := s.st.leadForm[l.ID]; ok {
			pl[i].pageID = s.st.forms[fid].pageID
			if pl[i].lead.FormID == "" {
				pl[i].lead.FormID = fid
			}
		}
	}
	s.mu.RUnlock()
	body = s.deliveryBody(pl)
	return body, webhook.Sign(body, s.AppSecret)
}

func (s *Server) deliveryBody(leads []pagedLead) []byte {
	now := s.now()
	d := deliveryJSON{Object: "page", Entry: []entryJSON{}}
	index := map[string]int{}
	for _, p := range leads {
		i, ok := index[p.pageID]
		if !ok {
			i = len(d.Entry)
			index[p.pageID] = i
			d.Entry = append(d.Entry, entryJSON{ID: p.pageID, Time: now.Unix()})
		}
		created := p.lead.CreatedTime
		if created.IsZero() {
			created = now
		}
		d.Entry[i].Changes = append(d.Entry[i].Changes, changeJSON{Field: webhook.FieldLeadgen, Value: leadgenJSON{
			AdID: p.lead.AdID, AdGroupID: p.lead.AdID, FormID: p.lead.FormID,
			LeadgenID: p.lead.ID, CreatedTime: created.Unix(), PageID: p.pageID,
		}})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(d) // plain strings and integers: cannot fail
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// signSHA1 is the legacy X-Hub-Signature value, which Meta still sends.
func signSHA1(body []byte, secret string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(body)
	return "sha1=" + hex.EncodeToString(mac.Sum(nil))
}

// setDeliveryHeaders sets the headers of a delivery POST.
func (s *Server) setDeliveryHeaders(h http.Header, body []byte, sig256 string) {
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", WebhookUserAgent)
	h.Set(webhook.HeaderSignature256, sig256)
	h.Set(webhook.HeaderSignatureSHA1, signSHA1(body, s.AppSecret))
}

// NewDeliveryRequest returns a POST of Delivery(leads...) to url with the
// headers Meta sends (Content-Type, X-Hub-Signature-256, the legacy
// X-Hub-Signature and User-Agent), for testing a webhook handler: pass it
// to the handler's ServeHTTP with an httptest.ResponseRecorder, or send it
// with an http.Client.
func (s *Server) NewDeliveryRequest(url string, leads ...metaleads.Lead) (*http.Request, error) {
	body, sig := s.Delivery(leads...)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("metaleadstest: NewDeliveryRequest: %w", err)
	}
	s.setDeliveryHeaders(req.Header, body, sig)
	return req, nil
}

// SubmitLead adds l to the form, as AddLead does (l.ID and CreatedTime are
// made up when empty, ad names filled in from a seeded ad), and delivers it
// to the webhook callback: asynchronously, redelivering per the schedule
// until the callback answers 2xx. It returns the lead's ID. It fails
// without adding anything when no callback is configured (ErrNoWebhook),
// after Close (ErrClosed), or when AddLead would panic (unknown or
// synthetic form, ID taken). With WebhookConfig.RequireSubscription the
// lead of a Page without a "leadgen" subscription is added but not
// delivered. Use WaitWebhooks to wait for the outcome.
func (s *Server) SubmitLead(formID string, l metaleads.Lead) (string, error) {
	ids, err := s.SubmitLeads(formID, l)
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// SubmitLeads is SubmitLead for several leads of one form, sent together in
// one delivery (Meta batches notifications). Either all leads are added or
// none.
func (s *Server) SubmitLeads(formID string, leads ...metaleads.Lead) ([]string, error) {
	if len(leads) == 0 {
		return nil, errors.New("metaleadstest: SubmitLeads: no leads")
	}
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closed || s.closed.Load():
		return nil, ErrClosed
	case h.cfg == nil:
		return nil, ErrNoWebhook
	}
	cfg := *h.cfg

	s.mu.Lock()
	ids := make([]string, 0, len(leads))
	var deliver []pagedLead
	notSubscribed := 0
	for _, l := range leads {
		id, err := s.st.addLead(formID, l)
		if err != nil {
			for _, added := range ids {
				s.removeLeadLocked(added)
			}
			s.mu.Unlock()
			return nil, fmt.Errorf("metaleadstest: SubmitLead: %w", err)
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		stored, pageID, _ := s.st.lead(id)
		if cfg.RequireSubscription && !slices.Contains(s.st.pages[pageID].subscribed, webhook.FieldLeadgen) {
			notSubscribed++
			continue
		}
		deliver = append(deliver, pagedLead{lead: stored, pageID: pageID})
	}
	s.mu.Unlock()

	h.stats.NotSubscribed += notSubscribed
	if len(deliver) == 0 {
		return ids, nil
	}
	body := s.deliveryBody(deliver)
	rec := &WebhookDelivery{State: DeliveryPending}
	for _, p := range deliver {
		rec.LeadIDs = append(rec.LeadIDs, p.lead.ID)
	}
	if h.ctx == nil {
		h.ctx, h.cancel = context.WithCancel(context.Background())
	}
	if h.pending == 0 {
		h.idle = make(chan struct{})
	}
	h.pending++
	h.stats.Deliveries++
	h.stats.Pending++
	h.addRecord(rec)
	h.wg.Add(1)
	go s.deliver(h.ctx, cfg, rec, body)
	return ids, nil
}

// removeLeadLocked undoes addLead; s.mu is held.
func (s *Server) removeLeadLocked(id string) {
	formID, ok := s.st.leadForm[id]
	if !ok {
		return
	}
	f := s.st.forms[formID]
	f.leads = slices.DeleteFunc(f.leads, func(r leadRec) bool { return r.lead.ID == id })
	delete(s.st.leadForm, id)
}

// addRecord keeps rec, dropping the oldest finished record beyond the cap;
// h.mu is held.
func (h *webhookState) addRecord(rec *WebhookDelivery) {
	if len(h.records) >= maxWebhookRecords {
		if i := slices.IndexFunc(h.records, func(r *WebhookDelivery) bool { return r.State != DeliveryPending }); i >= 0 {
			h.records = slices.Delete(h.records, i, i+1)
		}
	}
	h.records = append(h.records, rec)
}

// deliver sends body until acknowledged, the schedule is exhausted or ctx
// (the server's) ends.
func (s *Server) deliver(ctx context.Context, cfg WebhookConfig, rec *WebhookDelivery, body []byte) {
	h := &s.hooks
	defer h.wg.Done()
	sig := webhook.Sign(body, s.AppSecret)
	waits := cfg.Redelivery
	if waits == nil {
		waits = DefaultRedelivery
	}
	timeout := cmpDur(cfg.Timeout, DefaultWebhookTimeout)
	client := s.webhookClient(cfg)
	for attempt := 0; ; attempt++ {
		status := s.attempt(ctx, client, cfg.CallbackURL, timeout, body, sig)
		h.mu.Lock()
		rec.Statuses = append(rec.Statuses, status)
		h.stats.Attempts++
		h.mu.Unlock()
		switch {
		case status >= 200 && status < 300:
			h.finish(rec, DeliveryDelivered)
			return
		case ctx.Err() != nil:
			h.finish(rec, DeliveryStopped)
			return
		case attempt >= len(waits):
			h.finish(rec, DeliveryFailed)
			return
		}
		if d := waits[attempt]; d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				h.finish(rec, DeliveryStopped)
				return
			}
		}
	}
}

// attempt POSTs one delivery and returns its status, 0 without a response.
func (s *Server) attempt(ctx context.Context, client *http.Client, callback string, timeout time.Duration, body []byte, sig string) int {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callback, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	s.setDeliveryHeaders(req.Header, body, sig)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode
}

// finish records rec's final state.
func (h *webhookState) finish(rec *WebhookDelivery, st DeliveryState) {
	h.mu.Lock()
	defer h.mu.Unlock()
	rec.State = st
	h.stats.Pending--
	switch st {
	case DeliveryDelivered:
		h.stats.Delivered++
	case DeliveryFailed:
		h.stats.Failed++
	case DeliveryStopped:
		h.stats.Stopped++
	}
	h.pending--
	if h.pending == 0 {
		close(h.idle)
	}
}

// WaitWebhooks waits until no delivery is pending (every one delivered,
// failed or stopped) or ctx ends, and returns ctx.Err() in that case.
func (s *Server) WaitWebhooks(ctx context.Context) error {
	h := &s.hooks
	h.mu.Lock()
	idle := h.idle
	pending := h.pending
	h.mu.Unlock()
	if pending == 0 {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WebhookStats returns the webhook counters.
func (s *Server) WebhookStats() WebhookStats {
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats
}

// WebhookDeliveries returns a copy of the delivery records, oldest first
// (at most the latest 10,000 finished ones are kept, plus every pending
// one).
func (s *Server) WebhookDeliveries() []WebhookDelivery {
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]WebhookDelivery, len(h.records))
	for i, r := range h.records {
		out[i] = WebhookDelivery{LeadIDs: slices.Clone(r.LeadIDs), Statuses: slices.Clone(r.Statuses), State: r.State}
	}
	return out
}

// stopWebhooks ends every delivery (in-flight attempts are cancelled) and
// waits for their goroutines; called by Close.
func (s *Server) stopWebhooks() {
	h := &s.hooks
	h.mu.Lock()
	h.closed = true
	if h.cancel != nil {
		h.cancel()
	}
	h.mu.Unlock()
	h.wg.Wait()
}
