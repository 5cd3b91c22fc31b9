package metaleads

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"time"
)

// DefaultLeadFields are the lead fields every lead call asks for: every cheap
// field of Graph's Lead node.
var DefaultLeadFields = []string{
	"id", "created_time", "ad_id", "ad_name", "adset_id", "adset_name",
	"campaign_id", "campaign_name", "form_id", "field_data",
	"custom_disclaimer_responses", "is_organic", "platform", "partner_name",
	"retailer_item_id",
}

// DefaultLeadsPageSize is the page size of lead listings when
// LeadsOptions.PageSize is 0. Graph's own default is 25 and it documents no
// maximum; when a page is too heavy it answers "reduce the amount of data"
// (ErrReduceData), which the iterators handle by halving the page size.
const DefaultLeadsPageSize = 100

// knownLeadKeys are the Graph keys decoded into Lead's own fields.
var knownLeadKeys = map[string]bool{
	"id": true, "created_time": true, "ad_id": true, "ad_name": true, "adset_id": true,
	"adset_name": true, "campaign_id": true, "campaign_name": true, "form_id": true,
	"field_data": true, "custom_disclaimer_responses": true, "is_organic": true,
	"platform": true, "partner_name": true, "retailer_item_id": true,
}

// LeadsOptions filters and shapes a listing of leads. The zero value lists
// every lead with the default fields.
type LeadsOptions struct {
	// Since, if set, keeps leads created at or after Since (inclusive).
	// Until, if set, keeps leads created before Until (exclusive). They are
	// sent as Graph's filtering on time_created with unix seconds
	// (GREATER_THAN_OR_EQUAL and LESS_THAN, both documented operators);
	// since Graph's times have whole seconds, a fractional bound is rounded
	// up, which keeps the same set of leads.
	Since, Until time.Time
	// Fields are extra lead fields to request (e.g. "post", "vehicle");
	// those without a Lead field of their own land in Lead.Extra.
	Fields []string
	// PageSize is Graph's limit per page; 0 means DefaultLeadsPageSize.
	PageSize int
	// After resumes from a cursor returned in Page.After or Pager.Cursor.
	After string
}

func (o LeadsOptions) clone() LeadsOptions {
	o.Fields = slices.Clone(o.Fields)
	return o
}

// timeFilter is one element of Graph's filtering parameter.
type timeFilter struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    int64  `json:"value"`
}

// ceilUnix is t in unix seconds, rounded up.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// query returns the query parameters common to every page, and the page size.
func (o LeadsOptions) query() (url.Values, int, error) {
	if o.PageSize < 0 {
		return nil, 0, fmt.Errorf("metaleads: negative PageSize %d", o.PageSize)
	}
	if !o.Since.IsZero() && !o.Until.IsZero() && !o.Since.Before(o.Until) {
		return nil, 0, fmt.Errorf("metaleads: empty time window: Since %s is not before Until %s",
			o.Since.Format(time.RFC3339), o.Until.Format(time.RFC3339))
	}
	fields, err := fieldList(DefaultLeadFields, o.Fields)
	if err != nil {
		return nil, 0, err
	}
	q := url.Values{"fields": {fields}}
	var filters []timeFilter
	if !o.Since.IsZero() {
		filters = append(filters, timeFilter{"time_created", "GREATER_THAN_OR_EQUAL", ceilUnix(o.Since)})
	}
	if !o.Until.IsZero() {
		filters = append(filters, timeFilter{"time_created", "LESS_THAN", ceilUnix(o.Until)})
	}
	if len(filters) > 0 {
		b, _ := json.Marshal(filters)
		q.Set("filtering", string(b))
	}
	limit := o.PageSize
	if limit == 0 {
		limit = DefaultLeadsPageSize
	}
	return q, limit, nil
}

// leadsEdge is the node kind a leads listing hangs off.
type leadsEdge struct {
	what string // "form" or "ad", for messages
	op   string
}

var (
	formLeads = leadsEdge{"form", "leads.page"}
	adLeads   = leadsEdge{"ad", "adleads.page"}
)

func (c *Client) leadsPage(ctx context.Context, edge leadsEdge, id string, opts LeadsOptions, after string, limit int) (Page[Lead], error) {
	if err := checkID(edge.what, id); err != nil {
		return Page[Lead]{}, err
	}
	q, defLimit, err := opts.query()
	if err != nil {
		return Page[Lead]{}, err
	}
	if limit <= 0 {
		limit = defLimit
	}
	return edgePage(ctx, c, edge.op, id+"/leads", q, after, limit, func(body []byte) (Page[Lead], error) {
		page, err := decodeWithExtra(body, len(opts.Fields) > 0, knownLeadKeys, setLeadExtra)
		if err == nil {
			err = checkLeadIDs(page.Items)
		}
		return page, err
	})
}

// checkLeadIDs rejects a page with a lead without id (a null item, say).
func checkLeadIDs(leads []Lead) error {
	for i := range leads {
		if leads[i].ID == "" {
			return fmt.Errorf("lead %d of the page has no id", i)
		}
	}
	return nil
}

func setLeadExtra(l *Lead, m map[string]json.RawMessage) { l.Extra = m }

func (c *Client) leadsPager(edge leadsEdge, id string, opts LeadsOptions) *Pager[Lead] {
	opts = opts.clone()
	_, limit, err := opts.query()
	if err == nil {
		err = checkID(edge.what, id)
	}
	return clientPager(c, edge.op, err, opts.After, limit, func(ctx context.Context, after string, limit int) (Page[Lead], error) {
		return c.leadsPage(ctx, edge, id, opts, after, limit)
	})
}

// LeadsPage fetches one page of a form's leads (GET /{form-id}/leads). Pass
// Page.After as opts.After to continue. It returns ErrReduceData as is; the
// iterators and Pager shrink the page size instead.
func (c *Client) LeadsPage(ctx context.Context, formID string, opts LeadsOptions) (Page[Lead], error) {
	p, err := c.leadsPage(ctx, formLeads, formID, opts, opts.After, opts.PageSize)
	return p, c.err(err)
}

// LeadsPager returns a Pager over a form's leads; opts is copied. Use it
// instead of Leads when the sync must be able to stop and resume (Cursor).
func (c *Client) LeadsPager(formID string, opts LeadsOptions) *Pager[Lead] {
	return c.leadsPager(formLeads, formID, opts)
}

// Leads iterates over a form's leads (GET /{form-id}/leads), fetching pages
// lazily as the loop advances. opts is copied when Leads is called; each
// range over the result starts again from opts.After. The iterator:
//   - sends no request before the first pull;
//   - pages with the after cursor and never follows Graph's next URL;
//   - continues over empty pages while Graph says more pages exist;
//   - halves the page size (down to 1) on ErrReduceData and retries the
//     same cursor;
//   - stops with ErrRepeatedCursor if a cursor comes back;
//   - checks ctx between pages;
//   - yields an error at most once, then stops (leads already yielded stay
//     delivered).
func (c *Client) Leads(ctx context.Context, formID string, opts LeadsOptions) iter.Seq2[Lead, error] {
	opts = opts.clone()
	return lazySeq(ctx, func() *Pager[Lead] { return c.LeadsPager(formID, opts) })
}

// AdLeadsPage fetches one page of an ad's leads (GET /{ad-id}/leads); see
// LeadsPage.
func (c *Client) AdLeadsPage(ctx context.Context, adID string, opts LeadsOptions) (Page[Lead], error) {
	p, err := c.leadsPage(ctx, adLeads, adID, opts, opts.After, opts.PageSize)
	return p, c.err(err)
}

// AdLeadsPager returns a Pager over an ad's leads; see LeadsPager.
func (c *Client) AdLeadsPager(adID string, opts LeadsOptions) *Pager[Lead] {
	return c.leadsPager(adLeads, adID, opts)
}

// AdLeads iterates over an ad's leads (GET /{ad-id}/leads) with the same
// contract as Leads. A form can serve many ads, so this is a subset of the
// form's leads.
func (c *Client) AdLeads(ctx context.Context, adID string, opts LeadsOptions) iter.Seq2[Lead, error] {
	opts = opts.clone()
	return lazySeq(ctx, func() *Pager[Lead] { return c.AdLeadsPager(adID, opts) })
}

// Lead fetches one lead by id (the leadgen_id of a webhook delivery) with
// DefaultLeadFields plus the extra fields given.
func (c *Client) Lead(ctx context.Context, id string, fields ...string) (Lead, error) {
	l, err := c.lead(ctx, id, fields)
	return l, c.err(err)
}

func (c *Client) lead(ctx context.Context, id string, extra []string) (Lead, error) {
	resp, err := c.getNode(ctx, "lead", "lead", id, DefaultLeadFields, extra)
	if err != nil {
		return Lead{}, err
	}
	l, err := decodeLead(resp.Body, len(extra) > 0)
	if err != nil {
		return Lead{}, c.invalidResponse(resp, err)
	}
	return l, nil
}

// decodeLead decodes one lead object, with Extra when extra fields were
// requested.
func decodeLead(body []byte, extra bool) (Lead, error) {
	var l Lead
	var err error
	if extra {
		err = decodeExtra(body, &l, knownLeadKeys, setLeadExtra)
	} else {
		err = json.Unmarshal(body, &l)
	}
	if err != nil {
		return Lead{}, err
	}
	if l.ID == "" {
		return Lead{}, fmt.Errorf("no lead id in the response")
	}
	return l, nil
}
