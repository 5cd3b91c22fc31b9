// Package alfacrmtest provides a fake AlfaCRM REST API v2 (/v2api/) server,
// in the spirit of net/http/httptest, for tests and for local sandboxes.
//
// [NewServer] listens on a loopback address and serves the endpoints the
// alfacrm package uses, with the JSON shapes and quirks of the real API as
// far as public sources document them. [Server.Client] returns an
// *alfacrm.Client already wired to it:
//
//	srv := alfacrmtest.NewServer(alfacrmtest.WithDemoData(time.Now()))
//	defer srv.Close()
//	client, err := srv.Client()
//
// Seed data with [Server.AddCustomer], [Server.AddPayment],
// [Server.AddLesson] and the dictionary helpers, or load the demo school
// with [WithDemoData] ([WithDemoConfig] picks its sizes and seed;
// [WithDataset] serves a data set already built for metaleadstest, so both
// fakes describe the same people). Inspect what clients did with [Server.Requests]
// (secrets masked), [Server.LoginCount], [Server.RequestCount] and
// [Server.Customer]. Break things with [Server.FailNext],
// [Server.FailMatching], [Server.SetChaos] and [Server.ExpireTokens].
//
// # What it serves
//
// POST /v2api/auth/login takes {"email", "api_key"} and returns
// {"token"}; wrong credentials get 403 (see [WithLoginFailureStatus]).
// Every other call needs the token in the X-ALFACRM-TOKEN header; a
// missing, unknown or expired one gets 401 with Yii2's error body
// {"name":"Unauthorized","message":"Your request was made with invalid
// credentials.","code":0,"status":401}. Tokens live 15 minutes from login
// by the server clock ([WithTokenTTL], [WithClock]).
//
// Branch-scoped calls are POST /v2api/{branch}/{model}/{action}; the branch
// must exist ([Server.AddBranch]). The models are customer (index, create,
// update?id=, delete?id=), pay, pay-type, lesson, study-status,
// lead-status, lead-source, subject, branch (also global:
// /v2api/branch/index), customer-tariff and cgi (index only). A path
// without a branch (/v2api/customer/index) addresses the server's
// BranchID. Other methods than POST get 405, unknown paths 404, a body that
// is not a JSON object 400.
//
// Lists return {"total", "count", "page", "items"}: 0-based pages, count
// being the items in this page. The page size is the body's pageSize (or
// the per-page query parameter) clamped to a cap of 50, and the cap when
// none is given ([WithPageSizeCap], [WithFixedPageSize]). A page past the
// end is empty ([WithClampedPages] repeats the last page instead).
//
// Quirks enforced, as the reference documents them:
//
//   - customer/index without is_study returns students only (is_study=1);
//     is_study 0 returns leads.
//   - removed: 0 (the default) active cards only, 1 active and archived,
//     2 archived only. This applies to the id filter too.
//   - phone matches when the digits of the query are contained in the
//     digits of one of the card's phones, which are stored as typed
//     ("+38 (067) 123-45-67"); a query without digits matches nothing.
//   - name, email, legal_name and note match case-insensitive substrings.
//   - id, study_status_id, lead_status_id, lead_source_id, lead_reject_id,
//     assigned_id, legal_type and branch_ids match exactly (a list means any
//     of); date_from/date_to and created_at_from/_to bound the day the card
//     was added, updated_at_from/_to, dob_from/_to and removed_from/_to
//     their dates; dates may be DD.MM.YYYY or YYYY-MM-DD. Cards are ordered
//     by id.
//   - create requires name, is_study (0/1) and legal_type (1/2); a failure
//     is HTTP 200 with {"success":false,"errors":["Name cannot be
//     blank."],"model":null}. dob must be DD.MM.YYYY. Success returns
//     {"success":true,"errors":[],"model":{...}}, the model echoing the
//     request's own values (an id sent as a string comes back a string).
//   - update?id= overwrites every writable field (name, is_study,
//     legal_type, legal_name, branch_ids, phone, email, web, addr, dob,
//     note, color, the status, source and assignee ids, custom_*) with the
//     body: omitted fields become empty, and the required fields are
//     checked again, so clients must read, modify and write the whole card
//     ([WithPartialUpdates] turns this off). Balance, counters and dates
//     are kept. An unknown id gets 404 "Object not found: N".
//   - lesson/index returns conducted lessons (status 3) only unless status
//     is given; it filters by customer_id (in customer_ids or details),
//     teacher_id, group_id, subject_id, lesson_type_id and date_from/date_to
//     (YYYY-MM-DD), orders by start time, and carries attendance in
//     details[] {id, customer_id, is_attend, reason_id, commission}.
//   - pay/index returns the newest payment (highest id) first and filters
//     by id, customer_id, pay_type_id, pay_account_id, pay_item_id,
//     date_from/date_to (the document date) and created_at_from/_to.
//   - customer-tariff/index and cgi/index take the parent id
//     (customer_id, or group_id for cgi) from the query string only; one in
//     the body is ignored, and without it the list is empty.
//   - Money is a decimal string with two places ("2450.50"); a payment's
//     income can be served as a JSON number instead (Payment.SumAsNumber).
//     Expense payments carry their amount in income too, and are told apart
//     by pay type only.
//   - Dates: dob, document_date and the cgi/customer-tariff dates are
//     DD.MM.YYYY; lesson date and e_date YYYY-MM-DD; created_at, b_date and
//     time_from/time_to YYYY-MM-DD HH:MM:SS; all as wall-clock time of the
//     school's time zone ([WithTimezone]; Moscow time by default), with ""
//     or null when unset. Ids are numbers, absent references null.
//   - A customer's teacher_ids are teacher names (strings), as in the only
//     captured response; a lesson's teacher_ids are ids.
//
// Unknown filters are ignored; a filter with a value of the wrong type
// matches nothing.
//
// # Faults
//
// [Fault] describes a broken response: any status with a Yii2 or custom
// body, an nginx HTML page, a truncated body, a reset connection, a delay,
// Retry-After, or a 401 that invalidates the caller's token. With Perform
// the request is carried out first, so a create that "fails" with a
// dropped connection has still created the card, which is how clients are
// tested for duplicate creates. Faults are queued with [Server.FailNext]
// and [Server.FailMatching], or drawn at random by a seeded [Chaos].
//
// # Differences from the real AlfaCRM
//
// The fake follows what public AlfaCRM clients, captured responses and the
// official documentation's readable parts show; it was not checked against
// a live instance. Known or
// likely differences:
//
//   - Unverified behaviours, implemented as the reference's best guess:
//     is_study 2 returns leads and students alike (sources disagree: some
//     say "all", one says "archive"); the phone filter's digit-substring
//     match; name and email as case-insensitive substrings (inferred from
//     Yii2's "like" filters); update overwriting omitted fields; validation
//     failures as HTTP 200; lesson/index defaulting to conducted lessons;
//     the date formats accepted by filters; the 403 for bad login
//     credentials; 50 as the default and maximum page size; the page
//     number echoed as requested (as clamped with WithClampedPages).
//   - Tokens expire a fixed TTL after login; whether real tokens slide with
//     use is unknown.
//   - customer/delete archives the card (removed) and answers like update;
//     the real response and whether it deletes are unknown.
//   - Only the listed models and actions exist; there is no pay/create,
//     lesson/create, group, teacher, tariff, log, webhook or
//     calendar/customer. Items carry the documented fields, not every field
//     of newer instances; derived fields (next_lesson_date, paid_till,
//     last_attend_date, paid_lesson_date) are always null, balance_base
//     equals balance, and no customer item has a removed field.
//   - Error messages are English Yii2 defaults; real instances may answer
//     in Russian. There is no rate limiting unless a fault injects 429s.
//   - Branch scoping is simplified: a card is visible in each branch of its
//     branch_ids, payments and lessons in their own branch, subscriptions
//     and group memberships in every branch; an unknown branch gets 404.
//   - Access rights ("Access Denied" for roles without v2api) and the
//     X-APP-KEY header of some accounts are not modelled.
//
// The server is safe for concurrent use. [NewServer] panics when it
// cannot listen, like httptest.NewServer; it never exits the process and
// logs nothing. As with httptest, [NewUnstartedServer] returns a server
// whose [Server.Listener] (for example an in-memory one, for a
// testing/synctest bubble) and [Server.Config] may be changed before
// [Server.Start]; the Server is also an http.Handler ([Server.ServeHTTP])
// that can be mounted anywhere.
package alfacrmtest
