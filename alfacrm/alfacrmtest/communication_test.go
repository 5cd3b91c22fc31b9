package alfacrmtest_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ecademy/leadkit/alfacrm/alfacrmtest"
)

func TestCommunicationIndexParentFromQueryOnly(t *testing.T) {
	rc := newRaw(t)
	srv := rc.srv
	at := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
	c1 := srv.AddCommunication(alfacrmtest.Communication{RelatedID: 42, TypeID: 2, UserID: 1, Added: at, Comment: "first call"})
	c2 := srv.AddCommunication(alfacrmtest.Communication{Class: "Customer", RelatedID: 42, Comment: "second call"})
	g := srv.AddCommunication(alfacrmtest.Communication{Class: "Group", RelatedID: 42, Comment: "group note"})
	srv.AddCommunication(alfacrmtest.Communication{Class: "Customer", RelatedID: 43, Comment: "someone else"})

	const path = "/v2api/1/communication/index"
	wantIDs(t, "body ignored", rc.ids(path, map[string]any{"class": "Customer", "related_id": 42}), nil)
	wantIDs(t, "no parent", rc.ids(path, nil), nil)
	wantIDs(t, "class missing", rc.ids(path+"?related_id=42", nil), nil)
	wantIDs(t, "id missing", rc.ids(path+"?class=Customer", nil), nil)
	wantIDs(t, "customer", rc.ids(path+"?class=Customer&related_id=42", nil), []int{c1, c2})
	wantIDs(t, "customer, any case", rc.ids(path+"?class=customer&related_id=42", nil), []int{c1, c2})
	wantIDs(t, "group", rc.ids(path+"?class=Group&related_id=42", nil), []int{g})
	wantIDs(t, "unknown class", rc.ids(path+"?class=Lead&related_id=42", nil), nil)
	wantIDs(t, "paged", rc.ids(path+"?class=Customer&related_id=42&per-page=1", map[string]any{"page": 1}), []int{c2})

	env := rc.list(path+"?class=Customer&related_id=42", nil)
	if env.Total != 2 {
		t.Fatalf("total %d, want 2", env.Total)
	}
	var first map[string]json.RawMessage
	mustJSON(t, env.Items[0], &first)
	want := map[string]string{
		"id": "1", "type_id": "2", "class": `"Customer"`, "related_id": "42", "user_id": "1",
		"added":   `"2026-03-02 13:30:00"`, // Moscow wall-clock time
		"comment": `"first call"`,
	}
	if len(first) != len(want) {
		t.Errorf("fields %v, want %v", first, want)
	}
	for k, v := range want {
		if string(first[k]) != v {
			t.Errorf("%s = %s, want %s", k, first[k], v)
		}
	}
	var second map[string]json.RawMessage
	mustJSON(t, env.Items[1], &second)
	if string(second["type_id"]) != "null" || string(second["user_id"]) != "null" {
		t.Errorf("unset ids should be null: %s %s", second["type_id"], second["user_id"])
	}

	all := srv.Communications()
	if len(all) != 4 || all[0].ID != c1 || all[0].Class != "Customer" || all[1].Added.IsZero() {
		t.Errorf("Communications() = %+v", all)
	}
}
