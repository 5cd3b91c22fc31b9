package alfacrm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"net/url"
	"strconv"

	"github.com/ecademy/leadkit/internal/transport"
)

// Page is one page of a list. AlfaCRM numbers pages from 0.
type Page[T any] struct {
	// Items are the page's records (after any client-side filter the list
	// documents).
	Items []T
	// Total is the server's count of matching records over all pages (0
	// when the server did not say).
	Total int
	// Page is the number of this page.
	Page int
	// Next is the number of the page to request next, or -1 when the list
	// is done. The server's page size is unknown (it may ignore the one
	// requested), so Next is conservative: after the last page of a list
	// whose size is not a multiple of the page size, Next may point at a
	// page that turns out empty. The iterators stop exactly. An empty page
	// has Next -1 even when Total says more items exist (a page alone
	// cannot tell how many items the earlier pages held); the iterators
	// read such a page again and end with [ErrIncompleteList] if it stays
	// empty.
	Next int
}

// maxPages stops an iteration that never reaches its end (a server that
// ignores page numbers in a way the repeated-page check cannot see).
const maxPages = 100_000

// listSpec describes one list call: the model, its filters and how to turn
// a wire item (W) into a public one (T).
type listSpec[W, T any] struct {
	call     call           // op, path and the query with parent ids
	filters  map[string]any // body filters; page and pageSize are added
	pageSize int
	// conv converts a wire item; keep=false drops it (client-side filter).
	conv func(w *W) (item T, keep bool, err error)
	// id returns a wire item's id, for the repeated-page check.
	id func(w *W) int
}

// envelope is the list response {"total","count","page","items"}; the
// error fields let a 200 body that reports a failure be recognised in the
// same decoding pass.
type envelope[W any] struct {
	Total   *flexInt        `json:"total"`
	Items   *[]W            `json:"items"`
	Success *flexBool       `json:"success"`
	Errors  json.RawMessage `json:"errors"`
	Name    flexString      `json:"name"`
	Message flexString      `json:"message"`
	Code    flexInt         `json:"code"`
	Status  flexInt         `json:"status"`
}

// rawPage is a decoded page before conversion and client-side filtering.
type rawPage[W any] struct {
	items    []W
	total    int
	hasTotal bool
	bare     bool // a bare JSON array: the whole list in one response
	status   int  // the HTTP status of the response
}

// shortOf reports whether an empty page p comes before the end its total
// announces, seen items having been read before it.
func (p *rawPage[W]) shortOf(seen int) bool {
	return len(p.items) == 0 && !p.bare && p.hasTotal && p.total > seen
}

// fetchRaw requests one page: page (0-based) and pageSize in the body,
// per-page in the query (Yii2's parameter), parent ids in the query.
func fetchRaw[W, T any](ctx context.Context, c *Client, s *listSpec[W, T], page int) (rawPage[W], error) {
	size := s.pageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	body := make(map[string]any, len(s.filters)+2)
	maps.Copy(body, s.filters)
	body["page"] = page
	body["pageSize"] = size
	cl := s.call
	cl.body = body
	cl.idempotent = true
	q := url.Values{}
	maps.Copy(q, s.call.query)
	q.Set("per-page", strconv.Itoa(size))
	cl.query = q
	resp, err := c.do(ctx, cl)
	if err != nil {
		return rawPage[W]{}, err
	}
	if resp.StatusCode/100 != 2 {
		return rawPage[W]{}, c.responseError(cl.op, resp)
	}
	return decodeRaw[W](c, cl.op, resp)
}

// decodeRaw decodes a 2xx list body: an envelope or a bare array.
func decodeRaw[W any](c *Client, op string, resp *transport.Response) (rawPage[W], error) {
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 {
		return rawPage[W]{}, invalid(op, resp.StatusCode, "empty body")
	}
	switch body[0] {
	case '[':
		var items []W
		if err := json.Unmarshal(body, &items); err != nil {
			return rawPage[W]{}, c.decodeError(op, resp, err)
		}
		return rawPage[W]{items: items, total: len(items), hasTotal: true, bare: true, status: resp.StatusCode}, nil
	case '{':
		var env envelope[W]
		if err := json.Unmarshal(body, &env); err != nil {
			return rawPage[W]{}, c.decodeError(op, resp, err)
		}
		failed := env.Success != nil && !bool(*env.Success)
		yiiErr := env.Items == nil && int(env.Status) >= 400
		if failed || yiiErr {
			e := &Error{Op: op, HTTPStatus: resp.StatusCode}
			c.fillError(e, &errBody{Name: env.Name, Message: env.Message, Code: env.Code, Status: env.Status, Success: env.Success, Errors: env.Errors})
			return rawPage[W]{}, e
		}
		if env.Items == nil && env.Total == nil {
			return rawPage[W]{}, invalid(op, resp.StatusCode, "list response without items or total")
		}
		p := rawPage[W]{status: resp.StatusCode}
		if env.Items != nil {
			p.items = *env.Items
		}
		if env.Total != nil {
			p.total, p.hasTotal = int(*env.Total), true
		}
		return p, nil
	}
	e := &Error{Op: op, HTTPStatus: resp.StatusCode}
	c.markInvalid(e, resp)
	return rawPage[W]{}, e
}

// decodeError reports a body that could not be decoded: malformed JSON
// (truncated, HTML) or items of unexpected types. The json and wire errors
// name types and fields, never values.
func (c *Client) decodeError(op string, resp *transport.Response, err error) error {
	if !json.Valid(resp.Body) {
		e := &Error{Op: op, HTTPStatus: resp.StatusCode}
		c.markInvalid(e, resp)
		return e
	}
	return invalid(op, resp.StatusCode, bound("unexpected types: "+c.t.Redactor().String(err.Error()), maxMessage))
}

// convPage converts and filters a raw page.
func convPage[W, T any](s *listSpec[W, T], rp *rawPage[W]) ([]T, error) {
	out := make([]T, 0, len(rp.items))
	for i := range rp.items {
		it, keep, err := s.conv(&rp.items[i])
		if err != nil {
			return nil, err
		}
		if keep {
			out = append(out, it)
		}
	}
	return out, nil
}

// getPage fetches and converts one page for the page-level methods.
func getPage[W, T any](ctx context.Context, c *Client, s *listSpec[W, T], page int) (Page[T], error) {
	if page < 0 {
		return Page[T]{}, fmt.Errorf("alfacrm: %s: negative page %d", s.call.op, page)
	}
	rp, err := fetchRaw(ctx, c, s, page)
	if err != nil {
		return Page[T]{}, err
	}
	items, err := convPage(s, &rp)
	if err != nil {
		return Page[T]{}, c.convError(s.call.op, err)
	}
	p := Page[T]{Items: items, Total: rp.total, Page: page, Next: page + 1}
	n := len(rp.items)
	switch {
	case n == 0, rp.bare:
		p.Next = -1
	case rp.hasTotal && rp.total > 0 && (page+1)*n >= rp.total:
		// Every page before this one held at least n items, so at least
		// (page+1)*n items exist up to here: the list is done.
		p.Next = -1
	}
	return p, nil
}

func (c *Client) convError(op string, err error) error {
	if _, ok := err.(*Error); ok {
		return err
	}
	return invalid(op, 200, bound(c.t.Redactor().String(err.Error()), maxMessage))
}

// iterate pages through a whole list. It never trusts the page size: it
// stops when the items seen reach the server's total, on an empty page, or
// with ErrRepeatedPage when a page has the same first and last ids as the
// previous one. An error is yielded once and ends the iteration; items
// already yielded stay delivered.
//
// An empty page ends the list only when the server gave no total or the
// items seen have reached it. An empty page before the total is read once
// more (a glitch, such as a replica that lags, must not silently drop the
// rest of the list); if it is empty again, the iteration ends with an
// *Error matching ErrIncompleteList and ErrInvalidResponse. A server whose
// total counts records it never returns ends in that error too, after
// every item it did return: the iterator cannot tell such a server from a
// glitch, and an error that loses nothing is better than a short list that
// looks complete. The total compared is the one of the empty page itself,
// so records deleted during the iteration (a lower total) end the list
// normally.
func iterate[W, T any](ctx context.Context, c *Client, s *listSpec[W, T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := 0
		prevFirst, prevLast := 0, 0
		for page := 0; ; page++ {
			if page >= maxPages {
				yield(zero, fmt.Errorf("alfacrm: %s: gave up after %d pages", s.call.op, maxPages))
				return
			}
			rp, err := fetchRaw(ctx, c, s, page)
			if err == nil && rp.shortOf(seen) {
				rp, err = fetchRaw(ctx, c, s, page) // the one re-read
				if err == nil && rp.shortOf(seen) {
					err = incompleteList(s.call.op, rp.status, page, seen, rp.total)
				}
			}
			if err != nil {
				yield(zero, err)
				return
			}
			n := len(rp.items)
			if n == 0 {
				return
			}
			first, last := s.id(&rp.items[0]), s.id(&rp.items[n-1])
			if page > 0 && first != 0 && first == prevFirst && last == prevLast {
				yield(zero, fmt.Errorf("%w: %s page %d has the same first and last ids as page %d", ErrRepeatedPage, s.call.op, page, page-1))
				return
			}
			prevFirst, prevLast = first, last
			for i := range rp.items {
				it, keep, err := s.conv(&rp.items[i])
				if err != nil {
					yield(zero, c.convError(s.call.op, err))
					return
				}
				if keep && !yield(it, nil) {
					return
				}
			}
			seen += n
			if rp.bare || (rp.hasTotal && rp.total > 0 && seen >= rp.total) {
				return
			}
		}
	}
}

// incompleteList reports a page that stayed empty before the list's total.
func incompleteList(op string, status, page, seen, total int) *Error {
	e := invalid(op, status, fmt.Sprintf("page %d empty after %d of %d items (read twice)", page, seen, total))
	e.incomplete = true
	return e
}
