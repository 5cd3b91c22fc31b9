package clitest

import (
	"strings"
	"testing"
)

const goodLine = `{"id":"1","created_time":"2026-03-01T10:00:00Z","form_id":"f","campaign_id":"","campaign_name":"",` +
	`"adset_id":"","adset_name":"","ad_id":"","ad_name":"","is_organic":true,"platform":"fb",` +
	`"contact":{"full_name":"Olena Testenko","email":"olena@example.com","phone":"+380501234567","country":"UA"},"answers":{},` +
	`"customer":{"id":7,"name":"Olena Testenko","is_study":true,"study_status":null,"lead_status":null,"matched_by":"email","ambiguous":false},` +
	`"payments":{"count":1,"total":"100.00","first_date":"2026-03-02","last_date":"2026-03-02"},` +
	`"attendance":{"attended":0,"missed":0,"last_date":null}}`

func TestReadEnriched(t *testing.T) {
	lines, raws := ReadEnriched(t, goodLine+"\n")
	if len(lines) != 1 || len(raws) != 1 || lines[0].Customer.ID != 7 || lines[0].Contact.Email != "olena@example.com" {
		t.Fatalf("ReadEnriched = %+v", lines)
	}
	for name, bad := range map[string]string{
		"unknown key":       strings.Replace(goodLine, `"platform"`, `"surprise":1,"platform"`, 1),
		"missing key":       strings.Replace(goodLine, `"is_organic":true,`, ``, 1),
		"payments not null": strings.Replace(strings.Replace(goodLine, `"customer":{`, `"customer":null,"x":{`, 1), `,"x":{"id":7,"name":"Olena Testenko","is_study":true,"study_status":null,"lead_status":null,"matched_by":"email","ambiguous":false}`, ``, 1),
		"total":             strings.Replace(goodLine, `"100.00"`, `"100"`, 1),
		"date":              strings.Replace(goodLine, `"first_date":"2026-03-02"`, `"first_date":"02.03.2026"`, 1),
		"local time":        strings.Replace(goodLine, `10:00:00Z`, `12:00:00+02:00`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			if bad == goodLine {
				t.Fatal("the test line did not change")
			}
			ft := &fakeTB{TB: t}
			func() {
				defer func() { _ = recover() }()
				ReadEnriched(ft, bad)
			}()
			if !ft.failed {
				t.Errorf("accepted %s", bad)
			}
		})
	}
}
