package metaleads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
)

// Page is one page of a Graph listing.
type Page[T any] struct {
	// Items are the items of this page, in Graph's order. A page may be empty
	// and still have a next page: Graph's end signal is the absence of a
	// next link, not a short or empty page.
	Items []T
	// After is the cursor of the next page, to pass as the After option of the
	// next page call; "" means this was the last page. It is read from
	// paging.cursors.after; the paging.next URL (which embeds the access
	// token) is never followed.
	After string
}

// pageFunc fetches the page after cursor with the given page size.
type pageFunc[T any] func(ctx context.Context, after string, limit int) (Page[T], error)

// Pager walks a Graph listing page by page and remembers where it is, so a
// sync can stop and later resume. Get one from LeadsPager, AdLeadsPager,
// FormsPager or AccountsPager. A Pager is not safe for concurrent use.
//
// Compared with calling a page method in a loop, a Pager also:
//   - halves the page size (down to 1) and retries the same cursor when Graph
//     answers "reduce the amount of data" (ErrReduceData);
//   - stops with ErrRepeatedCursor when Graph returns a cursor it already
//     returned, instead of looping forever.
//
// Graph cursors are short-lived ("don't store cursors"): keep Cursor for
// resuming within a run, and use a time window (LeadsOptions.Since) plus
// de-duplication on lead ID across runs.
type Pager[T any] struct {
	fetch   pageFunc[T]
	limit   int
	cursor  string
	done    bool
	err     error // sticky: invalid options or a repeated cursor
	pending error // error to return on the next call (after delivering a page)
	seen    map[string]bool
	log     func(ctx context.Context, msg string, attrs ...slog.Attr)
	wrap    func(error) error // the client's redaction point
	op      string
}

func newPager[T any](op string, fetch pageFunc[T], after string, limit int, log func(context.Context, string, ...slog.Attr)) *Pager[T] {
	p := &Pager[T]{fetch: fetch, limit: limit, cursor: after, seen: map[string]bool{}, log: log, op: op}
	if after != "" {
		p.seen[after] = true
	}
	return p
}

// redacting makes Next pass every error (context errors, ErrRepeatedCursor)
// through wrap, the client's redaction point.
func (p *Pager[T]) redacting(wrap func(error) error) *Pager[T] {
	p.wrap = wrap
	return p
}

func failedPager[T any](err error) *Pager[T] { return &Pager[T]{err: err} }

// clientPager returns the Pager of one of c's listings: a failed one when
// the options or the id were invalid (err), else one over fetch whose every
// error passes c's redaction point.
func clientPager[T any](c *Client, op string, err error, after string, limit int, fetch pageFunc[T]) *Pager[T] {
	if err != nil {
		return failedPager[T](c.err(err))
	}
	return newPager(op, fetch, after, limit, c.logDebug).redacting(c.err)
}

// lazySeq returns an iterator that builds a fresh Pager each time a range
// over it starts, so no request is sent before the first pull and every
// range starts from the beginning.
func lazySeq[T any](ctx context.Context, pager func() *Pager[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		pager().All(ctx)(yield)
	}
}

// Cursor returns the cursor from which the listing continues: the After
// option that fetches the first page not yet returned by Next or not fully
// delivered by All. "" means the start of the listing, or the end when Done
// reports true.
func (p *Pager[T]) Cursor() string { return p.cursor }

// Done reports whether the last page has been returned (and, under All,
// fully delivered).
func (p *Pager[T]) Done() bool { return p.done }

// PageSize returns the page size the next request will ask for; it shrinks
// when Graph asks for less data.
func (p *Pager[T]) PageSize() int { return p.limit }

// Next fetches the next page. After the last page it returns an empty page
// and a nil error, and Done reports true. An error leaves the Pager where it
// was, so Next may be called again to retry, except for ErrRepeatedCursor and
// invalid options, which are final.
func (p *Pager[T]) Next(ctx context.Context) (Page[T], error) {
	page, err := p.next(ctx)
	if err != nil && p.wrap != nil {
		err = p.wrap(err)
	}
	return page, err
}

func (p *Pager[T]) next(ctx context.Context) (Page[T], error) {
	if p.err != nil {
		return Page[T]{}, p.err
	}
	if p.pending != nil {
		p.err, p.pending = p.pending, nil
		return Page[T]{}, p.err
	}
	if p.done {
		return Page[T]{}, nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return Page[T]{}, err
		}
		page, err := p.fetch(ctx, p.cursor, p.limit)
		if err != nil {
			if errors.Is(err, ErrReduceData) && p.limit > 1 {
				p.limit = max(1, p.limit/2)
				if p.log != nil {
					p.log(ctx, "metaleads: Graph asked for less data; halving the page size",
						slog.String("op", p.op), slog.Int("page_size", p.limit))
				}
				continue
			}
			return Page[T]{}, err
		}
		if page.After == "" {
			p.done = true
			p.cursor = ""
			return page, nil
		}
		if p.seen[page.After] {
			// Deliver what arrived; fail on the next call.
			p.pending = fmt.Errorf("%w (after %d distinct cursors)", ErrRepeatedCursor, len(p.seen))
			page.After = ""
			return page, nil
		}
		p.seen[page.After] = true
		p.cursor = page.After
		return page, nil
	}
}

// All returns an iterator over the remaining items, fetching pages lazily as
// the loop advances (no request before the first pull). It continues over
// empty pages while Graph says more pages exist, checks ctx between pages,
// yields an error at most once and then stops. When the loop breaks in the
// middle of a page, Cursor still points at that page, so resuming delivers
// its remaining items (and, again, the ones already seen: de-duplicate on ID).
func (p *Pager[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for !p.done || p.pending != nil || p.err != nil {
			prevCursor := p.cursor
			page, err := p.Next(ctx)
			if err != nil {
				yield(zero, err)
				return
			}
			for i, item := range page.Items {
				if !yield(item, nil) {
					if i < len(page.Items)-1 {
						p.rewind(prevCursor, page.After)
					}
					return
				}
			}
		}
	}
}

// rewind returns the pager to the page that started at cursor, which was not
// fully delivered.
func (p *Pager[T]) rewind(cursor, after string) {
	if after != "" {
		delete(p.seen, after)
	}
	p.cursor, p.done, p.pending = cursor, false, nil
}

// edgePage reads one page of an edge: GET path with q plus limit (when
// positive) and after (when set), the body turned into a page by decode (a
// decoding error is an invalid response). q is modified.
func edgePage[T any](ctx context.Context, c *Client, op, path string, q url.Values, after string, limit int, decode func([]byte) (Page[T], error)) (Page[T], error) {
	if q == nil {
		q = url.Values{}
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if after != "" {
		q.Set("after", after)
	}
	resp, err := c.send(ctx, call{op: op, method: http.MethodGet, path: path, query: q})
	if err != nil {
		return Page[T]{}, err
	}
	page, err := decode(resp.Body)
	if err != nil {
		return Page[T]{}, c.invalidResponse(resp, err)
	}
	return page, nil
}

// decodeWithExtra decodes a page; when extra is true it also collects, for
// each item, the raw JSON of keys not in known and hands them to set.
func decodeWithExtra[T any](body []byte, extra bool, known map[string]bool, set func(*T, map[string]json.RawMessage)) (Page[T], error) {
	if !extra {
		return decodePage[T](body)
	}
	raw, err := decodePage[json.RawMessage](body)
	if err != nil {
		return Page[T]{}, err
	}
	out := Page[T]{Items: make([]T, len(raw.Items)), After: raw.After}
	for i, r := range raw.Items {
		if err := decodeExtra(r, &out.Items[i], known, set); err != nil {
			return Page[T]{}, fmt.Errorf("item %d: %w", i, err)
		}
	}
	return out, nil
}

// decodeExtra decodes one object into v and its unknown keys into Extra.
func decodeExtra[T any](r json.RawMessage, v *T, known map[string]bool, set func(*T, map[string]json.RawMessage)) error {
	if err := json.Unmarshal(r, v); err != nil {
		return err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r, &m); err != nil {
		return err
	}
	for k := range m {
		if known[k] {
			delete(m, k)
		}
	}
	if len(m) > 0 {
		set(v, m)
	}
	return nil
}
