package alfacrm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/ecademy/leadkit/internal/transport"
)

// customersPageBody returns a customer/index page of n realistic items, in
// the mixed forms AlfaCRM sends (string money, names in teacher_ids, empty
// dates, custom fields).
func customersPageBody(n int) []byte {
	items := make([]map[string]any, n)
	for i := range items {
		items[i] = map[string]any{
			"id": 5000 + i, "branch_ids": []int{1}, "teacher_ids": []any{"Anna Teacher", 7}, "name": fmt.Sprintf("Student Example %d", i),
			"barcode": "", "color": "#ffcd70", "is_study": 1, "study_status_id": nil, "lead_status_id": nil, "lead_reject_id": nil,
			"lead_source_id": 25, "assigned_id": 6, "legal_type": 1, "legal_name": "Parent Example", "company_id": nil,
			"dob": "06.05.2012", "balance": "6998.50", "balance_base": "6998.50", "balance_bonus": 2320, "paid_count": 12,
			"next_lesson_date": "2021-07-21 12:00:00", "paid_till": "2021-08-31 12:00:00", "last_attend_date": "2021-05-20",
			"b_date": "2020-09-17 14:28:27", "e_date": "2030-12-31", "note": "First contact: 29.01.2020",
			"paid_lesson_count": 12, "paid_lesson_date": nil, "phone": []string{"+38(063)000-00-01", "+380630000002"},
			"email": []string{"parent@example.com"}, "web": []string{}, "addr": []string{"Example street 1"},
			"custom_gorod": "Kyiv", "custom_dogovora": []string{"A-1"},
		}
	}
	b, _ := json.Marshal(map[string]any{"total": 887, "count": n, "page": 0, "items": items})
	return b
}

func BenchmarkDecodeCustomersPage(b *testing.B) {
	const n = 50
	body := customersPageBody(n)
	c, err := NewClient(Config{BaseURL: testHost, Email: testEmail, APIKey: testAPIKey, BranchID: 1})
	if err != nil {
		b.Fatal(err)
	}
	spec := c.customerSpec(CustomerQuery{})
	resp := &transport.Response{StatusCode: 200, Header: http.Header{}, Body: body}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rp, err := decodeRaw[wireCustomer](c, "customer/index", resp)
		if err != nil {
			b.Fatal(err)
		}
		items, err := convPage(spec, &rp)
		if err != nil || len(items) != n {
			b.Fatal(err, len(items))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/customer")
}
