package enrich

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// school is a small hand-seeded CRM.
type school struct {
	srv                 *alfacrmtest.Server
	studying, newLead   int // status ids
	income, expense     int // pay type ids
	studyName, leadName string
}

func newSchool(t *testing.T) *school {
	t.Helper()
	srv := alfacrmtest.NewServer(alfacrmtest.WithTimezone(crmLoc))
	t.Cleanup(srv.Close)
	s := &school{srv: srv, studyName: "Учится", leadName: "Новый"}
	s.studying = srv.AddStudyStatus(s.studyName)
	s.newLead = srv.AddLeadStatus(s.leadName)
	s.income = srv.AddPayType("Доход")
	s.expense = srv.AddPayType("Расход")
	return s
}

func (s *school) student(id int, name string, phones, emails []string) alfacrmtest.Customer {
	return alfacrmtest.Customer{ID: id, Name: name, IsStudy: true, StudyStatusID: s.studying, Phones: phones, Emails: emails}
}

func (s *school) leadCard(id int, name string, phones, emails []string) alfacrmtest.Customer {
	return alfacrmtest.Customer{ID: id, Name: name, IsStudy: false, LeadStatusID: s.newLead, Phones: phones, Emails: emails}
}

// formLead is a lead of an English form with the given e-mail and phone
// (omitted when "").
func formLead(id, email, phone string) metaleads.Lead {
	l := metaleads.Lead{ID: id, CreatedTime: testRef.Add(-48 * time.Hour), FormID: "1001", Platform: "fb",
		Fields: []metaleads.Field{{Name: "full_name", Values: []string{"Test Person"}}}}
	if email != "" {
		l.Fields = append(l.Fields, metaleads.Field{Name: "email", Values: []string{email}})
	}
	if phone != "" {
		l.Fields = append(l.Fields, metaleads.Field{Name: "phone_number", Values: []string{phone}})
	}
	return l
}

// matchingStrategies are the strategies that apply the matching rules.
var matchingStrategies = []Strategy{StrategyPerLead, StrategyBulk}

func TestMatchingRules(t *testing.T) {
	type want struct {
		id        int // 0: no match
		by        MatchedBy
		ambiguous bool
	}
	cases := []struct {
		name  string
		cards func(s *school) []alfacrmtest.Customer
		lead  metaleads.Lead
		want  want
	}{
		{
			name: "mixed-case e-mail with blanks on the card",
			cards: func(s *school) []alfacrmtest.Customer {
				return []alfacrmtest.Customer{s.student(10, "Коваль Олена", nil, []string{"  Olena.Koval@Example.COM "})}
			},
			lead: formLead("1", "olena.koval@EXAMPLE.com", ""),
			want: want{10, MatchedByEmail, false},
		},
		{
			name: "local phone on the card, international on the lead",
			cards: func(s *school) []alfacrmtest.Customer {
				return []alfacrmtest.Customer{s.student(11, "Петренко Іван", []string{"067 123 45 67"}, nil)}
			},
			lead: formLead("2", "", "+380 67 123 4567"),
			want: want{11, MatchedByPhone, false},
		},
		{
			name: "international phone on the card, local on the lead",
			cards: func(s *school) []alfacrmtest.Customer {
				return []alfacrmtest.Customer{s.student(12, "Мельник Анна", []string{"+38 (067) 765-43-21"}, nil)}
			},
			lead: formLead("3", "", "0677654321"),
			want: want{12, MatchedByPhone, false},
		},
		{
			name: "the second e-mail on a card counts",
			cards: func(s *school) []alfacrmtest.Customer {
				return []alfacrmtest.Customer{s.student(13, "Бондар Марія", []string{"050 000 00 01"}, []string{"old.maria@example.com", "maria.bondar@example.com"})}
			},
			lead: formLead("4", "maria.bondar@example.com", ""),
			want: want{13, MatchedByEmail, false},
		},
		{
			name: "the second phone on a card counts",
			cards: func(s *school) []alfacrmtest.Customer {
				return []alfacrmtest.Customer{s.student(14, "Шевченко Олег", []string{"050 000 00 02", "063-555-12-34"}, nil)}
			},
			lead: formLead("5", "", "380635551234"),
			want: want{14, MatchedByPhone, false},
		},
		{
			name: "an archived card counts",
			cards: func(s *school) []alfacrmtest.Customer {
				c := s.student(15, "Ткаченко Ірина", []string{"+380931112233"}, []string{"iryna.t@example.com"})
				c.Removed = true
				return []alfacrmtest.Customer{c}
			},
			lead: formLead("6", "iryna.t@example.com", "+380931112233"),
			want: want{15, MatchedByEmail, false},
		},
		{
			name: "a lead card counts",
			cards: func(s *school) []alfacrmtest.Customer {
				return []alfacrmtest.Customer{s.leadCard(16, "Кравець Дмитро", []string{"0991234567"}, nil)}
			},
			lead: formLead("7", "", "+380991234567"),
			want: want{16, MatchedByPhone, false},
		},
		{
			name: "two cards of one person: the student card wins over an older lead card",
			cards: func(s *school) []alfacrmtest.Customer {
				return []alfacrmtest.Customer{
					s.leadCard(20, "Savchenko Oksana", []string{"0501112233"}, []string{"oksana.s@example.com"}),
					s.student(21, "Савченко Оксана", []string{"+380 (50) 111-22-33"}, []string{"Oksana.S@example.com"}),
				}
			},
			lead: formLead("8", "oksana.s@example.com", "0501112233"),
			want: want{21, MatchedByEmail, true},
		},
		{
			name: "two lead cards: the earliest (lowest id) wins",
			cards: func(s *school) []alfacrmtest.Customer {
				return []alfacrmtest.Customer{
					s.leadCard(31, "Лисенко Юрій", []string{"0672223344"}, nil),
					s.leadCard(30, "Лисенко Ю.", []string{"+380672223344"}, nil),
				}
			},
			lead: formLead("9", "", "067 222 33 44"),
			want: want{30, MatchedByPhone, true},
		},
		{
			name: "the e-mail's card wins over the phone's card",
			cards: func(s *school) []alfacrmtest.Customer {
				return []alfacrmtest.Customer{
					s.leadCard(40, "Гнатюк Софія", []string{"0630000000"}, []string{"sofia.h@example.com"}),
					s.student(41, "Гнатюк Петро", []string{"0634445566"}, []string{"petro.h@example.com"}),
				}
			},
			lead: formLead("10", "sofia.h@example.com", "+380634445566"),
			want: want{40, MatchedByEmail, false},
		},
		{
			name: "the phone decides when no card has the e-mail",
			cards: func(s *school) []alfacrmtest.Customer {
				return []alfacrmtest.Customer{s.student(50, "Руденко Віра", []string{"+380975556677"}, []string{"vira.work@example.com"})}
			},
			lead: formLead("11", "vira.home@example.com", "097 555 66 77"),
			want: want{50, MatchedByPhone, false},
		},
		{
			name: "an e-mail that merely contains another is no match",
			cards: func(s *school) []alfacrmtest.Customer {
				return []alfacrmtest.Customer{s.student(60, "Joann Doe", nil, []string{"joann@example.com"})}
			},
			lead: formLead("12", "ann@example.com", ""),
			want: want{},
		},
		{
			name:  "no contact at all",
			cards: func(s *school) []alfacrmtest.Customer { return nil },
			lead:  formLead("13", "", ""),
			want:  want{},
		},
	}
	for _, tc := range cases {
		for _, strategy := range matchingStrategies {
			t.Run(tc.name+"/"+strategy.String(), func(t *testing.T) {
				s := newSchool(t)
				for _, c := range tc.cards(s) {
					s.srv.AddCustomer(c)
				}
				e := newEnricher(t, newCRMClient(t, s.srv), Config{Strategy: strategy})
				el, err := e.EnrichOne(context.Background(), tc.lead)
				require.NoError(t, err)
				if tc.want.id == 0 {
					assert.Nil(t, el.Customer)
					assert.False(t, el.Matched())
					return
				}
				require.NotNil(t, el.Customer)
				assert.Equal(t, tc.want.id, el.Customer.ID)
				assert.Equal(t, tc.want.by, el.Customer.MatchedBy)
				assert.Equal(t, tc.want.ambiguous, el.Customer.Ambiguous)
			})
		}
	}
}

// customerSearches returns the filters of the customer/index requests the
// server received.
func customerSearches(t *testing.T, srv *alfacrmtest.Server) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range srv.Requests() {
		if !strings.HasSuffix(r.Path, "/customer/index") {
			continue
		}
		var body map[string]any
		require.NoError(t, json.Unmarshal(r.Body, &body))
		out = append(out, body)
	}
	return out
}

func TestPerLeadConsultsThePhoneOnlyWithoutEmailMatch(t *testing.T) {
	s := newSchool(t)
	s.srv.AddCustomer(s.leadCard(40, "Гнатюк Софія", []string{"0630000000"}, []string{"sofia.h@example.com"}))
	s.srv.AddCustomer(s.student(41, "Гнатюк Петро", []string{"0634445566"}, nil))
	e := newEnricher(t, newCRMClient(t, s.srv), Config{Strategy: StrategyPerLead})

	el, err := e.EnrichOne(context.Background(), formLead("1", "sofia.h@example.com", "+380634445566"))
	require.NoError(t, err)
	require.NotNil(t, el.Customer)
	assert.Equal(t, 40, el.Customer.ID)
	searches := customerSearches(t, s.srv)
	require.NotEmpty(t, searches)
	for _, f := range searches {
		assert.NotContains(t, f, "phone", "the phone was searched although the e-mail matched")
		assert.Equal(t, "sofia.h@example.com", f["email"])
	}

	// Without an e-mail match the phone is searched.
	s.srv.ClearRequests()
	el, err = e.EnrichOne(context.Background(), formLead("2", "nobody@example.com", "+380634445566"))
	require.NoError(t, err)
	require.NotNil(t, el.Customer)
	assert.Equal(t, 41, el.Customer.ID)
	phoneSearches := 0
	for _, f := range customerSearches(t, s.srv) {
		if _, ok := f["phone"]; ok {
			phoneSearches++
		}
	}
	assert.Positive(t, phoneSearches)
}

func TestNoContactSendsNoSearch(t *testing.T) {
	s := newSchool(t)
	for _, strategy := range []Strategy{StrategyPerLead, StrategyNaive} {
		s.srv.ClearRequests()
		e := newEnricher(t, newCRMClient(t, s.srv), Config{Strategy: strategy})
		el, err := e.EnrichOne(context.Background(), formLead("1", "", ""))
		require.NoError(t, err)
		assert.Nil(t, el.Customer)
		assert.Empty(t, customerSearches(t, s.srv), strategy.String())
	}
}

func TestStatusNamesAndHistory(t *testing.T) {
	s := newSchool(t)
	id := s.srv.AddCustomer(s.student(70, "Литвин Ольга", []string{"0681234567"}, []string{"olha.l@example.com"}))
	other := s.srv.AddCustomer(s.student(71, "Інший Студент", []string{"0681234568"}, nil))
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, crmLoc) }
	for _, p := range []alfacrmtest.Payment{
		{CustomerID: id, PayTypeID: s.income, Date: day(20), Sum: decimal.RequireFromString("2450.50")},
		{CustomerID: id, PayTypeID: s.income, Date: day(5), Sum: decimal.RequireFromString("1200.00")},
		{CustomerID: id, PayTypeID: s.expense, Date: day(25), Sum: decimal.RequireFromString("600.00")}, // a refund
		{CustomerID: other, PayTypeID: s.income, Date: day(6), Sum: decimal.RequireFromString("999.99")},
	} {
		s.srv.AddPayment(p)
	}
	lesson := func(d, status int, attended bool) alfacrmtest.Lesson {
		return alfacrmtest.Lesson{
			Start: day(d).Add(18 * time.Hour), Status: status, LessonTypeID: 2,
			Details: []alfacrmtest.Attendance{{CustomerID: id, Attended: attended}, {CustomerID: other, Attended: true}},
		}
	}
	for _, l := range []alfacrmtest.Lesson{
		lesson(7, 3, true), lesson(9, 3, false), lesson(12, 3, true),
		lesson(14, 2, true), // cancelled
		lesson(30, 1, true), // planned
	} {
		s.srv.AddLesson(l)
	}

	for _, strategy := range matchingStrategies {
		t.Run(strategy.String(), func(t *testing.T) {
			e := newEnricher(t, newCRMClient(t, s.srv), Config{Strategy: strategy})
			el, err := e.EnrichOne(context.Background(), formLead("1", "Olha.L@example.com", ""))
			require.NoError(t, err)
			require.NotNil(t, el.Customer)
			assert.Equal(t, Customer{
				ID: id, Name: "Литвин Ольга", IsStudy: true, StudyStatusID: s.studying, StudyStatus: s.studyName,
				CreatedAt: el.Customer.CreatedAt, MatchedBy: MatchedByEmail,
			}, *el.Customer)
			assert.Equal(t, 2, el.Payments.Count)
			assert.Equal(t, "3650.50", el.Payments.Total.StringFixed(2))
			assert.True(t, el.Payments.First.Equal(day(5)), el.Payments.First)
			assert.True(t, el.Payments.Last.Equal(day(20)), el.Payments.Last)
			require.Len(t, el.Payments.Income, 2)
			assert.Equal(t, "1200", el.Payments.Income[0].Sum.String())
			assert.Equal(t, Attendance{Attended: 2, Missed: 1, LastAttended: el.Attendance.LastAttended}, el.Attendance)
			assert.True(t, el.Attendance.LastAttended.Equal(day(12)), el.Attendance.LastAttended)

			got := jsonOf(t, el)
			assert.Contains(t, got, `"customer":{"id":70,"name":"Литвин Ольга","is_study":true,"study_status":"Учится","lead_status":null,"matched_by":"email","ambiguous":false}`)
			assert.Contains(t, got, `"payments":{"count":2,"total":"3650.50","first_date":"2026-01-05","last_date":"2026-01-20"}`)
			assert.Contains(t, got, `"attendance":{"attended":2,"missed":1,"last_date":"2026-01-12"}`)
		})
	}
}

func TestNaiveMissesLeadAndArchivedCards(t *testing.T) {
	s := newSchool(t)
	archived := s.student(80, "Архівна Картка", []string{"+380501230001"}, []string{"archived@example.com"})
	archived.Removed = true
	s.srv.AddCustomer(archived)
	s.srv.AddCustomer(s.leadCard(81, "Лід Картка", []string{"+380501230002"}, []string{"leadcard@example.com"}))
	s.srv.AddCustomer(s.student(82, "Студент Картка", []string{"050 123 00 03"}, nil))
	leads := []metaleads.Lead{
		formLead("1", "archived@example.com", ""),
		formLead("2", "leadcard@example.com", ""),
		formLead("3", "", "+380 50 123 0003"), // typed unlike the card
		formLead("4", "", "0501230003"),       // typed like the card
	}
	naive := newEnricher(t, newCRMClient(t, s.srv), Config{Strategy: StrategyNaive})
	got, err := naive.EnrichAll(context.Background(), leads)
	require.NoError(t, err)
	assert.Nil(t, got[0].Customer, "naive finds an archived card")
	assert.Nil(t, got[1].Customer, "naive finds a lead card")
	assert.Nil(t, got[2].Customer, "naive finds a phone typed differently")
	require.NotNil(t, got[3].Customer)
	assert.Equal(t, 82, got[3].Customer.ID)
	assert.Equal(t, MatchedByPhone, got[3].Customer.MatchedBy)

	for _, strategy := range matchingStrategies {
		e := newEnricher(t, newCRMClient(t, s.srv), Config{Strategy: strategy})
		got, err := e.EnrichAll(context.Background(), leads)
		require.NoError(t, err)
		for i, want := range []int{80, 81, 82, 82} {
			require.NotNil(t, got[i].Customer, "%v lead %d", strategy, i)
			assert.Equal(t, want, got[i].Customer.ID, "%v lead %d", strategy, i)
		}
	}
}
