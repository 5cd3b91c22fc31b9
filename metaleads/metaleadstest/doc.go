// Package metaleadstest provides a fake Meta Graph API server for Lead Ads,
// in the spirit of net/http/httptest: an in-process HTTP server on a loopback
// address that speaks enough Graph to test lead syncs, token handling,
// insights-based ROI and failure handling without the internet.
//
// It is usable from tests and from programs (the leadkit sandbox serves it to
// curl and to Meta's official SDKs):
//
//	srv := metaleadstest.NewServer(metaleadstest.WithDemoData(time.Time{}))
//	defer srv.Close()
//	c, err := srv.Client() // a *metaleads.Client wired to the fake
//
// NewServer panics if it cannot listen or an option is invalid, as httptest
// does. The server never exits the process and never listens on anything but
// loopback.
//
// # What it serves
//
// Any "vN.M" version prefix is accepted, and so are unversioned paths
// (reported as DefaultAPIVersion in the facebook-api-version header).
//
//   - GET /me, /me/accounts (User token; Pages with access_token and tasks)
//   - GET /{page-id}, including fields=access_token (the Page-token exchange)
//   - GET /{page-id}/leadgen_forms; GET|POST|DELETE /{page-id}/subscribed_apps
//   - GET /{form-id}, POST /{form-id} (status), GET /{form-id}/leads
//   - GET|DELETE /{lead-id}, GET /{ad-id}/leads
//   - GET /act_{id}, /{campaign-id}, /{adset-id}, /{ad-id}
//   - GET /act_{id}/insights and /{campaign|adset|ad-id}/insights; POST to the
//     same paths starts an async report run: GET /{report_run_id} and
//     GET /{report_run_id}/insights
//   - GET|POST /oauth/access_token (grant_type fb_exchange_token and
//     client_credentials), GET /debug_token
//   - POST / (or /vN.M/) with batch=[...] (at most 50 items)
//
// The access token is read from access_token in the query or the body
// (urlencoded, multipart or a JSON object; where Meta's SDKs put it) or from
// an "Authorization: Bearer" (or "OAuth") header. Every response carries X-App-Usage and
// X-Business-Use-Case-Usage (types pages, leadgen, ads_insights,
// ads_management) whose call_count grows with the number of requests
// (WithUsageRate), plus X-Ad-Account-Usage and X-FB-Ads-Insights-Throttle on
// insights calls, x-fb-trace-id and facebook-api-version. Errors use Graph's
// envelope {"error":{message,type,code,error_subcode,is_transient,fbtrace_id}}.
//
// Lists use cursor paging: limit (default 25, clamped to WithPageSizeCap),
// after and before with opaque base64 cursors, paging.cursors, and next and
// previous URLs that embed the access token in their query, as Graph's do.
// Leads are served newest first (ties by descending ID). Lead cursors point at
// a lead's (created time, ID), so leads added or removed while a client pages
// do not make it skip or repeat others.
//
// Lead filtering follows the retrieval guide: filtering is a JSON array of
// {"field":"time_created","operator":...,"value":<unix seconds>} with the
// operators GREATER_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN (documented) and
// LESS_THAN_OR_EQUAL; several entries intersect. As on Graph, a non-numeric
// value (a date string) is ignored, so the request returns everything, and a
// filter on another field fails with code 1 "An unknown error has occurred."
// since and until have no effect on leads.
//
// Field selection: fields=a,b,c{x,y} returns only the requested fields plus
// id; an unknown top-level field fails with "(#100) Tried accessing
// nonexisting field (x) on node type (T)". Without fields, leads return id,
// created_time and field_data, forms id, name, status and locale, Pages id
// and name (and /me/accounts entries their usual set).
//
// # Tokens and permissions
//
// UserToken sees every Page and ad account; a Page token (PageToken,
// PageTokenFor) sees only its Page's forms and leads. Anything a token may
// not see, and any unknown ID, fails with Graph's 100/33 "Unsupported get
// request. Object with ID '…' does not exist, cannot be loaded due to missing
// permissions, or does not support this operation". The retrieval guide
// allows a Page token or a User token of an advertiser to read leads, so the
// fake accepts both unless RequirePageToken(true) is set. Without a token:
// code 104; an unknown token: 190 "Invalid OAuth access token - Cannot parse
// access token"; an expired one (ExpireToken): 190/463. WithScopes removes
// permissions: leads need leads_retrieval, insights ads_read or
// ads_management, /me/accounts pages_show_list (code 200 otherwise).
//
// appsecret_proof, when a request carries one, is always checked against
// AppSecret, in the classic form HMAC-SHA256(secret, token) and in the timed
// form HMAC-SHA256(secret, token+"|"+appsecret_time) with appsecret_time
// within 5 minutes of the fake's clock. A wrong proof fails with code 100
// "Invalid appsecret_proof provided in the API argument"; RequireProof(true)
// rejects calls without one ("API calls from the server require an
// appsecret_proof argument").
//
// # Faults
//
// FailNext and FailMatching queue faults (Graph errors, HTML pages, bare
// statuses, truncated bodies with a correct or overstated Content-Length,
// connection resets, delays, header overrides); WithChaos injects them at a
// seeded random rate. ThrottleFault, ReduceDataFault, ExpiredTokenFault and
// TransientFault build the common ones.
//
// # Inspection
//
// Requests returns every request with secrets masked by internal/redact;
// Stats counts requests, lead pages, empty lead pages, faults and batch items,
// so a benchmark can check that a sync made exactly the requests it needed.
//
// # Webhooks
//
// Delivery and NewDeliveryRequest build the signed leadgen delivery Meta
// would POST for given leads (X-Hub-Signature-256 keyed with AppSecret), for
// testing a webhook handler directly. With a callback configured (WithWebhook,
// or SetWebhook, which also performs Meta's GET verification handshake),
// SubmitLead adds a lead to the Graph data and delivers it to the callback
// in the background, redelivering on a non-2xx answer, a connection error
// or a timeout per WebhookConfig.Redelivery (about 36 hours by default; tests
// pass a short schedule) until Close. WaitWebhooks waits for the pending
// deliveries; WebhookStats and WebhookDeliveries report what happened.
//
// # Differences from the real Graph API
//
// The fake is faithful where clients usually break (paging, tokens, errors,
// string numbers, double-reported lead actions) and simple elsewhere:
//
//   - Paging: no ranking or privacy filtering, so a page is short only at the
//     end (or when WithEmptyPages injects an empty page); Graph may return
//     short or empty pages anywhere. A limit above the cap is clamped
//     silently; Graph documents no maximum for leads and instead fails heavy
//     pages with code 1, which WithReduceDataAbove reproduces. Cursors never
//     expire and the "After Cursor exceeds the max limit" error never occurs.
//   - Field expansion: nested selections are applied, but unknown nested
//     fields are ignored rather than refused; modifiers such as .limit(n) are
//     accepted and ignored. Graph's default field sets vary by node; the fake
//     uses the small sets listed above.
//   - Leads: no Leads Access Manager, no dev-mode restrictions, no 90-day
//     expiry: expired_leads_count is what AddForm was given, and leads_count
//     is the served leads plus those expired ones. Synthetic forms
//     (WithSyntheticForm) have organic leads only, so they never appear under
//     /{ad-id}/leads.
//   - Tokens: one user who administers everything, and any valid User or
//     Page token may read ad objects and insights (Graph decides by the
//     person's role on the ad account); long-lived exchanges
//     always succeed for a valid User token; Page tokens never expire; the
//     app token works only for /debug_token. Batch items are authenticated
//     with the batch's token unless they carry their own, and their proof is
//     the batch's.
//   - Rate limits: usage headers grow linearly with requests (the real
//     formulas depend on engaged users, leads and ad spend) and the fake never
//     throttles by itself; throttling happens only through faults. Batch
//     items each count toward usage, as on Graph.
//   - Insights: rows are aggregated from daily per-ad rows in UTC, whatever
//     the account time zone; reach is summed across days (Graph de-duplicates
//     people); attribution windows, action_breakdowns and sort are ignored;
//     breakdowns, time_ranges and filtering other than on campaign.id,
//     adset.id and ad.id fail with code 100. Date presets are relative to the
//     demo data's reference day (or WithClock).
//   - Async reports complete after WithAsyncPolls status reads (default 1)
//     and never fail or expire.
//   - Batch: no JSONPath dependencies ({result=…}), no attached files; a
//     transport-level fault on an item makes it null (as a timed-out item).
//   - Webhooks: the redelivery schedule is an approximation (Meta does not
//     publish its own); a redelivery resends the identical body; only
//     leadgen changes of Page subscriptions are delivered, and setting the
//     callback through POST /{app-id}/subscriptions is not served.
//   - Not served: multi-ID reads (?ids=), test_leads,
//     campaign/ad creation, Instagram, and every other Graph endpoint.
package metaleadstest
