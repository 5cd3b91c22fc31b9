// Package metaleads is a typed client for the Meta Graph API endpoints that
// Lead Ads retrieval needs: a Page's lead forms, the leads of a form or an ad,
// single leads and batches of leads, Page tokens and token inspection, the
// ad insights an ROI report needs ([Client.Insights], with exact money),
// leadgen webhook subscriptions ([Client.SubscribePage]) and a [Reconciler]
// that recovers leads whose webhook was lost. A [Normalizer] turns a lead's
// answers into a canonical [Contact].
//
// A Client is created once and shared; it is safe for concurrent use:
//
//	c, err := metaleads.NewClient(pageToken, metaleads.WithAppSecret(appSecret))
//	if err != nil { ... }
//	for lead, err := range c.Leads(ctx, formID, metaleads.LeadsOptions{Since: since}) {
//		if err != nil { ... } // at most once, then the loop ends
//		email, _ := lead.Value("email")
//		...
//	}
//
// The client calls the Graph API version [APIVersion] (override it with
// [WithAPIVersion]) at [DefaultBaseURL] (override it with [WithBaseURL], e.g.
// for a metaleadstest server).
//
// # Authentication
//
// The access token given to [NewClient] — a Page token, a system-user token or
// a User token — is sent only in the "Authorization: Bearer" header, never in
// a URL; the one exception is a batch request ([Client.LeadsByID]), whose
// top-level access_token Graph documents as a form parameter, so it travels
// in that POST body. With [WithAppSecret], every call also carries
// appsecret_proof (the HMAC-SHA256 of the token keyed with the app secret;
// [WithTimedProof] selects the time-stamped form with appsecret_time,
// computed per attempt), in the query, or next to a batch's token in the
// body. Graph's paging "next" links, which embed tokens, are never followed.
//
// [Client.PageToken] and [Client.Accounts] turn a User token into Page tokens;
// [Client.WithToken] returns a client that uses one and shares everything
// else (rate limiter, usage tracking, redaction). [Client.ExchangeLongLived]
// exchanges a short-lived User token for a long-lived one, with the secrets in
// a POST body. [Client.DebugToken] and [Client.CheckPermissions] inspect a
// token; [SeedPermissions] and [LeadPermissions] list what lead retrieval
// needs.
//
// Tokens, app secrets, classic proofs and every token the client obtains are
// registered with the SDK's single redaction point, and secret parameters
// (access_token, appsecret_proof — including the time-stamped proofs, which
// change every second and are masked by name — client_secret, input_token,
// fb_exchange_token) are masked wherever they appear: secrets never show in
// the text of errors returned by this package or in log records. Logging is off unless
// [WithLogger] is given, and then records carry method, host, path, status
// and attempt only.
//
// # Pagination
//
// Every listing has three forms: a page method ([Client.LeadsPage],
// [Client.FormsPage], …) that returns one [Page] and its After cursor; a
// [Pager] ([Client.LeadsPager], …) that walks pages and remembers where it
// is ([Pager.Cursor]); and an iterator ([Client.Leads], [Client.Forms], …) of
// type iter.Seq2[T, error] for range loops.
//
// Iterators and pagers are lazy (no request before the first pull), copy
// their options, page with the after cursor, continue over empty pages while
// Graph announces a next page, stop with [ErrRepeatedCursor] if a cursor comes
// back, check the context between pages, and, when Graph answers "reduce the
// amount of data" ([ErrReduceData]), halve the page size and retry the same
// cursor. An iterator yields an error at most once and then stops; what it
// yielded before stays delivered.
//
// Graph cursors are short-lived. For a sync that runs repeatedly, filter by
// creation time ([LeadsOptions] Since and Until, sent as Graph's time_created
// filter) with some overlap, and de-duplicate on lead ID.
//
// # Errors
//
// Graph errors are returned as [*Error] values carrying the HTTP status, the
// Graph code and subcode, type, messages, fbtrace_id, a RetryAfter wait when
// known and a Hint for well-known failures. Bodies that are not Graph error
// envelopes (an HTML page from a proxy, a truncated body) give an *Error that
// matches [ErrInvalidResponse] and carries a short redacted Snippet. Use
// errors.As to read an *Error and errors.Is with the sentinels to classify:
//
//	switch {
//	case errors.Is(err, metaleads.ErrUnauthorized): // codes 190, 102: new token needed
//	case errors.Is(err, metaleads.ErrPermission):   // codes 10, 200–299: see Error.Hint
//	case errors.Is(err, metaleads.ErrRateLimited):  // throttled: wait Error.RetryAfter
//	case errors.Is(err, metaleads.ErrNotFound):     // missing, or not visible to the token
//	}
//
// # Retries and rate limits
//
// Reads (including batch and token exchange requests sent as POST) are
// retried with exponential backoff when Graph reports a temporary
// condition: codes 1 (except "reduce the amount of
// data"), 2, the throttling codes 4, 17, 32, 341, 613 and 80000–80014, other
// errors flagged is_transient, and HTTP 429 or 5xx responses that are not
// Graph errors. Codes 10, 100, 102, 190 and 200–299 are never retried.
// Calls that change state on Graph ([Client.SubscribePage]) are retried
// only when the request provably never left this process or Graph answered
// HTTP 429. Starting an async insights report run is retried like a read:
// at worst a retry after an ambiguous failure starts a second, unused
// read-only run, which Graph expires.
// Throttled calls wait for max(Retry-After, the estimated_time_to_regain_access
// of the usage headers), up to [RetryPolicy] MaxServerWait. See [WithRetry].
//
// The client reads X-App-Usage, X-Page-Usage, X-Ad-Account-Usage and
// X-Business-Use-Case-Usage on every response ([Client.Usage]). Above the
// high-water mark ([WithUsageHighWater], default 80%) it slows down before
// each call; when Graph announces a block, calls wait until it ends, or fail
// at once with ErrRateLimited when the wait exceeds the context deadline or
// MaxServerWait. A client-side limiter ([WithLimiter], default
// [DefaultRateLimit] per second) paces every attempt.
//
// # Testing
//
// Point a client at an in-process fake with [WithBaseURL] (the metaleadstest
// package provides one that speaks the endpoints above), or inject a
// RoundTripper with [WithHTTPClient]; the client wraps it and never replaces
// it. Use [WithRetry] with small waits, or run time-dependent code under
// testing/synctest. [AppSecretProof] and [TimedAppSecretProof] compute the
// proofs a fake server should expect.
package metaleads
