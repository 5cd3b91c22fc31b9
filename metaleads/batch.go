package metaleads

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"fmt"
	"net/url"
)

// MaxBatchSize is the largest number of requests Graph accepts in one batch.
const MaxBatchSize = 50

// batchNullRounds bounds how many times items that came back null (timed
// out inside Graph) are sent again.
const batchNullRounds = 2

// BatchLead is the outcome of one id of LeadsByID: the lead, or why it could
// not be read.
type BatchLead struct {
	ID   string // the id asked for
	Lead Lead   // zero when Err is set
	Err  error  // a *Error for Graph's per-item errors; nil on success
}

// LeadsByID reads many leads by id with Graph batch requests (POST
// /{version}/ with batch=[...] and include_headers=false, at most
// MaxBatchSize ids per request), asking for DefaultLeadFields plus the extra
// fields given. Results are in the order of ids, one per id (duplicates
// included).
//
// Per-item failures (a deleted lead, a missing permission) are reported in
// BatchLead.Err as *Error values and do not fail the call. Items Graph
// returns as null (timed out) are sent again a bounded number of times and
// then fail with ErrBatchItemTimeout. A failure of a whole batch request is
// retried by the transport like any read; if it persists, LeadsByID returns
// the error together with the results gathered so far, the other items
// carrying that error.
//
// Every item counts against Graph's rate limits separately. Graph documents
// a batch's top-level access_token (and appsecret_proof) as form
// parameters, so this one call carries the token, and with an app secret the
// proof, in its POST body (never in the URL, and masked in errors and logs
// like every secret); the items carry none and use the top-level token.
func (c *Client) LeadsByID(ctx context.Context, ids []string, fields ...string) ([]BatchLead, error) {
	out, raw := c.leadsByID(ctx, ids, fields)
	err := c.err(raw)
	for i := range out {
		switch {
		case out[i].Err == nil:
		case out[i].Err == errCallFailed:
			out[i].Err = err // the same value, so errors.Is(item.Err, err) holds
		default:
			out[i].Err = c.err(out[i].Err)
		}
	}
	return out, err
}

func (c *Client) leadsByID(ctx context.Context, ids []string, extra []string) ([]BatchLead, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	for _, id := range ids {
		if err := checkID("lead", id); err != nil {
			return nil, err
		}
	}
	fields, err := fieldList(DefaultLeadFields, extra)
	if err != nil {
		return nil, err
	}
	query := url.Values{"fields": {fields}}.Encode()
	out := make([]BatchLead, len(ids))
	pending := make([]int, len(ids))
	for i, id := range ids {
		out[i].ID = id
		pending[i] = i
	}
	for round := 0; len(pending) > 0; round++ {
		if round > batchNullRounds {
			for _, i := range pending {
				out[i].Err = &Error{Message: "batch item came back null (timed out inside Graph) " + fmt.Sprint(batchNullRounds+1) + " times", IsTransient: true, kind: kindBatchNull}
			}
			break
		}
		var again []int
		for start := 0; start < len(pending); start += MaxBatchSize {
			chunk := pending[start:min(start+MaxBatchSize, len(pending))]
			items, err := c.batch(ctx, ids, chunk, query)
			if err != nil {
				for _, i := range pending[start:] {
					out[i].Err = errCallFailed
				}
				for _, i := range again {
					out[i].Err = errCallFailed
				}
				return out, err
			}
			for k, i := range chunk {
				it := items[k]
				switch {
				case it == nil:
					again = append(again, i)
				default:
					out[i].Lead, out[i].Err = c.batchLead(*it, len(extra) > 0)
				}
			}
		}
		pending = again
	}
	return out, nil
}

// errCallFailed marks the items a failed batch call left unread; LeadsByID
// replaces it with the call's error.
var errCallFailed = errors.New("batch call failed")

// batchRequest is one item of the batch parameter.
type batchRequest struct {
	Method      string `json:"method"`
	RelativeURL string `json:"relative_url"`
}

// batchItem is one element of a batch response; body is JSON in a string.
type batchItem struct {
	Code wireInt    `json:"code"`
	Body wireString `json:"body"`
}

// batch sends one batch request for ids[chunk...] and returns one item per
// request, nil for the null ones.
func (c *Client) batch(ctx context.Context, ids []string, chunk []int, query string) ([]*batchItem, error) {
	reqs := make([]batchRequest, len(chunk))
	for k, i := range chunk {
		reqs[k] = batchRequest{Method: "GET", RelativeURL: ids[i] + "?" + query}
	}
	b, err := json.Marshal(reqs)
	if err != nil {
		return nil, err
	}
	form := url.Values{"batch": {string(b)}, "include_headers": {"false"}}
	resp, err := c.send(ctx, call{op: "leads.batch", method: "POST", path: "", form: form, auth: authBody})
	if err != nil {
		return nil, err
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(resp.Body, &raw); err != nil {
		return nil, c.invalidResponse(resp, fmt.Errorf("batch response: %w", err))
	}
	if len(raw) != len(chunk) {
		return nil, c.invalidResponse(resp, fmt.Errorf("batch response has %d items for %d requests", len(raw), len(chunk)))
	}
	items := make([]*batchItem, len(raw))
	for k, r := range raw {
		if bytes.Equal(bytes.TrimSpace(r), []byte("null")) {
			continue
		}
		var it batchItem
		if err := json.Unmarshal(r, &it); err != nil || it.Code == 0 {
			// Not an item: report it on that id rather than failing all.
			it = batchItem{Code: -1, Body: wireString(r)}
		}
		items[k] = &it
	}
	return items, nil
}

// batchLead turns one batch item into a lead or an error.
func (c *Client) batchLead(it batchItem, extra bool) (Lead, error) {
	red := c.s.red
	body := []byte(it.Body)
	status := int(it.Code)
	if status == -1 {
		return Lead{}, &Error{Message: "malformed batch item", Snippet: c.snippet(body), kind: kindInvalid}
	}
	if status/100 != 2 {
		ge, ok := parseGraphError(body)
		if !ok {
			return Lead{}, &Error{HTTPStatus: status, Message: "not a Graph error envelope", Snippet: c.snippet(body), kind: kindInvalid}
		}
		e := graphToError(ge, status, func(s string) string { return red.String(truncate(s, maxErrorText)) })
		e.Hint = hint("lead", e)
		return Lead{}, e
	}
	l, err := decodeLead(body, extra)
	if err != nil {
		return Lead{}, &Error{HTTPStatus: status, Message: red.String(truncate(err.Error(), maxErrorText)), Snippet: c.snippet(body), kind: kindInvalid}
	}
	return l, nil
}
