package alfacrm_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/shopspring/decimal"
)

// Find every card — student or lead, active or archived — with a phone
// number, however it was typed into the CRM, and add a note to it.
func Example() {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	srv.AddCustomer(alfacrmtest.Customer{Name: "Olena Example", IsStudy: true, Phones: []string{"+38 (067) 123-45-67"}})
	srv.AddCustomer(alfacrmtest.Customer{Name: "Olena Example (old card)", Removed: true, Phones: []string{"067 123 4567"}})
	srv.AddCustomer(alfacrmtest.Customer{Name: "Someone Else", Phones: []string{"+380501112233"}})

	client, err := alfacrm.NewClient(alfacrm.Config{
		BaseURL:    srv.URL,
		Email:      srv.Email,
		APIKey:     srv.APIKey,
		BranchID:   srv.BranchID,
		HTTPClient: srv.HTTPClient(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	matches, err := client.FindCustomers(ctx, alfacrm.ContactQuery{Phone: "+380671234567"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range matches {
		fmt.Printf("%d %s (student: %v) matched by %s\n", m.Customer.ID, m.Customer.Name, m.Customer.IsStudy, m.MatchedBy)
	}
	updated, err := client.PatchCustomer(ctx, matches[0].Customer.ID, func(in *alfacrm.CustomerInput) error {
		in.Note = "Asked about the autumn course"
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	card, _ := srv.Customer(updated.ID)
	fmt.Println(card.Name, "|", card.Note, "|", card.Phones)
	// Output:
	// 1 Olena Example (student: true) matched by phone
	// 2 Olena Example (old card) (student: false) matched by phone
	// Olena Example | Asked about the autumn course | [+38 (067) 123-45-67]
}

// Customers lists students unless asked for leads, like AlfaCRM itself.
func ExampleClient_Customers() {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	for i := range 3 {
		srv.AddCustomer(alfacrmtest.Customer{Name: fmt.Sprintf("Student %d", i+1), IsStudy: true})
	}
	srv.AddCustomer(alfacrmtest.Customer{Name: "A Lead"})
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for c, err := range client.Customers(ctx, alfacrm.CustomerQuery{}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(c.ID, c.Name)
	}
	for c, err := range client.Customers(ctx, alfacrm.CustomerQuery{IsStudy: new(false)}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(c.ID, c.Name, "(lead)")
	}
	// Output:
	// 1 Student 1
	// 2 Student 2
	// 3 Student 3
	// 4 A Lead (lead)
}

// CustomersPage fetches one page at a time; Next says which page to ask for
// next (-1 when done). The server decides the page size.
func ExampleClient_CustomersPage() {
	srv := alfacrmtest.NewServer(alfacrmtest.WithFixedPageSize(2))
	defer srv.Close()
	for i := range 5 {
		srv.AddCustomer(alfacrmtest.Customer{Name: fmt.Sprintf("Student %d", i+1), IsStudy: true})
	}
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	for page := 0; page >= 0; {
		p, err := client.CustomersPage(context.Background(), alfacrm.CustomerQuery{}, page)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("page %d: %d of %d, next %d\n", p.Page, len(p.Items), p.Total, p.Next)
		page = p.Next
	}
	// Output:
	// page 0: 2 of 5, next 1
	// page 1: 2 of 5, next 2
	// page 2: 1 of 5, next 3
	// page 3: 0 of 5, next -1
}

// A create never makes a duplicate card: when its response is lost, the
// client looks for the card before trying again.
func ExampleClient_CreateCustomer() {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	// The server creates the card, then the connection drops.
	srv.FailMatching("/customer/create", 1, alfacrmtest.Fault{Perform: true, Reset: true})
	c, err := client.CreateCustomer(context.Background(), alfacrm.CustomerInput{
		Name:   "Ivan Example",
		Phones: []string{"+380631234567"},
		Emails: []string{"ivan@example.com"},
		Note:   "Lead from the autumn campaign",
	})
	fmt.Println(c.ID, c.Name, err)
	fmt.Println("cards:", len(srv.Customers()))
	// Output:
	// 1 Ivan Example <nil>
	// cards: 1
}

// Income is told from expense by the pay type's name ("Доход", "Дохід",
// "Income"), whatever its id on the account.
func ExampleClient_PaymentSummary() {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := alfacrmtest.NewServer(alfacrmtest.WithTimezone(kyiv))
	defer srv.Close()
	income := srv.AddPayType("Доход")
	expense := srv.AddPayType("Расход")
	id := srv.AddCustomer(alfacrmtest.Customer{Name: "Olena Example", IsStudy: true})
	for _, p := range []alfacrmtest.Payment{
		{CustomerID: id, PayTypeID: income, Date: time.Date(2026, 9, 1, 0, 0, 0, 0, kyiv), Sum: decimal.RequireFromString("4500.00")},
		{CustomerID: id, PayTypeID: income, Date: time.Date(2026, 10, 1, 0, 0, 0, 0, kyiv), Sum: decimal.RequireFromString("4500.50"), SumAsNumber: true},
		{CustomerID: id, PayTypeID: expense, Date: time.Date(2026, 10, 2, 0, 0, 0, 0, kyiv), Sum: decimal.RequireFromString("300")},
	} {
		srv.AddPayment(p)
	}
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := client.PaymentSummary(context.Background(), id)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Count, s.Total, s.First.Format(time.DateOnly), s.Last.Format(time.DateOnly))
	// Output:
	// 2 9000.5 2026-09-01 2026-10-01
}

// Attendance counts conducted lessons from the lessons' details.
func ExampleClient_Attendance() {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	id := srv.AddCustomer(alfacrmtest.Customer{Name: "Olena Example", IsStudy: true})
	day := func(d int) time.Time { return time.Date(2026, 9, d, 15, 0, 0, 0, time.UTC) }
	srv.AddLesson(alfacrmtest.Lesson{Start: day(1), Status: 3, Details: []alfacrmtest.Attendance{{CustomerID: id, Attended: true}}})
	srv.AddLesson(alfacrmtest.Lesson{Start: day(8), Status: 3, Details: []alfacrmtest.Attendance{{CustomerID: id, Attended: false}}})
	srv.AddLesson(alfacrmtest.Lesson{Start: day(15), Status: 3, Details: []alfacrmtest.Attendance{{CustomerID: id, Attended: true}}})
	srv.AddLesson(alfacrmtest.Lesson{Start: day(22), Status: 1, Details: []alfacrmtest.Attendance{{CustomerID: id}}}) // planned
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := client.Attendance(context.Background(), id, day(1), day(30))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Attended, s.Missed, s.LastAttended.Format(time.DateOnly))
	// Output:
	// 2 1 2026-09-15
}

// Dictionaries are read once per client and looked up by id or name.
func ExampleClient_LeadStatuses() {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	srv.AddLeadStatus("New")
	srv.AddLeadStatus("Called back")
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	statuses, err := client.LeadStatuses(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	it, ok := statuses.ByName("called back")
	fmt.Println(it.ID, it.Name, ok)
	_, _ = client.LeadStatuses(ctx) // from the cache
	fmt.Println("requests:", srv.RequestCount())
	// Output:
	// 2 Called back true
	// requests: 2
}

// A wrong API key is reported as ErrUnauthorized, without the key.
func ExampleError() {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	client, err := srv.Client(func(c *alfacrm.Config) { c.APIKey = "wrong-api-key-for-the-example" })
	if err != nil {
		fmt.Println(err)
		return
	}
	err = client.Login(context.Background())
	var ae *alfacrm.Error
	fmt.Println(errors.Is(err, alfacrm.ErrUnauthorized), errors.As(err, &ae) && ae.HTTPStatus == 403)
	fmt.Println(err)
	// Output:
	// true true
	// alfacrm: auth/login: login refused; check Config.Email and Config.APIKey: Access denied (HTTP 403)
}
