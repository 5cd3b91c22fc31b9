package alfacrm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func collect[T any](t *testing.T, seq func(func(T, error) bool)) ([]T, error) {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

func ids(cs []Customer) []int {
	out := make([]int, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func TestCustomersStudentsOnlyByDefault(t *testing.T) {
	f := newFake(t)
	f.add(map[string]any{"id": 1, "name": "Student One", "is_study": 1})
	f.add(map[string]any{"id": 2, "name": "Lead Two", "is_study": 0})
	f.add(map[string]any{"id": 3, "name": "Archived Student", "is_study": 1, "removed": 1})
	f.add(map[string]any{"id": 4, "name": "Archived Lead", "is_study": 0, "removed": 1})
	c := f.client()
	ctx := t.Context()

	got, err := collect(t, c.Customers(ctx, CustomerQuery{}))
	require.NoError(t, err)
	assert.Equal(t, []int{1}, ids(got), "no is_study: active students only")
	_, sent := f.reqs("/v2api/1/customer/index")[0].Body["is_study"]
	assert.False(t, sent, "the zero query sends no is_study")

	got, err = collect(t, c.Customers(ctx, CustomerQuery{IsStudy: new(false)}))
	require.NoError(t, err)
	assert.Equal(t, []int{2}, ids(got))

	got, err = collect(t, c.Customers(ctx, CustomerQuery{IsStudy: new(false), Removed: ActiveAndArchived}))
	require.NoError(t, err)
	assert.Equal(t, []int{2, 4}, ids(got))

	got, err = collect(t, c.Customers(ctx, CustomerQuery{IsStudy: new(true), Removed: ArchivedOnly}))
	require.NoError(t, err)
	assert.Equal(t, []int{3}, ids(got))

	reqs := f.reqs("/v2api/1/customer/index")
	assert.Equal(t, json.Number("0"), reqs[1].Body["is_study"])
	assert.Equal(t, json.Number("1"), reqs[2].Body["removed"])
	assert.Equal(t, json.Number("2"), reqs[3].Body["removed"])
}

func TestCustomerFindsLeadsAndArchivedCards(t *testing.T) {
	f := newFake(t)
	f.add(map[string]any{"id": 10, "name": "Archived Student", "is_study": 1, "removed": 1})
	f.add(map[string]any{"id": 11, "name": "Archived Lead", "is_study": 0, "removed": 1})
	c := f.client()

	cu, err := c.Customer(t.Context(), 10)
	require.NoError(t, err)
	assert.Equal(t, "Archived Student", cu.Name)
	assert.Len(t, f.reqs("/v2api/1/customer/index"), 1, "a student is found by the first request")

	cu, err = c.Customer(t.Context(), 11)
	require.NoError(t, err)
	assert.Equal(t, "Archived Lead", cu.Name)
	assert.False(t, cu.IsStudy)
	reqs := f.reqs("/v2api/1/customer/index")
	require.Len(t, reqs, 3)
	for _, r := range reqs {
		assert.Equal(t, json.Number("1"), r.Body["removed"], "archived cards are searched")
	}
	assert.Equal(t, json.Number("0"), reqs[2].Body["is_study"], "leads are searched second")

	_, err = c.Customer(t.Context(), 99)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestCustomerIgnoresOtherIDsFromServer(t *testing.T) {
	f := newFake(t)
	// A server that ignores the id filter returns some other card.
	f.addHook(pathHook("/v2api/1/customer/index", func(seen) *http.Response {
		return jsonResp(200, `{"total":1,"count":1,"page":0,"items":[{"id":77,"name":"Someone Else"}]}`)
	}))
	c := f.client()
	_, err := c.Customer(t.Context(), 5)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestPagingZeroBasedIgnoringPageSize(t *testing.T) {
	f := newFake(t)
	f.pageSize = 3 // the server ignores the 50 the client asks for
	for i := range 7 {
		f.add(map[string]any{"id": 100 + i, "name": fmt.Sprintf("Student %d", i)})
	}
	c := f.client()
	got, err := collect(t, c.Customers(t.Context(), CustomerQuery{}))
	require.NoError(t, err)
	assert.Equal(t, []int{100, 101, 102, 103, 104, 105, 106}, ids(got))

	reqs := f.reqs("/v2api/1/customer/index")
	require.Len(t, reqs, 3, "stops when the items seen reach total: no extra request")
	for i, r := range reqs {
		assert.Equal(t, json.Number(fmt.Sprint(i)), r.Body["page"], "pages are 0-based")
		assert.Equal(t, json.Number("50"), r.Body["pageSize"])
		assert.Equal(t, "50", r.Query.Get("per-page"))
	}

	// Page-level calls.
	p, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
	require.NoError(t, err)
	assert.Equal(t, 7, p.Total)
	assert.Equal(t, 0, p.Page)
	assert.Equal(t, 1, p.Next)
	p, err = c.CustomersPage(t.Context(), CustomerQuery{}, 2)
	require.NoError(t, err)
	assert.Equal(t, []int{106}, ids(p.Items))
	assert.Equal(t, 3, p.Next, "conservative: the partial last page cannot prove the end")
	p, err = c.CustomersPage(t.Context(), CustomerQuery{}, 3)
	require.NoError(t, err)
	assert.Empty(t, p.Items)
	assert.Equal(t, -1, p.Next)
	_, err = c.CustomersPage(t.Context(), CustomerQuery{}, -1)
	assert.Error(t, err)
}

func TestPagingWithoutTotalStopsOnEmptyPage(t *testing.T) {
	f := newFake(t)
	items := []map[string]any{{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}, {"id": 5}}
	f.addHook(pathHook("/v2api/1/customer/index", func(s seen) *http.Response {
		page := toInt(s.Body["page"])
		lo := min(page*2, len(items))
		hi := min(lo+2, len(items))
		return jsonResp(200, map[string]any{"items": items[lo:hi]})
	}))
	c := f.client()
	got, err := collect(t, c.Customers(t.Context(), CustomerQuery{}))
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3, 4, 5}, ids(got))
	assert.Len(t, f.reqs("/v2api/1/customer/index"), 4)
}

// TestPagingTotalBeyondItemsStopsOnEmptyPage: a page that stays empty
// while the total says more items exist ends the iteration with an error
// after the items already delivered (it used to end silently, dropping the
// rest of the list).
func TestPagingTotalBeyondItemsStopsOnEmptyPage(t *testing.T) {
	f := newFake(t)
	f.addHook(pathHook("/v2api/1/customer/index", func(s seen) *http.Response {
		if toInt(s.Body["page"]) == 0 {
			return jsonResp(200, `{"total":10,"count":2,"page":0,"items":[{"id":1},{"id":2}]}`)
		}
		return jsonResp(200, `{"total":10,"count":0,"page":1,"items":[]}`)
	}))
	c := f.client()
	got, err := collect(t, c.Customers(t.Context(), CustomerQuery{}))
	require.ErrorIs(t, err, ErrIncompleteList)
	assert.ErrorIs(t, err, ErrInvalidResponse)
	assert.Equal(t, []int{1, 2}, ids(got), "the items before the empty page stay delivered")
	assert.Len(t, f.reqs("/v2api/1/customer/index"), 3, "page 0 once, the empty page 1 twice")
}

func TestRepeatedPageStops(t *testing.T) {
	f := newFake(t)
	// A server that ignores "page" entirely.
	f.addHook(pathHook("/v2api/1/customer/index", func(seen) *http.Response {
		return jsonResp(200, `{"total":10,"count":3,"page":0,"items":[{"id":1},{"id":2},{"id":3}]}`)
	}))
	c := f.client()
	got, err := collect(t, c.Customers(t.Context(), CustomerQuery{}))
	assert.ErrorIs(t, err, ErrRepeatedPage)
	assert.Equal(t, []int{1, 2, 3}, ids(got), "the first page stays delivered, nothing is repeated")
	assert.Len(t, f.reqs("/v2api/1/customer/index"), 2)
}

func TestIteratorYieldsErrorOnceAndStops(t *testing.T) {
	f := newFake(t)
	f.addHook(pathHook("/v2api/1/customer/index", func(s seen) *http.Response {
		if toInt(s.Body["page"]) == 0 {
			return jsonResp(200, `{"total":4,"items":[{"id":1},{"id":2}]}`)
		}
		return jsonResp(404, `{"name":"Not Found","message":"Page not found.","status":404}`)
	}))
	c := f.client()
	var got []int
	var errs []error
	for cu, err := range c.Customers(t.Context(), CustomerQuery{}) {
		if err != nil {
			errs = append(errs, err)
			continue // the iterator must stop by itself
		}
		got = append(got, cu.ID)
	}
	assert.Equal(t, []int{1, 2}, got)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrNotFound)

	// Early break sends no further request.
	n := len(f.reqs(""))
	for range c.Customers(t.Context(), CustomerQuery{}) {
		break
	}
	assert.Equal(t, n+1, len(f.reqs("")))
}

func TestTokenExpiryMidIterationLosesNothing(t *testing.T) {
	f := newFake(t)
	f.pageSize = 2
	for i := range 7 {
		f.add(map[string]any{"id": 200 + i, "name": "Student"})
	}
	c := f.client()
	var got []int
	for cu, err := range c.Customers(t.Context(), CustomerQuery{}) {
		require.NoError(t, err)
		got = append(got, cu.ID)
		if len(got) == 3 { // during page 1: the token expires on the server
			f.expireTokens()
		}
	}
	assert.Equal(t, []int{200, 201, 202, 203, 204, 205, 206}, got, "no item lost, none repeated")
	assert.Equal(t, int32(2), f.logins.Load())
	assert.Equal(t, int32(1), f.rejected.Load())
}

func TestBareArrayResponse(t *testing.T) {
	f := newFake(t)
	f.addHook(pathHook("/v2api/1/customer/index", func(seen) *http.Response {
		return jsonResp(200, `[{"id":"5","name":"Bare One"},{"id":6,"name":"Bare Two"}]`)
	}))
	c := f.client()
	got, err := collect(t, c.Customers(t.Context(), CustomerQuery{}))
	require.NoError(t, err)
	assert.Equal(t, []int{5, 6}, ids(got))
	assert.Len(t, f.reqs("/v2api/1/customer/index"), 1, "a bare array is the whole list")
	p, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
	require.NoError(t, err)
	assert.Equal(t, -1, p.Next)
}

func TestSuccessFalseOnListIsAnError(t *testing.T) {
	f := newFake(t)
	f.addHook(pathHook("/v2api/1/customer/index", func(seen) *http.Response {
		return jsonResp(200, `{"success":false,"errors":["Unknown filter"]}`)
	}))
	c := f.client()
	_, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
	assert.ErrorIs(t, err, ErrValidation)
}

func TestCustomerQueryFilters(t *testing.T) {
	f := newFake(t)
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	require.NoError(t, err)
	c := f.client(func(c *Config) { c.Location = kyiv })
	q := CustomerQuery{
		ID: 5, Phone: "631234567", Email: "a@example.com", Name: "Ivan", IsStudy: new(true), Removed: ActiveAndArchived,
		StudyStatusID: 2, LeadStatusID: 3, LeadSourceID: 4, AssignedID: 6,
		DateFrom: time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC), // already Feb 1 in Kyiv
		DateTo:   time.Date(2026, 2, 28, 0, 0, 0, 0, kyiv),
		PageSize: 20, Extra: map[string]any{"withGroups": true, "name": "Override"},
	}
	_, err = c.CustomersPage(t.Context(), q, 1)
	require.NoError(t, err)
	r := f.reqs("/v2api/1/customer/index")[0]
	want := map[string]any{
		"id": json.Number("5"), "phone": "631234567", "email": "a@example.com", "name": "Override",
		"is_study": json.Number("1"), "removed": json.Number("1"), "study_status_id": json.Number("2"),
		"lead_status_id": json.Number("3"), "lead_source_id": json.Number("4"), "assigned_id": json.Number("6"),
		"date_from": "01.02.2026", "date_to": "28.02.2026", "withGroups": true,
		"page": json.Number("1"), "pageSize": json.Number("20"),
	}
	assert.Equal(t, want, r.Body)
	assert.Equal(t, "20", r.Query.Get("per-page"))
}

// The customer/index capture of the reference (§11), with invented data.
func TestDecodeCustomerCapture(t *testing.T) {
	body, err := os.ReadFile("testdata/customers_capture.json")
	require.NoError(t, err)
	f := newFake(t)
	f.addHook(pathHook("/v2api/1/customer/index", func(seen) *http.Response { return jsonResp(200, body) }))
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	require.NoError(t, err)
	c := f.client(func(c *Config) { c.Location = kyiv })
	p, err := c.CustomersPage(t.Context(), CustomerQuery{}, 0)
	require.NoError(t, err)
	assert.Equal(t, 887, p.Total)
	require.Len(t, p.Items, 3)

	a := p.Items[0]
	assert.Equal(t, 5303, a.ID)
	assert.Equal(t, []int{1}, a.BranchIDs)
	assert.Equal(t, []string{"Anna Teacher"}, a.TeacherNames)
	assert.Empty(t, a.TeacherIDs)
	assert.True(t, a.IsStudy)
	assert.Zero(t, a.StudyStatusID)
	assert.Equal(t, 25, a.LeadSourceID)
	assert.Equal(t, 6, a.AssignedID)
	assert.Equal(t, time.Date(2012, 5, 6, 0, 0, 0, 0, kyiv), a.DOB)
	assert.True(t, decimal.RequireFromString("6998.50").Equal(a.Balance))
	assert.True(t, decimal.NewFromInt(2320).Equal(a.BalanceBonus))
	assert.Equal(t, 12, a.PaidCount)
	assert.Equal(t, time.Date(2021, 7, 21, 12, 0, 0, 0, kyiv), a.NextLessonDate)
	assert.Equal(t, time.Date(2021, 5, 20, 0, 0, 0, 0, kyiv), a.LastAttendDate)
	assert.Equal(t, time.Date(2020, 9, 17, 14, 28, 27, 0, kyiv), a.ContractStart)
	assert.Equal(t, []string{"+7(900)000-00-01", "+79000000002"}, a.Phones)
	assert.Equal(t, []string{"parent@example.com"}, a.Emails)
	assert.Equal(t, map[string]string{"gorod": "", "dogovora": `["A-1","A-2"]`, "level": "3"}, a.Custom)

	b := p.Items[1]
	assert.Equal(t, 4004, b.ID)
	assert.True(t, b.DOB.IsZero(), `"" is no date`)
	assert.True(t, b.NextLessonDate.IsZero(), "null is no date")
	assert.True(t, decimal.RequireFromString("-4600").Equal(b.Balance))
	assert.Equal(t, -5, b.PaidCount)
	assert.Empty(t, b.Phones)

	// The third item uses the other forms: string ids, numbers as money,
	// a single phone string, bool flags, teacher ids as numbers.
	x := p.Items[2]
	assert.Equal(t, 4005, x.ID)
	assert.Equal(t, []int{1, 2}, x.BranchIDs)
	assert.Equal(t, []int{7, 8}, x.TeacherIDs)
	assert.Equal(t, []string{"Petro Teacher"}, x.TeacherNames)
	assert.False(t, x.IsStudy)
	assert.Equal(t, 3, x.LeadStatusID)
	assert.True(t, decimal.RequireFromString("1500.5").Equal(x.Balance))
	assert.Equal(t, []string{"0631234567"}, x.Phones)
	assert.Equal(t, time.Date(2026, 3, 1, 10, 0, 0, 0, kyiv), x.CreatedAt)
	assert.Equal(t, time.Date(2026, 3, 2, 0, 0, 0, 0, kyiv), x.UpdatedAt)
}
