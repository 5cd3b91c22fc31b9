// Command webhook receives Meta Lead Ads webhooks ("leadgen" changes of a
// Page subscription): for each new lead it reads the lead from Graph,
// enriches it with what AlfaCRM knows about the person and writes one JSON
// line to stdout; with -push it also creates or updates the person's AlfaCRM
// card.
//
//	go run ./examples/webhook [-addr :8080] [-path /] [-push] [-lead-source ID] [-lead-field CODE]
//	    [-reconcile DURATION -watermark FILE] [-shutdown-timeout 25s] [-demo [-demo-count 5]]
//
// It serves the webhook at -path on -addr: Meta's GET verification
// handshake (hub.verify_token must equal META_VERIFY_TOKEN) and signed POST
// deliveries (X-Hub-Signature-256 keyed with META_APP_SECRET; anything else
// gets 403). A delivery is acknowledged as soon as its events are queued;
// workers then process each lead once, whatever the number of redeliveries:
//
//   - read the lead (GET /{lead-id}) with the Page token (META_PAGE_ACCESS_TOKEN,
//     or META_USER_ACCESS_TOKEN exchanged for FACEBOOK_PAGE_ID's token);
//   - match it to an AlfaCRM card (e-mail first, then phone; students and
//     lead cards, active and archived) and add the card's payments and
//     attendance;
//   - with -push: when no card matched, create a lead card (is_study 0) with
//     the name, phone and e-mail and a note naming the Meta lead, its form
//     and its ad (and the Meta lead id in custom field -lead-field, lead
//     source -lead-source, when given); when a card matched, add the
//     lead's phone and e-mail if the card lacks them and append the note,
//     unless the card already names this lead (then nothing is written);
//   - write the line: the object enrich-leads writes (id, created_time,
//     form_id, campaign/ad set/ad ids and names, is_organic, platform,
//     contact, answers, customer, payments, attendance), where customer is
//     the card matched before -push wrote anything (null for a person new
//     to the CRM).
//
// A failed step is retried with backoff (5 attempts); a lead that still
// fails is reported on stderr and left for the next reconciliation. On
// SIGINT or SIGTERM the server stops accepting deliveries (503, so Meta
// redelivers them) and drains the queued leads within -shutdown-timeout.
//
// -reconcile DURATION also reads, every DURATION (and at start), the leads
// of every form of the Page created since the watermark in -watermark FILE
// (minus 10 minutes of overlap) and processes those no webhook brought:
// leads queued when the process crashed, or dropped by Meta after 36 hours
// of failed deliveries. Without a watermark file it starts from the time of
// the first start (older leads are not backfilled: use enrich-leads).
//
// Sandbox: without META_PAGE_ACCESS_TOKEN and META_USER_ACCESS_TOKEN the
// Graph side is the built-in fake with the demo data, and the app secret is
// the fake's; the verify token is META_VERIFY_TOKEN or made up, and the fake
// performs the verification handshake against this server, as Meta does on
// subscription. -demo then makes the fake submit -demo-count leads (new
// people and people the demo CRM knows) and deliver them, signed, to this
// server, redelivering after a non-2xx answer; the program keeps serving
// until interrupted. Without ALFACRM_BASE_URL the CRM side is the built-in
// fake too. stderr says which side is sandboxed.
//
// Logs on stderr carry lead, form and card ids only, never names, phones or
// e-mails; LEADKIT_LOG=debug adds the handler's and the clients' records.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/enrich"
	"github.com/ecademy/leadkit/examples/internal/cli"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/ecademy/leadkit/metaleads/webhook"
)

const usage = `usage: webhook [-addr ADDR] [-path PATH] [-push] [-lead-source ID] [-lead-field CODE]
               [-reconcile DURATION -watermark FILE] [-shutdown-timeout DURATION] [-demo [-demo-count N]]

Receives Meta leadgen webhooks and writes one JSON line per new lead, enriched
with its AlfaCRM card, payments and attendance; -push creates or updates the
card. Without Meta credentials it runs on the built-in fake (-demo makes the
fake deliver a few leads).`

// sandboxRedelivery is the fake's redelivery schedule in the sandbox: Meta
// keeps trying for 36 hours, which is too long to watch.
var sandboxRedelivery = []time.Duration{0, time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute}

// now is the clock that picks the sandbox's reference day.
var now = time.Now

// started, when set (tests), is called once the server is listening and,
// in the sandbox, subscribed, before the -demo leads are submitted.
var started func(s *session)

func main() { cli.Main("webhook", run) }

// options are the parsed flags.
type options struct {
	addr, path      string
	push            bool
	leadSource      int
	leadField       string
	reconcile       time.Duration
	watermark       string
	shutdownTimeout time.Duration
	demo            bool
	demoCount       int
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := cli.NewFlagSet("webhook", usage, stderr)
	fs.StringVar(&o.addr, "addr", ":8080", "listen `address` (host:port; port 0 = any free port)")
	fs.StringVar(&o.path, "path", "/", "URL `path` of the webhook callback")
	fs.BoolVar(&o.push, "push", false, "create or update the AlfaCRM card of each new lead")
	fs.IntVar(&o.leadSource, "lead-source", 0, "AlfaCRM lead source `id` set on the cards -push creates (0 = none)")
	fs.StringVar(&o.leadField, "lead-field", "", "AlfaCRM custom field `code` that -push fills with the Meta lead id (the field must exist in the CRM)")
	fs.DurationVar(&o.reconcile, "reconcile", 0, "also read the Page's recent leads every `DURATION` (e.g. 15m) to recover leads no webhook brought; needs -watermark")
	fs.StringVar(&o.watermark, "watermark", "", "`file` keeping the time up to which -reconcile has read the leads")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 25*time.Second, "on SIGINT/SIGTERM, how long to wait for the queued leads to be processed")
	fs.BoolVar(&o.demo, "demo", false, "sandbox only: make the fake Graph API submit and deliver a few leads")
	fs.IntVar(&o.demoCount, "demo-count", 5, "`number` of leads -demo submits")
	if err := cli.Parse(fs, args); err != nil {
		return o, err
	}
	o.path = strings.TrimSpace(o.path)
	o.leadField = strings.TrimSpace(o.leadField)
	switch {
	case !strings.HasPrefix(o.path, "/") || strings.ContainsAny(o.path, "?# \t"):
		return o, fmt.Errorf("-path %q: want an absolute URL path such as /webhooks/meta", o.path)
	case o.reconcile < 0:
		return o, errors.New("-reconcile: negative duration")
	case o.shutdownTimeout <= 0:
		return o, errors.New("-shutdown-timeout: want a positive duration")
	case o.leadSource < 0:
		return o, errors.New("-lead-source: want a positive id (0 = none)")
	case o.demoCount < 1 || o.demoCount > 100:
		return o, fmt.Errorf("-demo-count %d: want 1 to 100", o.demoCount)
	}
	if o.reconcile > 0 && strings.TrimSpace(o.watermark) == "" {
		return o, errors.New("-reconcile needs -watermark FILE (where the reconciliation keeps its progress)")
	}
	if (o.leadSource != 0 || o.leadField != "") && !o.push {
		return o, errors.New("-lead-source and -lead-field only apply with -push")
	}
	return o, nil
}

// session is a running receiver; tests reach the fakes through it.
type session struct {
	// URL is the callback URL (with a loopback host when -addr has none).
	URL string
	// AppSecret and VerifyToken are the webhook credentials in use.
	AppSecret, VerifyToken string
	// Meta and CRM are the two sides, real or sandboxed.
	Meta *cli.Meta
	CRM  *cli.CRM
	// Process handles one lead as the webhook workers do (tests use it to
	// replay a lead, as after a lost de-duplication record).
	Process func(ctx context.Context, lead metaleads.Lead) error
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logger := cli.Logger(stderr)
	ref := now()
	meta, err := cli.OpenMeta(ctx, stderr, ref, logger)
	if err != nil {
		return cli.Explain(err)
	}
	defer meta.Close()
	if o.demo && !meta.Sandbox {
		return fmt.Errorf("-demo needs the sandbox: unset %s and %s", cli.EnvPageToken, cli.EnvUserToken)
	}
	secret, verifyToken := cli.Env(cli.EnvAppSecret), cli.Env(cli.EnvVerifyToken)
	if meta.Sandbox {
		secret = meta.Fake.AppSecret
		if verifyToken == "" {
			verifyToken = "sandbox-verify-token-" + randomHex(6)
		}
	} else {
		var missing []string
		if secret == "" {
			missing = append(missing, cli.EnvAppSecret)
		}
		if verifyToken == "" {
			missing = append(missing, cli.EnvVerifyToken)
		}
		if len(missing) > 0 {
			return fmt.Errorf("%s must be set to receive webhooks outside the sandbox (the app secret signs every delivery; "+
				"the verify token is the one configured for the subscription)", strings.Join(missing, " and "))
		}
	}
	crm, err := cli.OpenCRM(stderr, ref, logger)
	if err != nil {
		return cli.Explain(err)
	}
	defer crm.Close()
	if cli.WarnMixed(stderr, "webhook", meta, crm) && o.push && crm.Sandbox {
		fmt.Fprintln(stderr, "webhook: -push writes to the built-in fake AlfaCRM, not to your CRM")
	}

	norm, err := cli.Normalizer()
	if err != nil {
		return err
	}
	exp, err := cli.NewExporter(norm)
	if err != nil {
		return err
	}
	enr, err := enrich.New(crm.Client, enrich.Config{Strategy: enrich.StrategyPerLead, PhoneRegion: cli.PhoneRegion(), Normalizer: norm})
	if err != nil {
		return err
	}
	p := &processor{
		enricher: enr, exp: exp, crm: crm.Client, region: cli.PhoneRegion(),
		push: o.push, leadSource: o.leadSource, leadField: o.leadField,
		out: json.NewEncoder(stdout), stderr: stderr,
	}
	p.out.SetEscapeHTML(false)

	store := webhook.NewMemoryStore(nil) // shared by the webhook workers and the reconciliation
	h, err := webhook.NewHandler(webhook.Config{
		AppSecret:   secret,
		VerifyToken: verifyToken,
		Fetcher:     fetcher{meta.Client},
		Handle: func(ctx context.Context, e webhook.Event, lead metaleads.Lead) error {
			if lead.FormID == "" {
				lead.FormID = e.FormID
			}
			return p.process(ctx, lead, "webhook")
		},
		OnError: func(_ context.Context, _ webhook.Event, err error) {
			p.logf("webhook: %v; left for the next redelivery or reconciliation", err)
		},
		Store:  store,
		Logger: logger,
	})
	if err != nil {
		return err
	}
	handlerDown := false
	defer func() {
		if !handlerDown { // an early return: stop the workers
			_ = h.Shutdown(context.Background())
		}
	}()

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("-addr %s: %w", o.addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle(o.path, h)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	defer srv.Close()
	callback := callbackURL(ln.Addr(), o.path)
	fmt.Fprintf(stderr, "webhook: listening on %s (callback URL %s)\n", ln.Addr(), callback)

	s := &session{URL: callback, AppSecret: secret, VerifyToken: verifyToken, Meta: meta, CRM: crm,
		Process: func(ctx context.Context, l metaleads.Lead) error { return p.process(ctx, l, "replay") }}
	if meta.Sandbox {
		err := meta.Fake.SetWebhook(ctx, metaleadstest.WebhookConfig{
			CallbackURL: callback, VerifyToken: verifyToken, Redelivery: sandboxRedelivery,
		})
		if err != nil {
			return fmt.Errorf("sandbox: subscribing the callback: %w", err)
		}
		fmt.Fprintf(stderr, "webhook: sandbox: the fake Graph API verified and subscribed %s; app secret %s, verify token %s\n",
			callback, secret, verifyToken)
		if !o.demo {
			fmt.Fprintln(stderr, "webhook: sandbox: run with -demo to have the fake deliver leads")
		}
	}
	if started != nil {
		started(s)
	}

	recDone := make(chan struct{})
	recCtx, stopRec := context.WithCancel(ctx)
	defer stopRec()
	if o.reconcile > 0 {
		r := &metaleads.Reconciler{
			Client: meta.Client, PageID: meta.PageID,
			Watermark: metaleads.FileWatermark{Path: o.watermark}, Seen: store,
		}
		if err := initWatermark(ctx, r.Watermark, stderr); err != nil {
			return err
		}
		go func() {
			defer close(recDone)
			p.reconcileLoop(recCtx, r, o.reconcile)
		}()
	} else {
		close(recDone)
	}

	if o.demo {
		if err := submitDemo(ctx, meta, o.demoCount, ref, stderr); err != nil {
			return err
		}
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		stopRec()
		<-recDone
		return fmt.Errorf("serving: %w", err)
	}

	fmt.Fprintln(stderr, "webhook: shutting down: no new deliveries (Meta redelivers them), draining the queue")
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	// The handler answers 503 from now on and drains its queue; the HTTP
	// server lets the requests in flight finish meanwhile. Once the queue is
	// drained the remaining connections can only get 503s, so they are
	// closed rather than waited for.
	httpDown := make(chan struct{})
	go func() {
		defer close(httpDown)
		_ = srv.Shutdown(sctx)
	}()
	handlerDown = true
	herr := h.Shutdown(sctx)
	stopRec()
	<-recDone
	_ = srv.Close()
	<-httpDown
	if herr != nil {
		return herr
	}
	fmt.Fprintf(stderr, "webhook: stopped; %d leads processed\n", p.count())
	return nil
}

// callbackURL is the URL Meta (or the fake) should call: the listener's
// address, with a loopback host when it listens on every interface.
func callbackURL(addr net.Addr, path string) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + path
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + path
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// fetcher reads leads with the Page client and marks the errors that no
// retry can fix (an unknown lead, as in the App Dashboard's test
// deliveries, or a lead of another Page) as permanent.
type fetcher struct{ c *metaleads.Client }

// Lead reads one lead.
func (f fetcher) Lead(ctx context.Context, id string, fields ...string) (metaleads.Lead, error) {
	l, err := f.c.Lead(ctx, id, fields...)
	if errors.Is(err, metaleads.ErrNotFound) || errors.Is(err, metaleads.ErrPermission) {
		return l, webhook.Permanent(err)
	}
	return l, err
}

// LeadsByID reads the leads waiting together in one batch request.
func (f fetcher) LeadsByID(ctx context.Context, ids []string, fields ...string) ([]metaleads.BatchLead, error) {
	return f.c.LeadsByID(ctx, ids, fields...)
}

// processor enriches, pushes and writes leads; safe for concurrent use.
type processor struct {
	enricher   *enrich.Enricher
	exp        *cli.Exporter
	crm        *alfacrm.Client
	region     string
	push       bool
	leadSource int
	leadField  string
	stderr     io.Writer

	mu  sync.Mutex // guards out, stderr writes and n
	out *json.Encoder
	n   int
}

// process handles one new lead; via names the path that brought it.
func (p *processor) process(ctx context.Context, lead metaleads.Lead, via string) error {
	el, err := p.enricher.EnrichOne(ctx, lead)
	if err != nil {
		return err
	}
	// The lead part is export-leads' record: its answers keep the contact
	// details that have no column (city, company...).
	el.Contact.Answers = p.exp.Record(el.Lead).Answers
	what := "no CRM card"
	if el.Customer != nil {
		what = fmt.Sprintf("card %d (matched by %s)", el.Customer.ID, el.Customer.MatchedBy)
	}
	if p.push {
		action, err := p.pushLead(ctx, el)
		if err != nil {
			return err
		}
		what += "; " + action
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.out.Encode(el); err != nil {
		return webhook.Permanent(fmt.Errorf("writing the line: %w", err))
	}
	p.n++
	fmt.Fprintf(p.stderr, "webhook: lead %s (%s, form %s): %s\n", lead.ID, via, orDash(lead.FormID), what)
	return nil
}

func (p *processor) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func (p *processor) logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.stderr, format+"\n", args...)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// initWatermark starts a missing watermark at the current time, so that the
// first reconciliation does not reprocess every lead Graph keeps.
func initWatermark(ctx context.Context, wm metaleads.WatermarkStore, stderr io.Writer) error {
	t, err := wm.Load(ctx)
	if err != nil {
		return err
	}
	if !t.IsZero() {
		fmt.Fprintf(stderr, "webhook: reconcile: resuming from %s\n", t.Format(time.RFC3339))
		return nil
	}
	start := time.Now().UTC()
	if err := wm.Save(ctx, start); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "webhook: reconcile: no watermark yet: starting from %s (older leads are not backfilled; use enrich-leads for them)\n", start.Format(time.RFC3339))
	return nil
}

// reconcileLoop runs a pass at once and then every period until ctx ends.
func (p *processor) reconcileLoop(ctx context.Context, r *metaleads.Reconciler, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		res, err := r.Run(ctx, func(ctx context.Context, l metaleads.Lead) error { return p.process(ctx, l, "reconcile") })
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			p.logf("webhook: reconcile: %v (the next pass retries from the same watermark)", cli.Explain(err))
		case res.New > 0:
			p.logf("webhook: reconcile: %d forms, %d leads read, %d recovered, %d already handled",
				res.Forms, res.Scanned, res.New, res.Duplicates)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
