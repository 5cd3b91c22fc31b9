package alfacrm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const commPath = "/v2api/1/communication/index"

func TestCommunicationsParentInQueryNotBody(t *testing.T) {
	srv := alfacrmtest.NewServer(alfacrmtest.WithPageSizeCap(2))
	t.Cleanup(srv.Close)
	at := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
	for i := range 5 {
		srv.AddCommunication(alfacrmtest.Communication{Class: "Customer", RelatedID: 7, TypeID: 2, UserID: 1,
			Added: at.Add(time.Duration(i) * time.Hour), Comment: fmt.Sprintf("call %d", i+1)})
	}
	srv.AddCommunication(alfacrmtest.Communication{Class: "Group", RelatedID: 7, Comment: "group note"})
	srv.AddCommunication(alfacrmtest.Communication{Class: "Customer", RelatedID: 8, Comment: "other customer"})
	c, err := srv.Client()
	require.NoError(t, err)

	var got []string
	for m, err := range c.Communications(t.Context(), alfacrm.CommunicationCustomer, 7) {
		require.NoError(t, err)
		assert.Equal(t, alfacrm.CommunicationCustomer, m.Class)
		assert.Equal(t, 7, m.RelatedID)
		got = append(got, m.Comment)
	}
	assert.Equal(t, []string{"call 1", "call 2", "call 3", "call 4", "call 5"}, got)

	var reqs []alfacrmtest.Request
	for _, r := range srv.Requests() {
		if r.Path == commPath {
			reqs = append(reqs, r)
		}
	}
	require.Len(t, reqs, 3, "five records in pages of two")
	for _, r := range reqs {
		assert.Equal(t, "Customer", r.Query.Get("class"), "the parent travels in the query")
		assert.Equal(t, "7", r.Query.Get("related_id"))
		var body map[string]any
		require.NoError(t, json.Unmarshal(r.Body, &body))
		assert.NotContains(t, body, "class", "and not in the body")
		assert.NotContains(t, body, "related_id")
	}

	// A group's communications, the class matched without regard to case.
	p, err := c.CommunicationsPage(t.Context(), "group", 7, 0)
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	assert.Equal(t, "group note", p.Items[0].Comment)
	assert.Equal(t, alfacrm.CommunicationGroup, p.Items[0].Class)
	assert.Equal(t, -1, p.Next)
	assert.Zero(t, p.Items[0].TypeID, "null type_id")

	// The time is the school's wall clock (the fake's zone is Moscow).
	p, err = c.CommunicationsPage(t.Context(), alfacrm.CommunicationCustomer, 7, 0)
	require.NoError(t, err)
	require.Len(t, p.Items, 2)
	assert.True(t, p.Items[0].Added.Equal(at), "%v", p.Items[0].Added)
	assert.Equal(t, c.Location(), p.Items[0].Added.Location())
	assert.Equal(t, 5, p.Total)
	assert.Equal(t, 1, p.Next)
}

func TestCommunicationsRejectBadArguments(t *testing.T) {
	srv := alfacrmtest.NewServer()
	t.Cleanup(srv.Close)
	c, err := srv.Client()
	require.NoError(t, err)
	for _, tc := range []struct {
		class alfacrm.CommunicationClass
		id    int
		want  string
	}{
		{"Lead", 7, `class must be Customer, Group or Task, got "Lead"`},
		{"", 7, "class must be"},
		{alfacrm.CommunicationTask, 0, "related id must be positive, got 0"},
		{alfacrm.CommunicationTask, -3, "related id must be positive"},
	} {
		_, err := c.CommunicationsPage(t.Context(), tc.class, tc.id, 0)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
		n := 0
		for _, err := range c.Communications(t.Context(), tc.class, tc.id) {
			n++
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		}
		assert.Equal(t, 1, n, "the error is yielded once")
	}
	_, err = c.CommunicationsPage(t.Context(), alfacrm.CommunicationTask, 1, -1)
	assert.Error(t, err)
	for _, r := range srv.Requests() {
		assert.NotEqual(t, commPath, r.Path, "nothing is sent for bad arguments")
	}
}

// mockCRM is an httpmock transport that logs in and answers
// communication/index with the given bodies, one per request (the last
// repeats).
func mockCRM(t *testing.T, bodies ...string) (*alfacrm.Client, func() []*http.Request) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, "https://school.example.com/v2api/auth/login",
		httpmock.NewStringResponder(200, `{"token":"test-session-token-XYZ"}`))
	var mu sync.Mutex
	var seen []*http.Request
	mt.RegisterResponder(http.MethodPost, "=~^https://school\\.example\\.com"+commPath,
		func(req *http.Request) (*http.Response, error) {
			mu.Lock()
			i := len(seen)
			seen = append(seen, req)
			mu.Unlock()
			resp := httpmock.NewStringResponse(200, bodies[min(i, len(bodies)-1)])
			resp.Header.Set("Content-Type", "application/json")
			return resp, nil
		})
	c, err := alfacrm.NewClient(alfacrm.Config{
		BaseURL: "https://school.example.com", Email: "api-user@example.com", APIKey: "test-api-key-XYZ-0123456789",
		BranchID: 1, HTTPClient: &http.Client{Transport: mt}, Unlimited: true, Location: time.UTC,
		Retry: alfacrm.RetryPolicy{MaxAttempts: 1},
	})
	require.NoError(t, err)
	return c, func() []*http.Request {
		mu.Lock()
		defer mu.Unlock()
		return append([]*http.Request(nil), seen...)
	}
}

func TestCommunicationDecodingIsTolerant(t *testing.T) {
	c, _ := mockCRM(t, `{"total":"5","count":5,"page":0,"items":[
		{"id":"11","type_id":"3","class":"Customer","related_id":"42","user_id":null,"added":"2026-03-02 10:30:00",
		 "comment":"Called, will think\nabout it","unknown":{"nested":[1,2]},"custom_channel":"phone"},
		{"id":12,"type_id":null,"related_class":"customer","related_id":42,"date":"02.03.2026","comment":null},
		{"id":13,"related_id":42,"created_at":"2026-03-02T11:00:00","comment":12345},
		{"id":14,"class":"Customer","related_id":99,"comment":"another customer's"},
		{"id":15,"class":"Group","related_id":42,"comment":"a group's"}
	]}`)
	p, err := c.CommunicationsPage(t.Context(), alfacrm.CommunicationCustomer, 42, 0)
	require.NoError(t, err)
	require.Len(t, p.Items, 3, "records of another parent are dropped")
	assert.Equal(t, alfacrm.Communication{
		ID: 11, Class: alfacrm.CommunicationCustomer, RelatedID: 42, TypeID: 3,
		Added:   time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC),
		Comment: "Called, will think\nabout it", Custom: map[string]string{"channel": "phone"},
	}, p.Items[0])
	assert.Equal(t, alfacrm.Communication{
		ID: 12, Class: alfacrm.CommunicationCustomer, RelatedID: 42, Added: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
	}, p.Items[1], "related_class and date are read when class and added are missing")
	assert.Equal(t, alfacrm.Communication{
		ID: 13, RelatedID: 42, Added: time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC), Comment: "12345",
	}, p.Items[2], "a record without a class is kept")
	assert.Equal(t, 5, p.Total)
	assert.Equal(t, -1, p.Next)
}

func TestCommunicationBadBodies(t *testing.T) {
	for name, body := range map[string]string{
		"unexpected type": `{"total":1,"items":[{"id":{"x":1},"class":"Customer","related_id":42}]}`,
		"bad date":        `{"total":1,"items":[{"id":1,"added":"yesterday"}]}`,
		"truncated":       `{"total":1,"items":[{"id":1,`,
		"html":            `<html><body>502 Bad Gateway</body></html>`,
		"no items":        `{"ok":true}`,
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := mockCRM(t, body)
			_, err := c.CommunicationsPage(t.Context(), alfacrm.CommunicationCustomer, 42, 0)
			require.Error(t, err)
			assert.ErrorIs(t, err, alfacrm.ErrInvalidResponse)
			var e *alfacrm.Error
			assert.ErrorAs(t, err, &e)
			assert.NotContains(t, err.Error(), "yesterday", "values are not echoed")
		})
	}
}

func TestCommunicationsIterator(t *testing.T) {
	page := func(total int, ids ...int) string {
		items := make([]string, len(ids))
		for i, id := range ids {
			items[i] = fmt.Sprintf(`{"id":%d,"class":"Task","related_id":5,"comment":"note %d"}`, id, id)
		}
		return fmt.Sprintf(`{"total":%d,"items":[%s]}`, total, strings.Join(items, ","))
	}

	t.Run("all pages, stopping at the total", func(t *testing.T) {
		c, seen := mockCRM(t, page(5, 1, 2), page(5, 3, 4), page(5, 5), page(5))
		var ids []int
		for m, err := range c.Communications(t.Context(), alfacrm.CommunicationTask, 5) {
			require.NoError(t, err)
			ids = append(ids, m.ID)
		}
		assert.Equal(t, []int{1, 2, 3, 4, 5}, ids)
		reqs := seen()
		require.Len(t, reqs, 3, "no request after the total is reached")
		for i, r := range reqs {
			assert.Equal(t, "Task", r.URL.Query().Get("class"))
			assert.Equal(t, "5", r.URL.Query().Get("related_id"))
			b, err := io.ReadAll(r.Body)
			require.NoError(t, err)
			var body map[string]any
			require.NoError(t, json.Unmarshal(b, &body))
			assert.EqualValues(t, i, body["page"])
			assert.NotContains(t, body, "related_id")
		}
	})

	t.Run("early break", func(t *testing.T) {
		c, seen := mockCRM(t, page(5, 1, 2), page(5, 3, 4), page(5, 5))
		for m, err := range c.Communications(t.Context(), alfacrm.CommunicationTask, 5) {
			require.NoError(t, err)
			if m.ID == 2 {
				break
			}
		}
		assert.Len(t, seen(), 1)
	})

	t.Run("an error ends the iteration once, after what was delivered", func(t *testing.T) {
		c, _ := mockCRM(t, page(5, 1, 2), `{"total":5,"items":[{"id":3,`)
		var ids []int
		var errs []error
		for m, err := range c.Communications(t.Context(), alfacrm.CommunicationTask, 5) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ids = append(ids, m.ID)
		}
		assert.Equal(t, []int{1, 2}, ids)
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], alfacrm.ErrInvalidResponse)
	})

	t.Run("a repeated page", func(t *testing.T) {
		c, _ := mockCRM(t, page(0, 1, 2))
		var err error
		n := 0
		for _, e := range c.Communications(t.Context(), alfacrm.CommunicationTask, 5) {
			if e != nil {
				err = e
			}
			n++
		}
		assert.True(t, errors.Is(err, alfacrm.ErrRepeatedPage), "%v", err)
		assert.Equal(t, 3, n, "two records, then the error")
	})

	t.Run("context cancelled", func(t *testing.T) {
		c, _ := mockCRM(t, page(5, 1, 2))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		n := 0
		for _, err := range c.Communications(ctx, alfacrm.CommunicationTask, 5) {
			n++
			assert.ErrorIs(t, err, context.Canceled)
		}
		assert.Equal(t, 1, n)
	})
}

// List the notes of contacts with a customer, page after page.
func ExampleClient_Communications() {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	id := srv.AddCustomer(alfacrmtest.Customer{Name: "Olena Example", IsStudy: true})
	day := time.Date(2026, 3, 2, 10, 0, 0, 0, srv.ClientConfig().Location)
	srv.AddCommunication(alfacrmtest.Communication{RelatedID: id, Added: day, Comment: "Asked about the autumn course"})
	srv.AddCommunication(alfacrmtest.Communication{RelatedID: id, Added: day.Add(26 * time.Hour), Comment: "Booked a trial lesson"})
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	for m, err := range client.Communications(context.Background(), alfacrm.CommunicationCustomer, id) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(m.Added.Format("02.01.2006 15:04"), m.Comment)
	}
	// Output:
	// 02.03.2026 10:00 Asked about the autumn course
	// 03.03.2026 12:00 Booked a trial lesson
}
