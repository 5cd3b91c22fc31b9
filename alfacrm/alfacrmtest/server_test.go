package alfacrmtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/shopspring/decimal"
)

const custIndex = "/v2api/1/customer/index"

func TestLogin(t *testing.T) {
	rc := newRaw(t)
	srv := rc.srv
	if !strings.HasPrefix(srv.APIKey, "fake-alfacrm-api-key-") || !strings.HasPrefix(rc.token, "fake-alfacrm-token-") {
		t.Errorf("credentials do not look fake: key %q token %q", srv.APIKey, rc.token)
	}
	if srv.LoginCount() != 1 {
		t.Errorf("LoginCount = %d, want 1", srv.LoginCount())
	}

	for name, body := range map[string]any{
		"wrong key":   map[string]string{"email": srv.Email, "api_key": "fake-alfacrm-api-key-wrong"},
		"wrong email": map[string]string{"email": "other@example.com", "api_key": srv.APIKey},
		"no body":     nil,
		"not json":    "{",
	} {
		st, _, b := rc.do("/v2api/auth/login", body, false)
		if st != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, st)
		}
		yiiBody(t, b, 403, "Forbidden")
	}
	if srv.LoginCount() != 1 {
		t.Errorf("failed logins were counted: LoginCount = %d", srv.LoginCount())
	}

	// The e-mail is case-insensitive; a form body works too.
	st, _, _ := rc.do("/v2api/auth/login", map[string]string{"email": strings.ToUpper(srv.Email), "api_key": srv.APIKey}, false)
	if st != http.StatusOK {
		t.Errorf("upper-case e-mail: status %d", st)
	}
	st, _, _ = rc.do("/v2api/auth/login", "email="+srv.Email+"&api_key="+srv.APIKey, false)
	if st != http.StatusOK {
		t.Errorf("form login: status %d", st)
	}
	st, hdr, b := rc.method(http.MethodGet, "/v2api/auth/login", nil, false)
	if st != http.StatusMethodNotAllowed || hdr.Get("Allow") != "POST" {
		t.Errorf("GET login: status %d Allow %q", st, hdr.Get("Allow"))
	}
	yiiBody(t, b, 405, "Method Not Allowed")
}

func TestLoginFailureStatus401(t *testing.T) {
	srv := alfacrmtest.NewServer(alfacrmtest.WithLoginFailureStatus(401), alfacrmtest.WithCredentials("school@example.com", "fake-alfacrm-api-key-fixed"))
	defer srv.Close()
	if srv.Email != "school@example.com" || srv.APIKey != "fake-alfacrm-api-key-fixed" {
		t.Fatalf("WithCredentials ignored: %q %q", srv.Email, srv.APIKey)
	}
	rc := &rawClient{t: t, srv: srv, hc: srv.HTTPClient()}
	st, _, b := rc.do("/v2api/auth/login", map[string]string{"email": srv.Email, "api_key": "nope-nope"}, false)
	if st != 401 {
		t.Fatalf("status %d, want 401", st)
	}
	yiiBody(t, b, 401, "Unauthorized")
	rc.login()
}

func TestTokenRequired(t *testing.T) {
	rc := newRaw(t)
	for name, tok := range map[string]string{"missing": "", "unknown": "fake-alfacrm-token-unknown"} {
		good := rc.token
		rc.token = tok
		st, _, b := rc.do(custIndex, map[string]any{}, true)
		rc.token = good
		if st != http.StatusUnauthorized {
			t.Errorf("%s token: status %d, want 401", name, st)
		}
		var e map[string]any
		mustJSON(t, b, &e)
		want := map[string]any{"name": "Unauthorized", "message": "Your request was made with invalid credentials.", "code": 0.0, "status": 401.0}
		if fmt.Sprint(e) != fmt.Sprint(want) {
			t.Errorf("%s token: body %s", name, b)
		}
	}
	rc.list(custIndex, nil)
}

func TestTokenExpiresByClock(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	rc := newRaw(t, alfacrmtest.WithClock(clock.Now), alfacrmtest.WithTokenTTL(15*time.Minute))
	clock.Advance(15*time.Minute - time.Second)
	rc.list(custIndex, nil) // still valid; use does not extend it
	clock.Advance(time.Second)
	if st, _, _ := rc.do(custIndex, nil, true); st != http.StatusUnauthorized {
		t.Fatalf("after 15 min: status %d, want 401", st)
	}
	rc.login()
	rc.list(custIndex, nil)
	if n := rc.srv.LoginCount(); n != 2 {
		t.Errorf("LoginCount = %d, want 2", n)
	}
}

func TestExpireTokens(t *testing.T) {
	rc := newRaw(t)
	rc.list(custIndex, nil)
	rc.srv.ExpireTokens()
	if st, _, _ := rc.do(custIndex, nil, true); st != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", st)
	}
	rc.login()
	rc.list(custIndex, nil)
}

// seedCards adds an active and an archived student and lead.
func seedCards(srv *alfacrmtest.Server) (student, lead, archStudent, archLead int) {
	student = srv.AddCustomer(alfacrmtest.Customer{Name: "Olena Koval", IsStudy: true})
	lead = srv.AddCustomer(alfacrmtest.Customer{Name: "Ivan Petrenko"})
	archStudent = srv.AddCustomer(alfacrmtest.Customer{Name: "Marta Shevchuk", IsStudy: true, Removed: true})
	archLead = srv.AddCustomer(alfacrmtest.Customer{Name: "Petro Bondar", Removed: true})
	return
}

func TestCustomerIsStudyAndRemoved(t *testing.T) {
	rc := newRaw(t)
	st, ld, ast, ald := seedCards(rc.srv)
	for _, c := range []struct {
		body any
		want []int
	}{
		{nil, []int{st}},
		{map[string]any{}, []int{st}},
		{map[string]any{"is_study": 1}, []int{st}},
		{map[string]any{"is_study": 0}, []int{ld}},
		{map[string]any{"is_study": "0"}, []int{ld}},
		{map[string]any{"is_study": 2}, []int{st, ld}},
		{map[string]any{"removed": 0}, []int{st}},
		{map[string]any{"removed": 1}, []int{st, ast}},
		{map[string]any{"removed": 2}, []int{ast}},
		{map[string]any{"removed": 2, "is_study": 0}, []int{ald}},
		{map[string]any{"removed": 1, "is_study": 2}, []int{st, ld, ast, ald}},
		{map[string]any{"id": ast}, nil},
		{map[string]any{"id": ast, "removed": 1}, []int{ast}},
		{map[string]any{"id": ld}, nil},
		{map[string]any{"id": ld, "is_study": 0}, []int{ld}},
		{map[string]any{"id": []int{st, ast}, "removed": 1}, []int{st, ast}},
		{map[string]any{"id": "not a number"}, nil},
	} {
		wantIDs(t, fmt.Sprint(c.body), rc.ids(custIndex, c.body), c.want)
	}
}

func TestCustomerPhoneFilter(t *testing.T) {
	rc := newRaw(t)
	a := rc.srv.AddCustomer(alfacrmtest.Customer{Name: "A", IsStudy: true, Phones: []string{"+38 (067) 123-45-67"}})
	b := rc.srv.AddCustomer(alfacrmtest.Customer{Name: "B", IsStudy: true, Phones: []string{"0501112233", "+7(900)000-00-01"}})
	for q, want := range map[string][]int{
		"380671234567":      {a},
		"+380 67 123 45 67": {a},
		"0671234567":        {a},
		"(067) 123-45-67":   {a},
		"1234567":           {a},
		"0671234568":        nil,
		"380671234567890":   nil, // longer than any stored number
		"79000000001":       {b}, // the second phone counts
		"0501112233":        {b},
		"0":                 {a, b},
		"no digits":         nil,
	} {
		wantIDs(t, "phone "+q, rc.ids(custIndex, map[string]any{"phone": q}), want)
	}
	// An empty phone is no filter at all.
	wantIDs(t, "empty phone", rc.ids(custIndex, map[string]any{"phone": ""}), []int{a, b})
}

func TestCustomerTextFilters(t *testing.T) {
	rc := newRaw(t)
	a := rc.srv.AddCustomer(alfacrmtest.Customer{Name: "Олена Коваль", IsStudy: true, Emails: []string{"Olena.Koval@Example.com"}, Note: "Prefers mornings"})
	b := rc.srv.AddCustomer(alfacrmtest.Customer{Name: "Ivan Kovalenko", IsStudy: true, Emails: []string{"ivan@example.org", "ik@example.net"}})
	for _, c := range []struct {
		key, q string
		want   []int
	}{
		{"name", "коваль", []int{a}},
		{"name", "ОЛЕНА", []int{a}},
		{"name", "koval", []int{b}},
		{"name", "nobody", nil},
		{"email", "olena.koval@example.com", []int{a}},
		{"email", "EXAMPLE", []int{a, b}},
		{"email", "ik@example.net", []int{b}},
		{"note", "MORNING", []int{a}},
	} {
		wantIDs(t, c.key+"="+c.q, rc.ids(custIndex, map[string]any{c.key: c.q}), c.want)
	}
}

func TestCustomerReferenceAndDateFilters(t *testing.T) {
	loc := time.FixedZone("UTC+2", 2*3600)
	rc := newRaw(t, alfacrmtest.WithTimezone(loc))
	srv := rc.srv
	src := srv.AddLeadSource("Facebook")
	ls := srv.AddLeadStatus("New")
	ss := srv.AddStudyStatus("Studying")
	a := srv.AddCustomer(alfacrmtest.Customer{Name: "A", LeadSourceID: src, LeadStatusID: ls,
		CreatedAt: time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)}) // 2 March in the school's zone
	b := srv.AddCustomer(alfacrmtest.Customer{Name: "B", LeadStatusID: ls, CreatedAt: time.Date(2026, 3, 5, 12, 0, 0, 0, loc)})
	c := srv.AddCustomer(alfacrmtest.Customer{Name: "C", IsStudy: true, StudyStatusID: ss, CreatedAt: time.Date(2026, 3, 9, 12, 0, 0, 0, loc)})
	leads := func(extra map[string]any) map[string]any {
		m := map[string]any{"is_study": 0}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	wantIDs(t, "lead_source_id", rc.ids(custIndex, leads(map[string]any{"lead_source_id": src})), []int{a})
	wantIDs(t, "lead_status_id", rc.ids(custIndex, leads(map[string]any{"lead_status_id": ls})), []int{a, b})
	wantIDs(t, "lead_status_id 0 matches null only never", rc.ids(custIndex, leads(map[string]any{"lead_source_id": 0})), nil)
	wantIDs(t, "study_status_id", rc.ids(custIndex, map[string]any{"study_status_id": ss}), []int{c})
	wantIDs(t, "date_from local day", rc.ids(custIndex, leads(map[string]any{"date_from": "02.03.2026", "date_to": "02.03.2026"})), []int{a})
	wantIDs(t, "date range ISO", rc.ids(custIndex, map[string]any{"is_study": 2, "date_from": "2026-03-03", "date_to": "2026-03-09"}), []int{b, c})
	wantIDs(t, "created_at_to", rc.ids(custIndex, map[string]any{"is_study": 2, "created_at_to": "05.03.2026"}), []int{a, b})
	wantIDs(t, "bad date", rc.ids(custIndex, map[string]any{"is_study": 2, "date_from": "March"}), nil)
}

func TestCustomerItemShape(t *testing.T) {
	rc := newRaw(t, alfacrmtest.WithTimezone(time.UTC))
	id := rc.srv.AddCustomer(alfacrmtest.Customer{
		Name: "Olena Koval", IsStudy: true, LeadSourceID: 3, DOB: time.Date(2012, 5, 6, 0, 0, 0, 0, time.UTC),
		Balance: decimal.RequireFromString("2450.5"), Phones: []string{"+38 (067) 123-45-67"}, Emails: []string{"olena@example.com"},
		TeacherNames: []string{"Anna Teacher"}, Custom: map[string]string{"gorod": "Kyiv", "custom_uroven": "B1"},
		CreatedAt: time.Date(2026, 1, 15, 14, 28, 27, 0, time.UTC), PaidLessonCount: -5,
	})
	env := rc.list(custIndex, nil)
	if env.Total != 1 || env.Page != 0 || len(env.Items) != 1 {
		t.Fatalf("envelope %+v", env)
	}
	f := fields(t, env.Items[0])
	for k, want := range map[string]string{
		"id": fmt.Sprint(id), "name": `"Olena Koval"`, "is_study": "1", "study_status_id": "null", "lead_source_id": "3",
		"legal_type": "1", "dob": `"06.05.2012"`, "balance": `"2450.50"`, "balance_base": `"2450.50"`,
		"paid_lesson_count": "-5", "phone": `["+38 (067) 123-45-67"]`, "email": `["olena@example.com"]`, "web": "[]",
		"teacher_ids": `["Anna Teacher"]`, "branch_ids": "[1]", "b_date": `"2026-01-15 14:28:27"`, "color": "null",
		"custom_gorod": `"Kyiv"`, "custom_uroven": `"B1"`, "next_lesson_date": "null", "e_date": `"2030-12-31"`,
	} {
		if got := string(f[k]); got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	// An unset date of birth is "", not null.
	rc.srv.AddCustomer(alfacrmtest.Customer{Name: "No DOB", IsStudy: true})
	env = rc.list(custIndex, map[string]any{"name": "No DOB"})
	if got := string(fields(t, env.Items[0])["dob"]); got != `""` {
		t.Errorf("empty dob = %s", got)
	}
}

func TestPaging(t *testing.T) {
	rc := newRaw(t)
	for i := range 120 {
		rc.srv.AddCustomer(alfacrmtest.Customer{Name: fmt.Sprintf("Student %03d", i), IsStudy: true})
	}
	check := func(what string, body map[string]any, page, wantCount int) envelope {
		t.Helper()
		if body == nil {
			body = map[string]any{}
		}
		body["page"] = page
		env := rc.list(custIndex, body)
		if env.Total != 120 || env.Count != wantCount || env.Page != page {
			t.Errorf("%s page %d: total %d count %d page %d; want 120, %d, %d", what, page, env.Total, env.Count, env.Page, wantCount, page)
		}
		return env
	}
	var seen []int
	for p, n := range []int{50, 50, 20, 0} {
		env := check("default", nil, p, n)
		for _, it := range env.Items {
			var x struct{ ID int }
			mustJSON(t, it, &x)
			seen = append(seen, x.ID)
		}
	}
	strictly := slices.IsSortedFunc(seen, func(a, b int) int { return a - b }) && len(slices.Compact(slices.Clone(seen))) == len(seen)
	if len(seen) != 120 || !strictly {
		t.Errorf("pages do not partition the cards: %d ids", len(seen))
	}
	check("pageSize 7", map[string]any{"pageSize": 7}, 0, 7)
	check("pageSize 7", map[string]any{"pageSize": 7}, 17, 1)
	check("pageSize 1000 is capped", map[string]any{"pageSize": 1000}, 0, 50)
	check("pageSize as string", map[string]any{"pageSize": "10"}, 0, 10)
	check("pageSize 0", map[string]any{"pageSize": 0}, 0, 50)
	check("negative page", map[string]any{"page": -3}, 0, 50)

	st, _, b := rc.do(custIndex+"?per-page=30", map[string]any{"page": 1}, true)
	var env envelope
	mustJSON(t, b, &env)
	if st != 200 || env.Count != 30 {
		t.Errorf("per-page=30: status %d count %d", st, env.Count)
	}
}

func TestPageSizeModes(t *testing.T) {
	seed := func(srv *alfacrmtest.Server) {
		for i := range 45 {
			srv.AddCustomer(alfacrmtest.Customer{Name: fmt.Sprint("S", i), IsStudy: true})
		}
	}
	t.Run("cap", func(t *testing.T) {
		rc := newRaw(t, alfacrmtest.WithPageSizeCap(25))
		seed(rc.srv)
		if n := rc.list(custIndex, map[string]any{"pageSize": 50}).Count; n != 25 {
			t.Errorf("count %d, want 25", n)
		}
		if n := rc.list(custIndex, nil).Count; n != 25 {
			t.Errorf("no pageSize: count %d, want 25", n)
		}
		if n := rc.list(custIndex, map[string]any{"pageSize": 5}).Count; n != 5 {
			t.Errorf("pageSize 5: count %d", n)
		}
	})
	t.Run("fixed", func(t *testing.T) {
		rc := newRaw(t, alfacrmtest.WithFixedPageSize(20))
		seed(rc.srv)
		for _, body := range []map[string]any{{"pageSize": 5}, {"pageSize": 50}, {}} {
			if n := rc.list(custIndex, body).Count; n != 20 {
				t.Errorf("%v: count %d, want 20", body, n)
			}
		}
		if n := rc.list(custIndex, map[string]any{"page": 2, "pageSize": 50}).Count; n != 5 {
			t.Errorf("last page: count %d, want 5", n)
		}
	})
	t.Run("clamped", func(t *testing.T) {
		rc := newRaw(t, alfacrmtest.WithClampedPages())
		seed(rc.srv)
		last := rc.ids(custIndex, map[string]any{"page": 2, "pageSize": 20})
		env := rc.list(custIndex, map[string]any{"page": 9, "pageSize": 20})
		if env.Page != 2 || env.Count != 5 || len(last) != 5 {
			t.Errorf("page 9: page %d count %d; want the last page (2) again", env.Page, env.Count)
		}
	})
}

func TestCreateCustomer(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	rc := newRaw(t, alfacrmtest.WithClock(clock.Now))
	srv := rc.srv
	body := map[string]any{
		"name": "  Olena Koval ", "is_study": 0, "legal_type": 1, "branch_ids": []int{1},
		"phone": []string{"+38 (067) 123-45-67"}, "email": "olena@example.com", "lead_status_id": "3",
		"dob": "06.05.2012", "custom_gorod": "Kyiv", "custom_tags": []string{"a", "b"}, "balance": "1000000",
	}
	st, _, b := rc.do("/v2api/1/customer/create", body, true)
	if st != 200 {
		t.Fatalf("status %d: %s", st, b)
	}
	var out struct {
		Success bool
		Errors  []string
		Model   map[string]json.RawMessage
	}
	mustJSON(t, b, &out)
	if !out.Success || len(out.Errors) != 0 || out.Model == nil {
		t.Fatalf("create response %s", b)
	}
	var id int
	mustJSON(t, out.Model["id"], &id)
	if string(out.Model["lead_status_id"]) != `"3"` {
		t.Errorf("model should echo the request's string id, got %s", out.Model["lead_status_id"])
	}
	if string(out.Model["custom_tags"]) != `["a","b"]` {
		t.Errorf("custom array not kept: %s", out.Model["custom_tags"])
	}
	c, ok := srv.Customer(id)
	if !ok {
		t.Fatalf("card %d not stored", id)
	}
	if c.Name != "Olena Koval" || c.IsStudy || c.LeadStatusID != 3 || !equalStrings(c.Emails, []string{"olena@example.com"}) ||
		c.DOB.Format("02.01.2006") != "06.05.2012" || c.Custom["gorod"] != "Kyiv" || !c.Balance.IsZero() ||
		!c.CreatedAt.Equal(clock.Now()) {
		t.Errorf("stored card %+v", c)
	}
	wantIDs(t, "new lead listed", rc.ids(custIndex, map[string]any{"is_study": 0}), []int{id})

	for name, c := range map[string]struct {
		body map[string]any
		want string
	}{
		"no name":       {map[string]any{"is_study": 0, "legal_type": 1}, "Name cannot be blank."},
		"blank name":    {map[string]any{"name": "  ", "is_study": 0, "legal_type": 1}, "Name cannot be blank."},
		"no is_study":   {map[string]any{"name": "X", "legal_type": 1}, "Is Study cannot be blank."},
		"no legal_type": {map[string]any{"name": "X", "is_study": 1}, "Legal Type cannot be blank."},
		"bad is_study":  {map[string]any{"name": "X", "is_study": 5, "legal_type": 1}, "Is Study is invalid."},
		"iso dob":       {map[string]any{"name": "X", "is_study": 1, "legal_type": 1, "dob": "2012-05-06"}, "Date of birth must be in DD.MM.YYYY format."},
		"bad branch":    {map[string]any{"name": "X", "is_study": 1, "legal_type": 1, "branch_ids": []int{77}}, "Branch is invalid."},
		"phone object":  {map[string]any{"name": "X", "is_study": 1, "legal_type": 1, "phone": map[string]string{"a": "b"}}, "Phone is invalid."},
	} {
		st, _, b := rc.do("/v2api/1/customer/create", c.body, true)
		var res struct {
			Success bool
			Errors  []string
			Model   json.RawMessage
		}
		mustJSON(t, b, &res)
		if st != 200 || res.Success || !slices.Contains(res.Errors, c.want) || string(res.Model) != "null" {
			t.Errorf("%s: status %d body %s; want 200, success false, error %q", name, st, b, c.want)
		}
	}
	if n := len(srv.Customers()); n != 1 {
		t.Errorf("failed creates stored cards: %d cards", n)
	}
}

func equalStrings(a, b []string) bool { return slices.Equal(a, b) }

func TestUpdateOverwritesCard(t *testing.T) {
	rc := newRaw(t)
	srv := rc.srv
	id := srv.AddCustomer(alfacrmtest.Customer{
		Name: "Olena Koval", IsStudy: true, Phones: []string{"0671234567"}, Emails: []string{"olena@example.com"},
		Note: "keep me", StudyStatusID: 2, Balance: decimal.NewFromInt(500), Custom: map[string]string{"gorod": "Kyiv"},
	})
	path := fmt.Sprintf("/v2api/1/customer/update?id=%d", id)

	// A partial body fails validation: the required fields are missing.
	st, _, b := rc.do(path, map[string]any{"note": "new note"}, true)
	if st != 200 || !contains(string(b), `"success":false`) || !contains(string(b), "Name cannot be blank.") {
		t.Fatalf("partial update: %d %s", st, b)
	}
	if c, _ := srv.Customer(id); c.Note != "keep me" {
		t.Fatalf("a failed update changed the card: %+v", c)
	}

	// The required fields only: everything else is wiped, balance is kept.
	st, _, b = rc.do(path, map[string]any{"name": "Olena Koval", "is_study": 1, "legal_type": 1, "note": "new note"}, true)
	if st != 200 || !contains(string(b), `"success":true`) {
		t.Fatalf("update: %d %s", st, b)
	}
	c, _ := srv.Customer(id)
	if c.Note != "new note" || len(c.Phones) != 0 || len(c.Emails) != 0 || c.StudyStatusID != 0 || len(c.Custom) != 0 ||
		!c.Balance.Equal(decimal.NewFromInt(500)) || !c.IsStudy || !equalInts(c.BranchIDs, []int{1}) {
		t.Errorf("after overwrite: %+v", c)
	}

	st, _, b = rc.do("/v2api/1/customer/update?id=999999", map[string]any{"name": "X", "is_study": 1, "legal_type": 1}, true)
	if st != 404 || !contains(string(b), "Object not found: 999999") {
		t.Errorf("unknown id: %d %s", st, b)
	}
	yiiBody(t, b, 404, "Not Found")
	st, _, b = rc.do("/v2api/1/customer/update", map[string]any{"id": id, "name": "X", "is_study": 1, "legal_type": 1}, true)
	if st != 400 {
		t.Errorf("id in the body only: %d %s", st, b)
	}
}

func TestPartialUpdates(t *testing.T) {
	rc := newRaw(t, alfacrmtest.WithPartialUpdates())
	id := rc.srv.AddCustomer(alfacrmtest.Customer{Name: "Olena", IsStudy: true, Phones: []string{"0671234567"}})
	st, _, b := rc.do(fmt.Sprintf("/v2api/1/customer/update?id=%d", id), map[string]any{"note": "hello"}, true)
	if st != 200 || !contains(string(b), `"success":true`) {
		t.Fatalf("%d %s", st, b)
	}
	c, _ := rc.srv.Customer(id)
	if c.Note != "hello" || c.Name != "Olena" || !equalStrings(c.Phones, []string{"0671234567"}) {
		t.Errorf("partial update: %+v", c)
	}
	st, _, b = rc.do(fmt.Sprintf("/v2api/1/customer/update?id=%d", id), map[string]any{"name": ""}, true)
	if !contains(string(b), "Name cannot be blank.") {
		t.Errorf("blank name accepted: %d %s", st, b)
	}
}

func TestDeleteArchives(t *testing.T) {
	rc := newRaw(t)
	id := rc.srv.AddCustomer(alfacrmtest.Customer{Name: "Olena", IsStudy: true})
	st, _, b := rc.do(fmt.Sprintf("/v2api/1/customer/delete?id=%d", id), nil, true)
	if st != 200 || !contains(string(b), `"success":true`) {
		t.Fatalf("%d %s", st, b)
	}
	wantIDs(t, "active", rc.ids(custIndex, nil), nil)
	wantIDs(t, "archived", rc.ids(custIndex, map[string]any{"removed": 2}), []int{id})
	if c, _ := rc.srv.Customer(id); !c.Removed || c.RemovedAt.IsZero() {
		t.Errorf("card not archived: %+v", c)
	}
}

func TestLessonIndex(t *testing.T) {
	loc := time.UTC
	rc := newRaw(t, alfacrmtest.WithTimezone(loc))
	srv := rc.srv
	day := func(d int) time.Time { return time.Date(2026, 3, d, 18, 30, 0, 0, loc) }
	done1 := srv.AddLesson(alfacrmtest.Lesson{Start: day(2), Duration: 90 * time.Minute, SubjectID: 3, TeacherIDs: []int{7}, GroupIDs: []int{12},
		Details: []alfacrmtest.Attendance{{CustomerID: 501, Attended: true, Commission: decimal.RequireFromString("250")}, {CustomerID: 502, ReasonID: 2}}})
	planned := srv.AddLesson(alfacrmtest.Lesson{Start: day(9), Status: 1, GroupIDs: []int{12}, Details: []alfacrmtest.Attendance{{CustomerID: 501}}})
	cancelled := srv.AddLesson(alfacrmtest.Lesson{Start: day(4), Status: 2, GroupIDs: []int{12}})
	done0 := srv.AddLesson(alfacrmtest.Lesson{Start: day(1), CustomerIDs: []int{503}, LessonTypeID: 1})
	path := "/v2api/1/lesson/index"

	wantIDs(t, "default: conducted only, by date", rc.ids(path, nil), []int{done0, done1})
	wantIDs(t, "status 1", rc.ids(path, map[string]any{"status": 1}), []int{planned})
	wantIDs(t, "status 2", rc.ids(path, map[string]any{"status": "2"}), []int{cancelled})
	wantIDs(t, "status list", rc.ids(path, map[string]any{"status": []int{1, 2, 3}}), []int{done0, done1, cancelled, planned})
	wantIDs(t, "customer in details", rc.ids(path, map[string]any{"customer_id": 502}), []int{done1})
	wantIDs(t, "customer in customer_ids", rc.ids(path, map[string]any{"customer_id": 503}), []int{done0})
	wantIDs(t, "customer, all statuses", rc.ids(path, map[string]any{"customer_id": 501, "status": []int{1, 3}}), []int{done1, planned})
	wantIDs(t, "date range", rc.ids(path, map[string]any{"date_from": "2026-03-02", "date_to": "2026-03-31"}), []int{done1})
	wantIDs(t, "teacher", rc.ids(path, map[string]any{"teacher_id": 7}), []int{done1})

	env := rc.list(path, map[string]any{"id": done1})
	f := fields(t, env.Items[0])
	for k, want := range map[string]string{
		"date": `"2026-03-02"`, "time_from": `"2026-03-02 18:30:00"`, "time_to": `"2026-03-02 20:00:00"`, "status": "3",
		"teacher_ids": "[7]", "group_ids": "[12]", "customer_ids": "[]", "subject_id": "3", "room_id": "null",
	} {
		if got := string(f[k]); got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	var details []map[string]json.RawMessage
	mustJSON(t, f["details"], &details)
	if len(details) != 2 || string(details[0]["customer_id"]) != "501" || string(details[0]["is_attend"]) != "1" ||
		string(details[0]["commission"]) != `"250.00"` || string(details[0]["reason_id"]) != "null" ||
		string(details[1]["is_attend"]) != "0" || string(details[1]["reason_id"]) != "2" || string(details[0]["id"]) == string(details[1]["id"]) {
		t.Errorf("details %s", f["details"])
	}
}

func TestPayIndex(t *testing.T) {
	rc := newRaw(t, alfacrmtest.WithTimezone(time.UTC))
	srv := rc.srv
	income := srv.AddPayType("Income")
	expense := srv.AddPayType("Expense")
	d := func(day int) time.Time { return time.Date(2026, 5, day, 0, 0, 0, 0, time.UTC) }
	p1 := srv.AddPayment(alfacrmtest.Payment{CustomerID: 10, PayTypeID: income, Date: d(1), Sum: decimal.RequireFromString("4500")})
	p2 := srv.AddPayment(alfacrmtest.Payment{CustomerID: 11, PayTypeID: income, Date: d(3), Sum: decimal.RequireFromString("1350.5"), SumAsNumber: true})
	p3 := srv.AddPayment(alfacrmtest.Payment{CustomerID: 10, PayTypeID: expense, Date: d(5), Sum: decimal.RequireFromString("1200"), Note: "Refund"})
	p4 := srv.AddPayment(alfacrmtest.Payment{PayTypeID: expense, Date: d(7), Sum: decimal.RequireFromString("99.99")})
	path := "/v2api/1/pay/index"
	wantIDs(t, "newest first", rc.ids(path, nil), []int{p4, p3, p2, p1})
	wantIDs(t, "customer", rc.ids(path, map[string]any{"customer_id": 10}), []int{p3, p1})
	wantIDs(t, "dates DMY", rc.ids(path, map[string]any{"date_from": "03.05.2026", "date_to": "05.05.2026"}), []int{p3, p2})
	wantIDs(t, "dates ISO", rc.ids(path, map[string]any{"date_from": "2026-05-04"}), []int{p4, p3})
	wantIDs(t, "pay type", rc.ids(path, map[string]any{"pay_type_id": expense}), []int{p4, p3})

	items := rc.list(path, nil).Items
	byID := map[int]map[string]json.RawMessage{}
	for _, it := range items {
		f := fields(t, it)
		var id int
		mustJSON(t, f["id"], &id)
		byID[id] = f
	}
	for id, want := range map[int]map[string]string{
		p1: {"income": `"4500.00"`, "document_date": `"01.05.2026"`, "customer_id": "10", "pay_type_name": `"Income"`},
		p2: {"income": "1350.5"},
		p3: {"income": `"1200.00"`, "note": `"Refund"`, "pay_type_id": fmt.Sprint(expense)},
		p4: {"customer_id": "null", "income": `"99.99"`},
	} {
		for k, v := range want {
			if got := string(byID[id][k]); got != v {
				t.Errorf("payment %d %s = %s, want %s", id, k, got, v)
			}
		}
	}
}

func TestParentIDFromQueryOnly(t *testing.T) {
	rc := newRaw(t)
	srv := rc.srv
	t1 := srv.AddCustomerTariff(alfacrmtest.CustomerTariff{CustomerID: 42, TariffID: 3, Balance: decimal.NewFromInt(100),
		Begin: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)})
	srv.AddCustomerTariff(alfacrmtest.CustomerTariff{CustomerID: 43, TariffID: 3})
	g1 := srv.AddGroupMembership(alfacrmtest.GroupMembership{CustomerID: 42, GroupID: 12})
	g2 := srv.AddGroupMembership(alfacrmtest.GroupMembership{CustomerID: 43, GroupID: 12})

	wantIDs(t, "tariff: customer_id in the body is ignored", rc.ids("/v2api/1/customer-tariff/index", map[string]any{"customer_id": 42}), nil)
	wantIDs(t, "tariff: customer_id in the query", rc.ids("/v2api/1/customer-tariff/index?customer_id=42", nil), []int{t1})
	wantIDs(t, "cgi: body ignored", rc.ids("/v2api/1/cgi/index", map[string]any{"customer_id": 42}), nil)
	wantIDs(t, "cgi: customer", rc.ids("/v2api/1/cgi/index?customer_id=42", nil), []int{g1})
	wantIDs(t, "cgi: group", rc.ids("/v2api/1/cgi/index?group_id=12", nil), []int{g1, g2})

	f := fields(t, rc.list("/v2api/1/customer-tariff/index?customer_id=42", nil).Items[0])
	if string(f["b_date"]) != `"01.01.2026"` || string(f["balance"]) != `"100.00"` {
		t.Errorf("tariff item %v", f)
	}
}

func TestDictionaries(t *testing.T) {
	rc := newRaw(t)
	srv := rc.srv
	ids := map[string]int{
		"study-status": srv.AddStudyStatus("Studying"),
		"lead-status":  srv.AddLeadStatus("New"),
		"lead-source":  srv.AddLeadSource("Facebook"),
		"pay-type":     srv.AddPayType("Income"),
		"subject":      srv.AddSubject("English"),
	}
	for model, id := range ids {
		env := rc.list("/v2api/1/"+model+"/index", nil)
		if env.Total != 1 || !contains(string(env.Items[0]), fmt.Sprintf(`"id":%d`, id)) {
			t.Errorf("%s: %+v", model, env)
		}
	}
	b2 := srv.AddBranch("Online")
	for _, path := range []string{"/v2api/branch/index", "/v2api/0/branch/index", "/v2api/1/branch/index"} {
		wantIDs(t, path, rc.ids(path, nil), []int{1, b2})
	}
	// The new branch is addressable.
	rc.srv.AddCustomer(alfacrmtest.Customer{Name: "Online student", IsStudy: true, BranchIDs: []int{b2}})
	if n := rc.list(fmt.Sprintf("/v2api/%d/customer/index", b2), nil).Total; n != 1 {
		t.Errorf("branch %d: %d cards", b2, n)
	}
	if n := rc.list(custIndex, nil).Total; n != 0 {
		t.Errorf("branch 1 sees the other branch's card: %d", n)
	}
	// A path without a branch addresses the default branch.
	if n := rc.list("/v2api/customer/index", map[string]any{"branch_ids": []int{b2}}).Total; n != 0 {
		t.Errorf("default-branch path: %d", n)
	}
}

func TestRoutingErrors(t *testing.T) {
	rc := newRaw(t)
	st, _, b := rc.method(http.MethodGet, custIndex, nil, true)
	if st != 405 {
		t.Errorf("GET: %d", st)
	}
	yiiBody(t, b, 405, "Method Not Allowed")
	for _, p := range []string{"/v2api/1/nothing/index", "/v2api/1/customer/view", "/api/1/customer/index", "/v2api/x/customer/index", "/v2api/1/2/3/4"} {
		st, _, b := rc.do(p, nil, true)
		if st != 404 {
			t.Errorf("%s: %d", p, st)
		}
		yiiBody(t, b, 404, "Not Found")
	}
	if st, _, _ := rc.do("/v2api/9/customer/index", nil, true); st != 404 {
		t.Errorf("unknown branch: %d", st)
	}
	for _, body := range []string{"{", `"text"`, "[1]", "{} {}"} {
		st, _, b := rc.do(custIndex, body, true)
		if st != 400 {
			t.Errorf("body %q: %d", body, st)
		}
		yiiBody(t, b, 400, "Bad Request")
	}
	if st, _, _ := rc.do(custIndex, "[]", true); st != 200 {
		t.Errorf("empty array body: %d", st)
	}
	// Routing and method errors come before authentication, as Yii2's
	// VerbFilter precedes the authenticator.
	rc.token = ""
	if st, _, _ := rc.method(http.MethodGet, custIndex, nil, true); st != 405 {
		t.Errorf("GET without token: %d", st)
	}
}

func TestListenAddress(t *testing.T) {
	srv := alfacrmtest.NewServer(alfacrmtest.WithAddr("127.0.0.1:0"))
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Errorf("URL %q", srv.URL)
	}
	srv.Close()
	srv.Close() // idempotent
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:80", "example.com:80", "nonsense"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", addr)
				}
			}()
			s := alfacrmtest.NewServer(alfacrmtest.WithAddr(addr))
			s.Close()
		}()
	}
}

func TestOptionValidation(t *testing.T) {
	for name, opt := range map[string]alfacrmtest.Option{
		"cap":    alfacrmtest.WithPageSizeCap(0),
		"fixed":  alfacrmtest.WithFixedPageSize(-1),
		"ttl":    alfacrmtest.WithTokenTTL(0),
		"clock":  alfacrmtest.WithClock(nil),
		"tz":     alfacrmtest.WithTimezone(nil),
		"status": alfacrmtest.WithLoginFailureStatus(500),
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			alfacrmtest.NewServer(opt).Close()
		}()
	}
}

func TestAddCustomerDuplicateIDPanics(t *testing.T) {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	srv.AddCustomer(alfacrmtest.Customer{ID: 7, Name: "A"})
	if id := srv.AddCustomer(alfacrmtest.Customer{Name: "B"}); id != 8 {
		t.Errorf("next id %d, want 8", id)
	}
	defer func() {
		if recover() == nil {
			t.Error("duplicate id accepted")
		}
	}()
	srv.AddCustomer(alfacrmtest.Customer{ID: 7, Name: "C"})
}

func TestSnapshotsAreCopies(t *testing.T) {
	srv := alfacrmtest.NewServer()
	defer srv.Close()
	phones := []string{"0671234567"}
	id := srv.AddCustomer(alfacrmtest.Customer{Name: "A", Phones: phones, Custom: map[string]string{"x": "1"}})
	phones[0] = "changed"
	c, _ := srv.Customer(id)
	c.Phones[0] = "changed too"
	c.Custom["x"] = "2"
	again, _ := srv.Customer(id)
	if again.Phones[0] != "0671234567" || again.Custom["x"] != "1" {
		t.Errorf("stored card aliased caller memory: %+v", again)
	}
}
