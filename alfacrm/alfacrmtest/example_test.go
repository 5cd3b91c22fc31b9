package alfacrmtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
)

// A fake AlfaCRM with two cards, read through the real client. Without
// is_study the API lists students only, so the lead needs its own query.
func Example() {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	srv.AddCustomer(alfacrmtest.Customer{Name: "Olena Koval", IsStudy: true, Phones: []string{"+38 (067) 123-45-67"}})
	srv.AddCustomer(alfacrmtest.Customer{Name: "Ivan Petrenko", Phones: []string{"+380501112233"}}) // a lead

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
		fmt.Println("student:", c.Name, c.Phones)
	}
	leads, err := client.CustomersPage(ctx, alfacrm.CustomerQuery{IsStudy: new(false)}, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("leads:", leads.Total, leads.Items[0].Name)
	fmt.Println("logins:", srv.LoginCount())
	// Output:
	// student: Olena Koval [+38 (067) 123-45-67]
	// leads: 1 Ivan Petrenko
	// logins: 1
}

// A create whose response is lost after the server created the card: the
// client checks for the card before creating it again, so there is exactly
// one.
func ExampleServer_FailMatching() {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	srv.FailMatching("/customer/create", 1, alfacrmtest.Fault{Perform: true, Reset: true})

	c, err := client.CreateCustomer(context.Background(), alfacrm.CustomerInput{
		Name: "Olena Koval", Phones: []string{"+380671234567"},
	})
	fmt.Println(c.Name, err)
	fmt.Println("cards on the server:", len(srv.Customers()))
	// Output:
	// Olena Koval <nil>
	// cards on the server: 1
}

// Expired tokens are answered with 401; the client logs in again once and
// replays the call.
func ExampleServer_ExpireTokens() {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	if err := client.Login(ctx); err != nil {
		fmt.Println(err)
		return
	}
	srv.ExpireTokens()
	if _, err := client.CustomersPage(ctx, alfacrm.CustomerQuery{}, 0); err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range srv.Requests() {
		fmt.Println(r.Path, r.Status)
	}
	// Output:
	// /v2api/auth/login 200
	// /v2api/1/customer/index 401
	// /v2api/auth/login 200
	// /v2api/1/customer/index 200
}

// Recorded requests never contain the API key or the token.
func ExampleServer_Requests() {
	srv := alfacrmtest.NewServer(alfacrmtest.WithCredentials("api-user@example.com", "fake-alfacrm-api-key-example"))
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := client.CustomersPage(context.Background(), alfacrm.CustomerQuery{Phone: "0671234567"}, 0); err != nil {
		fmt.Println(err)
		return
	}
	reqs := srv.Requests()
	fmt.Println(string(reqs[0].Body))
	fmt.Println(reqs[1].Header.Get("X-ALFACRM-TOKEN"))
	// Output:
	// {"api_key":"[REDACTED]","email":"api-user@example.com"}
	// [REDACTED]
}

// The demo school: over 1,500 cards with payments, lessons and
// dictionaries, dated relative to a reference day.
func ExampleWithDemoData() {
	srv := alfacrmtest.NewServer(alfacrmtest.WithDemoData(time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC)))
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	sources, err := client.LeadSources(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("at least 1,500 cards:", len(srv.Customers()) >= 1500)
	fmt.Println("has lead sources:", len(sources) > 0)
	// Output:
	// at least 1,500 cards: true
	// has lead sources: true
}
