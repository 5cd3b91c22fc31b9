package metaleads

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Reconciliation defaults.
const (
	// DefaultReconcileOverlap is how far before the stored watermark a pass
	// starts reading, to cover clock skew between Graph and this host and
	// leads that become readable late.
	DefaultReconcileOverlap = 10 * time.Minute
	// DefaultReconcileLease is how long a claim protects a lead while the
	// handler runs.
	DefaultReconcileLease = 15 * time.Minute
	// DefaultReconcileTTL is how long a handled lead id is remembered. It
	// must exceed the overlap plus the longest time reconciliation may keep
	// failing (a failed pass leaves the watermark, so the next one re-reads
	// from it).
	DefaultReconcileTTL = 7 * 24 * time.Hour
)

// LeadSource lists a Page's forms and a form's leads; *Client implements it.
type LeadSource interface {
	// Forms iterates over a Page's lead forms, like Client.Forms.
	Forms(ctx context.Context, pageID string, opts FormsOptions) iter.Seq2[Form, error]
	// Leads iterates over a form's leads, like Client.Leads.
	Leads(ctx context.Context, formID string, opts LeadsOptions) iter.Seq2[Lead, error]
}

// WatermarkStore keeps the time up to which leads have been reconciled.
// Implementations must be safe for concurrent use when shared.
type WatermarkStore interface {
	// Load returns the stored watermark, or the zero time when there is none
	// yet.
	Load(ctx context.Context) (time.Time, error)
	// Save stores a new watermark.
	Save(ctx context.Context, t time.Time) error
}

// SeenStore de-duplicates leads by id with claim-before-process. Its method
// set is that of metaleads/webhook's DedupStore, so one store (for example
// webhook.NewMemoryStore, or a Redis or SQL store shared by replicas) serves
// both the webhook handler and the Reconciler and each lead is handled once
// whichever path sees it first. A store that can also tell a done lead
// from a claimed one should implement DoneChecker.
type SeenStore interface {
	// Claim reserves leadID for lease; false means it is done or another
	// worker holds an unexpired claim.
	Claim(ctx context.Context, leadID string, lease time.Duration) (bool, error)
	// Done records leadID as handled for ttl.
	Done(ctx context.Context, leadID string, ttl time.Duration) error
	// Release drops the caller's claim without marking the lead done.
	Release(ctx context.Context, leadID string) error
}

// DoneChecker is an optional interface of a SeenStore: a store that can
// tell a lead that is done from one that another worker has claimed but not
// finished. The Reconciler uses it, when Seen implements it, after a Claim
// that returned false (see Reconciler).
type DoneChecker interface {
	// IsDone reports whether leadID has been marked done (and not yet
	// expired); false for a lead that is only claimed, or unknown.
	IsDone(ctx context.Context, leadID string) (bool, error)
}

// ReconcileResult describes one reconciliation pass.
type ReconcileResult struct {
	Forms   int // forms listed
	Scanned int // leads read
	New     int // leads handed to the handler and marked done
	// Duplicates counts leads skipped because they are done; when Seen is
	// not a DoneChecker, also those claimed by another worker.
	Duplicates int
	// InFlight counts leads skipped because another worker holds a claim
	// on them and Seen (a DoneChecker) says they are not done; it is always
	// 0 when Seen is not a DoneChecker.
	InFlight int
	From     time.Time // start of the window read (watermark minus overlap); zero = everything
	To       time.Time // start of the pass: the watermark saved after a complete pass, unless Held is set
	// Held, when InFlight > 0, is the watermark saved instead of To: the
	// earliest creation time of those leads (or the previous watermark for
	// a lead without one), so that the next pass reads them again.
	Held time.Time
}

// Reconciler recovers leads whose webhook was lost (Meta drops
// notifications after 36 hours of failures, subscriptions get disabled,
// Pages lose the app): each Run reads every form of the Page and every lead
// created since the stored watermark minus Overlap, hands the leads not yet
// seen to a handler, and only after a complete pass advances the watermark
// to the time the pass started (not to the newest lead's time, so leads
// created while the pass ran are read again next time and de-duplicated).
// On any error the watermark stays where it was and the next Run re-reads
// the same window; leads already handled are skipped through Seen.
//
// A lead that Seen refuses to Claim is either done or claimed by another
// worker (a webhook worker or another replica sharing Seen). When Seen
// implements DoneChecker, the Reconciler asks it: a done lead is a
// duplicate; a lead that is not done is skipped for now (InFlight) and the
// pass saves a watermark no later than that lead's creation time (Held), so
// the next pass reads it again and handles it if the other worker gave up.
// A plain SeenStore cannot tell the two apart, so such a lead is counted as
// a duplicate and the watermark advances as usual (holding it back for
// every done lead would stop it for good). If the other worker then gives
// up and releases the lead, a later pass reads it again only while its
// creation time is within Overlap of the saved watermark; the worker's own
// retries are what recover it otherwise. With such a store, keep Overlap
// longer than a webhook delivery may lag behind the lead's creation plus
// the worker's retry span when that matters.
//
// Runs of one Reconciler are serialised. Do not copy a Reconciler after
// first use.
type Reconciler struct {
	// Client lists forms and leads, usually a *Client with a Page token.
	Client LeadSource
	// PageID is the Page whose forms are reconciled.
	PageID string
	// Watermark stores the watermark, e.g. FileWatermark.
	Watermark WatermarkStore
	// Seen de-duplicates leads, e.g. webhook.NewMemoryStore(nil) or the
	// store the webhook handler uses.
	Seen SeenStore
	// Overlap is subtracted from the watermark; 0 means
	// DefaultReconcileOverlap.
	Overlap time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ClaimLease and DoneTTL are passed to Seen; 0 means
	// DefaultReconcileLease and DefaultReconcileTTL.
	ClaimLease, DoneTTL time.Duration
	// LeadFields are extra lead fields to request (see LeadsOptions.Fields).
	LeadFields []string

	mu sync.Mutex
}

// Run performs one reconciliation pass, calling handle for each lead not yet
// seen, one at a time, and returns what it did. With a zero watermark (the
// first run) it reads every lead Graph still has.
//
// handle's error stops the pass: the lead's claim is released so a later
// pass retries it, and the watermark stays. Leads handled before the error
// stay marked done. If marking a lead done fails after handle succeeded, the
// pass stops too and that lead may be handled again later, so handlers
// should tolerate an occasional repeat (e.g. upsert by lead id).
func (r *Reconciler) Run(ctx context.Context, handle func(context.Context, Lead) error) (ReconcileResult, error) {
	switch {
	case r.Client == nil:
		return ReconcileResult{}, errors.New("metaleads: Reconciler.Client is nil")
	case r.Watermark == nil:
		return ReconcileResult{}, errors.New("metaleads: Reconciler.Watermark is nil")
	case r.Seen == nil:
		return ReconcileResult{}, errors.New("metaleads: Reconciler.Seen is nil")
	case handle == nil:
		return ReconcileResult{}, errors.New("metaleads: Reconciler.Run: nil handler")
	case r.Overlap < 0 || r.ClaimLease < 0 || r.DoneTTL < 0:
		return ReconcileResult{}, errors.New("metaleads: Reconciler: negative Overlap, ClaimLease or DoneTTL")
	}
	if err := checkID("page", r.PageID); err != nil {
		return ReconcileResult{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()

	overlap := cmp.Or(r.Overlap, DefaultReconcileOverlap)
	lease := cmp.Or(r.ClaimLease, DefaultReconcileLease)
	ttl := cmp.Or(r.DoneTTL, DefaultReconcileTTL)
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}

	res := ReconcileResult{To: now()}
	checker, _ := r.Seen.(DoneChecker)
	wm, err := r.Watermark.Load(ctx)
	if err != nil {
		return res, fmt.Errorf("metaleads: reconcile: loading the watermark: %w", err)
	}
	if !wm.IsZero() {
		res.From = wm.Add(-overlap)
	}
	for form, err := range r.Client.Forms(ctx, r.PageID, FormsOptions{}) {
		if err != nil {
			return res, fmt.Errorf("metaleads: reconcile: listing the forms of page %s: %w", r.PageID, err)
		}
		res.Forms++
		opts := LeadsOptions{Since: res.From, Fields: r.LeadFields}
		for lead, err := range r.Client.Leads(ctx, form.ID, opts) {
			if err != nil {
				return res, fmt.Errorf("metaleads: reconcile: reading the leads of form %s: %w", form.ID, err)
			}
			res.Scanned++
			ok, err := r.Seen.Claim(ctx, lead.ID, lease)
			if err != nil {
				return res, fmt.Errorf("metaleads: reconcile: claiming lead %s: %w", lead.ID, err)
			}
			if !ok {
				done := true
				if checker != nil {
					if done, err = checker.IsDone(ctx, lead.ID); err != nil {
						return res, fmt.Errorf("metaleads: reconcile: checking whether lead %s is done: %w", lead.ID, err)
					}
				}
				if done {
					res.Duplicates++
					continue
				}
				// Claimed elsewhere, not finished: read it again next pass.
				res.InFlight++
				at := lead.CreatedTime
				if at.IsZero() {
					at = wm
				}
				if res.InFlight == 1 || at.Before(res.Held) {
					res.Held = at
				}
				continue
			}
			if err := handle(ctx, lead); err != nil {
				// Release even when ctx has ended, so the lead is not
				// blocked for the whole lease.
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				rerr := r.Seen.Release(rctx, lead.ID)
				cancel()
				err = fmt.Errorf("metaleads: reconcile: handling lead %s: %w", lead.ID, err)
				if rerr != nil {
					err = errors.Join(err, fmt.Errorf("metaleads: reconcile: releasing lead %s: %w", lead.ID, rerr))
				}
				return res, err
			}
			if err := r.Seen.Done(ctx, lead.ID, ttl); err != nil {
				return res, fmt.Errorf("metaleads: reconcile: marking lead %s done: %w", lead.ID, err)
			}
			res.New++
		}
	}
	save := res.To
	if res.InFlight > 0 {
		save = res.Held // at or before the pass start: Graph created it earlier
		if save.After(res.To) {
			save = res.To
		}
		res.Held = save
		if save.IsZero() {
			return res, nil // the stored watermark is zero already
		}
	}
	if err := r.Watermark.Save(ctx, save); err != nil {
		return res, fmt.Errorf("metaleads: reconcile: saving the watermark: %w", err)
	}
	return res, nil
}

// FileWatermark is a WatermarkStore in a file holding one RFC 3339 time.
// Save writes a temporary file in the same directory, syncs it and renames
// it over Path, so a crash leaves either the old or the new watermark,
// never a torn one. Load returns the zero time when the file does not exist
// (or is empty). It is meant for one process; use a database-backed store
// when several replicas reconcile.
type FileWatermark struct {
	Path string // the file; its directory must exist
}

// Load reads the watermark; the zero time when the file is missing.
func (f FileWatermark) Load(ctx context.Context) (time.Time, error) {
	if f.Path == "" {
		return time.Time{}, errors.New("metaleads: FileWatermark: empty Path")
	}
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("metaleads: FileWatermark: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("metaleads: FileWatermark %s: not an RFC 3339 time: %q", f.Path, truncate(s, 40))
	}
	return t.UTC(), nil
}

// Save atomically replaces the watermark file with t (in UTC).
func (f FileWatermark) Save(ctx context.Context, t time.Time) (err error) {
	if f.Path == "" {
		return errors.New("metaleads: FileWatermark: empty Path")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir, base := filepath.Split(f.Path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("metaleads: FileWatermark: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("metaleads: FileWatermark: %w", err)
		}
	}()
	if _, err = tmp.WriteString(t.UTC().Format(time.RFC3339Nano) + "\n"); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), f.Path); err != nil {
		return err
	}
	// Make the rename durable; not every platform can sync a directory.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
