// Package alfacrm is a client for the AlfaCRM REST API v2 (/v2api/), the CRM
// of many language and tutoring schools: customer cards (students and
// leads), payments, lessons with attendance, subscriptions and reference
// dictionaries.
//
//	client, err := alfacrm.NewClient(alfacrm.Config{
//		BaseURL:  "https://school.s20.online",
//		Email:    "api-user@example.com",
//		APIKey:   apiKey,
//		BranchID: 1,
//		Location: kyiv, // the school's time zone
//	})
//	if err != nil { ... }
//	matches, err := client.FindCustomers(ctx, alfacrm.ContactQuery{Phone: "+380 67 123 4567"})
//
// A [Client] is safe for concurrent use by multiple goroutines. [NewClient]
// validates its [Config] and never contacts the server.
//
// # Authentication
//
// The client logs in lazily with POST /v2api/auth/login ({"email",
// "api_key"}) and sends the token in the X-ALFACRM-TOKEN header, never in a
// URL. Tokens live 15 minutes; the client replaces one that is
// [TokenRefreshAfter] old before using it (by Config.Now). When a call is
// refused with 401 — or 403, which some installations send for an expired
// token — the client drops that token, logs in once for all goroutines
// waiting (single flight, keyed by the token's generation, so a burst of
// refusals causes one login) and replays the call once. A second refusal is
// final: an [*Error] matching [ErrUnauthorized] (401) or [ErrAccessDenied]
// (403: the API user's role lacks access). A refused login (wrong e-mail or
// key) matches ErrUnauthorized. [Client.Login] logs in up front, as a
// start-up check.
//
// # Requests and retries
//
// Every call is POST /v2api/{branch}/{model}/{action} with a JSON body;
// the branch dictionary is global (/v2api/branch/index). Record ids for
// update go in the query (update?id=), as do parent ids where AlfaCRM only
// reads them there (customer-tariff/index?customer_id=,
// cgi/index?customer_id=).
//
// Reads (index calls and the login) are idempotent: they are retried on
// HTTP 429 and 5xx, on connection errors and on 2xx bodies that are not
// JSON, with exponential backoff or the server's Retry-After ([RetryPolicy]).
// Writes are retried only when the request provably never left, or on 429.
// A client-side limiter spaces attempts ([DefaultRate] requests per second
// unless Config.Limiter or Config.Unlimited says otherwise), since AlfaCRM
// asks integrations to send requests one after another.
//
// A create that fails ambiguously (a timeout or a dropped connection after
// the request may have arrived, or a 5xx from a gateway) is never blindly
// repeated: the client first looks for the card by its phones and e-mails
// and the same name (see [Client.CreateCustomer]), and sends the create once
// more only when no such card exists. When the outcome cannot be settled the
// error matches [ErrUncertainCreate].
//
// # Pagination
//
// Lists have page-level methods ([Client.CustomersPage],
// [Client.PaymentsPage], [Client.LessonsPage], [Client.CustomerTariffsPage],
// [Client.CustomerGroupsPage])
// returning a [Page], and iterators ([Client.Customers], [Client.Payments],
// [Client.IncomePayments], [Client.Lessons]) that fetch pages lazily. Pages
// are numbered from 0. The client asks for [DefaultPageSize] items (pageSize
// in the body, per-page in the query) but never relies on getting them:
// an iteration stops when the items seen reach the server's total or on an
// empty page, and stops with [ErrRepeatedPage] when a page repeats the
// previous one. An empty page before the total is read once more; if it is
// still empty, the iteration stops with [ErrIncompleteList] instead of
// returning a short list that looks complete (without a total, an empty
// page ends the list). An iterator yields an error once and stops; the items
// already yielded stay delivered. A token that expires mid-iteration is
// renewed transparently, losing and repeating nothing.
//
// # Quirks handled
//
//   - customer/index without is_study returns students only. Leads need
//     CustomerQuery.IsStudy = new(false); [Client.Customer] and
//     [Client.FindCustomers] search both, archived cards included
//     (removed=1).
//   - lesson/index returns conducted lessons only unless a status is given.
//   - Payments are incomes or expenses by pay type, whose ids differ per
//     account: [Payment.Income] comes from the pay type's name ("Доход",
//     "Дохід", "Income") in the pay-type dictionary, or from
//     Config.IncomePayTypeIDs.
//   - AlfaCRM's JSON types vary: ids come as numbers or strings, money as
//     decimal strings or numbers (decoded into decimal.Decimal, never
//     float64), flags as 0/1, booleans or strings, dates as DD.MM.YYYY,
//     YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (or "" for none), teacher_ids as ids
//     or names, phones as a list or a single string; custom_* fields are
//     kept in Custom maps. Dates carry no offset and are read as wall-clock
//     times in Config.Location.
//   - A create or update that fails validation answers HTTP 200 with
//     {"success": false, "errors": [...]}: it becomes an [*Error] matching
//     [ErrValidation].
//   - customer/update may overwrite fields missing from the body:
//     [Client.PatchCustomer] reads the card, applies a change and sends the
//     whole card back.
//
// # Errors
//
// Failures reported by the server, and responses that cannot be used (an
// HTML error page, a truncated body), are [*Error] values; use errors.As to
// read the status and the server's message, and errors.Is with the
// sentinels ([ErrUnauthorized], [ErrAccessDenied], [ErrNotFound],
// [ErrValidation], [ErrRateLimited], [ErrInvalidResponse]). Transport
// failures wrap the cause (e.g. context.DeadlineExceeded).
//
// # Secrets and logging
//
// The API key, every token and the values of Config.Header (extra headers
// such as the X-APP-KEY some accounts require) are registered with one
// redaction point: they never appear in errors or log records. Nothing is logged unless
// Config.Logger is set; then each HTTP attempt is logged with method, host,
// path, status, attempt and duration only — never query strings, bodies,
// names, phones or e-mails. Validation messages may echo personal data, so
// [Error.Error] leaves them out; they are in [Error.Validation].
//
// # Testing
//
// Package alfacrmtest provides a fake AlfaCRM server with the quirks above,
// seeding helpers, fault injection and a ready client (srv.Client()).
package alfacrm
