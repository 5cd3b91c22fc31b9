package alfacrm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// DictKind names a reference dictionary (its AlfaCRM model).
type DictKind string

// Dictionaries the client knows. Their ids are per account: never
// hard-code them.
const (
	DictStudyStatus DictKind = "study-status"
	DictLeadStatus  DictKind = "lead-status"
	DictLeadSource  DictKind = "lead-source"
	DictPayType     DictKind = "pay-type"
	DictBranch      DictKind = "branch"
	DictSubject     DictKind = "subject"
)

var dictKinds = []DictKind{DictStudyStatus, DictLeadStatus, DictLeadSource, DictPayType, DictBranch, DictSubject}

// DictItem is one dictionary entry.
type DictItem struct {
	ID   int    // entry id (per account)
	Name string // display name
	// Code is set for lead sources.
	Code string
	// Enabled is false for entries the account disabled (is_enabled or
	// is_active 0); true when the server does not say.
	Enabled bool
	// Weight is the display order.
	Weight int
}

// Dictionary is a list of dictionary entries with lookup helpers.
type Dictionary []DictItem

// ByID returns the entry with the given id.
func (d Dictionary) ByID(id int) (DictItem, bool) {
	for _, it := range d {
		if it.ID == id {
			return it, true
		}
	}
	return DictItem{}, false
}

// Name returns the name of the entry with the given id, or "".
func (d Dictionary) Name(id int) string {
	it, _ := d.ByID(id)
	return it.Name
}

// ByName returns the first entry whose name equals name, ignoring case and
// surrounding blanks.
func (d Dictionary) ByName(name string) (DictItem, bool) {
	name = trimSpace(name)
	for _, it := range d {
		if strings.EqualFold(trimSpace(it.Name), name) {
			return it, true
		}
	}
	return DictItem{}, false
}

type wireDictItem struct {
	ID        flexInt    `json:"id"`
	Name      flexString `json:"name"`
	Code      flexString `json:"code"`
	IsEnabled *flexBool  `json:"is_enabled"`
	IsActive  *flexBool  `json:"is_active"`
	Weight    flexInt    `json:"weight"`
}

func (w *wireDictItem) item() DictItem {
	it := DictItem{ID: int(w.ID), Name: string(w.Name), Code: string(w.Code), Enabled: true, Weight: int(w.Weight)}
	if w.IsEnabled != nil {
		it.Enabled = bool(*w.IsEnabled)
	} else if w.IsActive != nil {
		it.Enabled = bool(*w.IsActive)
	}
	return it
}

// dictCache caches dictionaries per kind; a load runs once for all
// concurrent callers.
type dictCache struct {
	mu      sync.Mutex
	entries map[DictKind]*dictEntry
}

type dictEntry struct {
	items  Dictionary
	loaded bool
	flight *dictFlight
}

type dictFlight struct {
	done  chan struct{}
	items Dictionary
	err   error
}

// Dictionary returns the entries of a dictionary, disabled ones included,
// from the client's cache, loading it (all pages) on first use. Concurrent
// first uses share one load. The result is a copy the caller may keep.
//
// The branch dictionary is global (/v2api/branch/index); the others are
// read in Config.BranchID.
func (c *Client) Dictionary(ctx context.Context, kind DictKind) (Dictionary, error) {
	if !slices.Contains(dictKinds, kind) {
		return nil, fmt.Errorf("alfacrm: unknown dictionary %q", string(kind))
	}
	c.dicts.mu.Lock()
	if c.dicts.entries == nil {
		c.dicts.entries = make(map[DictKind]*dictEntry)
	}
	e := c.dicts.entries[kind]
	if e == nil {
		e = &dictEntry{}
		c.dicts.entries[kind] = e
	}
	if e.loaded {
		items := slices.Clone(e.items)
		c.dicts.mu.Unlock()
		return items, nil
	}
	f := e.flight
	if f == nil {
		f = &dictFlight{done: make(chan struct{})}
		e.flight = f
		go c.loadDict(context.WithoutCancel(ctx), kind, e, f)
	}
	c.dicts.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			return nil, f.err
		}
		return slices.Clone(f.items), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Client) loadDict(ctx context.Context, kind DictKind, e *dictEntry, f *dictFlight) {
	ctx, cancel := context.WithTimeout(ctx, c.loginTimeout+5*time.Minute)
	defer cancel()
	var items Dictionary
	var err error
	for it, ierr := range iterate(ctx, c, c.dictSpec(kind)) {
		if ierr != nil {
			err = ierr
			break
		}
		items = append(items, it)
	}
	c.dicts.mu.Lock()
	if err == nil && e.flight == f { // not invalidated meanwhile
		e.items, e.loaded = items, true
	}
	if e.flight == f {
		e.flight = nil
	}
	f.items, f.err = items, err
	c.dicts.mu.Unlock()
	close(f.done)
}

func (c *Client) dictSpec(kind DictKind) *listSpec[wireDictItem, DictItem] {
	cl := c.branchCall(string(kind), "index")
	filters := map[string]any{}
	switch kind {
	case DictBranch:
		cl = call{op: "branch/index", path: "branch/index"}
	case DictSubject:
		filters["active"] = false // all subjects, not only active ones
	}
	return &listSpec[wireDictItem, DictItem]{
		call:    cl,
		filters: filters,
		conv: func(w *wireDictItem) (DictItem, bool, error) {
			return w.item(), true, nil
		},
		id: func(w *wireDictItem) int { return int(w.ID) },
	}
}

// InvalidateDictionaries drops cached dictionaries (all of them when no kind
// is given); the next use reloads them.
func (c *Client) InvalidateDictionaries(kinds ...DictKind) {
	c.dicts.mu.Lock()
	defer c.dicts.mu.Unlock()
	if len(kinds) == 0 {
		kinds = dictKinds
	}
	for _, k := range kinds {
		if e := c.dicts.entries[k]; e != nil {
			e.items, e.loaded, e.flight = nil, false, nil
		}
	}
}

// StudyStatuses returns the study statuses (study-status).
func (c *Client) StudyStatuses(ctx context.Context) (Dictionary, error) {
	return c.Dictionary(ctx, DictStudyStatus)
}

// LeadStatuses returns the lead statuses (lead-status).
func (c *Client) LeadStatuses(ctx context.Context) (Dictionary, error) {
	return c.Dictionary(ctx, DictLeadStatus)
}

// LeadSources returns the lead sources (lead-source).
func (c *Client) LeadSources(ctx context.Context) (Dictionary, error) {
	return c.Dictionary(ctx, DictLeadSource)
}

// PayTypes returns the pay types (pay-type): income, expense and the like.
func (c *Client) PayTypes(ctx context.Context) (Dictionary, error) {
	return c.Dictionary(ctx, DictPayType)
}

// Branches returns the branches (филиалы) of the account.
func (c *Client) Branches(ctx context.Context) (Dictionary, error) {
	return c.Dictionary(ctx, DictBranch)
}

// Subjects returns the subjects, inactive ones included.
func (c *Client) Subjects(ctx context.Context) (Dictionary, error) {
	return c.Dictionary(ctx, DictSubject)
}
