package alfacrm

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// glitchyList serves customers 1..total of customer/index in pages of size
// (ignoring the requested page size) and counts the reads of each page.
// answer, if not nil, may replace the body of the read-th read (1-based)
// of a page; fail may replace the whole response.
type glitchyList struct {
	total, size int
	answer      func(page, read int) (body string, ok bool)
	fail        func(page, read int) *http.Response

	mu    sync.Mutex
	reads map[int]int
}

func (g *glitchyList) hook() hook {
	return pathHook("/v2api/1/customer/index", func(s seen) *http.Response {
		page := toInt(s.Body["page"])
		g.mu.Lock()
		if g.reads == nil {
			g.reads = map[int]int{}
		}
		g.reads[page]++
		read := g.reads[page]
		g.mu.Unlock()
		if g.fail != nil {
			if resp := g.fail(page, read); resp != nil {
				return resp
			}
		}
		if g.answer != nil {
			if body, ok := g.answer(page, read); ok {
				return jsonResp(200, body)
			}
		}
		var items []string
		for id := page*g.size + 1; id <= min((page+1)*g.size, g.total); id++ {
			items = append(items, fmt.Sprintf(`{"id":%d}`, id))
		}
		return jsonResp(200, fmt.Sprintf(`{"total":%d,"count":%d,"page":%d,"items":[%s]}`,
			g.total, len(items), page, strings.Join(items, ",")))
	})
}

// readsOf returns how often each page was read.
func (g *glitchyList) readsOf() map[int]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[int]int, len(g.reads))
	for k, v := range g.reads {
		out[k] = v
	}
	return out
}

// drain runs an iterator to its end, keeping every item and every error
// (an iterator must yield at most one error, and that one last).
func drain(seq func(func(Customer, error) bool)) (got []int, errs []error, itemsAfterErr int) {
	for c, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(errs) > 0 {
			itemsAfterErr++
		}
		got = append(got, c.ID)
	}
	return got, errs, itemsAfterErr
}

func seq(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestIterateRereadsTransientEmptyPage(t *testing.T) {
	f := newFake(t)
	g := &glitchyList{total: 10, size: 3, answer: func(page, read int) (string, bool) {
		if page == 1 && read == 1 {
			return `{"total":10,"count":0,"page":1,"items":[]}`, true
		}
		return "", false
	}}
	f.addHook(g.hook())
	got, errs, _ := drain(f.client().Customers(t.Context(), CustomerQuery{}))
	assert.Empty(t, errs)
	assert.Equal(t, seq(1, 10), got, "nothing lost, nothing repeated")
	assert.Equal(t, map[int]int{0: 1, 1: 2, 2: 1, 3: 1}, g.readsOf(), "only the empty page is read again")
}

func TestIterateEmptyPageTwiceIsIncompleteList(t *testing.T) {
	f := newFake(t)
	g := &glitchyList{total: 10, size: 3, answer: func(page, _ int) (string, bool) {
		if page == 2 {
			return `{"total":10,"count":0,"page":2,"items":[]}`, true
		}
		return "", false
	}}
	f.addHook(g.hook())
	got, errs, after := drain(f.client().Customers(t.Context(), CustomerQuery{}))
	assert.Equal(t, seq(1, 6), got, "the items before the empty page stay delivered")
	require.Len(t, errs, 1, "the error is yielded once")
	assert.Zero(t, after, "nothing follows the error")
	err := errs[0]
	assert.ErrorIs(t, err, ErrIncompleteList)
	assert.ErrorIs(t, err, ErrInvalidResponse)
	assert.NotErrorIs(t, err, ErrRepeatedPage)
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "customer/index", e.Op)
	assert.Equal(t, 200, e.HTTPStatus)
	assert.Equal(t, "alfacrm: customer/index: invalid response: page 2 empty after 6 of 10 items (read twice) (HTTP 200)", err.Error())
	assert.Equal(t, map[int]int{0: 1, 1: 1, 2: 2}, g.readsOf(), "the empty page is read twice, no page after it")
}

// TestIterateEmptyPageEndsListWhenTotalAllows: an empty page ends the list
// without an error (and without a re-read) when there is no total, when the
// total is 0, or when the total has dropped to the items seen (records
// deleted meanwhile); a re-read whose total has dropped ends it too.
func TestIterateEmptyPageEndsListWhenTotalAllows(t *testing.T) {
	tests := []struct {
		name   string
		answer func(page, read int) (string, bool)
		want   []int
		reads  map[int]int
	}{
		{
			name: "no total",
			answer: func(page, _ int) (string, bool) {
				if page == 0 {
					return `{"items":[{"id":1},{"id":2},{"id":3}]}`, true
				}
				return `{"items":[]}`, true
			},
			want:  seq(1, 3),
			reads: map[int]int{0: 1, 1: 1},
		},
		{
			name:   "total 0",
			answer: func(int, int) (string, bool) { return `{"total":0,"count":0,"page":0,"items":[]}`, true },
			reads:  map[int]int{0: 1},
		},
		{
			name: "total dropped to the items seen",
			answer: func(page, _ int) (string, bool) {
				if page == 1 {
					return `{"total":3,"count":0,"page":1,"items":[]}`, true
				}
				return "", false
			},
			want:  seq(1, 3),
			reads: map[int]int{0: 1, 1: 1},
		},
		{
			name: "total dropped on the re-read",
			answer: func(page, read int) (string, bool) {
				switch {
				case page == 1 && read == 1:
					return `{"total":10,"count":0,"page":1,"items":[]}`, true
				case page == 1:
					return `{"total":3,"count":0,"page":1,"items":[]}`, true
				}
				return "", false
			},
			want:  seq(1, 3),
			reads: map[int]int{0: 1, 1: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			g := &glitchyList{total: 10, size: 3, answer: tt.answer}
			f.addHook(g.hook())
			got, errs, _ := drain(f.client().Customers(t.Context(), CustomerQuery{}))
			assert.Empty(t, errs)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.reads, g.readsOf())
		})
	}
}

// TestIterateRereadFails: the re-read of an empty page fails; its error is
// the one yielded, once, after the delivered items.
func TestIterateRereadFails(t *testing.T) {
	f := newFake(t)
	g := &glitchyList{total: 10, size: 3, fail: func(page, read int) *http.Response {
		switch {
		case page == 1 && read == 1:
			return jsonResp(200, `{"total":10,"count":0,"page":1,"items":[]}`)
		case page == 1:
			return jsonResp(404, `{"name":"Not Found","message":"Page not found.","code":0,"status":404}`)
		}
		return nil
	}}
	f.addHook(g.hook())
	got, errs, after := drain(f.client().Customers(t.Context(), CustomerQuery{}))
	assert.Equal(t, seq(1, 3), got)
	require.Len(t, errs, 1)
	assert.Zero(t, after)
	assert.ErrorIs(t, errs[0], ErrNotFound)
	assert.NotErrorIs(t, errs[0], ErrIncompleteList)
	assert.Equal(t, map[int]int{0: 1, 1: 2}, g.readsOf())
}
