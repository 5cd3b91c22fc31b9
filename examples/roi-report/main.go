// Command roi-report prints the return on ad spend of each campaign, ad set
// or ad: what Meta says was spent, the leads it brought, how many of those
// people are in AlfaCRM, became students and paid, and how much.
//
//	go run ./examples/roi-report [-level campaign|adset|ad] [-since DAY] [-until DAY]
//	    [-format table|csv|json] [-out FILE] [-fx RATE] [-strategy auto|per-lead|bulk]
//
// With no environment at all it runs on the built-in fakes (the same demo
// school on both sides, so its leads are found in its CRM) and prints a real
// report from the demo data; stderr says which side is sandboxed.
//
// The period is whole days, -since and -until inclusive (YYYY-MM-DD, in
// ALFACRM_TIMEZONE, UTC when unset); by default the 30 full days ending
// yesterday. Spend is read for the same days (Meta counts them in the ad
// account's time zone); leads created in the period count, on the row of
// their campaign, ad set or ad (leads without an ad on the "organic" row;
// leads from an ad whose campaign, ad set or ad is unknown on the
// "unattributed" row, whose spend, cpl, cac, roas and roi are empty).
//
// Each matched customer counts once, on the row of their first lead in the
// period (first touch): students are customers with a student card, paying
// ones have income payments dated from that lead's day up to today, and
// revenue is the sum of those payments. cpl = spend/leads, cac =
// spend/paying, roas = revenue/spend, roi = (revenue−spend)/spend.
//
// Spend is in the ad account's currency; revenue in ALFACRM_CURRENCY
// (default: the ad account's). When they differ, -fx RATE (units of the
// ad account's currency per unit of the CRM's, a decimal like 44.5)
// converts revenue, each payment rounded to cents (half away from zero)
// so that the rows add up to the totals; without it cac, roas and roi are
// left empty and stderr says why.
//
// Output (stdout or -out FILE, written only when the report is complete):
//
//   - table (default): an aligned table with a totals row; undefined
//     values are "-".
//   - csv: the header id,name,spend,leads,matched,students,paying,revenue,
//     cpl,cac,roas,roi, one line per row, then the totals (id "total");
//     undefined values are empty.
//   - json: {"level","since","until","currency","rows":[{"id","name",
//     "spend","leads","matched","students","paying","revenue","cpl","cac",
//     "roas","roi"}],"totals":{same keys}}, plus "warnings" when the report
//     has any. Money is a decimal string with two places; roas and roi are
//     numbers (up to four places); undefined values are null.
//
// -strategy chooses how the CRM is read: per-lead searches it for each
// lead, bulk reads every card, payment and lesson once, auto (the default)
// picks the cheaper by estimated requests. All give the same report.
//
// While it works, a progress line on stderr says what it is doing: with
// the bulk strategy first "loading CRM directory: N cards, M payments, K
// lessons…" and then the directory's size, then the leads enriched and
// matched (rewritten in place on a terminal, a line per thousand
// elsewhere).
//
// Environment: as for the other examples. The Meta side needs
// META_PAGE_ACCESS_TOKEN (or META_USER_ACCESS_TOKEN), FACEBOOK_PAGE_ID and
// META_AD_ACCOUNT_ID; the CRM side ALFACRM_BASE_URL, ALFACRM_EMAIL,
// ALFACRM_API_KEY (and optionally ALFACRM_BRANCH_ID, ALFACRM_TIMEZONE,
// ALFACRM_RPS, ALFACRM_INCOME_PAY_TYPE_IDS, ALFACRM_CURRENCY). LEADKIT_LOG
// logs HTTP attempts; LEADKIT_PHONE_REGION (default UA) reads phones typed
// without a country code.
package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/ecademy/leadkit/enrich"
	"github.com/ecademy/leadkit/examples/internal/cli"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/shopspring/decimal"
)

const usage = `usage: roi-report [-level campaign|adset|ad] [-since DAY] [-until DAY]
                  [-format table|csv|json] [-out FILE] [-fx RATE] [-strategy auto|per-lead|bulk]

Prints spend, leads, CRM matches, students, paying customers, revenue, CPL,
CAC, ROAS and ROI per campaign, ad set or ad. Without credentials it runs on
the built-in demo data.`

// defaultDays is the default period: the full days ending yesterday.
const defaultDays = 30

// progressEvery is how often progress is written when stderr is not a
// terminal: in leads, and while loading the CRM directory in its items
// (cards, payments and lessons together).
const progressEvery = 1000

// now is the clock that picks the period and the sandbox's reference day
// (tests fix it).
var now = time.Now

func main() { cli.Main("roi-report", run) }

var (
	dayRE      = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("roi-report", usage, stderr)
	level := fs.String("level", "campaign", "one row per `level`: campaign, adset or ad")
	since := fs.String("since", "", "first `day` of the period, YYYY-MM-DD (inclusive; default 30 days before -until)")
	until := fs.String("until", "", "last `day` of the period, YYYY-MM-DD (inclusive; default yesterday)")
	format := fs.String("format", "table", "output `format`: table, csv or json")
	outPath := fs.String("out", "", "write to `FILE` instead of stdout (created only on success)")
	fxFlag := fs.String("fx", "", "units of the ad account's currency per unit of ALFACRM_CURRENCY (a decimal `RATE`, e.g. 44.5)")
	strategyFlag := fs.String("strategy", "auto", cli.StrategyUsage)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}

	lvl := metaleads.Level(strings.ToLower(strings.TrimSpace(*level)))
	switch lvl {
	case metaleads.LevelCampaign, metaleads.LevelAdSet, metaleads.LevelAd:
	default:
		return fmt.Errorf("-level %q: want campaign, adset or ad", *level)
	}
	*format = strings.ToLower(strings.TrimSpace(*format))
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("-format %q: want table, csv or json", *format)
	}
	strategy, err := cli.ParseStrategy(*strategyFlag)
	if err != nil {
		return err
	}
	fx, err := parseFX(*fxFlag)
	if err != nil {
		return err
	}
	for _, f := range []struct{ name, val string }{{"-since", *since}, {"-until", *until}} {
		if v := strings.TrimSpace(f.val); v != "" && !dayRE.MatchString(v) {
			return fmt.Errorf("%s %q: want a day, YYYY-MM-DD", f.name, f.val)
		}
	}
	crmCurrency := strings.ToUpper(cli.Env(cli.EnvCRMCurrency))
	if crmCurrency != "" && !currencyRE.MatchString(crmCurrency) {
		return fmt.Errorf("%s=%q: want a three-letter ISO 4217 code such as UAH, EUR or USD", cli.EnvCRMCurrency, cli.Env(cli.EnvCRMCurrency))
	}
	loc, err := cli.Location()
	if err != nil {
		return err
	}
	t := now() // one reference day for the period and both sandboxes
	from, to, err := cli.Period(strings.TrimSpace(*since), strings.TrimSpace(*until), loc, t, defaultDays)
	if err != nil {
		return fmt.Errorf("-since/-until: %w", err)
	}
	sinceDay := from.In(loc).Format(time.DateOnly)
	untilDay := to.In(loc).AddDate(0, 0, -1).Format(time.DateOnly)
	if today := t.In(loc).Format(time.DateOnly); untilDay >= today {
		fmt.Fprintf(stderr, "roi-report: the period reaches today (%s) or later: those days' spend and leads are still coming in\n", today)
	}

	norm, err := cli.Normalizer() // checks LEADKIT_PHONE_REGION before any fake starts
	if err != nil {
		return err
	}

	log := cli.Logger(stderr)
	meta, err := cli.OpenMeta(ctx, stderr, t, log)
	if err != nil {
		return cli.Explain(err)
	}
	defer meta.Close()
	if meta.AdAccountID == "" {
		return fmt.Errorf("%s is not set: the report needs the ad account that pays for the campaigns (act_123… or 123…)", cli.EnvAdAccountID)
	}
	crm, err := cli.OpenCRM(stderr, t, log)
	if err != nil {
		return cli.Explain(err)
	}
	defer crm.Close()
	cli.WarnMixed(stderr, "roi-report", meta, crm)

	prog := newProgress(stderr)
	e, err := enrich.New(crm.Client, enrich.Config{
		Strategy:    strategy,
		PhoneRegion: cli.PhoneRegion(),
		Normalizer:  norm,
		OnProgress:  prog.update,
	})
	if err != nil {
		return err
	}

	out, err := cli.Create(*outPath, stdout) // fail on a bad path before any request
	if err != nil {
		return err
	}
	defer out.Close()

	fmt.Fprintf(stderr, "roi-report: %s to %s by %s (%s strategy): reading spend and leads…\n", sinceDay, untilDay, lvl, strategy)
	started := time.Now()
	rep, err := e.Report(ctx, meta.Client, meta.Client, meta.PageID, meta.AdAccountID, enrich.ROIOptions{
		Level:    lvl,
		Since:    sinceDay,
		Until:    untilDay,
		Location: loc,
		Currency: crmCurrency,
		FXRate:   fx,
		Today:    t,
	})
	prog.Clear()
	if err != nil {
		return cli.Explain(err)
	}
	prog.Done(fmt.Sprintf("roi-report: %d leads, %d matched to CRM cards, %d rows, in %s",
		rep.Totals.Leads, rep.Totals.Matched, len(rep.Rows), time.Since(started).Round(time.Millisecond)))
	for _, w := range rep.Warnings {
		fmt.Fprintf(stderr, "roi-report: warning: %s\n", w)
	}
	if rep.RevenueCurrency != rep.Currency { // a mismatch without a rate
		fmt.Fprintf(stderr, "roi-report: give the rate with -fx RATE (%s per %s)\n", rep.Currency, rep.RevenueCurrency)
	}
	crmCur := cmp.Or(crmCurrency, rep.Currency)
	switch {
	case fx.IsPositive() && crmCur == rep.Currency:
		fmt.Fprintf(stderr, "roi-report: -fx %s ignored: revenue and spend are both in %s (set %s when the CRM uses another currency)\n",
			fx, rep.Currency, cli.EnvCRMCurrency)
	case fx.IsPositive():
		fmt.Fprintf(stderr, "roi-report: revenue converted from %s to %s at %s %s per %s\n", crmCur, rep.Currency, fx, rep.Currency, crmCur)
	}

	bw := bufio.NewWriter(out)
	switch *format {
	case "json":
		err = cli.WriteJSON(bw, rep)
	case "csv":
		err = rep.WriteCSV(bw)
	default:
		err = rep.WriteTable(bw)
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	if *format == "table" {
		fmt.Fprintln(stderr, "roi-report: each customer counts once, on their first lead in the period; revenue is their income payments")
		fmt.Fprintln(stderr, "roi-report: from that day to today; cpl = spend/leads, cac = spend/paying, roas = revenue/spend, roi = roas-1")
	}
	return nil
}

// progress is the progress line on stderr: while the bulk strategy loads
// the CRM directory, the cards, payments and lessons read (then a line
// with the directory's size), then the leads enriched and matched.
type progress struct {
	load, leads *cli.Progress
	loading     bool // a loading phase was reported and not yet closed
}

func newProgress(stderr io.Writer) *progress {
	return &progress{load: cli.NewProgress(stderr, progressEvery), leads: cli.NewProgress(stderr, progressEvery)}
}

// update is the Enricher's OnProgress.
func (p *progress) update(pr enrich.Progress) {
	if pr.Phase == enrich.PhaseLoading {
		p.loading = true
		p.load.Update(pr.CardsRead+pr.PaymentsRead+pr.LessonsRead, func() string {
			return fmt.Sprintf("roi-report: loading CRM directory: %d cards, %d payments, %d lessons…", pr.CardsRead, pr.PaymentsRead, pr.LessonsRead)
		})
		return
	}
	if p.loading {
		p.loading = false
		p.load.Done(fmt.Sprintf("roi-report: CRM directory loaded: %d cards, %d payments, %d lessons", pr.CardsRead, pr.PaymentsRead, pr.LessonsRead))
	}
	p.leads.Update(pr.Enriched, func() string {
		return fmt.Sprintf("roi-report: %d leads enriched, %d matched…", pr.Enriched, pr.Matched)
	})
}

// Clear removes a progress line from the terminal.
func (p *progress) Clear() {
	p.load.Clear()
	p.leads.Clear()
}

// Done replaces the progress line with a final message.
func (p *progress) Done(msg string) {
	p.load.Clear()
	p.leads.Done(msg)
}

// parseFX parses -fx: empty means no rate, else a positive decimal.
func parseFX(s string) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal.Zero, nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil || !d.IsPositive() || strings.ContainsAny(s, "eE") {
		return decimal.Zero, fmt.Errorf("-fx %q: want a positive decimal rate such as 44.5 (units of the ad account's currency per unit of the CRM's)", s)
	}
	return d, nil
}
