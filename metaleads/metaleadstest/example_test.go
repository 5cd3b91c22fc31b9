package metaleadstest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
)

// A test seeds a form, gets a client wired to the fake and iterates the
// leads; the iterator pages (two leads per page here) behind the scenes.
func Example() {
	srv := metaleadstest.NewServer()
	defer srv.Close()

	formID := srv.AddForm(srv.PageID, metaleads.Form{Name: "Spring open day"})
	for i, name := range []string{"Alex Example", "Sam Sample", "Kim Test"} {
		srv.AddLead(formID, metaleads.Lead{
			CreatedTime: time.Date(2026, 4, 3, 9+i, 0, 0, 0, time.UTC),
			Fields:      []metaleads.Field{{Name: "full_name", Values: []string{name}}},
		})
	}

	c, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	for l, err := range c.Leads(context.Background(), formID, metaleads.LeadsOptions{PageSize: 2}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		name, _ := l.Value("full_name")
		fmt.Println(l.CreatedTime.UTC().Format(time.DateTime), name)
	}
	fmt.Println("requests:", srv.RequestCount())
	// Output:
	// 2026-04-03 11:00:00 Kim Test
	// 2026-04-03 10:00:00 Sam Sample
	// 2026-04-03 09:00:00 Alex Example
	// requests: 2
}

// Faults make the fake misbehave like Graph: here the first call is
// throttled (code 80005, LeadGen use case) and the client retries it.
func ExampleServer_FailNext() {
	srv := metaleadstest.NewServer()
	defer srv.Close()
	formID := srv.AddForm(srv.PageID, metaleads.Form{Name: "Webinar"})
	srv.AddLead(formID, metaleads.Lead{Fields: []metaleads.Field{{Name: "email", Values: []string{"kim@example.com"}}}})

	srv.FailNext(1, metaleadstest.ThrottleFault(80005))
	c, _ := srv.Client()
	page, err := c.LeadsPage(context.Background(), formID, metaleads.LeadsOptions{})
	fmt.Println(len(page.Items), err)

	// Without retries the throttling error reaches the caller.
	srv.FailNext(1, metaleadstest.ThrottleFault(80005))
	once, _ := srv.Client(metaleads.WithRetry(metaleads.RetryPolicy{MaxAttempts: 1}))
	_, err = once.LeadsPage(context.Background(), formID, metaleads.LeadsOptions{})
	fmt.Println(errors.Is(err, metaleads.ErrRateLimited))

	st := srv.Stats()
	fmt.Printf("requests %d, faults %d, lead pages %d\n", st.Requests, st.Faults, st.LeadPages)
	// Output:
	// 1 <nil>
	// true
	// requests 3, faults 2, lead pages 1
}

// WithDemoData serves the leadkit demo data set: a Page with several lead
// forms and about 4,000 leads, campaigns and daily spend.
func ExampleWithDemoData() {
	srv := metaleadstest.NewServer(metaleadstest.WithDemoData(time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC)))
	defer srv.Close()
	c, _ := srv.Client()

	forms, leads := 0, 0
	for f, err := range c.Forms(context.Background(), srv.PageID, metaleads.FormsOptions{}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		forms++
		leads += f.LeadsCount
	}
	fmt.Println("forms:", forms, "leads:", leads)
	// Output:
	// forms: 5 leads: 4000
}
