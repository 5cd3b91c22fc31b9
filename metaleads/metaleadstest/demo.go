package metaleadstest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecademy/leadkit/internal/demo"
	"github.com/ecademy/leadkit/metaleads"
)

type demoSpec struct {
	cfg demo.Config
	ds  *demo.Dataset
}

// WithDemoData seeds the fake with the leadkit demo data set for the
// reference day ref (zero means today): the school's Page, its ad account,
// campaigns, ad sets and ads, several lead forms with about 4,000 leads over
// the 90 days before ref, and daily spend for insights. Date presets such as
// last_7d are then relative to ref (unless WithClock is given). The Page and
// ad account IDs become PageID and AdAccountID.
func WithDemoData(ref time.Time) Option {
	return WithDemoConfig(demo.Config{Ref: ref})
}

// WithDemoConfig is WithDemoData with the full demo configuration (seed and
// sizes). demo.Config lives in an internal package, so this option is for
// programs inside the leadkit module (the sandbox, benchmarks).
func WithDemoConfig(cfg demo.Config) Option {
	return func(c *config) { c.demo = &demoSpec{cfg: cfg} }
}

// WithDataset seeds the fake from an already built demo data set, so that a
// program can serve the very same data from the fake Graph API and the fake
// AlfaCRM. Like WithDemoConfig it is for programs inside the leadkit module.
func WithDataset(ds *demo.Dataset) Option {
	return func(c *config) {
		if ds == nil {
			c.fail("WithDataset: nil data set")
			return
		}
		c.demo = &demoSpec{ds: ds, cfg: demo.Config{Ref: ds.Ref}}
	}
}

// Default IDs of a fake without demo data (invented, as in Meta's docs).
const (
	defaultPageID      = "102030405060708"
	defaultAdAccountID = "act_123456789012345"
)

func (s *Server) seed(cfg config, suffix string) error {
	st := s.st
	var ds *demo.Dataset
	if cfg.demo != nil {
		ds = cfg.demo.ds
		if ds == nil {
			ds = demo.New(cfg.demo.cfg)
		}
		s.demoRef = ds.Ref
		s.demoSeed = cfg.demo.cfg.Seed
	}
	page := Page{ID: defaultPageID, Name: "Example School", Category: "Education", AccessToken: cfg.pageToken}
	acct := AdAccount{ID: defaultAdAccountID, Name: "Example School Ads", Currency: "USD", TimeZone: "Etc/UTC"}
	if ds != nil {
		page.ID, page.Name = ds.Page.ID, ds.Page.Name
		acct = AdAccount{ID: ds.AdAccount.ID, Name: ds.AdAccount.Name, Currency: ds.AdAccount.Currency, TimeZone: ds.AdAccount.TimeZone}
	}
	if page.AccessToken == "" {
		page.AccessToken = "fake-page-token-" + suffix
	}
	var err error
	if s.PageID, err = st.addPage(page); err != nil {
		return err
	}
	s.PageToken = page.AccessToken
	if s.AdAccountID, err = st.addAdAccount(acct); err != nil {
		return err
	}
	if ds != nil {
		if err := st.seedDataset(ds, s.AdAccountID, s.PageID); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	ref := s.demoRef
	if ref.IsZero() {
		ref = s.now()
	}
	for i, sp := range cfg.synthetic {
		id := sp.formID
		if id == "" {
			id = "99" + strconv.FormatInt(int64(8000000000000+i), 10)
		}
		syn := &synthetic{seed: s.demoSeed, ref: ref, formID: id, n: sp.n}
		df := demo.SyntheticForm(ref, id, fmt.Sprintf("Synthetic form %d (%d leads)", i+1, sp.n))
		if _, err := st.addForm(s.PageID, formFromDemo(df), syn); err != nil {
			return fmt.Errorf("WithSyntheticForm: %w", err)
		}
		if sp.n > 0 {
			syn.prefix = demo.SyntheticLead(syn.seed, ref, id, 0).ID[:5]
		}
		s.syntheticIDs = append(s.syntheticIDs, id)
	}
	return nil
}

func (st *store) seedDataset(ds *demo.Dataset, acctID, pageID string) error {
	for _, c := range ds.Campaigns {
		if _, err := st.addCampaign(Campaign{ID: c.ID, AccountID: acctID, Name: c.Name}); err != nil {
			return err
		}
	}
	for _, a := range ds.AdSets {
		if _, err := st.addAdSet(AdSet{ID: a.ID, CampaignID: a.CampaignID, Name: a.Name}); err != nil {
			return err
		}
	}
	for _, a := range ds.Ads {
		if _, err := st.addAd(Ad{ID: a.ID, AdSetID: a.AdSetID, Name: a.Name, FormID: a.FormID}); err != nil {
			return err
		}
	}
	for _, f := range ds.Forms {
		if _, err := st.addForm(pageID, formFromDemo(f), nil); err != nil {
			return err
		}
	}
	for _, l := range ds.Leads {
		if _, err := st.addLead(l.FormID, leadFromDemo(l)); err != nil {
			return err
		}
	}
	for _, r := range ds.Spend {
		err := st.addRow(InsightsRow{AdID: r.AdID, Date: r.Date, Spend: r.Spend,
			Impressions: int64(r.Impressions), Clicks: int64(r.Clicks), Leads: int64(r.Leads)})
		if err != nil {
			return err
		}
	}
	return nil
}

func formFromDemo(f demo.Form) metaleads.Form {
	out := metaleads.Form{ID: f.ID, Name: f.Name, Status: f.Status, Locale: f.Locale, CreatedTime: f.CreatedTime}
	for _, q := range f.Questions {
		mq := metaleads.Question{ID: q.ID, Key: q.Key, Label: q.Label, Type: q.Type}
		for _, o := range q.Options {
			mq.Options = append(mq.Options, metaleads.QuestionOption{Key: o.Key, Value: o.Value})
		}
		out.Questions = append(out.Questions, mq)
	}
	return out
}

func leadFromDemo(l demo.Lead) metaleads.Lead {
	out := metaleads.Lead{
		ID: l.ID, CreatedTime: l.CreatedTime, FormID: l.FormID,
		AdID: l.AdID, AdName: l.AdName, AdSetID: l.AdSetID, AdSetName: l.AdSetName,
		CampaignID: l.CampaignID, CampaignName: l.CampaignName,
		IsOrganic: l.IsOrganic, Platform: l.Platform,
	}
	out.Fields = make([]metaleads.Field, len(l.Fields))
	for i, f := range l.Fields {
		out.Fields[i] = metaleads.Field{Name: f.Name, Values: append([]string(nil), f.Values...)}
	}
	return out
}

// synthetic is a lazily generated form: lead i (0 = newest) is
// demo.SyntheticLead(seed, ref, formID, i).
type synthetic struct {
	seed   int64
	ref    time.Time
	formID string
	n      int
	prefix string // "6" + the form's 4-digit tag
}

func (y *synthetic) Len() int { return y.n }

func (y *synthetic) At(p int) leadRec {
	l := demo.SyntheticLead(y.seed, y.ref, y.formID, p)
	ml := leadFromDemo(l)
	return leadRec{lead: ml, unix: ml.CreatedTime.Unix()}
}

// find decodes a synthetic lead ID back to its position (IDs count down four
// slots per lead from 999999999999) and checks it by regenerating the lead.
func (y *synthetic) find(id string) (leadRec, bool) {
	if y.n == 0 || len(id) != 17 || !strings.HasPrefix(id, y.prefix) {
		return leadRec{}, false
	}
	v, err := strconv.ParseInt(id[5:], 10, 64)
	if err != nil {
		return leadRec{}, false
	}
	i := (999_999_999_999 - v) / 4
	if i < 0 || i >= int64(y.n) {
		return leadRec{}, false
	}
	r := y.At(int(i))
	if r.lead.ID != id {
		return leadRec{}, false
	}
	return r, true
}

func (st *store) syntheticLead(id string) (leadRec, bool) {
	for _, fid := range st.formOrder {
		if f := st.forms[fid]; f.syn != nil {
			if r, ok := f.syn.find(id); ok {
				return r, true
			}
		}
	}
	return leadRec{}, false
}

// SyntheticFormIDs returns the IDs of the forms added with
// WithSyntheticForm, in option order.
func (s *Server) SyntheticFormIDs() []string { return append([]string(nil), s.syntheticIDs...) }
