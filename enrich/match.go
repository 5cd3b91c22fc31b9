package enrich

import (
	"context"
	"slices"
	"time"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/internal/contact"
	"github.com/ecademy/leadkit/metaleads"
)

// This file is the one matching engine. Every strategy but the naive one
// (which is deliberately what a first integration does) decides matches
// here; they differ only in how they find candidate cards (lookupFunc).

// card is what matching and results need of a CRM card; immutable once
// built and shared between leads.
type card struct {
	ID            int
	Name          string
	IsStudy       bool
	Removed       bool
	StudyStatusID int
	LeadStatusID  int
	CreatedAt     time.Time
	// emails and phones are the card's contacts, normalised (e-mail:
	// contact.Email; phone: E.164 in the matcher's region), de-duplicated.
	// Contacts that do not normalise are left out: they cannot equal a
	// lead's normalised contact.
	emails []string
	phones []string
}

// has reports whether the card carries the normalised contact value.
func (c *card) has(by MatchedBy, value string) bool {
	if by == MatchedByEmail {
		return slices.Contains(c.emails, value)
	}
	return slices.Contains(c.phones, value)
}

// matcher normalises contacts with one phone region.
type matcher struct {
	region string
}

// normPhone returns the E.164 form of a phone as typed, or "".
func (m matcher) normPhone(raw string) string {
	if e, ok := contact.Phone(raw, m.region); ok {
		return e
	}
	return ""
}

// card converts a CRM card, normalising every phone and e-mail on it.
func (m matcher) card(cu alfacrm.Customer) *card {
	c := &card{
		ID:            cu.ID,
		Name:          cu.Name,
		IsStudy:       cu.IsStudy,
		Removed:       cu.Removed,
		StudyStatusID: cu.StudyStatusID,
		LeadStatusID:  cu.LeadStatusID,
		CreatedAt:     cu.CreatedAt,
	}
	for _, e := range cu.Emails {
		if e = contact.Email(e); e != "" && !slices.Contains(c.emails, e) {
			c.emails = append(c.emails, e)
		}
	}
	for _, p := range cu.Phones {
		if p = m.normPhone(p); p != "" && !slices.Contains(c.phones, p) {
			c.phones = append(c.phones, p)
		}
	}
	return c
}

// contactKey is a lead's normalised contact: what matching compares.
type contactKey struct {
	email string // contact.Email form, "" when none
	phone string // E.164, "" when none
}

// keyOf returns the normalised contact of a lead's canonical contact.
// Normalising again is a no-op for a metaleads.Normalizer's output and
// protects against contacts built by hand.
func (m matcher) keyOf(c metaleads.Contact) contactKey {
	k := contactKey{email: contact.Email(c.Email)}
	if c.Phone != "" {
		k.phone = m.normPhone(c.Phone)
	}
	return k
}

// lookupFunc returns cards that may carry the normalised contact value
// (a superset is fine: match checks each one).
type lookupFunc func(ctx context.Context, by MatchedBy, value string) ([]*card, error)

// match is a matching result; card is nil when nothing matched.
type match struct {
	card      *card
	by        MatchedBy
	ambiguous bool
}

// matchContact applies the matching rules:
//
//  1. the e-mail first: every card carrying it (any of its e-mails,
//     compared normalised) is a candidate;
//  2. the phone only when no card carries the e-mail (or there is none);
//  3. among the candidates of the deciding step, a student card wins, then
//     the lowest id (the earliest created); ambiguous when there were
//     several.
func matchContact(ctx context.Context, k contactKey, lookup lookupFunc) (match, error) {
	steps := [...]struct {
		by    MatchedBy
		value string
	}{{MatchedByEmail, k.email}, {MatchedByPhone, k.phone}}
	for _, s := range steps {
		if s.value == "" {
			continue
		}
		cands, err := lookup(ctx, s.by, s.value)
		if err != nil {
			return match{}, err
		}
		var best *card
		n := 0
		seen := make(map[int]bool, len(cands))
		for _, c := range cands {
			if c == nil || seen[c.ID] || !c.has(s.by, s.value) {
				continue
			}
			seen[c.ID] = true
			n++
			if best == nil || better(c, best) {
				best = c
			}
		}
		if best != nil {
			return match{card: best, by: s.by, ambiguous: n > 1}, nil
		}
	}
	return match{}, nil
}

// better reports whether a should be preferred to b: a student card over a
// lead card, then the lower id.
func better(a, b *card) bool {
	if a.IsStudy != b.IsStudy {
		return a.IsStudy
	}
	return a.ID < b.ID
}

// names resolves status ids to names.
type names struct {
	study, lead alfacrm.Dictionary
}

func loadNames(ctx context.Context, d Dictionaries) (names, error) {
	study, err := d.Dictionary(ctx, alfacrm.DictStudyStatus)
	if err != nil {
		return names{}, err
	}
	lead, err := d.Dictionary(ctx, alfacrm.DictLeadStatus)
	if err != nil {
		return names{}, err
	}
	return names{study: study, lead: lead}, nil
}

// customer builds the public result for a matched card.
func (n names) customer(m match) *Customer {
	c := m.card
	if c == nil {
		return nil
	}
	out := &Customer{
		ID:            c.ID,
		Name:          c.Name,
		IsStudy:       c.IsStudy,
		Removed:       c.Removed,
		StudyStatusID: c.StudyStatusID,
		LeadStatusID:  c.LeadStatusID,
		CreatedAt:     c.CreatedAt,
		MatchedBy:     m.by,
		Ambiguous:     m.ambiguous,
	}
	if c.StudyStatusID != 0 {
		out.StudyStatus = n.study.Name(c.StudyStatusID)
	}
	if c.LeadStatusID != 0 {
		out.LeadStatus = n.lead.Name(c.LeadStatusID)
	}
	return out
}
