package demo

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

var testRef = time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)

func kyiv(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Skip("no tzdata for Europe/Kyiv")
	}
	return loc
}

// digits9 keeps the last 9 digits of a phone as typed (the UA national number).
func digits9(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	if len(b) < 9 {
		return ""
	}
	return string(b[len(b)-9:])
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// leadKeys returns the lead's normalised e-mail and phone.
func leadKeys(l Lead) (email, phone string) {
	for _, f := range l.Fields {
		if len(f.Values) == 0 {
			continue
		}
		switch f.Name {
		case "email", "эл._адрес", "електронна_пошта":
			email = normEmail(f.Values[0])
		case "phone_number", "телефон", "номер_телефону":
			phone = digits9(f.Values[0])
		}
	}
	return
}

func cardHas(c Customer, email, phone string) (byEmail, byPhone bool) {
	for _, e := range c.Emails {
		if email != "" && normEmail(e) == email {
			byEmail = true
		}
	}
	for _, p := range c.Phones {
		if phone != "" && digits9(p) == phone {
			byPhone = true
		}
	}
	return
}

func TestDeterministic(t *testing.T) {
	for _, loc := range []*time.Location{nil, kyiv(t)} {
		cfg := Config{Ref: testRef, Loc: loc}
		a, b := New(cfg), New(cfg)
		require.Equal(t, a, b)
		// Any time of the same day gives the same data set.
		cfg.Ref = testRef.Add(17*time.Hour + 3*time.Minute)
		require.Equal(t, a, New(cfg))
	}
	other := New(Config{Ref: testRef, Seed: 2})
	require.NotEqual(t, New(Config{Ref: testRef}).Leads[0].ID, other.Leads[0].ID)
}

func TestDefaultRefIsToday(t *testing.T) {
	d := New(Config{Leads: MinLeads, Customers: MinCustomers})
	y, m, dd := time.Now().Date()
	ny, nm, nd := d.Ref.Date()
	// Allow a midnight race.
	if y != ny || m != nm || dd != nd {
		require.WithinDuration(t, time.Now(), d.Ref, 48*time.Hour)
	}
}

func TestRefShiftsOnlyDates(t *testing.T) {
	for _, loc := range []*time.Location{nil, kyiv(t)} {
		const shift = 37
		a := New(Config{Ref: testRef, Loc: loc})
		b := New(Config{Ref: testRef.AddDate(0, 0, shift), Loc: loc})
		dur := shift * 24 * time.Hour
		require.Equal(t, a.Ref.Add(dur), b.Ref)
		require.Equal(t, a.People, b.People)
		require.Equal(t, a.Traps, b.Traps)
		require.Len(t, b.Leads, len(a.Leads))
		for i := range a.Leads {
			la, lb := a.Leads[i], b.Leads[i]
			require.True(t, la.CreatedTime.Add(dur).Equal(lb.CreatedTime))
			la.CreatedTime, lb.CreatedTime = time.Time{}, time.Time{}
			require.Equal(t, la, lb)
		}
		require.Len(t, b.Customers, len(a.Customers))
		for i := range a.Customers {
			ca, cb := a.Customers[i], b.Customers[i]
			require.True(t, ca.CreatedAt.Add(dur).Equal(cb.CreatedAt), "customer %d", i)
			ca.CreatedAt, cb.CreatedAt = time.Time{}, time.Time{}
			require.Equal(t, ca, cb)
		}
		require.Len(t, b.Payments, len(a.Payments))
		for i := range a.Payments {
			pa, pb := a.Payments[i], b.Payments[i]
			require.Equal(t, pa.Date.AddDate(0, 0, shift), pb.Date)
			pa.Date, pb.Date = time.Time{}, time.Time{}
			require.Equal(t, pa, pb)
		}
		require.Len(t, b.Lessons, len(a.Lessons))
		for i := range a.Lessons {
			require.Equal(t, a.Lessons[i].Date.AddDate(0, 0, shift), b.Lessons[i].Date)
			require.Equal(t, a.Lessons[i].Details, b.Lessons[i].Details)
		}
		require.Len(t, b.Spend, len(a.Spend))
		for i := range a.Spend {
			require.Equal(t, a.Spend[i].Date.AddDate(0, 0, shift), b.Spend[i].Date)
			require.True(t, a.Spend[i].Spend.Equal(b.Spend[i].Spend))
		}
	}
}

func TestCounts(t *testing.T) {
	d := New(Config{Ref: testRef})
	require.Len(t, d.Leads, DefaultLeads)
	require.Len(t, d.Customers, DefaultCustomers)
	require.Len(t, d.Campaigns, 4)
	require.Len(t, d.AdSets, 8)
	require.Len(t, d.Ads, 16)

	wantKeys := map[string][]string{
		"EN_US": {"full_name", "email", "phone_number", "city", "level"},
		"RU_RU": {"имя", "эл._адрес", "телефон", "город", "уровень_английского"},
		"UK_UA": {"ім'я", "електронна_пошта", "номер_телефону", "куди_відправити_інформацію?"},
	}
	found := map[string]bool{}
	archived := 0
	total := 0
	for _, f := range d.Forms {
		total += f.LeadsCount
		require.Equal(t, len(d.LeadsOfForm(f.ID)), f.LeadsCount)
		require.Positive(t, f.LeadsCount, f.Name)
		if f.Status == "ARCHIVED" {
			archived++
			require.Less(t, f.LeadsCount, 100)
			continue
		}
		require.Equal(t, "ACTIVE", f.Status)
		var keys []string
		for _, q := range f.Questions {
			keys = append(keys, q.Key)
			require.NotEmpty(t, q.ID)
			if q.Type == "CUSTOM" {
				require.NotEmpty(t, q.Options)
			}
		}
		require.Equal(t, wantKeys[f.Locale], keys, f.Name)
		found[f.Locale] = true
		for _, l := range d.LeadsOfForm(f.ID)[:20] {
			for _, fd := range l.Fields {
				require.Contains(t, keys, fd.Name)
			}
		}
	}
	require.Len(t, found, 3)
	require.Equal(t, 1, archived)
	require.Equal(t, len(d.Leads), total)
	var channel Question
	for _, q := range d.Forms[2].Questions {
		if q.Key == "куди_відправити_інформацію?" {
			channel = q
		}
	}
	require.Equal(t, []Option{{"telegram", "Telegram"}, {"viber", "Viber"}, {"whatsapp", "WhatsApp"}, {"e-mail", "E-mail"}}, channel.Options)

	people := map[int]int{}
	organic, ig, noPhone, noEmail, messyEmail := 0, 0, 0, 0, 0
	for _, l := range d.Leads {
		people[l.Person]++
		if l.IsOrganic {
			organic++
			require.Empty(t, l.AdID+l.AdSetID+l.CampaignID+l.AdName+l.AdSetName+l.CampaignName)
		} else {
			ad, ok := d.Ad(l.AdID)
			require.True(t, ok)
			require.Equal(t, ad.FormID, l.FormID)
			require.Equal(t, ad.AdSetID, l.AdSetID)
			require.Equal(t, ad.CampaignID, l.CampaignID)
			require.Equal(t, ad.Name, l.AdName)
		}
		if l.Platform == "ig" {
			ig++
		} else {
			require.Equal(t, "fb", l.Platform)
		}
		e, p := leadKeys(l)
		if e == "" {
			noEmail++
		} else if v, _ := firstOf(l, "email", "эл._адрес", "електронна_пошта"); v != e {
			messyEmail++
		}
		if p == "" {
			noPhone++
		}
		if l.Person >= 0 {
			if e != "" {
				require.Equal(t, d.People[l.Person].Email, e)
			}
			if p != "" {
				require.Equal(t, d.People[l.Person].Phone, "+380"+p)
			}
		}
	}
	twice := 0
	for _, n := range people {
		if n > 1 {
			twice++
		}
	}
	t.Logf("lead people %d, twice %d, organic %d, ig %d, noPhone %d, noEmail %d, messyEmail %d",
		len(people), twice, organic, ig, noPhone, noEmail, messyEmail)
	require.InDelta(t, 3700, len(people), 50)
	require.Greater(t, twice, 200)
	require.InDelta(t, 0.08, float64(organic)/float64(len(d.Leads)), 0.02)
	require.InDelta(t, 0.4, float64(ig)/float64(len(d.Leads)), 0.05)
	require.Positive(t, noPhone)
	require.Positive(t, noEmail)
	require.Greater(t, messyEmail, 200)

	students, removed, matched, twoPhones, twoEmails := 0, 0, 0, 0, 0
	for _, c := range d.Customers {
		if c.IsStudy {
			students++
			require.NotZero(t, c.StudyStatusID)
			require.Zero(t, c.LeadStatusID)
		} else {
			require.NotZero(t, c.LeadStatusID)
			require.Zero(t, c.StudyStatusID)
		}
		if c.Removed {
			removed++
		}
		if c.Person >= 0 && d.FirstLead(c.Person) >= 0 {
			matched++
		}
		if len(c.Phones) > 1 {
			twoPhones++
		}
		if len(c.Emails) > 1 {
			twoEmails++
		}
		require.True(t, len(c.Phones)+len(c.Emails) > 0)
		require.Equal(t, -2, int(c.Balance.Exponent()))
	}
	t.Logf("students %d, removed %d, matched %d, two phones %d, two e-mails %d", students, removed, matched, twoPhones, twoEmails)
	require.InDelta(t, 0.40, float64(students)/float64(len(d.Customers)), 0.06)
	require.InDelta(t, 0.08, float64(removed)/float64(len(d.Customers)), 0.025)
	require.InDelta(t, 1150, matched, 30)
	require.Positive(t, twoPhones)
	require.Positive(t, twoEmails)
}

func firstOf(l Lead, names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := l.Value(n); ok {
			return v, true
		}
	}
	return "", false
}

func TestLeadTimes(t *testing.T) {
	loc := kyiv(t)
	d := New(Config{Ref: testRef, Loc: loc})
	last30 := 0
	for i, l := range d.Leads {
		require.Equal(t, time.UTC, l.CreatedTime.Location())
		require.True(t, l.CreatedTime.Before(d.Ref), "lead %d at %v", i, l.CreatedTime)
		require.True(t, l.CreatedTime.Before(d.LocalRef()))
		require.False(t, l.CreatedTime.Before(d.Start()))
		if i > 0 {
			require.True(t, d.Leads[i-1].CreatedTime.Before(l.CreatedTime))
		}
		// Same calendar day in UTC and Kyiv.
		require.Equal(t, civil(l.CreatedTime), civil(l.CreatedTime.In(loc)))
		if !l.CreatedTime.Before(d.Ref.AddDate(0, 0, -30)) {
			last30++
		}
	}
	require.Greater(t, last30, len(d.Leads)/4)
}

func TestSpendMatchesLeads(t *testing.T) {
	d := New(Config{Ref: testRef})
	type key struct {
		ad   string
		date time.Time
	}
	counts := map[key]int{}
	for _, l := range d.Leads {
		if l.AdID != "" {
			y, m, dd := l.CreatedTime.Date()
			counts[key{l.AdID, time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)}]++
		}
	}
	require.Len(t, d.Spend, Days*len(d.Ads))
	seen := map[key]bool{}
	lo, hi := decimal.NewFromInt(150), decimal.NewFromInt(900)
	sum := 0
	for _, s := range d.Spend {
		k := key{s.AdID, s.Date}
		require.False(t, seen[k])
		seen[k] = true
		require.Equal(t, counts[k], s.Leads, "%v", k)
		sum += s.Leads
		require.False(t, s.Date.Before(d.Start()))
		require.True(t, s.Date.Before(d.Ref))
		require.Equal(t, int32(-2), s.Spend.Exponent())
		require.True(t, s.Spend.GreaterThanOrEqual(lo) && s.Spend.LessThanOrEqual(hi), s.Spend.String())
		require.GreaterOrEqual(t, s.Clicks, s.Leads)
		require.Greater(t, s.Impressions, s.Clicks)
		ad, ok := d.Ad(s.AdID)
		require.True(t, ok)
		require.Equal(t, ad.AdSetID, s.AdSetID)
		require.Equal(t, ad.CampaignID, s.CampaignID)
	}
	organic := 0
	for _, l := range d.Leads {
		if l.IsOrganic {
			organic++
		}
	}
	require.Equal(t, len(d.Leads)-organic, sum)
}

func TestTraps(t *testing.T) {
	cfgs := []Config{{Ref: testRef}, {Ref: testRef, Loc: kyiv(t)}, {Ref: testRef, Seed: 2}, {Ref: testRef, Seed: 3},
		{Ref: testRef, Seed: 7, Leads: MinLeads, Customers: MinCustomers}}
	for _, cfg := range cfgs {
		d := New(cfg)
		tr := d.Traps
		checkLead := func(person, lead int) (string, string) {
			l := d.Leads[lead]
			require.Equal(t, person, l.Person)
			require.Equal(t, lead, d.FirstLead(person))
			require.False(t, l.IsOrganic)
			require.True(t, l.CreatedTime.After(d.Ref.AddDate(0, 0, -26)))
			e, p := leadKeys(l)
			require.NotEmpty(t, e)
			require.NotEmpty(t, p)
			return e, p
		}

		// (a) two cards.
		e, p := checkLead(tr.TwoCards.Person, tr.TwoCards.Lead)
		lc, sc := d.Customers[tr.TwoCards.LeadCard], d.Customers[tr.TwoCards.StudentCard]
		require.False(t, lc.IsStudy)
		require.True(t, sc.IsStudy)
		require.Equal(t, tr.TwoCards.Person, lc.Person)
		require.Equal(t, tr.TwoCards.Person, sc.Person)
		require.ElementsMatch(t, []int{tr.TwoCards.LeadCard, tr.TwoCards.StudentCard}, d.CustomersOf(tr.TwoCards.Person))
		for _, c := range []Customer{lc, sc} {
			be, bp := cardHas(c, e, p)
			require.True(t, be && bp)
			require.False(t, c.CreatedAt.Before(d.Leads[tr.TwoCards.Lead].CreatedTime))
		}
		require.Empty(t, d.PaymentsOf(lc.ID))
		require.NotEmpty(t, d.PaymentsOf(sc.ID))

		// (b) phone only.
		e, p = checkLead(tr.PhoneOnly.Person, tr.PhoneOnly.Lead)
		be, bp := cardHas(d.Customers[tr.PhoneOnly.Customer], e, p)
		require.True(t, bp)
		require.False(t, be)
		require.NotEmpty(t, d.Customers[tr.PhoneOnly.Customer].Emails)

		// (c) split.
		e, p = checkLead(tr.Split.Person, tr.Split.Lead)
		ec, pc := d.Customers[tr.Split.EmailCard], d.Customers[tr.Split.PhoneCard]
		be, bp = cardHas(ec, e, p)
		require.True(t, be)
		require.False(t, bp)
		be, bp = cardHas(pc, e, p)
		require.False(t, be)
		require.True(t, bp)
		require.Equal(t, tr.Split.Person, ec.Person)
		require.Equal(t, -1, pc.Person)
		require.True(t, pc.CreatedAt.Before(d.Leads[tr.Split.Lead].CreatedTime))
		require.True(t, pc.IsStudy)

		// (d) archived.
		e, p = checkLead(tr.Archived.Person, tr.Archived.Lead)
		ac := d.Customers[tr.Archived.Customer]
		require.True(t, ac.Removed)
		be, bp = cardHas(ac, e, p)
		require.True(t, be || bp)
		require.NotEmpty(t, d.PaymentsOf(ac.ID))

		// (e) e-mail case.
		e, _ = checkLead(tr.EmailCase.Person, tr.EmailCase.Lead)
		cc := d.Customers[tr.EmailCase.Customer]
		require.Empty(t, cc.Phones)
		require.Len(t, cc.Emails, 1)
		raw, _ := firstOf(d.Leads[tr.EmailCase.Lead], "email", "эл._адрес", "електронна_пошта")
		require.NotEqual(t, raw, cc.Emails[0])
		require.True(t, strings.EqualFold(raw, cc.Emails[0]))
		require.Equal(t, e, raw)

		// Distinct trap people.
		ps := []int{tr.TwoCards.Person, tr.PhoneOnly.Person, tr.Split.Person, tr.Archived.Person, tr.EmailCase.Person}
		slices.Sort(ps)
		require.Len(t, slices.Compact(ps), 5)

		// Pre-existing customers: paid before and after the first lead.
		if cfg.Customers == 0 {
			require.NotEmpty(t, tr.PreExisting)
		}
		for _, ci := range tr.PreExisting {
			c := d.Customers[ci]
			li := d.FirstLead(c.Person)
			require.GreaterOrEqual(t, li, 0)
			leadDay := localDayOf(d, d.Leads[li].CreatedTime)
			require.True(t, c.CreatedAt.Before(d.Leads[li].CreatedTime))
			before, after := 0, 0
			for _, p := range d.PaymentsOf(c.ID) {
				if p.Date.Before(leadDay) {
					before++
				} else {
					after++
				}
			}
			require.Positive(t, before)
			require.Positive(t, after)
		}
	}
}

func localDayOf(d *Dataset, t time.Time) time.Time {
	y, m, dd := t.In(d.Loc).Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, d.Loc)
}

func TestCardsMatchTheirPeople(t *testing.T) {
	d := New(Config{Ref: testRef})
	pre := map[int]bool{}
	for _, i := range d.Traps.PreExisting {
		pre[i] = true
	}
	nl := 0
	for i, c := range d.Customers {
		if c.Person < 0 {
			nl++
			continue
		}
		p := d.People[c.Person]
		be, bp := cardHas(c, p.Email, p.Phone[4:])
		require.True(t, be || bp, "card %d", i)
		li := d.FirstLead(c.Person)
		if li < 0 || pre[i] {
			continue
		}
		require.False(t, c.CreatedAt.Before(d.Leads[li].CreatedTime), "card %d", i)
		leadDay := localDayOf(d, d.Leads[li].CreatedTime)
		for _, pay := range d.PaymentsOf(c.ID) {
			require.False(t, pay.Date.Before(leadDay))
		}
	}
	require.Equal(t, 1, nl)
}

var (
	graphIDRe = regexp.MustCompile(`^[1-9][0-9]{14,16}$`)
	phoneRe   = regexp.MustCompile(`^\+380(50|63|66|67|68|73|93|95|96|97|98|99)[0-9]{7}$`)
	emailRe   = regexp.MustCompile(`^[a-z0-9._]+@example\.(com|org|net)$`)
)

func TestIDsUnique(t *testing.T) {
	d := New(Config{Ref: testRef})
	seen := map[string]string{}
	add := func(kind, id string) {
		require.Regexp(t, graphIDRe, id, kind)
		prev, dup := seen[id]
		require.False(t, dup, "%s %s already used by %s", kind, id, prev)
		seen[id] = kind
	}
	add("page", d.Page.ID)
	require.True(t, strings.HasPrefix(d.AdAccount.ID, "act_"))
	add("account", strings.TrimPrefix(d.AdAccount.ID, "act_"))
	require.Equal(t, "UAH", d.AdAccount.Currency)
	for _, x := range d.Campaigns {
		add("campaign", x.ID)
	}
	for _, x := range d.AdSets {
		add("adset", x.ID)
	}
	for _, x := range d.Ads {
		add("ad", x.ID)
	}
	for _, f := range d.Forms {
		add("form", f.ID)
		for _, q := range f.Questions {
			add("question", q.ID)
		}
	}
	for _, l := range d.Leads {
		add("lead", l.ID)
	}
	for i := range 1000 {
		add("synthetic", SyntheticLead(1, testRef, d.Forms[0].ID, i).ID)
	}

	ints := func(kind string, ids []int) {
		m := map[int]bool{}
		for _, id := range ids {
			require.False(t, m[id], "%s %d", kind, id)
			require.Positive(t, id)
			m[id] = true
		}
		require.True(t, slices.IsSorted(ids), kind)
	}
	var cs, ps, ls, gs []int
	for _, c := range d.Customers {
		cs = append(cs, c.ID)
	}
	for _, p := range d.Payments {
		ps = append(ps, p.ID)
		_, ok := d.CustomerByID(p.CustomerID)
		require.True(t, ok)
	}
	for _, l := range d.Lessons {
		ls = append(ls, l.ID)
		for _, a := range l.Details {
			_, ok := d.CustomerByID(a.CustomerID)
			require.True(t, ok)
		}
	}
	for _, g := range d.Groups {
		gs = append(gs, g.ID)
	}
	ints("customer", cs)
	ints("payment", ps)
	ints("lesson", ls)
	ints("group", gs)
}

func TestPeople(t *testing.T) {
	d := New(Config{Ref: testRef})
	emails, phones := map[string]bool{}, map[string]bool{}
	latin := 0
	for _, p := range d.People {
		require.Regexp(t, phoneRe, p.Phone)
		require.Regexp(t, emailRe, p.Email)
		require.False(t, emails[p.Email], p.Email)
		require.False(t, phones[p.Phone], p.Phone)
		emails[p.Email], phones[p.Phone] = true, true
		require.NotEmpty(t, p.First)
		require.NotEmpty(t, p.Last)
		if p.First[0] < 0x80 {
			latin++
		}
	}
	require.Positive(t, latin)
	require.Less(t, latin, len(d.People)/2)
	// Extra contacts on cards (old phones, work e-mails, relatives) are also
	// on example domains and never another person's.
	for _, c := range d.Customers {
		for _, e := range c.Emails {
			require.Regexp(t, emailRe, normEmail(e))
		}
		for _, ph := range c.Phones {
			n := digits9(ph)
			require.Len(t, n, 9)
			if c.Person >= 0 && phones["+380"+n] {
				require.Equal(t, d.People[c.Person].Phone, "+380"+n)
			}
		}
	}
}

func TestPayments(t *testing.T) {
	d := New(Config{Ref: testRef})
	inc, exp := d.IncomePayTypeID(), d.ExpensePayTypeID()
	require.NotContains(t, []int{0, 1, 2}, inc)
	require.NotContains(t, []int{0, 1, 2}, exp)
	require.NotEqual(t, inc, exp)
	expenses, nonStudentPayers := 0, map[int]bool{}
	for _, p := range d.Payments {
		require.False(t, p.Date.After(d.LocalRef()))
		require.Equal(t, d.Loc, p.Date.Location())
		require.Equal(t, int32(-2), p.Sum.Exponent())
		require.True(t, p.Sum.IsPositive())
		if p.Income {
			require.Equal(t, inc, p.PayTypeID)
		} else {
			require.Equal(t, exp, p.PayTypeID)
			expenses++
		}
		c, _ := d.CustomerByID(p.CustomerID)
		if !c.IsStudy {
			nonStudentPayers[c.ID] = true
		}
	}
	share := float64(expenses) / float64(len(d.Payments))
	t.Logf("payments %d, expenses %d (%.1f%%), non-student payers %d", len(d.Payments), expenses, 100*share, len(nonStudentPayers))
	require.InDelta(t, 0.05, share, 0.02)
	require.Positive(t, len(nonStudentPayers))
	for _, c := range d.Customers {
		if c.IsStudy {
			require.NotEmpty(t, d.PaymentsOf(c.ID))
		}
	}
}

func TestLessons(t *testing.T) {
	d := New(Config{Ref: testRef})
	status := map[int]int{}
	attend, missed := 0, 0
	for _, l := range d.Lessons {
		status[l.Status]++
		require.NotEmpty(t, l.Details)
		require.Regexp(t, `^\d\d:\d\d$`, l.TimeFrom)
		require.Less(t, l.TimeFrom, l.TimeTo)
		if l.Status == LessonPlanned {
			require.False(t, l.Date.Before(d.LocalRef()))
		} else {
			require.True(t, l.Date.Before(d.LocalRef()))
		}
		for _, a := range l.Details {
			if a.IsAttend {
				require.Equal(t, LessonConducted, l.Status)
				attend++
			} else if l.Status == LessonConducted {
				missed++
			}
		}
	}
	t.Logf("lessons %v, attended %d, missed %d, groups %d", status, attend, missed, len(d.Groups))
	require.Greater(t, status[LessonConducted], 300)
	require.Positive(t, status[LessonPlanned])
	require.Positive(t, status[LessonCancelled])
	require.Greater(t, missed, attend/20)
}

func TestSyntheticLead(t *testing.T) {
	const form = "900000000000123"
	seen := map[string]bool{}
	var prev Lead
	for i := range 20000 {
		l := SyntheticLead(3, testRef, form, i)
		require.Equal(t, l, SyntheticLead(3, testRef.Add(5*time.Hour), form, i))
		require.False(t, seen[l.ID], l.ID)
		seen[l.ID] = true
		require.Len(t, l.ID, 17)
		require.Equal(t, form, l.FormID)
		require.True(t, l.CreatedTime.Before(testRef))
		if i > 0 {
			require.True(t, l.CreatedTime.Before(prev.CreatedTime), "i=%d", i)
		}
		name, ok := l.Value("full_name")
		require.True(t, ok && name != "")
		_, ok = l.Value("email")
		require.True(t, ok)
		prev = l
	}
	require.NotEqual(t, SyntheticLead(3, testRef, form, 5).ID, SyntheticLead(3, testRef, "900000000000124", 5).ID)
	f := SyntheticForm(testRef, form, "Synthetic")
	require.Equal(t, "full_name", f.Questions[0].Key)
	require.True(t, f.CreatedTime.Before(prev.CreatedTime))
}

func TestLookups(t *testing.T) {
	d := New(Config{Ref: testRef})
	l := d.Leads[123]
	got, ok := d.Lead(l.ID)
	require.True(t, ok)
	require.Equal(t, l, got)
	_, ok = d.Lead("nope")
	require.False(t, ok)
	_, ok = d.Campaign(d.Campaigns[2].ID)
	require.True(t, ok)
	_, ok = d.AdSet(d.AdSets[3].ID)
	require.True(t, ok)
	_, ok = d.Form(d.Forms[1].ID)
	require.True(t, ok)
	c, ok := d.CustomerByID(d.Customers[10].ID)
	require.True(t, ok)
	require.Equal(t, d.Customers[10], c)
	require.Len(t, d.LeadsOfAd(d.Ads[0].ID), countIf(d.Leads, func(l Lead) bool { return l.AdID == d.Ads[0].ID }))
	require.Equal(t, -1, d.FirstLead(-1))
	require.Equal(t, -1, d.FirstLead(len(d.People)-1)) // the last person is a walk-in
}

func countIf[T any](s []T, f func(T) bool) int {
	n := 0
	for _, x := range s {
		if f(x) {
			n++
		}
	}
	return n
}

// TestROI logs revenue per campaign (payments on or after the first lead of
// people matched through their canonical contacts) against spend, and checks
// the mix is interesting: some campaigns pay off, some do not.
func TestROI(t *testing.T) {
	d := New(Config{Ref: testRef})
	spend := map[string]decimal.Decimal{}
	for _, s := range d.Spend {
		spend[s.CampaignID] = spend[s.CampaignID].Add(s.Spend)
	}
	revenue := map[string]decimal.Decimal{}
	for _, c := range d.Customers {
		li := d.FirstLead(c.Person)
		if li < 0 || d.Leads[li].IsOrganic {
			continue
		}
		day := localDayOf(d, d.Leads[li].CreatedTime)
		for _, p := range d.PaymentsOf(c.ID) {
			if p.Date.Before(day) {
				continue
			}
			if p.Income {
				revenue[d.Leads[li].CampaignID] = revenue[d.Leads[li].CampaignID].Add(p.Sum)
			} else {
				revenue[d.Leads[li].CampaignID] = revenue[d.Leads[li].CampaignID].Sub(p.Sum)
			}
		}
	}
	win, lose := 0, 0
	var lines []string
	for _, c := range d.Campaigns {
		roi := revenue[c.ID].Sub(spend[c.ID]).Div(spend[c.ID]).Mul(decimal.NewFromInt(100)).Round(1)
		lines = append(lines, fmt.Sprintf("%-22s spend %10s revenue %10s ROI %6s%%", c.Name, spend[c.ID].StringFixed(2), revenue[c.ID].StringFixed(2), roi))
		if roi.IsPositive() {
			win++
		} else {
			lose++
		}
	}
	t.Log("\n" + strings.Join(lines, "\n"))
	require.Positive(t, win)
	require.Positive(t, lose)
}

func TestSmallConfigs(t *testing.T) {
	d := New(Config{Ref: testRef, Leads: 1, Customers: 1})
	require.Len(t, d.Leads, MinLeads)
	require.Len(t, d.Customers, MinCustomers)
	d = New(Config{Ref: testRef, Leads: 10000, Customers: 3000, Seed: 99})
	require.Len(t, d.Leads, 10000)
	require.Len(t, d.Customers, 3000)
}

func TestNewIsFast(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip()
	}
	start := time.Now()
	New(Config{Ref: testRef})
	t.Logf("New took %v", time.Since(start))
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		New(Config{Ref: testRef})
	}
}
