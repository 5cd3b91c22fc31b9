package metaleadstest

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ecademy/leadkit/metaleads"
)

// graphTimeLayout is Graph's timestamp format: an offset without a colon.
const graphTimeLayout = "2006-01-02T15:04:05-0700"

// leadSource is a form's (or an ad's) leads in Graph order: newest first,
// ties broken by descending ID.
type leadSource interface {
	Len() int
	At(p int) leadRec
}

// ascSource holds leads oldest first (so that adding a new lead appends)
// and serves them newest first.
type ascSource []leadRec

func (s ascSource) Len() int         { return len(s) }
func (s ascSource) At(p int) leadRec { return s[len(s)-1-p] }

func (f *formRec) source() leadSource {
	if f.syn != nil {
		return f.syn
	}
	return ascSource(f.leads)
}

func (s *Server) formCall(c *call, id, edge string) (any, *graphErr) {
	s.mu.RLock()
	f := s.st.forms[id]
	pageID := f.pageID
	s.mu.RUnlock()
	if !c.seesPage(pageID) {
		return nil, errUnsupported(c.method, id)
	}
	switch edge {
	case "":
		switch c.method {
		case http.MethodGet:
			sel, gerr := selection(c)
			if gerr != nil {
				return nil, gerr
			}
			s.mu.RLock()
			n := s.st.formNode(f)
			s.mu.RUnlock()
			return formType.project(n, sel)
		case http.MethodPost:
			st := c.params.Get("status")
			if !slices.Contains([]string{"ACTIVE", "ARCHIVED", "DELETED", "DRAFT"}, st) {
				return nil, errParam("Param status must be one of {ACTIVE, ARCHIVED, DELETED, DRAFT}")
			}
			s.mu.Lock()
			f.form.Status = st
			s.mu.Unlock()
			return node{"success": true}, nil
		}
		return nil, errUnsupported(c.method, id)
	case "leads":
		if c.method != http.MethodGet {
			return nil, errUnsupported(c.method, id)
		}
		if gerr := s.leadAccess(c); gerr != nil {
			return nil, gerr
		}
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.leadsPage(c, f.source())
	}
	return nil, errNonexistingField(edge, formType.name)
}

// leadAccess checks the token kind and permission needed to read leads.
func (s *Server) leadAccess(c *call) *graphErr {
	if s.cfg.requirePageTok && c.tok.kind != pageToken {
		return errPageTokenRequired()
	}
	if !s.hasScope("leads_retrieval") {
		return errPermission("leads_retrieval")
	}
	return nil
}

func (s *Server) forms(c *call, pageID string) (any, *graphErr) {
	sel, gerr := selection(c)
	if gerr != nil {
		return nil, gerr
	}
	s.mu.RLock()
	var fs []*formRec
	for _, id := range s.st.formOrder {
		if f := s.st.forms[id]; f.pageID == pageID {
			fs = append(fs, f)
		}
	}
	// Newest form first.
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if !a.form.CreatedTime.Equal(b.form.CreatedTime) {
			return a.form.CreatedTime.After(b.form.CreatedTime)
		}
		return a.seq > b.seq
	})
	nodes := make([]node, len(fs))
	for i, f := range fs {
		nodes[i] = s.st.formNode(f)
	}
	s.mu.RUnlock()
	return s.listPage(c, nodes, func(n node) (node, *graphErr) { return formType.project(n, sel) })
}

func (st *store) formNode(f *formRec) node {
	leads, organic := len(f.leads), 0
	for _, l := range f.leads {
		if l.lead.IsOrganic {
			organic++
		}
	}
	if f.syn != nil {
		leads, organic = f.syn.n, f.syn.n
	}
	qs := make([]node, len(f.form.Questions))
	for i, q := range f.form.Questions {
		qn := node{"id": q.ID, "key": q.Key}
		if q.Label != "" {
			qn["label"] = q.Label
		}
		if q.Type != "" {
			qn["type"] = q.Type
		}
		if len(q.Options) > 0 {
			opts := make([]node, len(q.Options))
			for j, o := range q.Options {
				opts[j] = node{"key": o.Key, "value": o.Value}
			}
			qn["options"] = opts
		}
		qs[i] = qn
	}
	n := node{
		"id":                  f.form.ID,
		"name":                f.form.Name,
		"status":              f.form.Status,
		"locale":              f.form.Locale,
		"created_time":        f.form.CreatedTime.UTC().Format(graphTimeLayout),
		"leads_count":         leads + f.form.ExpiredLeadsCount,
		"expired_leads_count": f.form.ExpiredLeadsCount,
		"organic_leads_count": organic,
		"questions":           qs,
		"page_id":             f.pageID,
		"allow_organic_lead":  true,
		"privacy_policy_url":  "https://example.com/privacy",
	}
	if p := st.pages[f.pageID]; p != nil {
		n["page"] = node{"id": p.ID, "name": p.Name}
	}
	return n
}

// leadNode renders a lead in Graph's wire format.
func leadNode(l metaleads.Lead) node {
	fd := make([]node, len(l.Fields))
	for i, f := range l.Fields {
		vals := f.Values
		if vals == nil {
			vals = []string{}
		}
		fd[i] = node{"name": f.Name, "values": vals}
	}
	n := node{
		"id":           l.ID,
		"created_time": l.CreatedTime.UTC().Format(graphTimeLayout),
		"form_id":      l.FormID,
		"is_organic":   l.IsOrganic,
		"field_data":   fd,
	}
	set := func(k, v string) {
		if v != "" {
			n[k] = v
		}
	}
	set("ad_id", l.AdID)
	set("ad_name", l.AdName)
	set("adset_id", l.AdSetID)
	set("adset_name", l.AdSetName)
	set("campaign_id", l.CampaignID)
	set("campaign_name", l.CampaignName)
	set("platform", l.Platform)
	set("partner_name", l.PartnerName)
	set("retailer_item_id", l.RetailerItemID)
	if len(l.DisclaimerAnswers) > 0 {
		ds := make([]node, len(l.DisclaimerAnswers))
		for i, d := range l.DisclaimerAnswers {
			checked := ""
			if d.Checked {
				checked = "1"
			}
			ds[i] = node{"checkbox_key": d.Key, "is_checked": checked}
		}
		n["custom_disclaimer_responses"] = ds
	}
	return n
}

// leadKey is a lead cursor's position: a sort key, or the start of the list.
type leadKey struct {
	start bool
	unix  int64
	id    string
}

func (k leadKey) encode(nonce string) string {
	s := "L:S"
	if !k.start {
		s = "L:" + strconv.FormatInt(k.unix, 10) + ":" + k.id
	}
	if nonce != "" {
		s += ":" + nonce
	}
	return encodeCursor(s)
}

func keyOf(r leadRec) leadKey { return leadKey{unix: r.unix, id: r.lead.ID} }

func parseLeadCursor(c string) (leadKey, bool) {
	s, ok := decodeCursor(c)
	if !ok {
		return leadKey{}, false
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || parts[0] != "L" {
		return leadKey{}, false
	}
	if parts[1] == "S" {
		return leadKey{start: true}, true
	}
	if len(parts) < 3 {
		return leadKey{}, false
	}
	u, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || parts[2] == "" {
		return leadKey{}, false
	}
	return leadKey{unix: u, id: parts[2]}, true
}

// posAfter is the first position strictly after k in Graph order.
func posAfter(src leadSource, k leadKey) int {
	if k.start {
		return 0
	}
	return sort.Search(src.Len(), func(p int) bool {
		r := src.At(p)
		return compareKey(r.unix, r.lead.ID, k.unix, k.id) < 0
	})
}

// posAtOrAfter is the first position at or after k in Graph order.
func posAtOrAfter(src leadSource, k leadKey) int {
	if k.start {
		return 0
	}
	return sort.Search(src.Len(), func(p int) bool {
		r := src.At(p)
		return compareKey(r.unix, r.lead.ID, k.unix, k.id) <= 0
	})
}

type leadFilter struct {
	Field    string          `json:"field"`
	Operator string          `json:"operator"`
	Value    json.RawMessage `json:"value"`
}

// filterWindow applies filtering=[{field:time_created,...}] as a window of
// positions [lo, hi).
func filterWindow(c *call, src leadSource) (lo, hi int, gerr *graphErr) {
	lo, hi = 0, src.Len()
	raw := c.params.Get("filtering")
	if raw == "" {
		return lo, hi, nil
	}
	var fs []leadFilter
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	if err := dec.Decode(&fs); err != nil {
		return 0, 0, errParam("param filtering must be an array of {field, operator, value} objects")
	}
	for _, f := range fs {
		if f.Field != "time_created" {
			// Graph answers filters on other lead fields with code 1
			// (facebook/facebook-nodejs-business-sdk#279).
			e := errUnknown()
			e.IsTransient = false
			return 0, 0, e
		}
		v, ok := filterValue(f.Value)
		if !ok {
			// A date string instead of a Unix timestamp: Graph ignores the
			// filter and returns everything (facebook-ruby-business-sdk#60).
			continue
		}
		n := src.Len()
		search := func(pred func(int64) bool) int {
			return sort.Search(n, func(p int) bool { return pred(src.At(p).unix) })
		}
		switch f.Operator {
		case "GREATER_THAN":
			hi = min(hi, search(func(u int64) bool { return u <= v }))
		case "GREATER_THAN_OR_EQUAL":
			hi = min(hi, search(func(u int64) bool { return u < v }))
		case "LESS_THAN":
			lo = max(lo, search(func(u int64) bool { return u < v }))
		case "LESS_THAN_OR_EQUAL":
			lo = max(lo, search(func(u int64) bool { return u <= v }))
		default:
			return 0, 0, errParam("Filtering operator %s is not supported on time_created; use GREATER_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN or LESS_THAN_OR_EQUAL", f.Operator)
		}
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi, nil
}

// filterValue reads a Unix timestamp given as a JSON number or a numeric
// string.
func filterValue(raw json.RawMessage) (int64, bool) {
	var num json.Number
	if err := json.Unmarshal(raw, &num); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		num = json.Number(strings.TrimSpace(s))
	}
	if i, err := num.Int64(); err == nil {
		return i, true
	}
	if f, err := num.Float64(); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return int64(f), true
	}
	return 0, false
}

// leadsPage serves one page of a lead source. The caller holds s.mu.RLock.
func (s *Server) leadsPage(c *call, src leadSource) (any, *graphErr) {
	limit, gerr := s.pageLimit(c, true)
	if gerr != nil {
		return nil, gerr
	}
	sel, gerr := selection(c)
	if gerr != nil {
		return nil, gerr
	}
	if _, gerr := leadType.project(node{}, sel); gerr != nil {
		return nil, gerr
	}
	lo, hi, gerr := filterWindow(c, src)
	if gerr != nil {
		return nil, gerr
	}
	start, end := lo, min(hi, lo+limit)
	if a := c.params.Get("after"); a != "" {
		k, ok := parseLeadCursor(a)
		if !ok {
			return nil, errCursor()
		}
		start = min(hi, max(lo, posAfter(src, k)))
		end = min(hi, start+limit)
	} else if b := c.params.Get("before"); b != "" {
		k, ok := parseLeadCursor(b)
		if !ok {
			return nil, errCursor()
		}
		end = max(lo, min(hi, posAtOrAfter(src, k)))
		start = max(lo, end-limit)
	}
	c.leadPage = true
	if k := s.cfg.emptyPageEvery; k > 0 && end > start && !c.params.Has("before") {
		if n := s.emptySeq.Add(1); n%int64(k) == 0 {
			c.emptyPage = true
			key := leadKey{start: true}
			if start > 0 {
				key = keyOf(src.At(start - 1))
			}
			cur := key.encode("e" + strconv.FormatInt(n, 10))
			return listResult{Data: []node{}, Paging: &paging{
				Cursors: &cursors{Before: cur, After: cur},
				Next:    s.pageURL(c, "after", cur),
			}}, nil
		}
	}
	out := listResult{Data: make([]node, 0, end-start)}
	var first, last leadRec
	for p := start; p < end; p++ {
		r := src.At(p)
		if p == start {
			first = r
		}
		last = r
		n, gerr := leadType.project(leadNode(r.lead), sel)
		if gerr != nil {
			return nil, gerr
		}
		out.Data = append(out.Data, n)
	}
	if end > start {
		fc, lc := keyOf(first).encode(""), keyOf(last).encode("")
		out.Paging = &paging{Cursors: &cursors{Before: fc, After: lc}}
		if end < hi {
			out.Paging.Next = s.pageURL(c, "after", lc)
		}
		if start > lo {
			out.Paging.Previous = s.pageURL(c, "before", fc)
		}
	}
	return out, nil
}

func (s *Server) leadCall(c *call, id, edge string) (any, *graphErr) {
	if edge != "" {
		return nil, errNonexistingField(edge, leadType.name)
	}
	s.mu.RLock()
	l, pageID, synthetic := s.st.lead(id)
	s.mu.RUnlock()
	if !c.seesPage(pageID) {
		return nil, errUnsupported(c.method, id)
	}
	if gerr := s.leadAccess(c); gerr != nil {
		return nil, gerr
	}
	switch c.method {
	case http.MethodGet:
		sel, gerr := selection(c)
		if gerr != nil {
			return nil, gerr
		}
		return leadType.project(leadNode(l), sel)
	case http.MethodDelete:
		if synthetic {
			return nil, errUnsupported(c.method, id)
		}
		s.RemoveLead(id)
		return node{"success": true}, nil
	}
	return nil, errUnsupported(c.method, id)
}

// lead finds a stored or synthetic lead and its Page.
func (st *store) lead(id string) (l metaleads.Lead, pageID string, synthetic bool) {
	if formID, ok := st.leadForm[id]; ok {
		f := st.forms[formID]
		for _, r := range f.leads {
			if r.lead.ID == id {
				return r.lead, f.pageID, false
			}
		}
	}
	if r, ok := st.syntheticLead(id); ok {
		return r.lead, st.forms[r.lead.FormID].pageID, true
	}
	return metaleads.Lead{}, "", false
}

// adLeads serves /{ad-id}/leads: the stored leads whose ad_id is the ad, in
// Graph order. Synthetic forms' leads are organic and never appear here.
func (s *Server) adLeads(c *call, ad *Ad) (any, *graphErr) {
	if c.method != http.MethodGet {
		return nil, errUnsupported(c.method, ad.ID)
	}
	if gerr := s.leadAccess(c); gerr != nil {
		return nil, gerr
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if c.tok.kind == pageToken {
		if f := s.st.forms[ad.FormID]; f != nil && f.pageID != c.tok.pageID {
			return nil, errUnsupported(c.method, ad.ID)
		}
	}
	var src ascSource
	for _, fid := range s.st.formOrder {
		f := s.st.forms[fid]
		if c.tok.kind == pageToken && f.pageID != c.tok.pageID {
			continue
		}
		for _, r := range f.leads {
			if r.lead.AdID == ad.ID {
				src = append(src, r)
			}
		}
	}
	slices.SortFunc(src, func(a, b leadRec) int { return compareKey(a.unix, a.lead.ID, b.unix, b.lead.ID) })
	return s.leadsPage(c, src)
}
