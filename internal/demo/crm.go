package demo

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// card is a CRM card under construction.
type card struct {
	c          Customer
	camp       int  // campaign of the person's first lead, organicCamp or noLeadCamp
	leadOff    int  // CRM-local day of the person's first lead (created day if none)
	createdOff int  // CRM-local day the card was created
	pre        bool // created before the person's first lead
	subject    int  // index into subjectSpecs
	pays       []Payment
	from, to   int // study interval [from, to) in local day offsets (students)
	attended   int
}

func (g *gen) genCRM() {
	d := g.d
	N := g.cfg.Customers
	P := len(d.People) // people with leads
	r := newRand(g.seed, streamTraps)

	// --- traps: five single-lead people with an ad lead in the last 25 days
	// that carries both phone and e-mail.
	var cand []int
	for p := range P {
		i := g.first[p]
		if g.nLeads[p] != 1 || g.adOfLead[i] < 0 || g.leadOff[i] < -25 || g.leadOff[i] > -3 {
			continue
		}
		if g.leadHas(i, roleEmail) && g.leadHas(i, rolePhone) {
			cand = append(cand, p)
		}
	}
	const nTraps = 5
	if len(cand) < nTraps {
		panic("demo: not enough trap candidates; raise Leads")
	}
	for j := range nTraps {
		k := j + r.IntN(len(cand)-j)
		cand[j], cand[k] = cand[k], cand[j]
	}
	reserved := make([]bool, P)
	for _, p := range cand[:nTraps] {
		reserved[p] = true
	}
	pTwo, pPhone, pSplit, pArch, pCase := cand[0], cand[1], cand[2], cand[3], cand[4]
	var tr Traps

	// (a) two cards: a lead card from the integration and a student card a
	// manager created later without finding the first one.
	li := g.first[pTwo]
	c := g.matchedCard(r, pTwo, g.afterLeadExact(li, 7*time.Minute))
	g.asLead(r, c, lsContacted)
	c.c.Phones = []string{crmPhone(g.pm[pTwo].nat, 5)}
	c.c.Emails = []string{d.People[pTwo].Email}
	tr.TwoCards = TwoCardsTrap{Person: pTwo, Lead: li, LeadCard: g.push(c)}
	c = g.matchedCard(r, pTwo, g.afterLeadExact(li, time.Duration(50+r.IntN(20))*time.Hour))
	g.asStudent(r, c, stStudying)
	c.c.Phones = []string{crmPhone(g.pm[pTwo].nat, 0)}
	c.c.Emails = []string{d.People[pTwo].Email}
	c.c.Name = d.People[pTwo].First + " " + d.People[pTwo].Last
	tr.TwoCards.StudentCard = g.push(c)

	// (b) phone only: the card has the phone and a different (work) e-mail.
	li = g.first[pPhone]
	c = g.matchedCard(r, pPhone, g.afterLeadExact(li, 26*time.Hour))
	g.asStudent(r, c, stStudying)
	c.c.Phones = []string{crmPhone(g.pm[pPhone].nat, 1)}
	c.c.Emails = []string{g.uniqueEmail(r, g.pm[pPhone].lastLat, "work")}
	tr.PhoneOnly = MatchTrap{Person: pPhone, Lead: li, Customer: g.push(c)}

	// (c) split: the e-mail is on the person's own card (with an old phone),
	// the phone is on a relative's student card that existed before the lead.
	li = g.first[pSplit]
	c = g.matchedCard(r, pSplit, g.afterLeadExact(li, 30*time.Hour))
	g.asStudent(r, c, stStudying)
	c.c.Phones = []string{randCRMPhone(r, g.uniquePhone(r))}
	c.c.Emails = []string{d.People[pSplit].Email}
	tr.Split = SplitTrap{Person: pSplit, Lead: li, EmailCard: g.push(c)}
	{
		m := g.pm[pSplit]
		female := !m.female
		first, firstLat, _, _ := pickName(r, female)
		last := d.People[pSplit].Last
		if d.People[pSplit].First == m.firstLat {
			first = firstLat // keep the family's script
		}
		off := g.leadOff[li] - 100
		created := g.localTime(r, off)
		rel := &card{camp: noLeadCamp, leadOff: g.localOff(created), createdOff: g.localOff(created), subject: 0}
		rel.c = Customer{
			Name: last + " " + first, Person: -1, CreatedAt: created,
			BranchIDs: []int{branchKyiv}, Custom: map[string]string{"custom_gorod": d.People[pSplit].City, "custom_uroven": "B1"},
			LeadSourceID: srcReferral,
			Phones:       []string{crmPhone(m.nat, 3)},
			Emails:       []string{g.uniqueEmail(r, firstLat, m.lastLat)},
		}
		g.asStudent(r, rel, stStudying)
		tr.Split.PhoneCard = g.push(rel)
	}

	// (d) archived student card that matches.
	li = g.first[pArch]
	c = g.matchedCard(r, pArch, g.afterLeadExact(li, 3*time.Hour))
	g.asStudent(r, c, stFinished)
	c.c.Removed = true
	c.c.Phones = []string{crmPhone(g.pm[pArch].nat, 2)}
	c.c.Emails = []string{d.People[pArch].Email}
	tr.Archived = MatchTrap{Person: pArch, Lead: li, Customer: g.push(c)}

	// (e) e-mail differing only in case, no phone on the card; the lead's
	// e-mail is the canonical lower-case one.
	li = g.first[pCase]
	g.setLeadEmail(li, d.People[pCase].Email)
	c = g.matchedCard(r, pCase, g.afterLeadExact(li, 2*time.Hour))
	g.asStudent(r, c, stStudying)
	c.c.Phones = nil
	c.c.Emails = []string{titleEmail(d.People[pCase].Email)}
	tr.EmailCase = MatchTrap{Person: pCase, Lead: li, Customer: g.push(c)}
	nTrapCards := len(g.cards)

	// --- ordinary cards of lead people.
	r = newRand(g.seed, streamCRM)
	target := N*23/30 - (nTrapCards - 1)
	has := make([]bool, P)
	order := r.Perm(P)
	made := 0
	for pass := 0; pass < 2 && made < target; pass++ {
		for _, p := range order {
			if made >= target {
				break
			}
			if reserved[p] || has[p] {
				continue
			}
			camp := g.leadCamp[g.first[p]]
			pc := organicCardP
			if camp < organicCamp {
				pc = campSpecs[camp].cardP
			}
			if pass == 0 && r.Float64() >= pc {
				continue
			}
			has[p] = true
			made++
			g.push(g.ordinaryCard(r, p))
		}
	}

	// --- cards of people who never sent a lead form.
	for len(g.cards) < N {
		p := g.newPerson(r)
		u := r.Float64()
		off := -1 - int(699*u*u)
		created := g.localTime(r, off)
		c := &card{camp: noLeadCamp, leadOff: g.localOff(created), createdOff: g.localOff(created), subject: pickSubject(r)}
		c.c = Customer{
			Person: p, CreatedAt: created, BranchIDs: branchesFor(c.subject),
			Custom:       g.custom(r, p, c.subject),
			LeadSourceID: []int{srcSite, srcReferral, srcCall, 0}[r.IntN(4)],
		}
		c.c.Name = crmName(r, &d.People[p])
		switch x := r.IntN(100); {
		case x < 70:
			c.c.Phones = []string{randCRMPhone(r, g.pm[p].nat)}
			c.c.Emails = []string{crmEmail(r, d.People[p].Email)}
		case x < 95:
			c.c.Phones = []string{randCRMPhone(r, g.pm[p].nat)}
		default:
			c.c.Emails = []string{crmEmail(r, d.People[p].Email)}
		}
		if r.Float64() < noLeadStudentP {
			g.asStudent(r, c, randStudyStatus(r))
		} else {
			g.asLead(r, c, randLeadStatus(r))
		}
		c.c.Removed = r.IntN(100) < 8
		g.push(c)
	}

	g.genPayments()

	// --- order cards by creation, give them ids, remap the traps.
	perm := make([]int, len(g.cards))
	for i := range perm {
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(a, b int) int { return g.cards[a].c.CreatedAt.Compare(g.cards[b].c.CreatedAt) })
	sorted := make([]card, len(g.cards))
	newIdx := make([]int, len(g.cards))
	id := 1000 + int(g.idBase(20, 500))
	for ni, oi := range perm {
		sorted[ni] = g.cards[oi]
		newIdx[oi] = ni
		id += 1 + r.IntN(3)
		sorted[ni].c.ID = id
	}
	g.cards = sorted
	tr.TwoCards.LeadCard = newIdx[tr.TwoCards.LeadCard]
	tr.TwoCards.StudentCard = newIdx[tr.TwoCards.StudentCard]
	tr.PhoneOnly.Customer = newIdx[tr.PhoneOnly.Customer]
	tr.Split.EmailCard = newIdx[tr.Split.EmailCard]
	tr.Split.PhoneCard = newIdx[tr.Split.PhoneCard]
	tr.Archived.Customer = newIdx[tr.Archived.Customer]
	tr.EmailCase.Customer = newIdx[tr.EmailCase.Customer]
	for i := range g.cards {
		if g.cards[i].pre {
			tr.PreExisting = append(tr.PreExisting, i)
		}
	}
	d.Traps = tr

	// --- payments: chronological, ids in that order.
	type pay struct {
		Payment
		seq int
	}
	var all []pay
	for i := range g.cards {
		for _, p := range g.cards[i].pays {
			p.CustomerID = g.cards[i].c.ID
			all = append(all, pay{p, len(all)})
		}
	}
	slices.SortFunc(all, func(a, b pay) int {
		return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.CustomerID, b.CustomerID), cmp.Compare(a.seq, b.seq))
	})
	d.Payments = make([]Payment, len(all))
	pid := 30000 + int(g.idBase(21, 5000))
	for i := range all {
		pid += 1 + r.IntN(2)
		all[i].ID = pid
		d.Payments[i] = all[i].Payment
	}

	g.genLessons()

	// --- balances and the final customer slice.
	d.Customers = make([]Customer, len(g.cards))
	for i := range g.cards {
		c := &g.cards[i]
		var cents int64
		for _, p := range c.pays {
			if p.Income {
				cents += p.Sum.Shift(2).IntPart()
			} else {
				cents -= p.Sum.Shift(2).IntPart()
			}
		}
		cents -= int64(c.attended) * subjectSpecs[c.subject].price
		if !c.c.IsStudy && len(c.pays) > 0 {
			cents = 0 // the trial lesson used the trial payment
		}
		c.c.Balance = decimal.New(cents, -2)
		d.Customers[i] = c.c
	}
}

func (g *gen) push(c *card) int {
	g.cards = append(g.cards, *c)
	return len(g.cards) - 1
}

func (g *gen) leadHas(i int, role int) bool {
	fs := &formSpecs[g.leadKind(i)]
	for _, q := range fs.qs {
		if q.role == role {
			v, ok := g.d.Leads[i].Value(q.key)
			return ok && v != ""
		}
	}
	return false
}

func (g *gen) setLeadEmail(i int, e string) {
	fs := &formSpecs[g.leadKind(i)]
	for _, q := range fs.qs {
		if q.role != roleEmail {
			continue
		}
		for fi := range g.d.Leads[i].Fields {
			if g.d.Leads[i].Fields[fi].Name == q.key {
				g.d.Leads[i].Fields[fi].Values = []string{e}
			}
		}
	}
}

// CRM events (card creation) happen between 05:00 and 20:59 UTC, like leads,
// so their calendar day is the same in UTC and in Kyiv whatever the season,
// and moving Ref shifts every CRM date by whole days.
const (
	crmFrom = 5 * time.Hour
	crmTo   = 21 * time.Hour
)

// localTime is a working-hours moment of day off, in CRM local time.
func (g *gen) localTime(r *rand.Rand, off int) time.Time {
	return g.ref.AddDate(0, 0, off).Add(crmFrom + time.Duration(r.IntN(int((crmTo-crmFrom)/time.Second)))*time.Second).In(g.loc)
}

// workHours moves t forward into the CRM working window (05:00–20:59 UTC).
func (g *gen) workHours(t time.Time) time.Time {
	day := g.ref.Add(t.Sub(g.ref).Truncate(24 * time.Hour))
	if t.Before(g.ref) && !day.Equal(t) {
		day = day.Add(-24 * time.Hour) // Truncate rounds towards zero
	}
	switch sec := t.Sub(day); {
	case sec < crmFrom:
		return day.Add(crmFrom + sec)
	case sec >= crmTo:
		return day.Add(24*time.Hour + crmFrom + sec - crmTo)
	}
	return t
}

// afterLeadExact is the lead's time plus dl, in CRM local time.
func (g *gen) afterLeadExact(li int, dl time.Duration) time.Time {
	return g.workHours(g.d.Leads[li].CreatedTime.Add(dl)).In(g.loc)
}

// afterLead is when a manager (or an integration) created the card.
func (g *gen) afterLead(r *rand.Rand, li int) time.Time {
	lt := g.d.Leads[li].CreatedTime
	var dl time.Duration
	switch x := r.IntN(100); {
	case x < 70:
		dl = time.Duration(2+r.IntN(178)) * time.Minute
	case x < 95:
		dl = time.Duration(180+r.IntN(45*60)) * time.Minute
	default:
		dl = time.Duration(2*24*60+r.IntN(8*24*60)) * time.Minute
	}
	t := g.workHours(lt.Add(dl))
	if !t.Before(g.ref) {
		t = lt.Add(time.Duration(2+r.IntN(23)) * time.Minute)
	}
	return t.In(g.loc)
}

// matchedCard starts a card for lead person p created at the given time.
func (g *gen) matchedCard(r *rand.Rand, p int, created time.Time) *card {
	li := g.first[p]
	camp := g.leadCamp[li]
	c := &card{camp: camp, leadOff: g.localOff(g.d.Leads[li].CreatedTime), createdOff: g.localOff(created)}
	if camp < organicCamp {
		c.subject = campSpecs[camp].subject
	} else {
		c.subject = pickSubject(r)
	}
	c.c = Customer{
		Name: crmName(r, &g.d.People[p]), Person: p, CreatedAt: created,
		BranchIDs: branchesFor(c.subject), Custom: g.custom(r, p, c.subject),
	}
	if r.IntN(100) < 85 {
		c.c.LeadSourceID = srcFacebook
		if g.d.Leads[li].Platform == "ig" {
			c.c.LeadSourceID = srcInstagram
		}
	}
	return c
}

// ordinaryCard is a card of lead person p without deliberate traps.
func (g *gen) ordinaryCard(r *rand.Rand, p int) *card {
	d := g.d
	li := g.first[p]
	pre := r.IntN(100) < 4
	var created time.Time
	if pre {
		created = g.localTime(r, g.localOff(d.Leads[li].CreatedTime)-30-r.IntN(370))
	} else {
		created = g.afterLead(r, li)
	}
	c := g.matchedCard(r, p, created)
	c.pre = pre
	m := &g.pm[p]
	e := d.People[p].Email
	switch x := r.IntN(100); {
	case x < 70:
		c.c.Phones = []string{randCRMPhone(r, m.nat)}
		c.c.Emails = []string{crmEmail(r, e)}
	case x < 85:
		c.c.Phones = []string{randCRMPhone(r, m.nat)}
	case x < 93:
		c.c.Emails = []string{crmEmail(r, e)}
	default:
		c.c.Phones = []string{randCRMPhone(r, m.nat)}
		c.c.Emails = []string{g.uniqueEmail(r, m.firstLat, m.lastLat)}
	}
	if r.IntN(10) == 0 {
		c.c.Phones = append(c.c.Phones, randCRMPhone(r, g.uniquePhone(r)))
	}
	if r.IntN(20) == 0 {
		c.c.Emails = append(c.c.Emails, g.uniqueEmail(r, m.firstLat, m.lastLat))
	}
	sp := organicStudentP
	if c.camp < organicCamp {
		sp = campSpecs[c.camp].studentP
	}
	if pre || r.Float64() < sp {
		g.asStudent(r, c, randStudyStatus(r))
	} else {
		g.asLead(r, c, randLeadStatus(r))
	}
	if pre {
		c.c.LeadSourceID = []int{srcSite, srcReferral, srcCall, 0}[r.IntN(4)]
	} else if r.IntN(100) < 15 {
		c.c.Custom["custom_fb_lead_id"] = d.Leads[li].ID
	}
	c.c.Removed = r.IntN(100) < 8
	return c
}

func (g *gen) asStudent(r *rand.Rand, c *card, status int) {
	c.c.IsStudy = true
	c.c.StudyStatusID = status
	c.c.LeadStatusID = 0
}

func (g *gen) asLead(r *rand.Rand, c *card, status int) {
	c.c.IsStudy = false
	c.c.StudyStatusID = 0
	c.c.LeadStatusID = status
}

func randStudyStatus(r *rand.Rand) int {
	switch x := r.IntN(100); {
	case x < 70:
		return stStudying
	case x < 82:
		return stFrozen
	default:
		return stFinished
	}
}

func randLeadStatus(r *rand.Rand) int {
	switch x := r.IntN(100); {
	case x < 30:
		return lsNew
	case x < 60:
		return lsContacted
	case x < 80:
		return lsTrial
	default:
		return lsRefused
	}
}

func pickSubject(r *rand.Rand) int {
	return [...]int{0, 0, 0, 0, 0, 0, 1, 2, 2, 3}[r.IntN(10)]
}

func branchesFor(subject int) []int {
	if subjectSpecs[subject].short == "PL" {
		return []int{branchKyiv, branchOnline}
	}
	return []int{branchKyiv}
}

var levels = []string{"A1", "A2", "B1", "B2", "C1", ""}

func (g *gen) custom(r *rand.Rand, p, subject int) map[string]string {
	m := map[string]string{"custom_gorod": "", "custom_uroven": ""}
	if r.IntN(10) < 6 {
		m["custom_gorod"] = g.d.People[p].City
	}
	if subject <= 1 {
		m["custom_uroven"] = levels[r.IntN(len(levels))]
	}
	return m
}

// crmName is the card name as a manager typed it.
func crmName(r *rand.Rand, p *Person) string {
	switch x := r.IntN(10); {
	case x < 6:
		return p.Last + " " + p.First
	case x < 9:
		return p.First + " " + p.Last
	default:
		return p.First
	}
}

// ---- payments ----

var incomeNotes = []string{"Оплата абонемента (8 занятий)", "Оплата абонемента (12 занятий)", "Оплата за месяц", "Предоплата", ""}

func (g *gen) genPayments() {
	r := newRand(g.seed, streamPay)
	for i := range g.cards {
		c := &g.cards[i]
		switch {
		case c.c.IsStudy:
			g.studentPays(r, c)
		case c.c.LeadStatusID == lsTrial && r.IntN(5) < 2:
			day := min(c.createdOff+r.IntN(5), max(-1, c.createdOff))
			c.addPay(g, day, 25000, true, "Пробный урок")
		}
	}
}

func (c *card) addPay(g *gen, day int, cents int64, income bool, note string) {
	p := Payment{Date: g.localDay(day), Sum: decimal.New(cents, -2), PayTypeID: payExpense, Note: note, Income: income}
	if income {
		p.PayTypeID = payIncome
	}
	c.pays = append(c.pays, p)
}

func (g *gen) studentPays(r *rand.Rand, c *card) {
	sums := generalSums
	if c.camp < organicCamp {
		sums = campSpecs[c.camp].sums
	}
	start := max(c.leadOff, c.createdOff)
	capDay := max(-1, start)
	c.from = start
	if c.pre {
		c.from = c.createdOff
		for range 1 + r.IntN(3) {
			day := c.createdOff + r.IntN(c.leadOff-c.createdOff)
			c.addPay(g, day, sums[r.IntN(len(sums))], true, incomeNotes[r.IntN(len(incomeNotes))])
		}
		slices.SortFunc(c.pays, func(a, b Payment) int { return a.Date.Compare(b.Date) })
	}
	n := [...]int{1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6}[r.IntN(12)]
	day := min(start+r.IntN(8), capDay)
	if !c.pre {
		c.from = day
	}
	var incomes []int
	for range n {
		incomes = append(incomes, len(c.pays))
		c.addPay(g, day, sums[r.IntN(len(sums))], true, incomeNotes[r.IntN(len(incomeNotes))])
		day += 14 + r.IntN(22)
		if day > capDay {
			break
		}
	}
	if r.IntN(100) < 11 {
		src := c.pays[incomes[r.IntN(len(incomes))]]
		cents := src.Sum.Shift(2).IntPart()
		if r.IntN(2) == 0 {
			cents /= 2
		}
		day := min(g.localOff(src.Date)+3+r.IntN(18), capDay)
		c.addPay(g, day, cents, false, "Возврат за неиспользованные занятия")
	}
	switch {
	case c.c.StudyStatusID == stStudying && !c.c.Removed:
		c.to = 1 << 20
	case c.c.StudyStatusID == stFrozen:
		c.to = min(c.from+20+r.IntN(40), -1)
	default:
		c.to = min(c.from+30+r.IntN(60), 0)
	}
}

// ---- groups and lessons ----

var weekPatterns = [][]int{{0, 2}, {1, 3}, {2, 4}, {0, 3}, {1, 4}, {5}}

func (g *gen) genLessons() {
	r := newRand(g.seed, streamLessons)
	d := g.d
	const ahead = 13 // planned lessons up to two weeks ahead
	type stu struct{ card, from, to int }
	bySubject := make([][]stu, len(subjectSpecs))
	for i := range g.cards {
		c := &g.cards[i]
		if !c.c.IsStudy || c.to <= -Days || c.from > ahead || c.to <= c.from {
			continue
		}
		bySubject[c.subject] = append(bySubject[c.subject], stu{i, c.from, c.to})
	}
	type lesson struct {
		Lesson
		off int
	}
	var all []lesson
	gid := 100 + int(g.idBase(22, 50))
	for si, ss := range bySubject {
		spec := subjectSpecs[si]
		slices.SortStableFunc(ss, func(a, b stu) int { return cmp.Compare(a.from, b.from) })
		for n := 0; len(ss) > 0; n++ {
			size := min(len(ss), 6+r.IntN(5))
			members := ss[:size]
			ss = ss[size:]
			gid++
			grp := Group{
				ID: gid, Name: fmt.Sprintf("%s-%02d", spec.short, n+1), SubjectID: spec.id,
				TeacherIDs: []int{spec.teachers[n%len(spec.teachers)]}, BranchID: branchesFor(si)[len(branchesFor(si))-1],
			}
			start, end := ahead, -Days
			for _, m := range members {
				grp.CustomerIDs = append(grp.CustomerIDs, g.cards[m.card].c.ID)
				start = min(start, m.from)
				end = max(end, m.to)
			}
			slices.Sort(grp.CustomerIDs)
			d.Groups = append(d.Groups, grp)
			pat := weekPatterns[r.IntN(len(weekPatterns))]
			if spec.short == "KIDS" && r.IntN(2) == 0 {
				pat = []int{5}
			}
			slot := spec.slots[r.IntN(len(spec.slots))]
			for off := max(start, -Days); off <= ahead && off < end; off++ {
				if !slices.Contains(pat, ((off%7)+7)%7) {
					continue
				}
				l := lesson{off: off}
				l.Date = g.localDay(off)
				l.TimeFrom, l.TimeTo = slot[0], slot[1]
				l.SubjectID = spec.id
				l.TeacherIDs = slices.Clone(grp.TeacherIDs)
				l.GroupIDs = []int{grp.ID}
				switch {
				case off >= 0:
					l.Status = LessonPlanned
				case r.IntN(100) < 3:
					l.Status = LessonCancelled
				default:
					l.Status = LessonConducted
				}
				for _, m := range members {
					if off < m.from || off >= m.to {
						continue
					}
					a := Attendance{CustomerID: g.cards[m.card].c.ID}
					if l.Status == LessonConducted {
						if r.IntN(100) < 85 {
							a.IsAttend = true
							g.cards[m.card].attended++
						} else {
							a.Reason = absenceReasons[r.IntN(len(absenceReasons))]
						}
					}
					l.Details = append(l.Details, a)
				}
				if len(l.Details) > 0 {
					all = append(all, l)
				}
			}
		}
	}
	slices.SortStableFunc(all, func(a, b lesson) int {
		return cmp.Or(cmp.Compare(a.off, b.off), cmp.Compare(a.TimeFrom, b.TimeFrom), cmp.Compare(a.GroupIDs[0], b.GroupIDs[0]))
	})
	d.Lessons = make([]Lesson, len(all))
	lid := 50000 + int(g.idBase(23, 5000))
	for i := range all {
		lid += 1 + r.IntN(3)
		all[i].ID = lid
		d.Lessons[i] = all[i].Lesson
	}
}
