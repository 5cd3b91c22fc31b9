package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ecademy/leadkit/examples/internal/cli"
	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads"
)

// submitDemo makes the sandbox's fake Graph API submit n leads on the form
// of the Page's newest leads and deliver each to the callback: new people
// (made up by the demo generator) alternating with people who filled in
// the form before, most of whom the demo CRM knows. The leads carry the
// attribution (ad, ad set, campaign) of those earlier leads.
func submitDemo(ctx context.Context, meta *cli.Meta, n int, ref time.Time, stderr io.Writer) error {
	var formID string
	var earlier []metaleads.Lead
	for f, err := range meta.Client.Forms(ctx, meta.PageID, metaleads.FormsOptions{}) {
		if err != nil {
			return fmt.Errorf("demo: listing the forms: %w", err)
		}
		for l, err := range meta.Client.Leads(ctx, f.ID, metaleads.LeadsOptions{PageSize: n}) {
			if err != nil {
				return fmt.Errorf("demo: reading the leads of form %s: %w", f.ID, err)
			}
			earlier = append(earlier, l)
			if len(earlier) == n {
				break
			}
		}
		if len(earlier) > 0 {
			formID = f.ID
			break
		}
	}
	if len(earlier) == 0 {
		return errors.New("demo: the sandbox Page has no leads to model the demo leads on")
	}
	for i := range n {
		model := earlier[i%len(earlier)]
		l := metaleads.Lead{
			CreatedTime: time.Now(), AdID: model.AdID, IsOrganic: model.IsOrganic, Platform: model.Platform,
		}
		kind := "a returning person"
		if i%2 == 0 {
			kind = "a new person"
			for _, f := range demo.SyntheticLead(0, ref, formID, i).Fields {
				l.Fields = append(l.Fields, metaleads.Field{Name: f.Name, Values: append([]string(nil), f.Values...)})
			}
		} else {
			for _, f := range model.Fields {
				l.Fields = append(l.Fields, metaleads.Field{Name: f.Name, Values: append([]string(nil), f.Values...)})
			}
		}
		id, err := meta.Fake.SubmitLead(formID, l)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		fmt.Fprintf(stderr, "webhook: demo: the fake Graph API submitted lead %s (%s) on form %s and delivers it\n", id, kind, formID)
	}
	return nil
}
