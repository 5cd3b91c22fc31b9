package metaleads

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"slices"
)

// DefaultFormFields are the form fields every form call asks for.
var DefaultFormFields = []string{
	"id", "name", "status", "locale", "leads_count", "expired_leads_count",
	"organic_leads_count", "created_time", "page_id", "questions{id,key,label,type,options}",
}

// DefaultFormsPageSize is the page size of form listings when
// FormsOptions.PageSize is 0.
const DefaultFormsPageSize = 50

// knownFormKeys are the Graph keys decoded into Form's own fields.
var knownFormKeys = map[string]bool{
	"id": true, "name": true, "status": true, "locale": true, "page_id": true, "page": true,
	"leads_count": true, "expired_leads_count": true, "organic_leads_count": true,
	"created_time": true, "questions": true,
}

// FormsOptions shapes a listing of a Page's lead forms. The zero value lists
// every form with the default fields.
type FormsOptions struct {
	// PageSize is Graph's limit per page; 0 means DefaultFormsPageSize.
	PageSize int
	// After resumes from a cursor returned in Page.After.
	After string
	// Fields are extra form fields to request (e.g. "privacy_policy_url");
	// those without a Form field of their own land in Form.Extra.
	Fields []string
}

func (o FormsOptions) clone() FormsOptions {
	o.Fields = slices.Clone(o.Fields)
	return o
}

func (o FormsOptions) query() (url.Values, int, error) {
	if o.PageSize < 0 {
		return nil, 0, fmt.Errorf("metaleads: negative PageSize %d", o.PageSize)
	}
	fields, err := fieldList(DefaultFormFields, o.Fields)
	if err != nil {
		return nil, 0, err
	}
	limit := o.PageSize
	if limit == 0 {
		limit = DefaultFormsPageSize
	}
	return url.Values{"fields": {fields}}, limit, nil
}

// FormsPage fetches one page of the lead forms of a Page
// (GET /{page-id}/leadgen_forms). Pass Page.After as opts.After to continue.
func (c *Client) FormsPage(ctx context.Context, pageID string, opts FormsOptions) (Page[Form], error) {
	p, err := c.formsPage(ctx, pageID, opts, opts.After, opts.PageSize)
	return p, c.err(err)
}

func (c *Client) formsPage(ctx context.Context, pageID string, opts FormsOptions, after string, limit int) (Page[Form], error) {
	if err := checkID("page", pageID); err != nil {
		return Page[Form]{}, err
	}
	q, defLimit, err := opts.query()
	if err != nil {
		return Page[Form]{}, err
	}
	if limit <= 0 {
		limit = defLimit
	}
	return edgePage(ctx, c, "forms.page", pageID+"/leadgen_forms", q, after, limit, func(body []byte) (Page[Form], error) {
		page, err := decodeWithExtra(body, len(opts.Fields) > 0, knownFormKeys, func(f *Form, m map[string]json.RawMessage) { f.Extra = m })
		if err != nil {
			return page, err
		}
		for i := range page.Items {
			if page.Items[i].ID == "" {
				return page, fmt.Errorf("form %d of the page has no id", i)
			}
		}
		return page, nil
	})
}

// FormsPager returns a Pager over the lead forms of a Page; opts is copied.
func (c *Client) FormsPager(pageID string, opts FormsOptions) *Pager[Form] {
	opts = opts.clone()
	_, limit, err := opts.query()
	if err == nil {
		err = checkID("page", pageID)
	}
	return clientPager(c, "forms.page", err, opts.After, limit, func(ctx context.Context, after string, limit int) (Page[Form], error) {
		return c.formsPage(ctx, pageID, opts, after, limit)
	})
}

// Forms iterates over the lead forms of a Page, fetching pages lazily; see
// Pager.All for the iteration contract. opts is copied.
func (c *Client) Forms(ctx context.Context, pageID string, opts FormsOptions) iter.Seq2[Form, error] {
	opts = opts.clone()
	return lazySeq(ctx, func() *Pager[Form] { return c.FormsPager(pageID, opts) })
}

// Form fetches one lead form (GET /{form-id}) with DefaultFormFields plus the
// extra fields given.
func (c *Client) Form(ctx context.Context, formID string, fields ...string) (Form, error) {
	f, err := c.form(ctx, formID, fields)
	return f, c.err(err)
}

func (c *Client) form(ctx context.Context, formID string, extra []string) (Form, error) {
	resp, err := c.getNode(ctx, "form", "form", formID, DefaultFormFields, extra)
	if err != nil {
		return Form{}, err
	}
	var f Form
	if err := decodeExtra(resp.Body, &f, knownFormKeys, func(f *Form, m map[string]json.RawMessage) {
		if len(extra) > 0 {
			f.Extra = m
		}
	}); err != nil {
		return Form{}, c.invalidResponse(resp, err)
	}
	if f.ID == "" {
		return Form{}, c.invalidResponse(resp, fmt.Errorf("no form id in the response"))
	}
	return f, nil
}
