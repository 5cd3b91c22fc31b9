package alfacrm

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ecademy/leadkit/internal/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindCustomers(t *testing.T) {
	f := newFake(t)
	f.add(map[string]any{"id": 1, "name": "Student", "is_study": 1, "phone": []string{"+38 (063) 123-45-67"}})
	f.add(map[string]any{"id": 2, "name": "Lead", "is_study": 0, "phone": []string{"0631234567"}, "email": []string{"Olena@Example.com"}})
	f.add(map[string]any{"id": 3, "name": "Archived lead", "is_study": 0, "removed": 1, "phone": "8 063 123 45 67"})
	f.add(map[string]any{"id": 4, "name": "Archived student, e-mail only", "is_study": 1, "removed": 1, "email": []string{"olena@example.com"}})
	// The server matches digits as a substring: this card contains the
	// digits in a longer, different number and must be filtered out.
	f.add(map[string]any{"id": 5, "name": "Other", "is_study": 1, "phone": []string{"+48 631 234 567 0"}})
	f.add(map[string]any{"id": 6, "name": "Unrelated", "is_study": 0, "phone": []string{"+380671112233"}})
	c := f.client()

	got, err := c.FindCustomers(t.Context(), ContactQuery{Phone: "+380 63 123 4567", Email: " OLENA@example.com "})
	require.NoError(t, err)
	var gotIDs []int
	by := map[int]string{}
	for _, m := range got {
		gotIDs = append(gotIDs, m.Customer.ID)
		by[m.Customer.ID] = m.MatchedBy.String()
	}
	assert.Equal(t, []int{1, 2, 3, 4}, gotIDs)
	assert.Equal(t, map[int]string{1: "phone", 2: "phone+email", 3: "phone", 4: "email"}, by)
	assert.True(t, got[1].MatchedBy.Phone())
	assert.True(t, got[1].MatchedBy.Email())

	reqs := f.reqs("/v2api/1/customer/index")
	require.Len(t, reqs, 4, "phone and e-mail, students and leads, one page each")
	type key struct{ field, value, study string }
	var sent []key
	for _, r := range reqs {
		assert.Equal(t, json.Number("1"), r.Body["removed"], "archived cards are included")
		study := string(r.Body["is_study"].(json.Number))
		if v, ok := r.Body["phone"]; ok {
			sent = append(sent, key{"phone", v.(string), study})
		}
		if v, ok := r.Body["email"]; ok {
			sent = append(sent, key{"email", v.(string), study})
		}
	}
	assert.ElementsMatch(t, []key{
		{"phone", "631234567", "1"}, {"phone", "631234567", "0"},
		{"email", "olena@example.com", "1"}, {"email", "olena@example.com", "0"},
	}, sent, "the phone is searched by its national number")

	_, err = c.FindCustomers(t.Context(), ContactQuery{})
	assert.Error(t, err)
	_, err = c.FindCustomers(t.Context(), ContactQuery{Phone: "not a phone"})
	assert.Error(t, err)
	_, err = c.FindCustomers(t.Context(), ContactQuery{Email: "nope"})
	assert.Error(t, err)
}

func TestFindCustomersPhoneRegion(t *testing.T) {
	f := newFake(t)
	f.add(map[string]any{"id": 1, "name": "Polish number", "is_study": 0, "phone": []string{"512 345 678"}})
	c := f.client(func(c *Config) { c.PhoneRegion = "pl" })
	got, err := c.FindCustomers(t.Context(), ContactQuery{Phone: "+48 512-345-678"})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, 1, got[0].Customer.ID)
}

func TestCreateCustomerBody(t *testing.T) {
	f := newFake(t)
	c := f.client(func(c *Config) { c.BranchID = 1 })
	cu, err := c.CreateCustomer(t.Context(), CustomerInput{
		Name:         "  Ivan Example ",
		Phones:       []string{"+380631234567"},
		Emails:       []string{"ivan@example.com"},
		LeadSourceID: 3,
		LeadStatusID: 1,
		Note:         "From the autumn campaign",
		DOB:          time.Date(2015, 4, 9, 0, 0, 0, 0, time.UTC),
		Custom:       map[string]string{"gorod": "Kyiv", "custom_tags": `["a","b"]`, "plain": "[not json"},
	})
	require.NoError(t, err)
	assert.NotZero(t, cu.ID)
	assert.Equal(t, "Ivan Example", cu.Name)
	r := f.reqs("/v2api/1/customer/create")[0]
	assert.Equal(t, map[string]any{
		"name": "Ivan Example", "is_study": json.Number("0"), "legal_type": json.Number("1"),
		"branch_ids": []any{json.Number("1")}, "phone": []any{"+380631234567"}, "email": []any{"ivan@example.com"},
		"lead_source_id": json.Number("3"), "lead_status_id": json.Number("1"), "note": "From the autumn campaign",
		"dob": "09.04.2015", "custom_gorod": "Kyiv", "custom_tags": []any{"a", "b"}, "custom_plain": "[not json",
	}, r.Body)

	_, err = c.CreateCustomer(t.Context(), CustomerInput{Name: "  "})
	assert.Error(t, err)
	assert.Len(t, f.reqs("/v2api/1/customer/create"), 1, "an invalid input is not sent")
}

// A create whose response is lost after the server stored the card: the
// client finds the card instead of creating a duplicate.
func TestCreateTimeoutAfterServerStoredMakesNoDuplicate(t *testing.T) {
	f := newFake(t)
	var first atomic.Bool
	first.Store(true)
	f.addHook(func(s seen) (*http.Response, error, bool) {
		if s.Path != "/v2api/1/customer/create" || !first.CompareAndSwap(true, false) {
			return nil, nil, false
		}
		f.customerCreate(s)                        // the server does the work...
		return nil, context.DeadlineExceeded, true // ...but the answer never arrives
	})
	f.add(map[string]any{"id": 50, "name": "Other Person", "is_study": 0, "phone": []string{"+380631234567"}})
	c := f.client()
	cu, err := c.CreateCustomer(t.Context(), CustomerInput{Name: "Ivan Example", Phones: []string{"063 123 45 67"}})
	require.NoError(t, err)
	assert.Equal(t, "Ivan Example", cu.Name)
	assert.NotEqual(t, 50, cu.ID, "a card with the same phone but another name is not it")
	assert.Equal(t, int32(1), f.creates.Load(), "no second create")
	assert.Len(t, f.reqs("/v2api/1/customer/create"), 1)
	n := 0
	for _, c := range f.customers {
		if c["name"] == "Ivan Example" {
			n++
		}
	}
	assert.Equal(t, 1, n, "exactly one card")
}

// The same with a real attempt timeout (on the fake clock): the server
// stores the card but answers only after the client gave up.
func TestCreateAttemptTimeoutMakesNoDuplicate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t)
		var first atomic.Bool
		first.Store(true)
		f.mt.RegisterResponder(http.MethodPost, testHost+"/v2api/1/customer/create", func(req *http.Request) (*http.Response, error) {
			resp, err := f.serve(req) // stored (and recorded)
			if err != nil || !first.CompareAndSwap(true, false) {
				return resp, err
			}
			<-req.Context().Done() // the answer never comes in time
			return nil, req.Context().Err()
		})
		c := f.client(func(c *Config) { c.Retry.AttemptTimeout = 5 * time.Second })
		start := time.Now()
		cu, err := c.CreateCustomer(t.Context(), CustomerInput{Name: "Ivan Example", Phones: []string{"+380 63 123 45 67"}})
		require.NoError(t, err)
		assert.Equal(t, 5*time.Second, time.Since(start), "the attempt timed out once")
		assert.Equal(t, "Ivan Example", cu.Name)
		assert.Equal(t, int32(1), f.creates.Load(), "no second create")
		assert.Len(t, f.reqs("/v2api/1/customer/create"), 1)
		assert.Len(t, f.customers, 1, "exactly one card")
		assert.Len(t, f.reqs("/v2api/1/customer/index"), 2, "the lookup: students and leads by phone")
	})
}

// A create that failed before the server stored anything is sent once more
// after the lookup finds nothing.
func TestCreateTimeoutBeforeServerStoredRetriesOnce(t *testing.T) {
	f := newFake(t)
	var first atomic.Bool
	first.Store(true)
	f.addHook(func(s seen) (*http.Response, error, bool) {
		if s.Path == "/v2api/1/customer/create" && first.CompareAndSwap(true, false) {
			return nil, errors.New("connection reset by peer"), true
		}
		return nil, nil, false
	})
	c := f.client()
	cu, err := c.CreateCustomer(t.Context(), CustomerInput{Name: "Ivan Example", Emails: []string{"ivan@example.com"}})
	require.NoError(t, err)
	assert.NotZero(t, cu.ID)
	assert.Len(t, f.reqs("/v2api/1/customer/create"), 2)
	assert.Equal(t, int32(1), f.creates.Load())
	// The lookup ran between the attempts: e-mail search, students and leads.
	var order []string
	for _, r := range f.reqs("") {
		order = append(order, r.Path)
	}
	assert.Equal(t, []string{
		"/v2api/auth/login", "/v2api/1/customer/create", "/v2api/1/customer/index", "/v2api/1/customer/index", "/v2api/1/customer/create",
	}, order)
}

func TestCreateUncertainWithoutContacts(t *testing.T) {
	f := newFake(t)
	f.addHook(func(s seen) (*http.Response, error, bool) {
		if s.Path == "/v2api/1/customer/create" {
			return jsonResp(504, "<html>Gateway Timeout</html>"), nil, true
		}
		return nil, nil, false
	})
	c := f.client()
	_, err := c.CreateCustomer(t.Context(), CustomerInput{Name: "Ivan Example"})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUncertainCreate)
	var ae *Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 504, ae.HTTPStatus)
	assert.Contains(t, err.Error(), "may or may not have been created")
	assert.Len(t, f.reqs("/v2api/1/customer/create"), 1, "without a way to check, no second attempt")
}

func TestCreateUncertainTwice(t *testing.T) {
	f := newFake(t)
	f.addHook(func(s seen) (*http.Response, error, bool) {
		if s.Path == "/v2api/1/customer/create" {
			return nil, errors.New("connection reset by peer"), true
		}
		return nil, nil, false
	})
	c := f.client()
	_, err := c.CreateCustomer(t.Context(), CustomerInput{Name: "Ivan Example", Phones: []string{"+380631234567"}})
	assert.ErrorIs(t, err, ErrUncertainCreate)
	assert.Len(t, f.reqs("/v2api/1/customer/create"), 2, "at most one second attempt")
}

func TestCreateDefinitiveFailureIsNotRetried(t *testing.T) {
	f := newFake(t)
	f.addHook(pathHook("/v2api/1/customer/create", func(seen) *http.Response {
		return jsonResp(400, `{"name":"Bad Request","message":"Invalid JSON","status":400}`)
	}))
	c := f.client()
	_, err := c.CreateCustomer(t.Context(), CustomerInput{Name: "Ivan Example", Phones: []string{"+380631234567"}})
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrUncertainCreate)
	assert.Len(t, f.reqs("/v2api/1/customer/create"), 1)
	assert.Empty(t, f.reqs("/v2api/1/customer/index"), "no lookup for a refused create")
}

func TestUpdateCustomerIDInQuery(t *testing.T) {
	f := newFake(t)
	id := f.add(map[string]any{"name": "Ivan Example", "is_study": 0})
	c := f.client()
	cu, err := c.UpdateCustomer(t.Context(), id, CustomerInput{Note: "called back"})
	require.NoError(t, err)
	assert.Equal(t, id, cu.ID)
	r := f.reqs("/v2api/1/customer/update")[0]
	assert.Equal(t, []string{"1001"}, r.Query["id"])
	assert.Equal(t, map[string]any{"note": "called back"}, r.Body, "an update sends only what is set")

	f.addHook(pathHook("/v2api/1/customer/update", func(seen) *http.Response { return jsonResp(200, `{"success":true}`) }))
	cu, err = c.UpdateCustomer(t.Context(), id, CustomerInput{Note: "x"})
	require.NoError(t, err)
	assert.Equal(t, id, cu.ID)
	_, err = c.UpdateCustomer(t.Context(), 0, CustomerInput{})
	assert.Error(t, err)
}

func TestPatchCustomerResendsTheWholeCard(t *testing.T) {
	f := newFake(t)
	id := f.add(map[string]any{
		"name": "Olena Example", "is_study": 0, "removed": 1, "legal_type": 1, "legal_name": "Olena Example",
		"branch_ids": []int{1, 2}, "phone": []string{"+380631234567"}, "email": []string{"olena@example.com"},
		"lead_source_id": 4, "lead_status_id": 2, "assigned_id": 6, "note": "old note", "dob": "01.02.2014",
		"custom_gorod": "Lviv", "custom_tags": []string{"x", "y"},
	})
	c := f.client()
	cu, err := c.PatchCustomer(t.Context(), id, func(in *CustomerInput) error {
		in.Note = "new note"
		in.LeadStatusID = 3
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, id, cu.ID)
	r := f.reqs("/v2api/1/customer/update")[0]
	assert.Equal(t, []string{"1001"}, r.Query["id"])
	assert.Equal(t, map[string]any{
		"name": "Olena Example", "is_study": json.Number("0"), "legal_type": json.Number("1"), "legal_name": "Olena Example",
		"branch_ids": []any{json.Number("1"), json.Number("2")}, "phone": []any{"+380631234567"},
		"email":          []any{"olena@example.com"},
		"lead_source_id": json.Number("4"), "lead_status_id": json.Number("3"), "assigned_id": json.Number("6"),
		"note": "new note", "dob": "01.02.2014", "custom_gorod": "Lviv", "custom_tags": []any{"x", "y"},
	}, r.Body)

	boom := errors.New("changed my mind")
	_, err = c.PatchCustomer(t.Context(), id, func(*CustomerInput) error { return boom })
	assert.ErrorIs(t, err, boom)
	assert.Len(t, f.reqs("/v2api/1/customer/update"), 1, "an aborted change writes nothing")
}

func TestCreateNeverSentSkipsTheDuplicateCheck(t *testing.T) {
	f := newFake(t)
	f.addHook(func(s seen) (*http.Response, error, bool) {
		if s.Path == "/v2api/1/customer/create" {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true
		}
		return nil, nil, false
	})
	c := f.client()
	_, err := c.CreateCustomer(t.Context(), CustomerInput{Name: "Ivan Example", Phones: []string{"+380631234567"}})
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrUncertainCreate, "a request that never left cannot have created a card")
	assert.True(t, transport.NeverSent(err))
	assert.NotEmpty(t, f.reqs("/v2api/1/customer/create"))
	assert.Empty(t, f.reqs("/v2api/1/customer/index"), "no lookup when nothing was sent")
}
