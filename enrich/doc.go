// Package enrich joins Meta Lead Ads leads with what the school's CRM
// knows about each person — their card, payments and attendance — and
// turns that into a return-on-ad-spend report.
//
// # Interfaces
//
// It composes the two API clients behind small interfaces declared here,
// which *metaleads.Client and *alfacrm.Client satisfy directly:
// [LeadSource] (forms and leads) and [SpendSource] (ad account and
// insights) on the Meta side; [CustomerFinder] (per-lead search),
// [CustomerDirectory] (cards, payments and lessons), [Dictionaries]
// (status names) and their union [CRM] on the CRM side, plus the optional
// [DirectorySizer] that lets [StrategyAuto] price the bulk strategy. Any
// other CRM, or a test fake, can be plugged in by implementing them.
//
// # One CRM branch
//
// AlfaCRM scopes every list to the branch in the request path, and the
// client reads one branch (alfacrm.Config.BranchID; ALFACRM_BRANCH_ID in
// the examples). The cards a lead can match, and the payments and
// attendance counted for a customer, are therefore those of that branch:
// a customer's payments or lessons in another branch are not seen (the
// fake CRM, like the real one, only returns the configured branch's
// lessons). For a school with several branches, run one Enricher per
// branch's client.
//
// # Matching
//
// A lead's canonical contact comes from a metaleads.Normalizer. It is
// matched against every CRM card — students and lead cards, active and
// archived — considering every phone and every e-mail on a card:
//
//   - the e-mail first, compared trimmed and case-insensitively;
//   - the phone only when no card carries the e-mail, compared as E.164
//     (numbers without a country code are read in Config.PhoneRegion,
//     "UA" by default);
//   - when several cards match at the deciding step, a student card wins,
//     then the earliest created (lowest id), and Customer.Ambiguous is
//     set. Customer.MatchedBy says which step decided.
//
// # Strategies and their cost
//
// One matching engine serves two ways of reading the CRM, which give
// identical results:
//
//   - [StrategyPerLead] searches the CRM for each lead's contacts and
//     reads each matched customer's payments and lessons; lookups are
//     concurrent (Config.Concurrency), de-duplicated and cached, and
//     results keep the input order. It costs about
//     [DefaultRequestsPerLead] requests per lead (two searches for the
//     e-mail, two more for the phone when the e-mail found nothing, one
//     each for payments and lessons, less what the caches save): best for
//     a few leads (a webhook, a daily sync).
//   - [StrategyBulk] reads every card (students and leads, active and
//     archived), every payment and every conducted lesson once, page by
//     page, and matches in memory: a fixed cost, the number of pages of
//     those four lists, whatever the number of leads. It wins for many
//     leads (a backfill, a report).
//
// [StrategyAuto], the default, prices both with [Enricher.Estimate] — the
// lead count (Config.ExpectedLeads, the slice's length, the forms' lead
// counts, or as many leads as it reads ahead to tell) times
// Config.RequestsPerLead against the bulk pages (page 0 of each list tells
// their size, one request each, when the CRM is a DirectorySizer) — and
// picks the cheaper. [StrategyNaive] is the baseline a first integration
// writes — sequential, uncached, searching with the API's defaults — kept
// for benchmarks; it misses lead and archived cards by design.
//
// # Results, memory and progress
//
// [Enricher.Enrich] streams [EnrichedLead] values in input order: the
// lead with its attribution, its contact, the matched [Customer] (with
// status names), and the customer's income [Payments] and [Attendance]
// (conducted lessons) over their whole history in the branch. Memory grows
// with the CRM directory, never with the number of leads, so any number
// of leads can be streamed: the bulk strategy holds the directory; the
// per-lead strategy holds a window of a few times Config.Concurrency
// leads, a cache of at most 10,000 contact lookups and the history of
// each customer it matched (at most the directory). BenchmarkEnrichMemory
// measures it: 10,000 and 100,000 leads against 1,500 cards, peak heap
// within 1.25× + 2 MiB. Config.OnProgress, when set, is called with cumulative [Progress]
// counts: while the bulk strategy loads the directory ([PhaseLoading]),
// the cards, payments and lessons read, about once per page; then
// ([PhaseEnriching]) the leads read, enriched and matched, after each
// lead, before it is delivered.
//
// EnrichedLead marshals to the JSON object the examples print;
// [ExportLead] builds the lead part alone, without a CRM, and
// [AnswerKeys] lists the answer keys of a set of forms for tabular
// exports. The contact object holds the name, e-mail, phone and country;
// every other submitted value, contact details such as the city or the
// company included, is kept in the answers under its form key, so an
// export loses nothing. JSON output is not HTML-escaped ("&" stays "&")
// unless the caller's encoder escapes it.
//
// # ROI
//
// [ROI] aggregates enriched leads and insight rows into a [Report] per
// campaign, ad set or ad (ROIOptions.Level). Only leads without an ad go
// to the organic row ([OrganicID]); a lead from an ad that lacks an id at
// the report's level is attributed through the spend rows' ad → ad set →
// campaign links, else counted on the unattributed row ([UnattributedID]).
// Money is exact (decimal). For each row:
//
//   - spend is the insights' spend for the period's days; leads are the
//     leads created in the period (whole days in ROIOptions.Location,
//     the CRM's time zone); matched counts those that matched a card;
//   - first touch: each matched customer counts once, on the row of their
//     earliest lead in the period (ties by lead id), however many leads
//     they left; students counts those with a student card;
//   - revenue window: a customer's revenue is the sum of their income
//     payments dated from the day of that first lead (in the CRM's time
//     zone) up to ROIOptions.Today, inclusive; payments before the lead,
//     expenses and refunds do not count. Paying counts customers with
//     at least one income payment in the window. A payment's date is the
//     calendar day the CRM client read, in the client's own time zone
//     (alfacrm.Config.Location), never converted; the lead's day is taken
//     in ROIOptions.Location. Give both the same zone; [Enricher.Report]
//     warns when they differ;
//   - CPL = spend / leads and CAC = spend / paying, rounded to 2 places;
//     ROAS = revenue / spend and ROI = (revenue − spend) / spend, rounded
//     to 4 places. A ratio whose divisor is zero is undefined (null in
//     JSON, empty in CSV, "-" in the table). The organic row has no
//     spend, so its CPL and CAC are 0.00 (organic customers cost nothing
//     in ads) while its ROAS and ROI are undefined; the unattributed
//     row's spend is unknown (it is on its ads' rows), so all four are
//     undefined there;
//   - currencies: spend is in the ad account's currency (the report's
//     Currency) and revenue in the CRM's (ROIOptions.Currency, the
//     account's when empty). When they differ, revenue is converted with
//     ROIOptions.FXRate (account currency per CRM unit), each payment on
//     its own, rounded to cents half away from zero before any sum, so
//     the rows add up to the totals; without a rate,
//     revenue stays in the CRM's currency (Report.RevenueCurrency), CAC,
//     ROAS and ROI are left undefined, and Report.Warnings says why.
//
// The totals row sums the rows, with each customer counted once across
// the report. ROI keeps one entry per row and per matched customer, never
// the leads. [Enricher.Report] reads the ad account, the insights and the
// Page's leads, enriches them and aggregates them in one call;
// [Report.WriteTable], [Report.WriteCSV] and JSON marshalling render it.
package enrich
