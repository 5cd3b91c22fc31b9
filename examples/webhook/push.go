package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ecademy/leadkit/alfacrm"
	"github.com/ecademy/leadkit/enrich"
	"github.com/ecademy/leadkit/internal/contact"
	"github.com/ecademy/leadkit/metaleads"
)

// errUnchanged aborts a PatchCustomer that would write nothing new.
var errUnchanged = errors.New("card unchanged")

// noteTag is how a card's note names a Meta lead. Its presence makes -push
// idempotent: a lead whose tag is already in the card's note is not written
// again.
func noteTag(leadID string) string { return "[Meta lead " + leadID + "]" }

// noteLine is the note -push writes for a lead: its id, time, form and
// attribution (ids and campaign names; no personal data beyond the card's
// own).
func noteLine(l metaleads.Lead) string {
	var b strings.Builder
	b.WriteString(noteTag(l.ID))
	if !l.CreatedTime.IsZero() {
		b.WriteString(" " + l.CreatedTime.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if l.FormID != "" {
		b.WriteString(", form " + l.FormID)
	}
	named := func(kind, name, id string) {
		switch {
		case name != "" && id != "":
			fmt.Fprintf(&b, ", %s %q (%s)", kind, name, id)
		case id != "":
			fmt.Fprintf(&b, ", %s %s", kind, id)
		}
	}
	if l.AdID == "" && l.CampaignID == "" {
		b.WriteString(", organic")
	}
	named("campaign", l.CampaignName, l.CampaignID)
	named("ad set", l.AdSetName, l.AdSetID)
	named("ad", l.AdName, l.AdID)
	if l.Platform != "" {
		b.WriteString(", platform " + l.Platform)
	}
	return b.String()
}

// pushLead writes the enriched lead to AlfaCRM and says what it did: a new
// lead card when no card matched, else an update of the matched card that
// adds the lead's missing phone and e-mail and its note line. Running it
// again for the same lead writes nothing: the matched card (the one created
// the first time, found by its e-mail or phone) already names the lead.
func (p *processor) pushLead(ctx context.Context, el enrich.EnrichedLead) (string, error) {
	c, lead := el.Contact, el.Lead
	var phones, emails []string
	if c.Phone != "" {
		phones = []string{c.Phone}
	} else if c.PhoneRaw != "" {
		phones = []string{c.PhoneRaw} // kept as typed, so nothing is lost
	}
	if c.Email != "" {
		emails = []string{c.Email}
	}
	line := noteLine(lead)

	if el.Customer == nil {
		name := c.FullName
		if name == "" {
			name = "Meta lead " + lead.ID
		}
		in := alfacrm.CustomerInput{
			Name:         name,
			IsStudy:      new(false), // a lead card
			Phones:       phones,
			Emails:       emails,
			Note:         line,
			LeadSourceID: p.leadSource,
		}
		if p.leadField != "" {
			in.Custom = map[string]string{p.leadField: lead.ID}
		}
		cu, err := p.crm.CreateCustomer(ctx, in)
		if err != nil {
			return "", fmt.Errorf("creating the lead card: %w", err)
		}
		return fmt.Sprintf("created lead card %d", cu.ID), nil
	}

	id := el.Customer.ID
	_, err := p.crm.PatchCustomer(ctx, id, func(in *alfacrm.CustomerInput) error {
		changed := false
		if c.Phone != "" && !p.hasPhone(in.Phones, c.Phone) {
			in.Phones = append(in.Phones, c.Phone)
			changed = true
		}
		if c.Email != "" && !hasEmail(in.Emails, c.Email) {
			in.Emails = append(in.Emails, c.Email)
			changed = true
		}
		if !strings.Contains(in.Note, noteTag(lead.ID)) {
			if strings.TrimSpace(in.Note) != "" {
				in.Note = strings.TrimRight(in.Note, "\n") + "\n"
			}
			in.Note += line
			changed = true
		}
		if p.leadField != "" && in.Custom[strings.TrimPrefix(p.leadField, "custom_")] == "" {
			if in.Custom == nil {
				in.Custom = map[string]string{}
			}
			in.Custom[strings.TrimPrefix(p.leadField, "custom_")] = lead.ID
			changed = true
		}
		if !changed {
			return errUnchanged
		}
		return nil
	})
	switch {
	case errors.Is(err, errUnchanged):
		return fmt.Sprintf("card %d already names this lead", id), nil
	case err != nil:
		return "", fmt.Errorf("updating card %d: %w", id, err)
	}
	return fmt.Sprintf("updated card %d", id), nil
}

// hasPhone reports whether one of the card's phones, as typed, is e164.
func (p *processor) hasPhone(phones []string, e164 string) bool {
	for _, ph := range phones {
		if n, ok := contact.Phone(ph, p.region); ok && n == e164 {
			return true
		}
	}
	return false
}

// hasEmail reports whether the card has the e-mail, ignoring case.
func hasEmail(emails []string, email string) bool {
	for _, e := range emails {
		if strings.EqualFold(strings.TrimSpace(e), email) {
			return true
		}
	}
	return false
}
