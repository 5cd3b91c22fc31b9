// Package enrich joins Meta Lead Ads leads with what the school's CRM
// knows about each person — their card, payments and attendance — and
// turns that into a return-on-ad-spend report.
//
// It composes the two API clients behind small interfaces declared here,
// which *metaleads.Client and *alfacrm.Client satisfy directly:
// [LeadSource] (forms and leads) and [SpendSource] (ad account and
// insights) on the Meta side; [CustomerFinder] (per-lead search),
// [CustomerDirectory] (cards, payments and lessons), [Dictionaries]
// (status names) and their union [CRM] on the CRM side. Any other CRM, or
// a test fake, can be plugged in by implementing them.
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
// # Strategies
//
// One matching engine serves two ways of reading the CRM, which give
// identical results:
//
//   - [StrategyPerLead] searches the CRM for each lead's contacts and
//     reads each matched customer's payments and lessons; lookups are
//     concurrent (Config.Concurrency), de-duplicated and cached, and
//     results keep the input order. About [DefaultRequestsPerLead]
//     requests per lead: best for a few leads (a webhook, a daily sync).
//   - [StrategyBulk] reads every card, payment and conducted lesson once,
//     page by page, and matches in memory: a fixed cost that wins for
//     many leads (a backfill, a report).
//
// [StrategyAuto], the default, prices both ([Enricher.Estimate]) and
// picks the cheaper. [StrategyNaive] is the baseline a first integration
// writes — sequential, uncached, searching with the API's defaults — kept
// for benchmarks; it misses lead and archived cards by design.
//
// # Results
//
// [Enricher.Enrich] streams [EnrichedLead] values: the lead with its
// attribution, its contact, the matched [Customer] (with status names),
// and the customer's income [Payments] and [Attendance] over their whole
// history. Memory grows with the CRM directory or a bounded window of
// leads, not with the number of leads. EnrichedLead marshals to the JSON
// object the examples print; [ExportLead] builds the lead part alone,
// without a CRM.
//
// # ROI
//
// [ROI] aggregates enriched leads and insight rows into a [Report] per
// campaign, ad set or ad: spend, leads, matched leads, students, paying
// customers and their revenue (first touch: each customer counts once, on
// their first lead in the period; revenue counts income payments from
// that lead's day on), with CPL, CAC, ROAS and ROI. Money is exact
// (decimal); a revenue currency that differs from the ad account's is
// converted with an FX rate, or else the affected ratios are left empty
// and the report says why. [Enricher.Report] reads everything and
// aggregates in one call; [Report.WriteTable], [Report.WriteCSV] and
// JSON marshalling render it.
package enrich
