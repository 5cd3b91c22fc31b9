package alfacrmtest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/shopspring/decimal"
)

var demoRef = time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC)

func newClient(t *testing.T, srv *alfacrmtest.Server, adjust ...func(*alfacrm.Config)) *alfacrm.Client {
	t.Helper()
	c, err := srv.Client(adjust...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// expected returns the ids the fake should list for the given filter on the
// server's branch, computed from its stored cards.
func expected(srv *alfacrmtest.Server, keep func(alfacrmtest.Customer) bool) []int {
	var ids []int
	for _, c := range srv.Customers() {
		if slices.Contains(c.BranchIDs, srv.BranchID) && keep(c) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

func collect(t *testing.T, seq func(func(alfacrm.Customer, error) bool)) []int {
	t.Helper()
	var ids []int
	for c, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

func TestClientDemoIteration(t *testing.T) {
	srv := alfacrmtest.NewServer(alfacrmtest.WithDemoData(demoRef))
	defer srv.Close()
	client := newClient(t, srv)
	ctx := context.Background()

	students := collect(t, client.Customers(ctx, alfacrm.CustomerQuery{}))
	wantIDs(t, "students", students, expected(srv, func(c alfacrmtest.Customer) bool { return c.IsStudy && !c.Removed }))
	leads := collect(t, client.Customers(ctx, alfacrm.CustomerQuery{IsStudy: new(false), Removed: alfacrm.ActiveAndArchived}))
	wantIDs(t, "leads incl. archived", leads, expected(srv, func(c alfacrmtest.Customer) bool { return !c.IsStudy }))
	if len(students) < 100 || len(leads) < 100 {
		t.Errorf("demo too small: %d students, %d leads", len(students), len(leads))
	}

	var pays []int
	for p, err := range client.Payments(ctx, alfacrm.PaymentQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		pays = append(pays, p.ID)
	}
	var want []int
	for _, p := range srv.Payments() {
		if p.BranchID == srv.BranchID {
			want = append(want, p.ID)
		}
	}
	wantIDs(t, "payments", pays, want)
	if srv.LoginCount() != 1 {
		t.Errorf("LoginCount = %d", srv.LoginCount())
	}
}

func TestClientReloginAfterExpiry(t *testing.T) {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	srv.AddCustomer(alfacrmtest.Customer{Name: "Olena", IsStudy: true})
	client := newClient(t, srv)
	ctx := context.Background()
	if _, err := client.CustomersPage(ctx, alfacrm.CustomerQuery{}, 0); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	p, err := client.CustomersPage(ctx, alfacrm.CustomerQuery{}, 0)
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("after expiry: %v %+v", err, p)
	}
	if srv.LoginCount() != 2 {
		t.Errorf("LoginCount = %d, want 2", srv.LoginCount())
	}
	var statuses []int
	for _, r := range srv.Requests() {
		statuses = append(statuses, r.Status)
	}
	if fmt.Sprint(statuses) != "[200 200 401 200 200]" {
		t.Errorf("statuses %v: want login, index, 401, login, index", statuses)
	}
}

func TestClientRefreshesBeforeTheServerExpiresTheToken(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	srv := alfacrmtest.NewServer(alfacrmtest.WithClock(clock.Now))
	defer srv.Close()
	client := newClient(t, srv) // shares the server clock
	ctx := context.Background()
	for range 3 {
		if _, err := client.CustomersPage(ctx, alfacrm.CustomerQuery{}, 0); err != nil {
			t.Fatal(err)
		}
		clock.Advance(14*time.Minute + 30*time.Second)
	}
	for _, r := range srv.Requests() {
		if r.Status == 401 {
			t.Errorf("the client let a token expire: %+v", r)
		}
	}
	if srv.LoginCount() != 3 {
		t.Errorf("LoginCount = %d, want 3", srv.LoginCount())
	}
}

func TestClientRetriesBrokenResponses(t *testing.T) {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	for i := range 3 {
		srv.AddCustomer(alfacrmtest.Customer{Name: fmt.Sprint("S", i), IsStudy: true})
	}
	client := newClient(t, srv)
	ctx := context.Background()
	for _, f := range []alfacrmtest.Fault{
		{Status: 502, HTML: true}, {Status: 503}, {Status: 429}, {Truncate: true}, {Reset: true},
		{Body: `{"total": 3, "count": `}, {Body: "<html>maintenance</html>", HTML: true},
	} {
		srv.FailMatching("/customer/index", 1, f)
		p, err := client.CustomersPage(ctx, alfacrm.CustomerQuery{}, 0)
		if err != nil || len(p.Items) != 3 {
			t.Errorf("%+v: %v, %d items", f, err, len(p.Items))
		}
	}
	// Retries run out: the error says so and leaks nothing.
	srv.FailMatching("/customer/index", 10, alfacrmtest.Fault{Status: 500})
	_, err := client.CustomersPage(ctx, alfacrm.CustomerQuery{}, 0)
	if err == nil {
		t.Fatal("no error after persistent 500s")
	}
	msg := fmt.Sprintf("%v %+v", err, err)
	if strings.Contains(msg, srv.APIKey) || strings.Contains(msg, "fake-alfacrm-token-") {
		t.Errorf("secret in error: %s", msg)
	}
}

func TestClientCreateIsNotDuplicated(t *testing.T) {
	in := alfacrm.CustomerInput{Name: "Olena Koval", Phones: []string{"+380671234567"}, Emails: []string{"olena@example.com"}}
	for _, c := range []struct {
		name        string
		fault       alfacrmtest.Fault
		wantCreates int // create requests the client sends
	}{
		{"dropped after the create", alfacrmtest.Fault{Reset: true, Perform: true}, 1},
		{"500 after the create", alfacrmtest.Fault{Status: 500, Perform: true}, 1},
		{"504 html after the create", alfacrmtest.Fault{Status: 504, HTML: true, Perform: true}, 1},
		// The card is stored at once but the answer never comes in time: the
		// client's attempt timeout fires, and its lookup finds the card.
		{"timed out after the create", alfacrmtest.Fault{Delay: time.Hour, Perform: true}, 1},
		{"dropped before the create", alfacrmtest.Fault{Reset: true}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := alfacrmtest.NewServer()
			defer srv.Close()
			client := newClient(t, srv, func(cfg *alfacrm.Config) { cfg.Retry.AttemptTimeout = 300 * time.Millisecond })
			srv.FailMatching("/customer/create", 1, c.fault)
			got, err := client.CreateCustomer(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			cards := srv.Customers()
			if len(cards) != 1 || cards[0].ID != got.ID || cards[0].Name != in.Name {
				t.Fatalf("cards %+v, client got %+v", cards, got)
			}
			creates := 0
			for _, r := range srv.Requests() {
				if strings.HasSuffix(r.Path, "/customer/create") {
					creates++
				}
			}
			if creates != c.wantCreates {
				t.Errorf("%d create requests, want %d", creates, c.wantCreates)
			}
		})
	}
}

// A token refused in the middle of an iteration (expired: 401, or the 403
// some installations send) is renewed once and the page is fetched again:
// no card is lost and none is delivered twice.
func TestClientRefusalMidIterationLosesNothing(t *testing.T) {
	for _, c := range []struct {
		name  string
		fault alfacrmtest.Fault
	}{
		{"401 expired", alfacrmtest.Fault{ExpireToken: true}},
		{"403", alfacrmtest.Fault{Status: 403}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := alfacrmtest.NewServer(alfacrmtest.WithFixedPageSize(3))
			defer srv.Close()
			for i := range 10 {
				srv.AddCustomer(alfacrmtest.Customer{Name: fmt.Sprint("Student ", i), IsStudy: true})
			}
			want := expected(srv, func(cu alfacrmtest.Customer) bool { return cu.IsStudy })
			client := newClient(t, srv)
			var got []int
			for cu, err := range client.Customers(context.Background(), alfacrm.CustomerQuery{}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, cu.ID)
				if len(got) == 4 { // page 1 is being delivered: refuse the next request
					srv.FailMatching("/customer/index", 1, c.fault)
				}
			}
			wantIDs(t, "students", got, want)
			if srv.PendingFaults() != 0 {
				t.Error("the refusal never fired")
			}
			if n := srv.LoginCount(); n != 2 {
				t.Errorf("LoginCount = %d, want 2", n)
			}
		})
	}
}

func TestClientPatchSurvivesOverwrite(t *testing.T) {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	src := srv.AddLeadSource("Facebook")
	id := srv.AddCustomer(alfacrmtest.Customer{
		Name: "Olena Koval", Phones: []string{"+38 (067) 123-45-67"}, Emails: []string{"olena@example.com"},
		LeadSourceID: src, Custom: map[string]string{"gorod": "Kyiv"}, DOB: time.Date(2012, 5, 6, 0, 0, 0, 0, time.UTC),
		Balance: decimal.NewFromInt(250),
	})
	client := newClient(t, srv)
	ctx := context.Background()
	if _, err := client.PatchCustomer(ctx, id, func(in *alfacrm.CustomerInput) error { in.Note = "called back"; return nil }); err != nil {
		t.Fatal(err)
	}
	c, _ := srv.Customer(id)
	if c.Note != "called back" || !slices.Equal(c.Phones, []string{"+38 (067) 123-45-67"}) || c.LeadSourceID != src ||
		c.Custom["gorod"] != "Kyiv" || c.DOB.Format("02.01.2006") != "06.05.2012" || !c.Balance.Equal(decimal.NewFromInt(250)) {
		t.Errorf("read-modify-write lost fields: %+v", c)
	}

	// A bare update shows why: omitted fields are wiped.
	if _, err := client.UpdateCustomer(ctx, id, alfacrm.CustomerInput{Name: "Olena Koval", IsStudy: new(false), LegalType: 1}); err != nil {
		t.Fatal(err)
	}
	c, _ = srv.Customer(id)
	if len(c.Phones) != 0 || c.LeadSourceID != 0 || len(c.Custom) != 0 {
		t.Errorf("a bare update kept fields: %+v", c)
	}
}

func TestClientFindsArchivedAndLeads(t *testing.T) {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	a := srv.AddCustomer(alfacrmtest.Customer{Name: "Archived", IsStudy: true, Removed: true, Phones: []string{"+38 067 123 45 67"}})
	l := srv.AddCustomer(alfacrmtest.Customer{Name: "Lead", Emails: []string{"Lead@Example.com"}})
	client := newClient(t, srv)
	ctx := context.Background()
	for id, name := range map[int]string{a: "Archived", l: "Lead"} {
		c, err := client.Customer(ctx, id)
		if err != nil || c.ID != id || c.Name != name {
			t.Errorf("Customer(%d): %v %+v", id, err, c)
		}
	}
	if _, err := client.Customer(ctx, 999); !errors.Is(err, alfacrm.ErrNotFound) {
		t.Errorf("missing card: %v", err)
	}
	ms, err := client.FindCustomers(ctx, alfacrm.ContactQuery{Phone: "0671234567"})
	if err != nil || len(ms) != 1 || ms[0].Customer.ID != a {
		t.Errorf("by phone: %v %+v", err, ms)
	}
	ms, err = client.FindCustomers(ctx, alfacrm.ContactQuery{Email: "lead@example.com"})
	if err != nil || len(ms) != 1 || ms[0].Customer.ID != l {
		t.Errorf("by e-mail: %v %+v", err, ms)
	}
}

func TestClientConcurrentRelogin(t *testing.T) {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	srv.AddCustomer(alfacrmtest.Customer{Name: "Olena", IsStudy: true})
	client := newClient(t, srv)
	ctx := context.Background()
	if err := client.Login(ctx); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, err := client.CustomersPage(ctx, alfacrm.CustomerQuery{}, 0); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := srv.LoginCount(); n != 2 {
		t.Errorf("LoginCount = %d, want 2 (one re-login for 50 callers)", n)
	}
}

func TestClientUnderChaos(t *testing.T) {
	srv := alfacrmtest.NewServer(alfacrmtest.WithDemoData(demoRef))
	defer srv.Close()
	want := expected(srv, func(c alfacrmtest.Customer) bool { return c.IsStudy && !c.Removed })
	client := newClient(t, srv)
	ctx := context.Background()
	for seed := range uint64(4) {
		srv.SetChaos(alfacrmtest.Chaos{Seed: seed, Rate: 0.3, Match: "/customer/index"})
		var got []int
		var errs int
		for c, err := range client.Customers(ctx, alfacrm.CustomerQuery{}) {
			if err != nil {
				errs++
				continue
			}
			if errs > 0 {
				t.Fatalf("seed %d: an item after the error", seed)
			}
			got = append(got, c.ID)
		}
		if errs > 1 {
			t.Errorf("seed %d: %d errors yielded", seed, errs)
		}
		if !slices.Equal(got, want[:len(got)]) || (errs == 0 && len(got) != len(want)) {
			t.Errorf("seed %d: %d of %d students, %d errors; delivered items must be a prefix", seed, len(got), len(want), errs)
		}
	}
	if srv.ChaosFaults() == 0 {
		t.Error("no chaos happened")
	}
}

func TestDemoData(t *testing.T) {
	a := alfacrmtest.NewServer(alfacrmtest.WithDemoData(demoRef))
	defer a.Close()
	b := alfacrmtest.NewServer(alfacrmtest.WithDemoData(demoRef))
	defer b.Close()
	c := alfacrmtest.NewServer(alfacrmtest.WithDemoData(demoRef), alfacrmtest.WithDemoSeed(2))
	defer c.Close()

	cards := a.Customers()
	if len(cards) < 1500 {
		t.Errorf("%d demo customers, want at least 1500", len(cards))
	}
	if fmt.Sprint(cards) != fmt.Sprint(b.Customers()) || fmt.Sprint(a.Payments()) != fmt.Sprint(b.Payments()) {
		t.Error("the demo data is not deterministic")
	}
	if fmt.Sprint(cards) == fmt.Sprint(c.Customers()) {
		t.Error("WithDemoSeed changed nothing")
	}
	ids := map[int]bool{}
	for _, cu := range cards {
		ids[cu.ID] = true
	}
	for _, p := range a.Payments() {
		if !ids[p.CustomerID] || p.Sum.Sign() <= 0 {
			t.Fatalf("payment %+v", p)
		}
	}
	lessons := a.Lessons()
	attended := 0
	for _, l := range lessons {
		for _, d := range l.Details {
			if !ids[d.CustomerID] {
				t.Fatalf("lesson %d: unknown customer %d", l.ID, d.CustomerID)
			}
			if d.Attended {
				attended++
			}
		}
	}
	if len(lessons) == 0 || attended == 0 {
		t.Errorf("%d lessons, %d attendances", len(lessons), attended)
	}

	client := newClient(t, a)
	ctx := context.Background()
	for name, get := range map[string]func(context.Context) (alfacrm.Dictionary, error){
		"study statuses": client.StudyStatuses, "lead statuses": client.LeadStatuses, "lead sources": client.LeadSources,
		"pay types": client.PayTypes, "branches": client.Branches, "subjects": client.Subjects,
	} {
		d, err := get(ctx)
		if err != nil || len(d) == 0 {
			t.Errorf("%s: %v %v", name, err, d)
		}
	}
	// Income and expense are told apart by the demo's pay type names.
	var income, expense int
	for p, err := range client.Payments(ctx, alfacrm.PaymentQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.Income {
			income++
		} else {
			expense++
		}
	}
	if income == 0 || expense == 0 {
		t.Errorf("%d income and %d expense payments", income, expense)
	}
}

func BenchmarkCustomerPage(b *testing.B) {
	srv := alfacrmtest.NewServer(alfacrmtest.WithDemoData(demoRef))
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := client.CustomersPage(ctx, alfacrm.CustomerQuery{IsStudy: new(false), PageSize: 50}, 3); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(srv.RequestCount())/float64(b.N), "requests/op")
}

// A client configured with extra headers (an X-APP-KEY) sends them on every
// call; the server's request log masks the key.
func TestClientExtraHeaderIsMaskedInTheLog(t *testing.T) {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	const appKey = "test-app-key-XYZ-987654"
	client := newClient(t, srv, func(c *alfacrm.Config) { c.Header = http.Header{"X-App-Key": {appKey}} })
	if _, err := client.CustomersPage(context.Background(), alfacrm.CustomerQuery{}, 0); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want login and index", len(reqs))
	}
	for _, r := range reqs {
		if got := r.Header.Get("X-App-Key"); got != "[REDACTED]" {
			t.Errorf("%s: X-App-Key recorded as %q", r.Path, got)
		}
	}
	if strings.Contains(fmt.Sprintf("%+v", reqs), appKey) {
		t.Error("the app key is in the request log")
	}
}

// Subscriptions and group memberships need the parent id in the query; the
// fake ignores it in the body, so these only pass if the client puts it there.
func TestClientParentIDsInQuery(t *testing.T) {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	id := srv.AddCustomer(alfacrmtest.Customer{Name: "Olena", IsStudy: true})
	other := srv.AddCustomer(alfacrmtest.Customer{Name: "Petro", IsStudy: true})
	day := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	g := srv.AddGroupMembership(alfacrmtest.GroupMembership{CustomerID: id, GroupID: 12, Begin: day, End: day.AddDate(0, 9, 0)})
	srv.AddGroupMembership(alfacrmtest.GroupMembership{CustomerID: other, GroupID: 12, Begin: day})
	tr := srv.AddCustomerTariff(alfacrmtest.CustomerTariff{CustomerID: id, TariffID: 3, PaidCount: 8, Begin: day})
	client := newClient(t, srv, func(c *alfacrm.Config) { c.Location = time.UTC })
	ctx := context.Background()

	groups, err := client.CustomerGroups(ctx, id)
	if err != nil || len(groups) != 1 || groups[0].ID != g || groups[0].GroupID != 12 || !groups[0].BeginDate.Equal(day) {
		t.Errorf("CustomerGroups: %v %+v", err, groups)
	}
	tariffs, err := client.CustomerTariffs(ctx, id)
	if err != nil || len(tariffs) != 1 || tariffs[0].ID != tr || tariffs[0].PaidCount != 8 {
		t.Errorf("CustomerTariffs: %v %+v", err, tariffs)
	}
}
