package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Independent random streams, so a change in one part of the generator does
// not reshuffle the others.
const (
	streamLeads uint64 = iota + 1
	streamTraps
	streamCRM
	streamPay
	streamLessons
	streamSpend
	streamSynthetic
)

func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), splitmix(stream)))
}

// splitmix is the SplitMix64 finaliser, used to derive ids and sub-seeds.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// pmeta is what the generator knows about a person beyond Person.
type pmeta struct {
	firstLat, lastLat string
	female            bool
	city              int
	nat               string // national number: operator code + 7 digits
}

type gen struct {
	cfg      Config
	seed     int64
	ref      time.Time // 00:00 UTC of the reference date
	loc      *time.Location
	refCivil int
	d        *Dataset

	emails map[string]struct{}
	phones map[string]struct{}
	pm     []pmeta

	formOfKind [numForms]int // index in d.Forms
	adKind     []formKind    // form kind per ad
	leadOff    []int         // UTC day offset (relative to ref) per lead
	leadCamp   []int         // campaign per lead, organicCamp for organic
	adOfLead   []int         // ad index per lead, -1 organic
	first      []int         // first lead per person
	nLeads     []int         // leads per person
	adDay      [][]int       // [ad][day] lead counts

	cards []card
}

func newGen(cfg Config) *gen {
	if cfg.Seed == 0 {
		cfg.Seed = DefaultSeed
	}
	if cfg.Leads == 0 {
		cfg.Leads = DefaultLeads
	}
	cfg.Leads = max(cfg.Leads, MinLeads)
	if cfg.Customers == 0 {
		cfg.Customers = DefaultCustomers
	}
	cfg.Customers = max(cfg.Customers, MinCustomers)
	if cfg.Loc == nil {
		cfg.Loc = time.UTC
	}
	if cfg.Ref.IsZero() {
		cfg.Ref = time.Now().In(cfg.Loc)
	}
	g := &gen{
		cfg:  cfg,
		seed: cfg.Seed,
		ref:  refDay(cfg.Ref),
		loc:  cfg.Loc,
	}
	g.refCivil = civil(g.ref)
	g.d = &Dataset{Ref: g.ref, Loc: g.loc}
	n := cfg.Leads + cfg.Customers
	g.emails = make(map[string]struct{}, n)
	g.phones = make(map[string]struct{}, n)
	return g
}

func (g *gen) run() {
	dictionaries(g.d)
	g.genMeta()
	g.genLeads()
	g.genCRM()
	g.genSpend()
}

// civil returns the day number of t's calendar date in t's location.
func civil(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// localOff is the CRM-local calendar day of t, relative to the reference day.
func (g *gen) localOff(t time.Time) int { return civil(t.In(g.loc)) - g.refCivil }

// localDay is 00:00 CRM-local of the day off days after the reference day.
func (g *gen) localDay(off int) time.Time {
	y, m, d := g.ref.Date()
	return time.Date(y, m, d+off, 0, 0, 0, 0, g.loc)
}

// graphID formats a Graph id: prefix followed by n zero-padded to width digits.
// Kinds differ by prefix (and length), so ids are unique across kinds.
func graphID(prefix string, width int, n uint64) string {
	return prefix + fmt.Sprintf("%0*d", width, n)
}

func (g *gen) idBase(kind uint64, span uint64) uint64 {
	return splitmix(uint64(g.seed)*1315423911+kind) % span
}

func (g *gen) genMeta() {
	d := g.d
	d.Page = Page{ID: graphID("10", 13, 1e12+g.idBase(1, 8e12)), Name: "eCademy — мовна школа"}
	d.AdAccount = AdAccount{
		ID:       "act_" + graphID("5", 15, g.idBase(2, 9e14)),
		Name:     "eCademy Ads",
		Currency: "UAH",
		TimeZone: "Europe/Kyiv",
	}
	qBase := g.idBase(7, 9e14)
	qn := uint64(0)
	fBase := g.idBase(6, 9e14)
	for k := range numForms {
		fs := formSpecs[k]
		f := Form{
			ID:          graphID("9", 15, fBase+uint64(k)*733+11),
			Name:        fs.name,
			Status:      fs.status,
			Locale:      fs.locale,
			CreatedTime: g.ref.Add(-time.Duration(fs.ageDays)*24*time.Hour + time.Duration(9*3600+k*977)*time.Second),
		}
		for _, q := range fs.qs {
			qn++
			f.Questions = append(f.Questions, Question{
				ID: graphID("8", 15, qBase+qn*3), Key: q.key, Label: q.label, Type: q.typ,
				Options: slices.Clone(q.options),
			})
		}
		g.formOfKind[k] = len(d.Forms)
		d.Forms = append(d.Forms, f)
	}
	cBase, sBase, aBase := g.idBase(3, 9e12), g.idBase(4, 9e12), g.idBase(5, 9e12)
	for ci, cs := range campSpecs {
		c := Campaign{ID: graphID("1202", 13, cBase+uint64(ci)*1009+17), Name: cs.name}
		d.Campaigns = append(d.Campaigns, c)
		for si := range 2 {
			sn := uint64(ci*2 + si)
			s := AdSet{ID: graphID("1203", 13, sBase+sn*1013+29), Name: cs.adSets[si], CampaignID: c.ID}
			d.AdSets = append(d.AdSets, s)
			for ai := range 2 {
				an := uint64(ci*4 + si*2 + ai)
				kind := cs.forms[si]
				d.Ads = append(d.Ads, Ad{
					ID: graphID("1204", 13, aBase+an*1019+41), Name: cs.ads[si*2+ai],
					AdSetID: s.ID, CampaignID: c.ID, FormID: d.Forms[g.formOfKind[kind]].ID,
				})
				g.adKind = append(g.adKind, kind)
			}
		}
	}
}

// ---- people ----

func (g *gen) uniquePhone(r *rand.Rand) string {
	for {
		nat := operatorCodes[r.IntN(len(operatorCodes))] + fmt.Sprintf("%07d", r.IntN(10_000_000))
		if _, ok := g.phones[nat]; !ok {
			g.phones[nat] = struct{}{}
			return nat
		}
	}
}

var domains = []string{"example.com", "example.com", "example.com", "example.org", "example.net"}

func (g *gen) uniqueEmail(r *rand.Rand, first, last string) string {
	f, l := strings.ToLower(first), strings.ToLower(last)
	var local string
	switch r.IntN(7) {
	case 0, 1:
		local = f + "." + l
	case 2:
		local = f[:1] + "." + l
	case 3:
		local = l + "." + f
	case 4:
		local = f + l + fmt.Sprintf("%02d", (80+r.IntN(27))%100)
	case 5:
		local = f + "_" + l[:1] + strconv.Itoa(100+r.IntN(900))
	default:
		local = f + "." + l[:1]
	}
	dom := domains[r.IntN(len(domains))]
	e := local + "@" + dom
	for {
		if _, ok := g.emails[e]; !ok {
			g.emails[e] = struct{}{}
			return e
		}
		e = local + strconv.Itoa(10+r.IntN(990)) + "@" + dom
	}
}

// pickName chooses a random first name and surname in both scripts.
func pickName(r *rand.Rand, female bool) (first, firstLat, last, lastLat string) {
	var n name
	if female {
		n = femaleNames[r.IntN(len(femaleNames))]
	} else {
		n = maleNames[r.IntN(len(maleNames))]
	}
	s := surnames[r.IntN(len(surnames))]
	if female {
		return n.cyr, n.lat, s.f, s.fLat
	}
	return n.cyr, n.lat, s.m, s.mLat
}

func (g *gen) newPerson(r *rand.Rand) int {
	female := r.IntN(100) < 62
	first, firstLat, last, lastLat := pickName(r, female)
	m := pmeta{firstLat: firstLat, lastLat: lastLat, female: female, city: r.IntN(len(cities))}
	m.nat = g.uniquePhone(r)
	p := Person{First: first, Last: last, Email: g.uniqueEmail(r, firstLat, lastLat), Phone: "+380" + m.nat, City: cities[m.city].uk}
	if r.IntN(4) == 0 {
		p.First, p.Last = firstLat, lastLat
	}
	g.d.People = append(g.d.People, p)
	g.pm = append(g.pm, m)
	return len(g.d.People) - 1
}

// ---- how people type things ----

// leadPhone renders a national number the way people type it into a lead form.
func leadPhone(nat string, v int) string {
	switch v {
	case 0:
		return "+380 " + nat[:2] + " " + nat[2:5] + " " + nat[5:]
	case 1:
		return "0" + nat
	case 2:
		return "380" + nat
	default:
		return "+380" + nat
	}
}

// crmPhone renders a national number the way managers type it into the CRM.
func crmPhone(nat string, v int) string {
	switch v {
	case 0:
		return "+380 (" + nat[:2] + ") " + nat[2:5] + "-" + nat[5:7] + "-" + nat[7:]
	case 1:
		return "0" + nat[:2] + " " + nat[2:5] + " " + nat[5:7] + " " + nat[7:]
	case 2:
		return "380" + nat
	case 3:
		return "+38 0" + nat[:2] + " " + nat[2:]
	case 4:
		return "0" + nat
	default:
		return "+380" + nat
	}
}

func randCRMPhone(r *rand.Rand, nat string) string { return crmPhone(nat, r.IntN(6)) }

// titleEmail capitalises the parts of an e-mail: "olena.k@example.com" →
// "Olena.K@Example.com".
func titleEmail(e string) string {
	b := []byte(e)
	up := true
	inDomain := false
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = false
		switch c {
		case '.', '_':
			up = !inDomain
		case '@':
			up, inDomain = true, true
		}
	}
	return string(b)
}

// leadEmail renders a canonical e-mail as typed into a lead form.
func leadEmail(r *rand.Rand, e string) string {
	switch x := r.IntN(100); {
	case x < 78:
		return e
	case x < 88:
		return titleEmail(e)
	case x < 94:
		return "  " + titleEmail(e) + " "
	case x < 97:
		return strings.ToUpper(e)
	default:
		return e + " "
	}
}

// crmEmail renders a canonical e-mail as typed into the CRM.
func crmEmail(r *rand.Rand, e string) string {
	switch x := r.IntN(100); {
	case x < 82:
		return e
	case x < 94:
		return titleEmail(e)
	default:
		return strings.ToUpper(e[:1]) + e[1:]
	}
}

// renderFields renders the person's answers to a form.
func renderFields(r *rand.Rand, fs *formSpec, p *Person, m *pmeta, noPhone, noEmail bool) []Field {
	out := make([]Field, 0, len(fs.qs))
	for _, q := range fs.qs {
		var v string
		switch q.role {
		case roleName:
			switch fs.kind {
			case kindEN, kindOld:
				if r.IntN(3) == 0 {
					v = m.firstLat + " " + m.lastLat
				} else {
					v = p.First + " " + p.Last
				}
			case kindRU:
				if r.IntN(10) < 6 {
					v = p.First
				} else {
					v = p.First + " " + p.Last
				}
			default:
				if r.IntN(10) < 7 {
					v = p.First
				} else {
					v = p.First + " " + p.Last
				}
			}
			if r.IntN(25) == 0 {
				v = strings.ToLower(v)
			}
		case roleEmail:
			if noEmail {
				continue
			}
			v = leadEmail(r, p.Email)
		case rolePhone:
			if noPhone {
				continue
			}
			v = leadPhone(m.nat, r.IntN(4))
		case roleCity:
			c := cities[m.city]
			if fs.kind == kindRU {
				v = c.ru
			} else if r.IntN(3) == 0 {
				v = c.uk
			} else {
				v = c.en
			}
		case roleChoice:
			v = q.options[r.IntN(len(q.options))].Key
		}
		out = append(out, Field{Name: q.key, Values: []string{v}})
	}
	return out
}

// ---- leads ----

var weekly = [7]float64{1.10, 1.15, 1.10, 1.05, 0.95, 0.75, 0.85}

func (g *gen) genLeads() {
	r := newRand(g.seed, streamLeads)
	d := g.d
	L := g.cfg.Leads

	// Day volumes: slow growth, a weekly rhythm and noise. The rhythm is tied
	// to the day offset, not to real weekdays, so moving Ref only shifts dates.
	var cum [Days]float64
	total := 0.0
	for k := range Days {
		total += (0.75 + 0.5*float64(k)/Days) * weekly[k%7] * (0.85 + 0.3*r.Float64())
		cum[k] = total
	}
	secs := make([]int64, L) // seconds since the first day, 00:00 UTC
	for i := range secs {
		k, _ := slices.BinarySearch(cum[:], r.Float64()*total)
		k = min(k, Days-1)
		secs[i] = int64(k)*86400 + int64(6*3600+r.IntN(14*3600+1800))
	}
	slices.Sort(secs)
	for i := 1; i < L; i++ {
		if secs[i] <= secs[i-1] {
			secs[i] = secs[i-1] + 1
		}
	}

	// Leads of the archived form: a few organic ones in the oldest month.
	archived := make([]bool, L)
	var old []int
	for i := range L {
		if secs[i] < 30*86400 {
			old = append(old, i)
		}
	}
	nOld := max(3, L/160)
	for j := 0; j < nOld && j < len(old); j++ {
		k := j + r.IntN(len(old)-j)
		old[j], old[k] = old[k], old[j]
		archived[old[j]] = true
	}
	// Repeat submissions by people who already sent a form.
	R := L * 3 / 40
	repeat := make([]bool, L)
	var cand []int
	for i := L / 10; i < L; i++ {
		if !archived[i] {
			cand = append(cand, i)
		}
	}
	for j := 0; j < R && j < len(cand); j++ {
		k := j + r.IntN(len(cand)-j)
		cand[j], cand[k] = cand[k], cand[j]
		repeat[cand[j]] = true
	}
	pOrg := (0.08*float64(L) - float64(nOld)) / float64(L-nOld)

	// Cumulative ad weights.
	var adCum []float64
	acc := 0.0
	for _, cs := range campSpecs {
		ws := 0.0
		for _, w := range cs.adWeight {
			ws += w
		}
		for ai := range 4 {
			acc += cs.share * cs.adWeight[ai] / ws
			adCum = append(adCum, acc)
		}
	}
	pickAd := func() int {
		a, _ := slices.BinarySearch(adCum, r.Float64()*acc)
		return min(a, len(adCum)-1)
	}
	organicKinds := []formKind{kindEN, kindEN, kindEN, kindRU, kindRU, kindUK, kindUK, kindPL}

	g.adDay = make([][]int, len(d.Ads))
	for a := range g.adDay {
		g.adDay[a] = make([]int, Days)
	}
	d.Leads = make([]Lead, 0, L)
	g.leadOff = make([]int, 0, L)
	g.leadCamp = make([]int, 0, L)
	g.adOfLead = make([]int, 0, L)
	var single []int // people with exactly one lead so far
	idBase := g.idBase(9, 5e14)
	id := idBase
	for i := range L {
		id += uint64(1 + r.IntN(20011))
		created := g.ref.Add(time.Duration(secs[i]-Days*86400) * time.Second)
		day := int(secs[i] / 86400)
		p := -1
		prevKind := formKind(-1)
		if repeat[i] && len(single) > 0 {
			j := r.IntN(len(single))
			p = single[j]
			single[j] = single[len(single)-1]
			single = single[:len(single)-1]
			prevKind = g.leadKind(g.first[p])
		} else {
			p = g.newPerson(r)
			g.first = append(g.first, i)
			g.nLeads = append(g.nLeads, 0)
			single = append(single, p)
		}
		g.nLeads[p]++

		organic := archived[i] || r.Float64() < pOrg
		ad := -1
		var kind formKind
		switch {
		case archived[i]:
			kind = kindOld
		case organic:
			for t := 0; t < 30; t++ {
				kind = organicKinds[r.IntN(len(organicKinds))]
				if kind != prevKind {
					break
				}
			}
		default:
			for t := 0; t < 30; t++ {
				ad = pickAd()
				kind = g.adKind[ad]
				if kind != prevKind {
					break
				}
			}
		}
		l := Lead{
			ID:          graphID("7", 15, id),
			CreatedTime: created,
			FormID:      d.Forms[g.formOfKind[kind]].ID,
			IsOrganic:   organic,
			Platform:    "fb",
			Person:      p,
		}
		if r.IntN(10) < 4 {
			l.Platform = "ig"
		}
		camp := organicCamp
		if ad >= 0 {
			a := d.Ads[ad]
			camp = ad / 4
			l.AdID, l.AdName = a.ID, a.Name
			l.AdSetID, l.AdSetName = a.AdSetID, d.AdSets[ad/2].Name
			l.CampaignID, l.CampaignName = a.CampaignID, d.Campaigns[camp].Name
			g.adDay[ad][day]++
		}
		noPhone, noEmail := false, false
		switch x := r.IntN(1000); {
		case x < 12:
			noPhone = true
		case x < 24:
			noEmail = true
		}
		l.Fields = renderFields(r, &formSpecs[kind], &d.People[p], &g.pm[p], noPhone, noEmail)
		d.Leads = append(d.Leads, l)
		g.leadOff = append(g.leadOff, day-Days)
		g.leadCamp = append(g.leadCamp, camp)
		g.adOfLead = append(g.adOfLead, ad)
	}
	for i := range d.Forms {
		f := &d.Forms[i]
		for _, l := range d.Leads {
			if l.FormID == f.ID {
				f.LeadsCount++
				if l.IsOrganic {
					f.OrganicLeadsCount++
				}
			}
		}
	}
}

func (g *gen) leadKind(i int) formKind {
	for k := range numForms {
		if g.d.Forms[g.formOfKind[k]].ID == g.d.Leads[i].FormID {
			return k
		}
	}
	return -1
}

// ---- spend ----

func (g *gen) genSpend() {
	r := newRand(g.seed, streamSpend)
	d := g.d
	d.Spend = make([]SpendRow, 0, Days*len(d.Ads))
	for k := range Days {
		date := g.ref.AddDate(0, 0, k-Days)
		for a, ad := range d.Ads {
			cs := campSpecs[a/4]
			cents := int64(cs.spendLo*100 + r.IntN((cs.spendHi-cs.spendLo)*100+1))
			cpm := int64(cs.cpmLo + r.IntN(cs.cpmHi-cs.cpmLo+1))
			imp := int(cents * 10 / cpm)
			clicks := imp * (60 + r.IntN(121)) / 10000
			leads := g.adDay[a][k]
			if clicks < 3*leads+1 {
				clicks = 3*leads + 1 + r.IntN(5)
			}
			d.Spend = append(d.Spend, SpendRow{
				Date: date, AdID: ad.ID, AdSetID: ad.AdSetID, CampaignID: ad.CampaignID,
				Spend: decimal.New(cents, -2), Impressions: imp, Clicks: clicks, Leads: leads,
			})
		}
	}
}
