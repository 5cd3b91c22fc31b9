package demo

import (
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// SyntheticLead returns lead number i (0 = newest) of a synthetic form with
// the given id, for tests that need large volumes without materialising them.
//
// The result depends only on its arguments (seed 0 means DefaultSeed; a zero
// ref means now). Lead 0 is created shortly before 00:00 UTC of ref's calendar
// date and each following lead is 1 to 119 seconds older than the previous
// one, so created times strictly decrease with i. IDs are unique within a form
// (17 digits, prefix "6", never colliding with New's ids); different forms get
// different 4-digit tags in their ids. Field data has the keys of the English
// form: full_name, email, phone_number, city, level. Leads are organic (no ad
// fields) and Person is -1.
func SyntheticLead(seed int64, ref time.Time, formID string, i int) Lead {
	if seed == 0 {
		seed = DefaultSeed
	}
	if ref.IsZero() {
		ref = time.Now()
	}
	h := fnv.New64a()
	h.Write([]byte(formID))
	fh := splitmix(h.Sum64() ^ uint64(seed))
	tag := fh % 10000
	r := newRand(seed, splitmix(fh^streamSynthetic)+uint64(i))

	// Strictly decreasing: t(i) = anchor - 60*i - j(i), j in [0,59].
	anchor := refDay(ref).Add(-time.Minute)
	created := anchor.Add(-time.Duration(60*int64(i)+int64(r.IntN(60))) * time.Second)

	// ids: tag then 12 digits counting down, 4 slots per lead.
	v := uint64(999_999_999_999) - uint64(i)*4 - uint64(r.IntN(4))

	female := r.IntN(100) < 62
	first, firstLat, last, lastLat := pickName(r, female)
	nat := operatorCodes[r.IntN(len(operatorCodes))] + graphID("", 7, (uint64(i)*7_368_787+fh)%10_000_000)
	p := Person{First: first, Last: last, Email: strings.ToLower(firstLat+"."+lastLat) + "." + strconv.Itoa(i) + "@example.org", Phone: "+380" + nat}
	m := pmeta{firstLat: firstLat, lastLat: lastLat, female: female, city: r.IntN(len(cities)), nat: nat}
	p.City = cities[m.city].uk
	l := Lead{
		ID:          graphID("6", 4, tag) + graphID("", 12, v),
		CreatedTime: created,
		FormID:      formID,
		IsOrganic:   true,
		Platform:    "fb",
		Person:      -1,
	}
	if r.IntN(10) < 4 {
		l.Platform = "ig"
	}
	l.Fields = renderFields(r, &formSpecs[kindEN], &p, &m, r.IntN(100) == 0, false)
	return l
}

// SyntheticForm returns a synthetic ACTIVE English form with the given id
// and name, whose leads are SyntheticLead(seed, ref, id, i). Its CreatedTime
// is 5 years before ref's day; question ids derive from id.
func SyntheticForm(ref time.Time, id, name string) Form {
	if ref.IsZero() {
		ref = time.Now()
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	base := splitmix(h.Sum64()) % 1e14
	f := Form{ID: id, Name: name, Status: "ACTIVE", Locale: "EN_US", CreatedTime: refDay(ref).AddDate(-5, 0, 0)}
	for k, q := range formSpecs[kindEN].qs {
		f.Questions = append(f.Questions, Question{
			ID: graphID("4", 15, base+uint64(k)), Key: q.key, Label: q.label, Type: q.typ,
			Options: append([]Option(nil), q.options...),
		})
	}
	return f
}
