package metaleadstest

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
)

// listResult is Graph's list envelope.
type listResult struct {
	Data   []node  `json:"data"`
	Paging *paging `json:"paging,omitempty"`
}

type paging struct {
	Cursors  *cursors `json:"cursors,omitempty"`
	Previous string   `json:"previous,omitempty"`
	Next     string   `json:"next,omitempty"`
}

type cursors struct {
	Before string `json:"before"`
	After  string `json:"after"`
}

// Cursors are opaque to clients: standard base64 (with '=' padding, '+'
// and '/', as Graph's often have) of a small text. Index cursors ("i:<n>")
// serve static lists; lead cursors ("L:<unix>:<id>[:<nonce>]") point at a
// lead by its sort key so they survive insertions and deletions.
func encodeCursor(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func decodeCursor(c string) (string, bool) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		// Tolerate clients that dropped the padding or used URL-safe base64.
		b, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(c, "="))
		if err != nil {
			return "", false
		}
	}
	return string(b), true
}

func errCursor() *graphErr { return errParam("The parameter after or before is not a valid cursor") }

// pageLimit reads limit: default 25, clamped to the page size cap.
func (s *Server) pageLimit(c *call, heavy bool) (int, *graphErr) {
	n := DefaultPageSize
	if v := c.params.Get("limit"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, errParam("Param limit must be a non-negative integer")
		}
		if n == 0 {
			n = DefaultPageSize
		}
	}
	if heavy && s.cfg.reduceDataAbove > 0 && n > s.cfg.reduceDataAbove {
		return 0, errReduceData()
	}
	if n > s.cfg.pageSizeCap {
		n = s.cfg.pageSizeCap
	}
	return n, nil
}

// pageURL builds a paging link the way Graph does: the same path and
// parameters, a new cursor, and the access token embedded in the query.
func (s *Server) pageURL(c *call, key, cursor string) string {
	q := url.Values{}
	for k, vs := range c.params {
		switch k {
		case "after", "before", "access_token", "batch", "include_headers":
			continue
		}
		q[k] = vs
	}
	q.Set(key, cursor)
	q.Set("access_token", c.token)
	return s.st.baseURL + "/" + c.version + c.path + "?" + q.Encode()
}

// listPage pages a static list with index cursors, rendering each item.
func (s *Server) listPage(c *call, items []node, render func(node) (node, *graphErr)) (any, *graphErr) {
	limit, gerr := s.pageLimit(c, false)
	if gerr != nil {
		return nil, gerr
	}
	// Validate the selection even on an empty list.
	if _, gerr := render(node{}); gerr != nil {
		return nil, gerr
	}
	var start, end int
	if a := c.params.Get("after"); a != "" {
		k, ok := indexCursor(a)
		if !ok {
			return nil, errCursor()
		}
		start = min(k+1, len(items))
		end = min(start+limit, len(items))
	} else if b := c.params.Get("before"); b != "" {
		k, ok := indexCursor(b)
		if !ok {
			return nil, errCursor()
		}
		end = min(k, len(items))
		start = max(0, end-limit)
	} else {
		end = min(limit, len(items))
	}
	out := listResult{Data: make([]node, 0, end-start)}
	for _, it := range items[start:end] {
		n, gerr := render(it)
		if gerr != nil {
			return nil, gerr
		}
		out.Data = append(out.Data, n)
	}
	if end > start {
		first, last := encodeCursor("i:"+strconv.Itoa(start)), encodeCursor("i:"+strconv.Itoa(end-1))
		out.Paging = &paging{Cursors: &cursors{Before: first, After: last}}
		if end < len(items) {
			out.Paging.Next = s.pageURL(c, "after", last)
		}
		if start > 0 {
			out.Paging.Previous = s.pageURL(c, "before", first)
		}
	}
	return out, nil
}

func indexCursor(c string) (int, bool) {
	s, ok := decodeCursor(c)
	if !ok {
		return 0, false
	}
	rest, ok := strings.CutPrefix(s, "i:")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
