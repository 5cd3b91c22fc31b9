package enrich_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
	"github.com/ecademy/leadkit/enrich"
	"github.com/ecademy/leadkit/metaleads"
	"github.com/ecademy/leadkit/metaleads/metaleadstest"
	"github.com/shopspring/decimal"
)

// A lead from a webhook, matched to the student card a manager typed in
// differently, with the student's payments and attendance.
func ExampleEnricher_EnrichOne() {
	crm := alfacrmtest.NewServer()
	defer crm.Close()
	studying := crm.AddStudyStatus("Учится")
	income := crm.AddPayType("Доход")
	id := crm.AddCustomer(alfacrmtest.Customer{
		Name: "Коваль Олена", IsStudy: true, StudyStatusID: studying,
		Phones: []string{"+38 (063) 123-45-67"}, Emails: []string{"Olena.Koval@Example.com"},
	})
	crm.AddPayment(alfacrmtest.Payment{CustomerID: id, PayTypeID: income,
		Date: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Sum: decimal.RequireFromString("2450.50")})
	client, err := crm.Client()
	if err != nil {
		panic(err)
	}

	e, err := enrich.New(client, enrich.Config{})
	if err != nil {
		panic(err)
	}
	lead := metaleads.Lead{
		ID: "7000000000000001", CreatedTime: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC), FormID: "1001",
		CampaignID: "120200000000001", CampaignName: "Spring intake", Platform: "fb",
		Fields: []metaleads.Field{
			{Name: "full_name", Values: []string{"Olena Koval"}},
			{Name: "email", Values: []string{"olena.koval@example.com"}},
			{Name: "phone_number", Values: []string{"0631234567"}},
		},
	}
	el, err := e.EnrichOne(context.Background(), lead)
	if err != nil {
		panic(err)
	}
	fmt.Println(el.Customer.Name, el.Customer.StudyStatus, el.Customer.MatchedBy)
	fmt.Println(el.Payments.Count, el.Payments.Total.StringFixed(2))
	out, _ := json.Marshal(map[string]any{"customer": el.Customer.ID == id, "payments": el.Payments.Count})
	fmt.Println(string(out))
	// Output:
	// Коваль Олена Учится email
	// 1 2450.50
	// {"customer":true,"payments":1}
}

// The export form of a lead, without any CRM. The city has no column in
// the contact object, so it is kept in the answers under its form key.
func ExampleExportLead() {
	norm, err := metaleads.NewNormalizer(metaleads.NormalizerOptions{Region: "UA"})
	if err != nil {
		panic(err)
	}
	lead := metaleads.Lead{
		ID: "7000000000000002", CreatedTime: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC), FormID: "1001",
		IsOrganic: true, Platform: "ig",
		Fields: []metaleads.Field{
			{Name: "full_name", Values: []string{"Ivan Petrenko"}},
			{Name: "phone_number", Values: []string{"+380 67 123 4567"}},
			{Name: "місто", Values: []string{"Київ"}},
			{Name: "level", Values: []string{"beginner"}},
		},
	}
	out, _ := json.MarshalIndent(enrich.ExportLead(lead, norm.ContactFromLead(lead)), "", "  ")
	fmt.Println(string(out))
	// Output:
	// {
	//   "id": "7000000000000002",
	//   "created_time": "2026-03-01T09:30:00Z",
	//   "form_id": "1001",
	//   "campaign_id": "",
	//   "campaign_name": "",
	//   "adset_id": "",
	//   "adset_name": "",
	//   "ad_id": "",
	//   "ad_name": "",
	//   "is_organic": true,
	//   "platform": "ig",
	//   "contact": {
	//     "full_name": "Ivan Petrenko",
	//     "email": "",
	//     "phone": "+380671234567",
	//     "country": ""
	//   },
	//   "answers": {
	//     "level": "beginner",
	//     "місто": "Київ"
	//   }
	// }
}

// Every lead of the demo school's Page, enriched against its CRM: the
// strategy is chosen by cost (with thousands of leads, reading the whole
// CRM once is cheaper than searching it lead by lead).
func ExampleEnricher_EnrichPage() {
	ref := time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)
	meta := metaleadstest.NewServer(metaleadstest.WithDemoData(ref))
	defer meta.Close()
	crm := alfacrmtest.NewServer(alfacrmtest.WithDemoData(ref))
	defer crm.Close()
	mc, err := meta.Client()
	if err != nil {
		panic(err)
	}
	ac, err := crm.Client()
	if err != nil {
		panic(err)
	}

	e, err := enrich.New(ac, enrich.Config{})
	if err != nil {
		panic(err)
	}
	leads, matched, students, byEmail := 0, 0, 0, 0
	for el, err := range e.EnrichPage(context.Background(), mc, meta.PageID, metaleads.LeadsOptions{}) {
		if err != nil {
			panic(err)
		}
		leads++
		if c := el.Customer; c != nil {
			matched++
			if c.IsStudy {
				students++
			}
			if c.MatchedBy == enrich.MatchedByEmail {
				byEmail++
			}
		}
	}
	fmt.Printf("%d leads, %d matched (%d by e-mail), %d of them students\n", leads, matched, byEmail, students)
	fmt.Println("CRM requests:", crm.RequestCount() < 100)
	// Output:
	// 4000 leads, 1236 matched (958 by e-mail), 503 of them students
	// CRM requests: true
}

// A ROI report aggregated from enriched leads and insight rows, without
// any I/O.
func ExampleROI() {
	roi, err := enrich.NewROI(enrich.ROIOptions{
		Level: metaleads.LevelCampaign, Since: "2026-02-01", Until: "2026-02-28",
		Today: time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	_ = roi.AddSpend(metaleads.InsightRow{AccountCurrency: "UAH", CampaignID: "c1", CampaignName: "Spring intake",
		Spend: decimal.RequireFromString("1500.00")})
	student := &enrich.Customer{ID: 42, IsStudy: true}
	paid := []enrich.Payment{{Date: time.Date(2026, 2, 12, 0, 0, 0, 0, time.UTC), Sum: decimal.RequireFromString("3600.00")}}
	for i, day := range []int{10, 20} { // one person, two leads: counted once, on the first
		roi.AddLead(enrich.EnrichedLead{
			Lead:     metaleads.Lead{ID: fmt.Sprint(700 + i), CreatedTime: time.Date(2026, 2, day, 9, 0, 0, 0, time.UTC), CampaignID: "c1"},
			Customer: student,
			Payments: enrich.Payments{Count: 1, Income: paid},
		})
	}
	roi.AddLead(enrich.EnrichedLead{Lead: metaleads.Lead{ID: "800", CreatedTime: time.Date(2026, 2, 11, 9, 0, 0, 0, time.UTC), IsOrganic: true}})
	if err := roi.Report().WriteTable(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// ROI by campaign, 2026-02-01 to 2026-02-28 (UAH)
	// ID       NAME             SPEND  LEADS  MATCHED  STUDENTS  PAYING  REVENUE     CPL      CAC  ROAS  ROI
	// c1       Spring intake  1500.00      2        2         1       1  3600.00  750.00  1500.00   2.4  1.4
	// organic  Organic           0.00      1        0         0       0     0.00    0.00        -     -    -
	// ------------------------------------------------------------------------------------------------------
	// total    Total          1500.00      3        2         1       1  3600.00  500.00  1500.00   2.4  1.4
}

// The demo school's return on ad spend for the 30 days before its
// reference day, per campaign, read from both fakes.
func ExampleEnricher_Report() {
	ref := time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)
	meta := metaleadstest.NewServer(metaleadstest.WithDemoData(ref))
	defer meta.Close()
	crm := alfacrmtest.NewServer(alfacrmtest.WithDemoData(ref))
	defer crm.Close()
	mc, err := meta.Client()
	if err != nil {
		panic(err)
	}
	ac, err := crm.Client()
	if err != nil {
		panic(err)
	}
	e, err := enrich.New(ac, enrich.Config{})
	if err != nil {
		panic(err)
	}

	rep, err := e.Report(context.Background(), mc, mc, meta.PageID, meta.AdAccountID, enrich.ROIOptions{
		Level: metaleads.LevelCampaign, Since: "2026-02-14", Until: "2026-03-15",
		Location: ac.Location(), Today: ref,
	})
	if err != nil {
		panic(err)
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
	if err := rep.WriteTable(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// ROI by campaign, 2026-02-14 to 2026-03-15 (UAH)
	// ID                 NAME                       SPEND  LEADS  MATCHED  STUDENTS  PAYING    REVENUE     CPL      CAC    ROAS      ROI
	// 12028009029533649  Polish A1 Online        82057.63    289       61        15      21   23400.00  283.94  3907.51  0.2852  -0.7148
	// 12028009029530622  Autumn English Intake   78142.91    468      146        49      52  125755.00  166.97  1502.75  1.6093   0.6093
	// 12028009029531631  IELTS Prep              68395.86    298      107        50      53  271609.00  229.52  1290.49  3.9711   2.9711
	// 12028009029532640  Kids English            35827.29    416      154        66      69  167660.50   86.12   519.24  4.6797   3.6797
	// organic            Organic                     0.00    114       27        12      12   22850.50    0.00     0.00       -        -
	// ----------------------------------------------------------------------------------------------------------------------------------
	// total              Total                  264423.69   1585      495       192     207  611275.00  166.83  1277.41  2.3117   1.3117
}
