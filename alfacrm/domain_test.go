package alfacrm

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Pay types as an instance may number them: the ids are per account.
var payTypes = []map[string]any{
	{"id": 11, "name": " ДОХОД "},
	{"id": 12, "name": "Расход"},
	{"id": 13, "name": "Дохід"},
	{"id": 14, "name": "Income"},
	{"id": 15, "name": "Expense"},
}

func payment(id, customer, payType int, date string, income any) map[string]any {
	return map[string]any{
		"id": id, "branch_id": 1, "customer_id": customer, "pay_type_id": payType, "pay_account_id": 4,
		"document_date": date, "created_at": "2026-05-22 12:28:55", "income": income, "payer_name": "Maria Example",
		"note": "", "is_confirmed": 1,
	}
}

func TestPaymentsIncomeByPayTypeName(t *testing.T) {
	f := newFake(t)
	f.addHook(pagedHook("/v2api/1/pay-type/index", 2, payTypes))
	pays := []map[string]any{
		payment(9, 5303, 11, "22.05.2026", "4500.00"),
		payment(8, 5303, 12, "21.05.2026", 1200),
		payment(7, 5303, 13, "20.05.2026", "1 000,50"),
		payment(6, 5303, 14, "19.05.2026", 99.99),
		payment(5, 5303, 15, "18.05.2026", "10"),
		payment(4, 9999, 11, "17.05.2026", "777"), // another customer: dropped
	}
	f.addHook(pagedHook("/v2api/1/pay/index", 4, pays))
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	c := f.client(func(c *Config) { c.Location = kyiv })

	got, err := collect(t, c.Payments(t.Context(), PaymentQuery{CustomerID: 5303}))
	require.NoError(t, err)
	require.Len(t, got, 5)
	var income []int
	for _, p := range got {
		if p.Income {
			income = append(income, p.ID)
		}
	}
	assert.Equal(t, []int{9, 7, 6}, income)
	assert.True(t, decimal.RequireFromString("1000.50").Equal(got[2].Sum))
	assert.True(t, decimal.RequireFromString("99.99").Equal(got[3].Sum), "a JSON number is read exactly")
	assert.Equal(t, time.Date(2026, 5, 22, 0, 0, 0, 0, kyiv), got[0].Date)
	assert.Equal(t, time.Date(2026, 5, 22, 12, 28, 55, 0, kyiv), got[0].CreatedAt)
	assert.True(t, got[0].Confirmed)

	r := f.reqs("/v2api/1/pay/index")[0]
	assert.Equal(t, json.Number("5303"), r.Body["customer_id"])
	assert.Len(t, f.reqs("/v2api/1/pay-type/index"), 3, "the pay types are read once (all pages)")

	s, err := c.PaymentSummary(t.Context(), 5303)
	require.NoError(t, err)
	assert.Equal(t, 3, s.Count)
	assert.True(t, decimal.RequireFromString("5600.49").Equal(s.Total), s.Total.String())
	assert.Equal(t, time.Date(2026, 5, 19, 0, 0, 0, 0, kyiv), s.First)
	assert.Equal(t, time.Date(2026, 5, 22, 0, 0, 0, 0, kyiv), s.Last)
	assert.Len(t, f.reqs("/v2api/1/pay-type/index"), 3, "the dictionary is cached")
}

func TestPaymentsIncomeIDsOverride(t *testing.T) {
	f := newFake(t)
	f.addHook(pagedHook("/v2api/1/pay/index", 50, []map[string]any{
		payment(2, 1, 12, "02.01.2026", "5"),
		payment(1, 1, 11, "01.01.2026", "7"),
	}))
	c := f.client(func(c *Config) { c.IncomePayTypeIDs = []int{12} })
	got, err := collect(t, c.IncomePayments(t.Context(), PaymentQuery{}))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, 2, got[0].ID)
	assert.Empty(t, f.reqs("/v2api/1/pay-type/index"), "no dictionary needed")
}

func TestPaymentsDateWindowAppliedOnClient(t *testing.T) {
	f := newFake(t)
	f.addHook(pagedHook("/v2api/1/pay-type/index", 50, payTypes))
	// A server that ignores date_from/date_to.
	f.addHook(pagedHook("/v2api/1/pay/index", 50, []map[string]any{
		payment(3, 1, 11, "01.03.2026", "1"),
		payment(2, 1, 11, "28.02.2026", "1"),
		payment(1, 1, 11, "31.01.2026", "1"),
	}))
	c := f.client()
	p, err := c.PaymentsPage(t.Context(), PaymentQuery{DateFrom: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), DateTo: time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)}, 0)
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	assert.Equal(t, 2, p.Items[0].ID)
	assert.Equal(t, 3, p.Total, "Total is the server's")
	r := f.reqs("/v2api/1/pay/index")[0]
	assert.Equal(t, "2026-02-01", r.Body["date_from"])
	assert.Equal(t, "2026-02-28", r.Body["date_to"])
}

func TestPaymentsFailWhenPayTypesUnreadable(t *testing.T) {
	f := newFake(t)
	f.addHook(pathHook("/v2api/1/pay-type/index", func(seen) *http.Response {
		return jsonResp(403, `{"name":"Forbidden","message":"Access Denied","status":403}`)
	}))
	c := f.client()
	_, err := collect(t, c.Payments(t.Context(), PaymentQuery{}))
	assert.ErrorIs(t, err, ErrAccessDenied)
	assert.Contains(t, err.Error(), "pay types")
	assert.Empty(t, f.reqs("/v2api/1/pay/index"))
}

func lesson(id int, date string, status int, details ...map[string]any) map[string]any {
	return map[string]any{
		"id": id, "branch_id": 1, "date": date, "time_from": date + " 14:00:00", "time_to": date + " 15:30:00",
		"lesson_type_id": 2, "status": status, "subject_id": 4, "room_id": 2, "teacher_ids": []int{7},
		"customer_ids": []int{}, "group_ids": []int{12}, "regular_id": 331, "streaming": false,
		"topic": "Fractions", "note": "", "homework": "", "details": details,
	}
}

func detail(customer int, attend any) map[string]any {
	return map[string]any{"id": 150000 + customer, "customer_id": customer, "is_attend": attend, "reason_id": nil, "commission": "450.00"}
}

func TestLessonsAndAttendance(t *testing.T) {
	f := newFake(t)
	lessons := []map[string]any{
		lesson(1, "2026-09-01", 3, detail(5303, 1), detail(4004, 0)),
		lesson(2, "2026-09-08", 3, detail(5303, "0")),
		lesson(3, "2026-09-15", 3, detail(5303, true)),
		lesson(4, "2026-09-22", 1, detail(5303, 0)), // planned: not counted even if returned
		lesson(5, "2026-09-23", 3, detail(4004, 1)), // the customer is not on it
		lesson(3, "2026-09-15", 3, detail(5303, true)),
	}
	f.addHook(pagedHook("/v2api/1/lesson/index", 2, lessons))
	c := f.client()

	got, err := collect(t, c.Lessons(t.Context(), LessonQuery{CustomerID: 5303}))
	require.NoError(t, err)
	require.Len(t, got, 6)
	l := got[0]
	assert.Equal(t, LessonConducted, l.Status)
	assert.Equal(t, "conducted", l.Status.String())
	assert.Equal(t, time.Date(2026, 9, 1, 14, 0, 0, 0, time.UTC), l.TimeFrom)
	assert.Equal(t, []int{7}, l.TeacherIDs)
	assert.Equal(t, []int{12}, l.GroupIDs)
	require.Len(t, l.Details, 2)
	assert.Equal(t, Attendance{ID: 155303, CustomerID: 5303, IsAttend: true, Commission: decimal.RequireFromString("450")}, Attendance{ID: l.Details[0].ID, CustomerID: l.Details[0].CustomerID, IsAttend: l.Details[0].IsAttend, Commission: l.Details[0].Commission.Truncate(0)})

	s, err := c.Attendance(t.Context(), 5303, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	assert.Equal(t, AttendanceSummary{Attended: 2, Missed: 1, LastAttended: time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)}, s)
	r := f.reqs("/v2api/1/lesson/index")
	last := r[len(r)-1]
	assert.Equal(t, json.Number("3"), last.Body["status"], "conducted lessons only")
	assert.Equal(t, json.Number("5303"), last.Body["customer_id"])
	assert.Equal(t, "2026-09-01", last.Body["date_from"])
	assert.Equal(t, "2026-09-30", last.Body["date_to"])

	first := r[0]
	_, sent := first.Body["status"]
	assert.False(t, sent, "Lessons without a status sends none (the server's default: conducted)")
}

func TestDictionariesCachedAndInvalidated(t *testing.T) {
	synctest.Test(t, testDictionaries)
}

func testDictionaries(t *testing.T) {
	f := newFake(t)
	release := make(chan struct{})
	f.addHook(func(s seen) (*http.Response, error, bool) {
		if s.Path == "/v2api/1/lead-status/index" {
			<-release
			return jsonResp(200, `{"total":2,"count":2,"page":0,"items":[{"id":1,"name":"New","is_enabled":1,"weight":1},{"id":2,"name":"Called","is_enabled":0,"weight":2}]}`), nil, true
		}
		return nil, nil, false
	})
	f.addHook(pagedHook("/v2api/branch/index", 50, []map[string]any{{"id": 1, "name": "Main", "is_active": 1}, {"id": 2, "name": "Old", "is_active": 0}}))
	f.addHook(pagedHook("/v2api/1/lead-source/index", 50, []map[string]any{{"id": 3, "code": "fb", "name": "Facebook"}}))
	f.addHook(pagedHook("/v2api/1/subject/index", 50, []map[string]any{{"id": 4, "name": "Maths"}}))
	f.addHook(pagedHook("/v2api/1/study-status/index", 50, []map[string]any{{"id": 5, "name": "Studying"}}))
	c := f.client()

	var wg sync.WaitGroup
	results := make([]Dictionary, 10)
	for i := range results {
		wg.Go(func() {
			d, err := c.LeadStatuses(t.Context())
			assert.NoError(t, err)
			results[i] = d
		})
	}
	synctest.Wait() // all ten callers are blocked: one in the request, nine waiting for it
	assert.Len(t, f.reqs("/v2api/1/lead-status/index"), 1)
	close(release)
	wg.Wait()
	assert.Len(t, f.reqs("/v2api/1/lead-status/index"), 1, "concurrent first uses share one load")
	for _, d := range results {
		assert.Equal(t, Dictionary{{ID: 1, Name: "New", Enabled: true, Weight: 1}, {ID: 2, Name: "Called", Weight: 2}}, d)
	}
	results[0][0].Name = "mutated"
	d, err := c.LeadStatuses(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "New", d.Name(1), "callers get copies")
	it, ok := d.ByName(" called ")
	assert.True(t, ok)
	assert.Equal(t, 2, it.ID)
	_, ok = d.ByID(9)
	assert.False(t, ok)
	assert.Len(t, f.reqs("/v2api/1/lead-status/index"), 1)

	c.InvalidateDictionaries(DictLeadStatus)
	_, err = c.LeadStatuses(t.Context())
	require.NoError(t, err)
	assert.Len(t, f.reqs("/v2api/1/lead-status/index"), 2, "reloaded after invalidation")

	b, err := c.Branches(t.Context())
	require.NoError(t, err)
	assert.Equal(t, Dictionary{{ID: 1, Name: "Main", Enabled: true}, {ID: 2, Name: "Old"}}, b)
	assert.Len(t, f.reqs("/v2api/branch/index"), 1, "branches are global: no branch id in the path")

	src, err := c.LeadSources(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "fb", src[0].Code)
	subj, err := c.Subjects(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "Maths", subj.Name(4))
	assert.Equal(t, false, f.reqs("/v2api/1/subject/index")[0].Body["active"], "inactive subjects too")
	st, err := c.StudyStatuses(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "Studying", st.Name(5))

	_, err = c.Dictionary(t.Context(), "nonsense")
	assert.Error(t, err)
}

func TestDictionaryLoadErrorIsNotCached(t *testing.T) {
	f := newFake(t)
	var mu sync.Mutex
	fail := true
	f.addHook(pathHook("/v2api/1/pay-type/index", func(seen) *http.Response {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			fail = false
			return jsonResp(404, `{"name":"Not Found","message":"Page not found.","status":404}`)
		}
		return jsonResp(200, `{"total":1,"items":[{"id":1,"name":"Доход"}]}`)
	}))
	c := f.client()
	_, err := c.PayTypes(t.Context())
	assert.ErrorIs(t, err, ErrNotFound)
	d, err := c.PayTypes(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "Доход", d.Name(1))
}

func TestCustomerTariffsParentIDInQuery(t *testing.T) {
	f := newFake(t)
	items := []map[string]any{
		{"id": 1, "customer_id": 5303, "tariff_id": 2, "subject_ids": []int{4}, "lesson_type_ids": []int{2}, "is_separate_balance": 0, "balance": "0.00", "paid_count": 8, "paid_till": "2026-10-01 00:00:00", "b_date": "01.09.2026", "e_date": "30.09.2026"},
		{"id": 2, "customer_id": 9999, "tariff_id": 3},
		{"id": 1, "customer_id": 5303, "tariff_id": 2},
	}
	f.addHook(pagedHook("/v2api/1/customer-tariff/index", 50, items))
	c := f.client()
	got, err := c.CustomerTariffs(t.Context(), 5303)
	require.NoError(t, err)
	require.Len(t, got, 1, "other customers dropped, duplicates merged")
	assert.Equal(t, 8, got[0].PaidCount)
	assert.Equal(t, []int{4}, got[0].SubjectIDs)
	assert.Equal(t, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), got[0].BeginDate)
	assert.Equal(t, time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC), got[0].EndDate)

	r := f.reqs("/v2api/1/customer-tariff/index")[0]
	assert.Equal(t, "5303", r.Query.Get("customer_id"), "the parent id travels in the query")
	_, inBody := r.Body["customer_id"]
	assert.False(t, inBody)

	p, err := c.CustomerTariffsPage(t.Context(), 5303, 0)
	require.NoError(t, err)
	assert.Len(t, p.Items, 2)
	_, err = c.CustomerTariffs(t.Context(), 0)
	assert.Error(t, err)
}

func TestCustomerGroupsParentIDInQuery(t *testing.T) {
	f := newFake(t)
	items := []map[string]any{
		{"id": 1, "customer_id": 5303, "group_id": 12, "b_date": "01.09.2026", "e_date": "31.05.2027"},
		{"id": 2, "customer_id": "5303", "group_id": "14", "b_date": "", "e_date": nil},
		{"id": 3, "customer_id": 9999, "group_id": 12},
		{"id": 1, "customer_id": 5303, "group_id": 12},
	}
	f.addHook(pagedHook("/v2api/1/cgi/index", 2, items))
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	require.NoError(t, err)
	c := f.client(func(c *Config) { c.Location = kyiv })
	got, err := c.CustomerGroups(t.Context(), 5303)
	require.NoError(t, err)
	assert.Equal(t, []GroupMembership{
		{ID: 1, CustomerID: 5303, GroupID: 12, BeginDate: time.Date(2026, 9, 1, 0, 0, 0, 0, kyiv), EndDate: time.Date(2027, 5, 31, 0, 0, 0, 0, kyiv)},
		{ID: 2, CustomerID: 5303, GroupID: 14},
	}, got, "other customers dropped, duplicates merged")

	reqs := f.reqs("/v2api/1/cgi/index")
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		assert.Equal(t, "5303", r.Query.Get("customer_id"), "the parent id travels in the query")
		_, inBody := r.Body["customer_id"]
		assert.False(t, inBody)
	}

	p, err := c.CustomerGroupsPage(t.Context(), 5303, 1)
	require.NoError(t, err)
	assert.Len(t, p.Items, 1, "page 1: the other customer's row is dropped")
	_, err = c.CustomerGroups(t.Context(), 0)
	assert.Error(t, err)
	_, err = c.CustomerGroupsPage(t.Context(), -1, 0)
	assert.Error(t, err)
}
