package metaleads_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
)

// seed adds a form with n leads, one hour apart, to the fake's Page.
func seed(srv *metaleadstest.Server, n int) string {
	formID := srv.AddForm(srv.PageID, metaleads.Form{Name: "Spring open day"})
	for i := range n {
		srv.AddLead(formID, metaleads.Lead{
			CreatedTime: time.Date(2026, 4, 3, 9+i, 0, 0, 0, time.UTC),
			Fields:      []metaleads.Field{{Name: "email", Values: []string{fmt.Sprintf("lead%d@example.com", i+1)}}},
		})
	}
	return formID
}

// Leads pages behind the scenes. Here the fake answers "reduce the amount of
// data" to pages of more than 2 leads, so the iterator halves its page size
// and carries on.
func ExampleClient_Leads() {
	srv := metaleadstest.NewServer(metaleadstest.WithReduceDataAbove(2))
	defer srv.Close()
	formID := seed(srv, 5)
	c, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	since := time.Date(2026, 4, 3, 10, 0, 0, 0, time.UTC) // inclusive
	for l, err := range c.Leads(context.Background(), formID, metaleads.LeadsOptions{Since: since, PageSize: 4}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		email, _ := l.Value("email")
		fmt.Println(l.CreatedTime.Format(time.DateTime), email)
	}
	// Output:
	// 2026-04-03 13:00:00 lead5@example.com
	// 2026-04-03 12:00:00 lead4@example.com
	// 2026-04-03 11:00:00 lead3@example.com
	// 2026-04-03 10:00:00 lead2@example.com
}

// A Pager remembers where it is, so a sync can stop and resume.
func ExampleClient_LeadsPager() {
	srv := metaleadstest.NewServer()
	defer srv.Close()
	formID := seed(srv, 5)
	c, _ := srv.Client()
	ctx := context.Background()

	p := c.LeadsPager(formID, metaleads.LeadsOptions{PageSize: 2})
	page, err := p.Next(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("first page:", len(page.Items), "leads")

	// Later: continue from the cursor with a new pager.
	rest := c.LeadsPager(formID, metaleads.LeadsOptions{PageSize: 2, After: p.Cursor()})
	n := 0
	for _, err := range rest.All(ctx) {
		if err != nil {
			fmt.Println(err)
			return
		}
		n++
	}
	fmt.Println("the rest:", n, "leads; done:", rest.Done())
	// Output:
	// first page: 2 leads
	// the rest: 3 leads; done: true
}

// A User token gives Page tokens; WithToken makes a client that uses one.
func ExampleClient_PageToken() {
	srv := metaleadstest.NewServer()
	defer srv.Close()
	seed(srv, 1)
	user, _ := srv.UserClient()
	ctx := context.Background()

	tok, err := user.PageToken(ctx, srv.PageID)
	if err != nil {
		fmt.Println(err)
		return
	}
	page, err := user.WithToken(tok)
	if err != nil {
		fmt.Println(err)
		return
	}
	for f, err := range page.Forms(ctx, srv.PageID, metaleads.FormsOptions{}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(f.Name, f.Status, f.LeadsCount)
	}
	// Output:
	// Spring open day ACTIVE 1
}

// LeadsByID reads many leads in Graph batches; per-lead failures do not fail
// the call.
func ExampleClient_LeadsByID() {
	srv := metaleadstest.NewServer()
	defer srv.Close()
	formID := seed(srv, 0)
	id := srv.AddLead(formID, metaleads.Lead{Fields: []metaleads.Field{{Name: "email", Values: []string{"kim@example.com"}}}})
	c, _ := srv.Client()

	res, err := c.LeadsByID(context.Background(), []string{id, "999999999"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res {
		switch {
		case errors.Is(r.Err, metaleads.ErrNotFound):
			fmt.Println(r.ID, "not found")
		case r.Err != nil:
			fmt.Println(r.ID, r.Err)
		default:
			email, _ := r.Lead.Value("email")
			fmt.Println(r.ID == id, email)
		}
	}
	// Output:
	// true kim@example.com
	// 999999999 not found
}

// CheckPermissions lists what the token lacks.
func ExampleClient_CheckPermissions() {
	srv := metaleadstest.NewServer(metaleadstest.WithScopes("leads_retrieval", "pages_show_list", "pages_manage_ads", "ads_read"))
	defer srv.Close()
	c, _ := srv.Client()
	missing, err := c.CheckPermissions(context.Background())
	fmt.Println(missing, err)
	// Output:
	// [read_insights] <nil>
}

// Graph errors are *Error values; the sentinels classify them.
func ExampleError() {
	srv := metaleadstest.NewServer()
	defer srv.Close()
	formID := seed(srv, 1)
	srv.ExpireToken(srv.PageToken)
	c, _ := srv.Client()

	_, err := c.LeadsPage(context.Background(), formID, metaleads.LeadsOptions{})
	var e *metaleads.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code, e.Subcode, errors.Is(err, metaleads.ErrUnauthorized))
		fmt.Println(e.Hint)
	}
	// Output:
	// 190 463 true
	// the token expired; exchange a new long-lived user token and fetch a new Page token
}
