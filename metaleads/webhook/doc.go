// Package webhook receives Meta Lead Ads webhooks ("leadgen" changes of a
// Page subscription), acknowledges them fast, and hands each new lead to the
// service's code once, de-duplicating redeliveries through a DedupStore (see
// "What is guaranteed" for the limits).
//
// # Receiving
//
// A Handler (an http.Handler built by NewHandler) answers Meta's GET
// verification handshake (hub.mode=subscribe, hub.verify_token compared in
// constant time, hub.challenge echoed as text/plain) and POST deliveries. A
// delivery is read up to Config.MaxBodyBytes (413 beyond), its exact raw bytes
// are checked against the X-Hub-Signature-256 HMAC-SHA256 keyed with the app
// secret (403 when missing or wrong; the legacy SHA-1 X-Hub-Signature alone is
// accepted only with Config.AllowSHA1), and it is parsed with Parse (400 when
// malformed, with the reason but never the body in the log; a delivery for
// another object than "page" is acknowledged and ignored). The Handler fails
// closed: NewHandler refuses to build one without an app secret and a verify
// token, and a zero Handler answers 500.
//
// Sign, Verify and Parse are exported for services that bring their own HTTP
// layer, and for tests and fake servers.
//
// # Acknowledging
//
// The events of one delivery are put in the Queue all or nothing, and the
// Handler answers 200 as soon as they are in, without waiting for Graph or
// for the user's code. When the queue cannot take the whole delivery (or the
// Handler is shutting down) it answers 503, so that Meta redelivers it later;
// an event is never acknowledged and then dropped by the Handler.
//
// # Processing
//
// Worker goroutines (Config.Workers) take waiting events in batches, claim
// each lead id in the DedupStore (redeliveries and leads another replica is
// processing are skipped), read the leads with the LeadFetcher (one call for
// the whole batch when it also implements BatchFetcher) and call Config.Handle
// with each event and its lead. A lead is marked done only after Handle
// returned nil. Failed fetches and Handle calls are retried with exponential
// backoff (Config.Retry); once the attempts are exhausted, or for an error
// wrapped with Permanent, the claim is released, the lead is NOT marked done,
// and the event is reported to Config.OnError. A panic in Handle or in the
// Fetcher is recovered and treated as a permanent error. A worker handles the
// events of its batch one after the other; more workers give more parallelism.
//
// # What is guaranteed
//
// Every acknowledged event ends in exactly one of these ways: it is handled
// and marked done; it is skipped as a duplicate of a lead that is done or
// being processed elsewhere; or it is reported to OnError (retries exhausted,
// permanent error, or Shutdown's deadline). Shutdown stops accepting
// deliveries and drains the queue within its deadline.
//
// With the default MemoryQueue an acknowledged event lives only in memory
// until it is processed: if the process crashes, or is killed without
// Shutdown, the queued events are lost to the webhook path, because Meta got
// its 200 and will not redeliver them. A periodic reconciliation (a windowed
// read of the forms' leads from a watermark, checked against the same
// DedupStore) recovers them, as it recovers leads whose webhook never came.
// A service that needs the webhook path itself to survive crashes plugs a
// durable Queue (Redis, SQL, a broker) and a shared DedupStore; the Handler
// only answers 200 after Queue.Enqueue returned nil.
//
// Handle may still run twice for one lead: when the DedupStore forgets it
// (after Config.DedupTTL, or when recording it failed — reported with
// StageDone) or when processing outlives Config.ClaimLease. Make Handle
// idempotent where that matters (for example, look the lead id up in the CRM
// before creating a record).
//
// # Logging and secrets
//
// With a Config.Logger the Handler logs rejections with their status and
// reason, and processing outcomes with the lead id, stage, attempt and a
// redacted error. It never logs bodies, signatures, query strings or tokens;
// lead content (names, phones, e-mails) never reaches the logs.
package webhook
