package metaleads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memWatermark is an in-memory WatermarkStore that records saves.
type memWatermark struct {
	mu      sync.Mutex
	t       time.Time
	saves   []time.Time
	loadErr error
	saveErr error
}

func (m *memWatermark) Load(context.Context) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t, m.loadErr
}

func (m *memWatermark) Save(_ context.Context, t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.saveErr != nil {
		return m.saveErr
	}
	m.t = t
	m.saves = append(m.saves, t)
	return nil
}

// memSeen is an in-memory SeenStore: "claimed" or "done" per lead id.
type memSeen struct {
	mu       sync.Mutex
	state    map[string]string
	released []string
	claimErr error
}

func newMemSeen(done ...string) *memSeen {
	s := &memSeen{state: map[string]string{}}
	for _, id := range done {
		s.state[id] = "done"
	}
	return s
}

func (s *memSeen) Claim(_ context.Context, id string, lease time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claimErr != nil {
		return false, s.claimErr
	}
	if lease != DefaultReconcileLease {
		return false, fmt.Errorf("unexpected lease %v", lease)
	}
	if _, ok := s.state[id]; ok {
		return false, nil
	}
	s.state[id] = "claimed"
	return true, nil
}

func (s *memSeen) Done(_ context.Context, id string, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ttl != DefaultReconcileTTL {
		return fmt.Errorf("unexpected ttl %v", ttl)
	}
	s.state[id] = "done"
	return nil
}

func (s *memSeen) Release(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state[id] == "claimed" {
		delete(s.state, id)
	}
	s.released = append(s.released, id)
	return nil
}

func (s *memSeen) get(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state[id]
}

// formsBody is a page of /{page-id}/leadgen_forms.
func formsBody(after string, ids ...string) string {
	items := make([]string, len(ids))
	for i, id := range ids {
		items[i] = fmt.Sprintf(`{"id":"%s","name":"Form %s","status":"ACTIVE"}`, id, id)
	}
	paging := `"paging":{"cursors":{"after":"END"}}`
	if after != "" {
		paging = fmt.Sprintf(`"paging":{"cursors":{"after":%q},"next":"https://graph.facebook.com/x?after=%s"}`, after, after)
	}
	return fmt.Sprintf(`{"data":[%s],%s}`, strings.Join(items, ","), paging)
}

// wantLeads checks a leads request: its form and its time window.
func wantLeads(formID string, since time.Time) func(*testing.T, recorded) {
	return func(t *testing.T, r recorded) {
		assert.Equal(t, "/v26.0/"+formID+"/leads", r.URL.Path)
		f := r.URL.Query().Get("filtering")
		if since.IsZero() {
			assert.Empty(t, f, "first run: no time filter")
			return
		}
		var got []timeFilter
		require.NoError(t, json.Unmarshal([]byte(f), &got))
		assert.Equal(t, []timeFilter{{"time_created", "GREATER_THAN_OR_EQUAL", since.Unix()}}, got)
	}
}

func wantForms(after string) func(*testing.T, recorded) {
	return func(t *testing.T, r recorded) {
		assert.Equal(t, "/v26.0/"+testPageID+"/leadgen_forms", r.URL.Path)
		assert.Equal(t, after, r.URL.Query().Get("after"))
	}
}

type handled struct {
	mu  sync.Mutex
	ids []string
	err map[string]error
}

func (h *handled) handle(_ context.Context, l Lead) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.err[l.ID]; err != nil {
		return err
	}
	h.ids = append(h.ids, l.ID)
	return nil
}

var (
	t0 = time.Date(2026, 4, 3, 15, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Hour)
)

// A complete pass (every form, every page) advances the watermark to the
// pass's start; the next pass re-reads the overlap and skips what it saw.
func TestReconcileAdvancesAfterCompletePassAndDedupsOverlap(t *testing.T) {
	s, mt := newScript(t,
		step{status: 200, body: formsBody("FC1", "111"), check: wantForms("")},
		step{status: 200, body: leadsPage("L1", true, "1001", "1002"), check: wantLeads("111", time.Time{})},
		step{status: 200, body: leadsPage("L2", false, "1003"), check: wantLeads("111", time.Time{})},
		step{status: 200, body: formsBody("", "222"), check: wantForms("FC1")},
		step{status: 200, body: leadsPage("L3", false, "2001", "2002"), check: wantLeads("222", time.Time{})},
	)
	c := newTestClient(t, mt)
	wm := &memWatermark{}
	seen := newMemSeen()
	now := t0
	r := &Reconciler{Client: c, PageID: testPageID, Watermark: wm, Seen: seen, Now: func() time.Time { return now }}
	var h handled
	res, err := r.Run(t.Context(), h.handle)
	require.NoError(t, err)
	assert.Equal(t, ReconcileResult{Forms: 2, Scanned: 5, New: 5, To: t0}, res)
	assert.Equal(t, []string{"1001", "1002", "1003", "2001", "2002"}, h.ids)
	assert.Equal(t, []time.Time{t0}, wm.saves, "saved once, after the pass, at its start")
	assert.Equal(t, 0, s.remaining())
	for _, id := range h.ids {
		assert.Equal(t, "done", seen.get(id))
	}

	// Second pass an hour later: the window starts 10 minutes before t0;
	// 2002 comes again (overlap) and is skipped.
	since := t0.Add(-DefaultReconcileOverlap)
	s, mt = newScript(t,
		step{status: 200, body: formsBody("", "111", "222"), check: wantForms("")},
		step{status: 200, body: leadsPage("L1", false), check: wantLeads("111", since)},
		step{status: 200, body: leadsPage("L2", false, "2003", "2002"), check: wantLeads("222", since)},
	)
	r.Client = newTestClient(t, mt)
	now = t1
	h = handled{}
	res, err = r.Run(t.Context(), h.handle)
	require.NoError(t, err)
	assert.Equal(t, ReconcileResult{Forms: 2, Scanned: 2, New: 1, Duplicates: 1, From: since, To: t1}, res)
	assert.Equal(t, []string{"2003"}, h.ids)
	assert.Equal(t, []time.Time{t0, t1}, wm.saves)
	assert.Equal(t, 0, s.remaining())
}

// An error in the middle of a pass leaves the watermark; the retry reads
// the same window and handles only what was missed.
func TestReconcileErrorInTheMiddleKeepsWatermark(t *testing.T) {
	w0 := t0.Add(-24 * time.Hour)
	since := w0.Add(-5 * time.Minute)
	s, mt := newScript(t,
		ok(formsBody("FC1", "111", "222")),
		step{status: 200, body: leadsPage("L1", false, "1001", "1002"), check: wantLeads("111", since)},
		step{status: 200, body: leadsPage("L2", true, "2001"), check: wantLeads("222", since)},
		graphErr(403, 200, 0, "(#200) Requires leads_retrieval permission"),
	)
	wm := &memWatermark{t: w0}
	seen := newMemSeen()
	now := t0
	r := &Reconciler{Client: newTestClient(t, mt), PageID: testPageID, Watermark: wm, Seen: seen, Overlap: 5 * time.Minute, Now: func() time.Time { return now }}
	var h handled
	res, err := r.Run(t.Context(), h.handle)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrPermission)
	assert.Contains(t, err.Error(), "form 222")
	assert.Equal(t, ReconcileResult{Forms: 2, Scanned: 3, New: 3, From: since, To: t0}, res)
	assert.Empty(t, wm.saves, "no save after an incomplete pass")
	assert.Equal(t, w0, wm.t)
	assert.Equal(t, 0, s.remaining(), "the pass stopped: the second forms page was never read")

	s, mt = newScript(t,
		ok(formsBody("FC1", "111", "222")),
		step{status: 200, body: leadsPage("L1", false, "1001", "1002"), check: wantLeads("111", since)},
		step{status: 200, body: leadsPage("L2", true, "2001"), check: wantLeads("222", since)},
		step{status: 200, body: leadsPage("L3", false, "2002"), check: wantLeads("222", since)},
		ok(formsBody("", "333")),
		step{status: 200, body: leadsPage("L4", false, "3001"), check: wantLeads("333", since)},
	)
	r.Client = newTestClient(t, mt)
	now = t1
	res, err = r.Run(t.Context(), h.handle)
	require.NoError(t, err)
	assert.Equal(t, ReconcileResult{Forms: 3, Scanned: 5, New: 2, Duplicates: 3, From: since, To: t1}, res)
	assert.Equal(t, []string{"1001", "1002", "2001", "2002", "3001"}, h.ids, "each lead handled once across both passes")
	assert.Equal(t, []time.Time{t1}, wm.saves)
	assert.Equal(t, 0, s.remaining())
}

func TestReconcileHandlerErrorReleasesLead(t *testing.T) {
	_, mt := newScript(t, ok(formsBody("", "111")), ok(leadsPage("L1", false, "1001", "1002", "1003")))
	wm := &memWatermark{t: t0}
	seen := newMemSeen()
	r := &Reconciler{Client: newTestClient(t, mt), PageID: testPageID, Watermark: wm, Seen: seen, Now: func() time.Time { return t1 }}
	boom := errors.New("crm unavailable")
	h := handled{err: map[string]error{"1002": boom}}
	res, err := r.Run(t.Context(), h.handle)
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "lead 1002")
	assert.Equal(t, 1, res.New)
	assert.Equal(t, 2, res.Scanned)
	assert.Equal(t, "done", seen.get("1001"))
	assert.Empty(t, seen.get("1002"), "released, so a later pass retries it")
	assert.Equal(t, []string{"1002"}, seen.released)
	assert.Empty(t, seen.get("1003"), "not reached")
	assert.Empty(t, wm.saves)
}

// A lead claimed by a webhook worker (not yet done) is that worker's.
func TestReconcileSkipsLeadClaimedElsewhere(t *testing.T) {
	_, mt := newScript(t, ok(formsBody("", "111")), ok(leadsPage("L1", false, "1001", "1002")))
	seen := newMemSeen()
	seen.state["1001"] = "claimed"
	wm := &memWatermark{}
	r := &Reconciler{Client: newTestClient(t, mt), PageID: testPageID, Watermark: wm, Seen: seen, Now: func() time.Time { return t0 }}
	var h handled
	res, err := r.Run(t.Context(), h.handle)
	require.NoError(t, err)
	assert.Equal(t, []string{"1002"}, h.ids)
	assert.Equal(t, 1, res.Duplicates, "a plain SeenStore cannot tell claimed from done")
	assert.Zero(t, res.InFlight)
	assert.Zero(t, res.Held)
	assert.Equal(t, []time.Time{t0}, wm.saves)
}

// checkedSeen is a memSeen that is also a DoneChecker.
type checkedSeen struct {
	*memSeen
	isDoneErr error
	checked   []string
}

func (s *checkedSeen) IsDone(_ context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checked = append(s.checked, id)
	if s.isDoneErr != nil {
		return false, s.isDoneErr
	}
	return s.state[id] == "done", nil
}

var _ DoneChecker = (*checkedSeen)(nil)

// leadAt is a lead object created at created (none when zero).
func leadAt(id string, created time.Time) string {
	ct := ""
	if !created.IsZero() {
		ct = fmt.Sprintf(`"created_time":%q,`, created.UTC().Format("2006-01-02T15:04:05-0700"))
	}
	return fmt.Sprintf(`{"id":%q,%s"field_data":[{"name":"email","values":["lead%s@example.com"]}]}`, id, ct, id)
}

func leadsAt(leads ...string) string {
	return fmt.Sprintf(`{"data":[%s],"paging":{"cursors":{"after":"END"}}}`, strings.Join(leads, ","))
}

// With a DoneChecker, a lead claimed by another worker and not done keeps
// the watermark at its creation time, so the next pass reads it again and
// handles it once that worker has given up; a done lead is a duplicate and
// holds nothing back.
func TestReconcileHoldsWatermarkForLeadInFlight(t *testing.T) {
	w0 := t0.Add(-24 * time.Hour)
	since := w0.Add(-DefaultReconcileOverlap)
	early, late := t0.Add(-30*time.Minute), t0.Add(-10*time.Minute)
	_, mt := newScript(t,
		ok(formsBody("", "111")),
		step{status: 200, body: leadsAt(leadAt("1001", late), leadAt("1002", early), leadAt("1003", early.Add(-time.Hour)), leadAt("1004", late)),
			check: wantLeads("111", since)},
	)
	seen := &checkedSeen{memSeen: newMemSeen()}
	seen.state["1001"] = "claimed" // a webhook worker is on it
	seen.state["1002"] = "claimed" // so is another one, on an earlier lead
	seen.state["1003"] = "done"
	wm := &memWatermark{t: w0}
	now := t1
	r := &Reconciler{Client: newTestClient(t, mt), PageID: testPageID, Watermark: wm, Seen: seen, Now: func() time.Time { return now }}
	var h handled
	res, err := r.Run(t.Context(), h.handle)
	require.NoError(t, err)
	assert.Equal(t, ReconcileResult{Forms: 1, Scanned: 4, New: 1, Duplicates: 1, InFlight: 2, From: since, To: t1, Held: early}, res)
	assert.Equal(t, []string{"1004"}, h.ids)
	assert.Equal(t, []string{"1001", "1002", "1003"}, seen.checked, "asked only after a refused claim")
	assert.Equal(t, []time.Time{early}, wm.saves, "held at the earliest lead in flight")

	// The worker on 1002 gave up and released it; the one on 1001
	// finished. The next pass reads from before 1002 and handles it.
	seen.state["1001"] = "done"
	delete(seen.state, "1002")
	seen.checked = nil
	t2 := t1.Add(time.Hour)
	since = early.Add(-DefaultReconcileOverlap)
	_, mt = newScript(t,
		ok(formsBody("", "111")),
		step{status: 200, body: leadsAt(leadAt("1001", late), leadAt("1002", early), leadAt("1004", late)), check: wantLeads("111", since)},
	)
	r.Client = newTestClient(t, mt)
	now = t2
	h = handled{}
	res, err = r.Run(t.Context(), h.handle)
	require.NoError(t, err)
	assert.Equal(t, ReconcileResult{Forms: 1, Scanned: 3, New: 1, Duplicates: 2, From: since, To: t2}, res)
	assert.Equal(t, []string{"1002"}, h.ids)
	assert.Equal(t, "done", seen.get("1002"))
	assert.Equal(t, []time.Time{early, t2}, wm.saves)
}

// A lead in flight without a creation time holds the watermark where it
// was (nothing is saved when that is the first run's zero); an IsDone
// error fails the pass like a Claim error.
func TestReconcileInFlightEdgeCases(t *testing.T) {
	t.Run("no created_time", func(t *testing.T) {
		for _, w0 := range []time.Time{{}, t0.Add(-24 * time.Hour)} {
			_, mt := newScript(t, ok(formsBody("", "111")), ok(leadsAt(leadAt("1001", time.Time{}), leadAt("1002", t0))))
			seen := &checkedSeen{memSeen: newMemSeen()}
			seen.state["1001"] = "claimed"
			wm := &memWatermark{t: w0}
			r := &Reconciler{Client: newTestClient(t, mt), PageID: testPageID, Watermark: wm, Seen: seen, Now: func() time.Time { return t1 }}
			res, err := r.Run(t.Context(), (&handled{}).handle)
			require.NoError(t, err)
			assert.Equal(t, 1, res.InFlight)
			assert.Equal(t, 1, res.New)
			assert.Equal(t, w0, res.Held)
			assert.Equal(t, w0, wm.t)
			if w0.IsZero() {
				assert.Empty(t, wm.saves, "zero is stored already")
			} else {
				assert.Equal(t, []time.Time{w0}, wm.saves)
			}
		}
	})
	t.Run("IsDone error", func(t *testing.T) {
		_, mt := newScript(t, ok(formsBody("", "111")), ok(leadsAt(leadAt("1001", t0), leadAt("1002", t0))))
		seen := &checkedSeen{memSeen: newMemSeen(), isDoneErr: errors.New("redis down")}
		seen.state["1001"] = "claimed"
		wm := &memWatermark{t: t0.Add(-time.Hour)}
		r := &Reconciler{Client: newTestClient(t, mt), PageID: testPageID, Watermark: wm, Seen: seen, Now: func() time.Time { return t1 }}
		var h handled
		_, err := r.Run(t.Context(), h.handle)
		assert.ErrorContains(t, err, "redis down")
		assert.ErrorContains(t, err, "lead 1001")
		assert.Empty(t, h.ids, "the pass stopped")
		assert.Empty(t, wm.saves)
	})
}

func TestReconcileStoreErrors(t *testing.T) {
	t.Run("load", func(t *testing.T) {
		s, mt := newScript(t)
		r := &Reconciler{Client: newTestClient(t, mt), PageID: testPageID, Watermark: &memWatermark{loadErr: errors.New("disk gone")}, Seen: newMemSeen()}
		_, err := r.Run(t.Context(), (&handled{}).handle)
		assert.ErrorContains(t, err, "disk gone")
		assert.Empty(t, s.requests())
	})
	t.Run("claim", func(t *testing.T) {
		_, mt := newScript(t, ok(formsBody("", "111")), ok(leadsPage("L1", false, "1001")))
		seen := newMemSeen()
		seen.claimErr = errors.New("redis down")
		wm := &memWatermark{}
		r := &Reconciler{Client: newTestClient(t, mt), PageID: testPageID, Watermark: wm, Seen: seen}
		var h handled
		_, err := r.Run(t.Context(), h.handle)
		assert.ErrorContains(t, err, "redis down")
		assert.Empty(t, h.ids)
		assert.Empty(t, wm.saves)
	})
	t.Run("save", func(t *testing.T) {
		_, mt := newScript(t, ok(formsBody("", "111")), ok(leadsPage("L1", false, "1001")))
		wm := &memWatermark{saveErr: errors.New("read-only")}
		r := &Reconciler{Client: newTestClient(t, mt), PageID: testPageID, Watermark: wm, Seen: newMemSeen()}
		res, err := r.Run(t.Context(), (&handled{}).handle)
		assert.ErrorContains(t, err, "read-only")
		assert.Equal(t, 1, res.New, "the leads were handled; only the watermark is behind")
	})
}

func TestReconcileValidation(t *testing.T) {
	s, mt := newScript(t)
	c := newTestClient(t, mt)
	h := (&handled{}).handle
	good := func() *Reconciler {
		return &Reconciler{Client: c, PageID: testPageID, Watermark: &memWatermark{}, Seen: newMemSeen()}
	}
	cases := map[string]func(r *Reconciler){
		"no client":        func(r *Reconciler) { r.Client = nil },
		"no watermark":     func(r *Reconciler) { r.Watermark = nil },
		"no seen":          func(r *Reconciler) { r.Seen = nil },
		"bad page":         func(r *Reconciler) { r.PageID = "1/../me" },
		"empty page":       func(r *Reconciler) { r.PageID = "" },
		"negative overlap": func(r *Reconciler) { r.Overlap = -time.Minute },
	}
	for name, mutate := range cases {
		r := good()
		mutate(r)
		_, err := r.Run(t.Context(), h)
		assert.Error(t, err, name)
	}
	_, err := good().Run(t.Context(), nil)
	assert.Error(t, err, "nil handler")
	assert.Empty(t, s.requests())
}

func TestFileWatermark(t *testing.T) {
	dir := t.TempDir()
	f := FileWatermark{Path: filepath.Join(dir, "leads.watermark")}

	got, err := f.Load(t.Context())
	require.NoError(t, err)
	assert.True(t, got.IsZero(), "zero when missing")

	berlin := time.FixedZone("CEST", 2*3600)
	w1 := time.Date(2026, 4, 3, 17, 4, 5, 123456789, berlin)
	require.NoError(t, f.Save(t.Context(), w1))
	got, err = f.Load(t.Context())
	require.NoError(t, err)
	assert.True(t, got.Equal(w1), "%v != %v", got, w1)
	assert.Equal(t, time.UTC, got.Location())
	b, err := os.ReadFile(f.Path)
	require.NoError(t, err)
	assert.Equal(t, "2026-04-03T15:04:05.123456789Z\n", string(b))

	w2 := w1.Add(time.Hour)
	require.NoError(t, f.Save(t.Context(), w2))
	got, err = f.Load(t.Context())
	require.NoError(t, err)
	assert.True(t, got.Equal(w2))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary files left behind")
	assert.Equal(t, "leads.watermark", entries[0].Name())

	// A failed save leaves the old watermark and no temporary file.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.Error(t, f.Save(ctx, w2.Add(time.Hour)))
	got, err = f.Load(t.Context())
	require.NoError(t, err)
	assert.True(t, got.Equal(w2))

	asDir := FileWatermark{Path: filepath.Join(dir, "sub")}
	require.NoError(t, os.Mkdir(asDir.Path, 0o700))
	assert.Error(t, asDir.Save(t.Context(), w1), "cannot rename over a directory")
	entries, err = os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "the temporary file was removed")

	assert.Error(t, FileWatermark{Path: filepath.Join(dir, "missing", "w")}.Save(t.Context(), w1))
	assert.Error(t, FileWatermark{}.Save(t.Context(), w1))
	_, err = FileWatermark{}.Load(t.Context())
	assert.Error(t, err)
}

func TestFileWatermarkContent(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct {
		content string
		zero    bool
		bad     bool
	}{
		"empty":     {"", true, false},
		"blank":     {" \n", true, false},
		"rfc3339":   {"2026-04-03T15:04:05+02:00\n", false, false},
		"garbage":   {"yesterday", false, true},
		"unix time": {"1767225600", false, true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := FileWatermark{Path: filepath.Join(dir, name)}
			require.NoError(t, os.WriteFile(f.Path, []byte(tc.content), 0o600))
			got, err := f.Load(t.Context())
			if tc.bad {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.zero, got.IsZero())
		})
	}
}

// FileWatermark drives a real reconciliation: the second run starts from
// the file.
func TestReconcileWithFileWatermark(t *testing.T) {
	f := FileWatermark{Path: filepath.Join(t.TempDir(), "w")}
	_, mt := newScript(t, ok(formsBody("", "111")), ok(leadsPage("L1", false, "1001")))
	r := &Reconciler{Client: newTestClient(t, mt), PageID: testPageID, Watermark: f, Seen: newMemSeen(), Now: func() time.Time { return t0 }}
	_, err := r.Run(t.Context(), (&handled{}).handle)
	require.NoError(t, err)

	_, mt = newScript(t, ok(formsBody("", "111")), step{status: 200, body: leadsPage("L1", false), check: wantLeads("111", t0.Add(-DefaultReconcileOverlap))})
	r.Client = newTestClient(t, mt)
	r.Now = func() time.Time { return t1 }
	res, err := r.Run(t.Context(), (&handled{}).handle)
	require.NoError(t, err)
	assert.Equal(t, t0.Add(-DefaultReconcileOverlap), res.From)
	got, err := f.Load(t.Context())
	require.NoError(t, err)
	assert.True(t, got.Equal(t1))
}
