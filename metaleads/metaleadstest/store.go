package metaleadstest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecademy/leadkit/metaleads"
	"github.com/shopspring/decimal"
)

// Page is a Facebook Page known to the fake.
type Page struct {
	// ID is the Page ID; AddPage makes one up when empty.
	ID string
	// Name and Category are returned on reads of the Page.
	Name, Category string
	// AccessToken is the Page token; AddPage makes up
	// "fake-page-token-<id>-…" when empty.
	AccessToken string
}

// AdAccount is an ad account known to the fake.
type AdAccount struct {
	// ID is "act_<digits>" (a bare number is prefixed); AddAdAccount makes one
	// up when empty.
	ID string
	// Name of the account.
	Name string
	// Currency is the ISO 4217 account currency (default "USD").
	Currency string
	// TimeZone is the account time zone name (default "Etc/UTC"); the fake
	// computes dates in UTC whatever it says.
	TimeZone string
}

// Campaign is an ad campaign of an ad account.
type Campaign struct {
	// ID is made up by AddCampaign when empty.
	ID string
	// AccountID is the seeded ad account ("act_" optional).
	AccountID string
	// Name is returned as campaign_name on leads and insights.
	Name string
}

// AdSet is an ad set of a campaign.
type AdSet struct {
	// ID is made up by AddAdSet when empty.
	ID string
	// CampaignID is the seeded campaign the ad set belongs to.
	CampaignID string
	// Name is returned as adset_name on leads and insights.
	Name string
}

// Ad is an ad of an ad set.
type Ad struct {
	// ID is made up by AddAd when empty.
	ID string
	// AdSetID is the seeded ad set the ad belongs to.
	AdSetID string
	// Name is returned as ad_name on leads and insights.
	Name string
	// FormID, when set, is the lead form the ad opens; a Page token of
	// another Page may not read the ad's leads.
	FormID string
}

// InsightsRow is one day of delivery of one ad: the unit the fake aggregates
// insights from.
type InsightsRow struct {
	// AdID must name a seeded ad.
	AdID string
	// Date is the day (UTC; the time of day is ignored).
	Date time.Time
	// Spend is in the ad account's currency, major units.
	Spend decimal.Decimal
	// Impressions, Reach, Clicks and Leads are the day's counts. Reach 0 is
	// estimated from impressions.
	Impressions, Reach, Clicks, Leads int64
}

type tokenKind int

const (
	noToken tokenKind = iota
	userToken
	pageToken
	appToken
)

type tokenInfo struct {
	kind    tokenKind
	pageID  string
	issued  time.Time
	expired bool
}

type pageRec struct {
	Page
	subscribed []string
}

type leadRec struct {
	lead metaleads.Lead
	unix int64
}

type formRec struct {
	form   metaleads.Form
	pageID string
	leads  []leadRec // oldest first: created asc, id asc (served reversed)
	syn    *synthetic
	seq    int // insertion order, for stable listing
}

type store struct {
	srv     *Server
	baseURL string

	tokens    map[string]tokenInfo
	pages     map[string]*pageRec
	pageOrder []string
	forms     map[string]*formRec
	formOrder []string
	leadForm  map[string]string // lead id -> form id
	accounts  map[string]*AdAccount
	acctOrder []string
	campaigns map[string]*Campaign
	adsets    map[string]*AdSet
	ads       map[string]*Ad
	rows      []InsightsRow
	jobs      map[string]*reportJob

	nextID int64
	jobsMu sync.Mutex
}

func newStore(s *Server) *store {
	return &store{
		srv:       s,
		tokens:    map[string]tokenInfo{},
		pages:     map[string]*pageRec{},
		forms:     map[string]*formRec{},
		leadForm:  map[string]string{},
		accounts:  map[string]*AdAccount{},
		campaigns: map[string]*Campaign{},
		adsets:    map[string]*AdSet{},
		ads:       map[string]*Ad{},
		jobs:      map[string]*reportJob{},
		nextID:    9000000000000000,
	}
}

func (st *store) newID() string {
	for {
		st.nextID++
		id := strconv.FormatInt(st.nextID, 10)
		if !st.exists(id) {
			return id
		}
	}
}

func (st *store) addToken(tok string, ti tokenInfo) {
	st.tokens[tok] = ti
	st.srv.red.Add(tok)
}

// mustAdd runs add under the store's lock and returns the new object's ID;
// an error panics with the method's name (a seeding mistake is the
// caller's bug, as with httptest).
func mustAdd(s *Server, method string, add func() (string, error)) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := add()
	if err != nil {
		panic("metaleadstest: " + method + ": " + err.Error())
	}
	return id
}

// assignID makes up *id when it is empty and refuses an invalid or taken
// one; what names the kind of object in the error.
func (st *store) assignID(id *string, what string) error {
	if *id == "" {
		*id = st.newID()
	}
	if !validID(*id) {
		return fmt.Errorf("invalid %s ID %q", what, *id)
	}
	if st.exists(*id) {
		return fmt.Errorf("object %s already exists", *id)
	}
	return nil
}

// exists reports whether id names any object, to refuse duplicates.
func (st *store) exists(id string) bool {
	if _, ok := st.pages[id]; ok {
		return true
	}
	if _, ok := st.forms[id]; ok {
		return true
	}
	if _, ok := st.leadForm[id]; ok {
		return true
	}
	if _, ok := st.accounts[id]; ok {
		return true
	}
	if _, ok := st.campaigns[id]; ok {
		return true
	}
	if _, ok := st.adsets[id]; ok {
		return true
	}
	_, ok := st.ads[id]
	return ok
}

func validID(id string) bool {
	if id == "" || strings.ContainsAny(id, "/?#&= \t\r\n") {
		return false
	}
	return true
}

// AddPage seeds a Page and returns its ID. It panics on a duplicate or
// malformed ID.
func (s *Server) AddPage(p Page) string {
	return mustAdd(s, "AddPage", func() (string, error) { return s.st.addPage(p) })
}

func (st *store) addPage(p Page) (string, error) {
	if err := st.assignID(&p.ID, "page"); err != nil {
		return "", err
	}
	if p.Name == "" {
		p.Name = "Page " + p.ID
	}
	if p.Category == "" {
		p.Category = "Education"
	}
	if p.AccessToken == "" {
		p.AccessToken = "fake-page-token-" + p.ID + "-" + randomSuffix()
	}
	if ti, ok := st.tokens[p.AccessToken]; ok && ti.kind != noToken {
		return "", fmt.Errorf("token already in use")
	}
	st.pages[p.ID] = &pageRec{Page: p}
	st.pageOrder = append(st.pageOrder, p.ID)
	st.addToken(p.AccessToken, tokenInfo{kind: pageToken, pageID: p.ID, issued: st.srv.now()})
	return p.ID, nil
}

// PageTokenFor returns the Page token of a seeded Page, or "" if unknown.
func (s *Server) PageTokenFor(pageID string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if p, ok := s.st.pages[pageID]; ok {
		return p.AccessToken
	}
	return ""
}

// AddForm seeds a lead form on a Page and returns its ID (made up when f.ID
// is empty). LeadsCount and OrganicLeadsCount are computed from the seeded
// leads; Status defaults to ACTIVE, Locale to EN_US, CreatedTime to now. It
// panics if the Page is unknown or the ID taken.
func (s *Server) AddForm(pageID string, f metaleads.Form) string {
	return mustAdd(s, "AddForm", func() (string, error) { return s.st.addForm(pageID, f, nil) })
}

func (st *store) addForm(pageID string, f metaleads.Form, syn *synthetic) (string, error) {
	if _, ok := st.pages[pageID]; !ok {
		return "", fmt.Errorf("unknown page %q", pageID)
	}
	if err := st.assignID(&f.ID, "form"); err != nil {
		return "", err
	}
	if f.Name == "" {
		f.Name = "Form " + f.ID
	}
	if f.Status == "" {
		f.Status = "ACTIVE"
	}
	if f.Locale == "" {
		f.Locale = "EN_US"
	}
	if f.CreatedTime.IsZero() {
		f.CreatedTime = st.srv.now()
	}
	f.PageID = pageID
	f.Questions = slices.Clone(f.Questions)
	for i := range f.Questions {
		if f.Questions[i].ID == "" {
			f.Questions[i].ID = st.newID()
		}
	}
	st.forms[f.ID] = &formRec{form: f, pageID: pageID, syn: syn, seq: len(st.formOrder)}
	st.formOrder = append(st.formOrder, f.ID)
	return f.ID, nil
}

// AddLead seeds a lead on a form and returns its ID (made up when l.ID is
// empty). CreatedTime defaults to now. When l.AdID names a seeded ad, empty
// ad, ad set and campaign names and IDs are filled in from it. It panics if
// the form is unknown or synthetic, or the ID is taken.
func (s *Server) AddLead(formID string, l metaleads.Lead) string {
	return mustAdd(s, "AddLead", func() (string, error) { return s.st.addLead(formID, l) })
}

func (st *store) addLead(formID string, l metaleads.Lead) (string, error) {
	f, ok := st.forms[formID]
	if !ok {
		return "", fmt.Errorf("unknown form %q", formID)
	}
	if f.syn != nil {
		return "", fmt.Errorf("form %s is synthetic", formID)
	}
	if err := st.assignID(&l.ID, "lead"); err != nil {
		return "", err
	}
	if l.CreatedTime.IsZero() {
		l.CreatedTime = st.srv.now()
	}
	l.CreatedTime = l.CreatedTime.UTC().Truncate(time.Second)
	l.FormID = formID
	l.Fields = cloneFields(l.Fields)
	l.DisclaimerAnswers = slices.Clone(l.DisclaimerAnswers)
	st.fillAd(&l)
	rec := leadRec{lead: l, unix: l.CreatedTime.Unix()}
	i, _ := slices.BinarySearchFunc(f.leads, rec, func(a, b leadRec) int {
		return compareKey(a.unix, a.lead.ID, b.unix, b.lead.ID)
	})
	f.leads = slices.Insert(f.leads, i, rec)
	st.leadForm[l.ID] = formID
	return l.ID, nil
}

func cloneFields(fs []metaleads.Field) []metaleads.Field {
	out := make([]metaleads.Field, len(fs))
	for i, f := range fs {
		out[i] = metaleads.Field{Name: f.Name, Values: slices.Clone(f.Values)}
	}
	return out
}

func (st *store) fillAd(l *metaleads.Lead) {
	ad, ok := st.ads[l.AdID]
	if !ok {
		return
	}
	if l.AdName == "" {
		l.AdName = ad.Name
	}
	as, ok := st.adsets[ad.AdSetID]
	if !ok {
		return
	}
	if l.AdSetID == "" {
		l.AdSetID, l.AdSetName = as.ID, as.Name
	}
	c, ok := st.campaigns[as.CampaignID]
	if !ok {
		return
	}
	if l.CampaignID == "" {
		l.CampaignID, l.CampaignName = c.ID, c.Name
	}
}

// RemoveLead deletes a seeded lead, as DELETE /{lead-id} would; cursors that
// pointed at it keep working (they are keyed by creation time and ID). It
// reports whether the lead existed.
func (s *Server) RemoveLead(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	formID, ok := s.st.leadForm[id]
	if !ok {
		return false
	}
	f := s.st.forms[formID]
	f.leads = slices.DeleteFunc(f.leads, func(r leadRec) bool { return r.lead.ID == id })
	delete(s.st.leadForm, id)
	return true
}

// AddAdAccount seeds an ad account and returns its "act_" ID. It panics on a
// duplicate ID.
func (s *Server) AddAdAccount(a AdAccount) string {
	return mustAdd(s, "AddAdAccount", func() (string, error) { return s.st.addAdAccount(a) })
}

func (st *store) addAdAccount(a AdAccount) (string, error) {
	if a.ID == "" {
		a.ID = st.newID()
	}
	if !strings.HasPrefix(a.ID, "act_") {
		a.ID = "act_" + a.ID
	}
	if !validID(a.ID) {
		return "", fmt.Errorf("invalid ad account ID %q", a.ID)
	}
	if st.exists(a.ID) {
		return "", fmt.Errorf("object %s already exists", a.ID)
	}
	if a.Currency == "" {
		a.Currency = "USD"
	}
	if a.TimeZone == "" {
		a.TimeZone = "Etc/UTC"
	}
	if a.Name == "" {
		a.Name = "Ad account " + strings.TrimPrefix(a.ID, "act_")
	}
	st.accounts[a.ID] = &a
	st.acctOrder = append(st.acctOrder, a.ID)
	return a.ID, nil
}

// AddCampaign seeds a campaign of a seeded ad account and returns its ID.
func (s *Server) AddCampaign(c Campaign) string {
	return mustAdd(s, "AddCampaign", func() (string, error) { return s.st.addCampaign(c) })
}

func (st *store) addCampaign(c Campaign) (string, error) {
	if c.AccountID != "" && !strings.HasPrefix(c.AccountID, "act_") {
		c.AccountID = "act_" + c.AccountID
	}
	if _, ok := st.accounts[c.AccountID]; !ok {
		return "", fmt.Errorf("unknown ad account %q", c.AccountID)
	}
	if err := st.assignID(&c.ID, "campaign"); err != nil {
		return "", err
	}
	if c.Name == "" {
		c.Name = "Campaign " + c.ID
	}
	st.campaigns[c.ID] = &c
	return c.ID, nil
}

// AddAdSet seeds an ad set of a seeded campaign and returns its ID.
func (s *Server) AddAdSet(a AdSet) string {
	return mustAdd(s, "AddAdSet", func() (string, error) { return s.st.addAdSet(a) })
}

func (st *store) addAdSet(a AdSet) (string, error) {
	if _, ok := st.campaigns[a.CampaignID]; !ok {
		return "", fmt.Errorf("unknown campaign %q", a.CampaignID)
	}
	if err := st.assignID(&a.ID, "ad set"); err != nil {
		return "", err
	}
	if a.Name == "" {
		a.Name = "Ad set " + a.ID
	}
	st.adsets[a.ID] = &a
	return a.ID, nil
}

// AddAd seeds an ad of a seeded ad set and returns its ID.
func (s *Server) AddAd(a Ad) string {
	return mustAdd(s, "AddAd", func() (string, error) { return s.st.addAd(a) })
}

func (st *store) addAd(a Ad) (string, error) {
	if _, ok := st.adsets[a.AdSetID]; !ok {
		return "", fmt.Errorf("unknown ad set %q", a.AdSetID)
	}
	if err := st.assignID(&a.ID, "ad"); err != nil {
		return "", err
	}
	if a.Name == "" {
		a.Name = "Ad " + a.ID
	}
	st.ads[a.ID] = &a
	return a.ID, nil
}

// AddInsightsRow seeds one day of delivery of a seeded ad. Rows for the same
// ad and day add up.
func (s *Server) AddInsightsRow(r InsightsRow) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.st.addRow(r); err != nil {
		panic("metaleadstest: AddInsightsRow: " + err.Error())
	}
}

func (st *store) addRow(r InsightsRow) error {
	if _, ok := st.ads[r.AdID]; !ok {
		return fmt.Errorf("unknown ad %q", r.AdID)
	}
	if r.Date.IsZero() {
		return fmt.Errorf("zero date")
	}
	if r.Spend.IsNegative() || r.Impressions < 0 || r.Clicks < 0 || r.Leads < 0 || r.Reach < 0 {
		return fmt.Errorf("negative value")
	}
	r.Date = dayOf(r.Date)
	st.rows = append(st.rows, r)
	return nil
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ExpireToken makes token fail from now on with Graph error 190/463 (session
// expired), as a real token does after a password change or expiry. It
// reports whether the token was known.
func (s *Server) ExpireToken(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ti, ok := s.st.tokens[token]
	if !ok {
		return false
	}
	ti.expired = true
	s.st.tokens[token] = ti
	return true
}

// compareKey orders (unix, id) pairs ascending: by time, then by ID compared
// numerically for numeric IDs (shorter first) and bytewise otherwise.
func compareKey(au int64, aid string, bu int64, bid string) int {
	switch {
	case au < bu:
		return -1
	case au > bu:
		return 1
	}
	if len(aid) != len(bid) {
		if len(aid) < len(bid) {
			return -1
		}
		return 1
	}
	return strings.Compare(aid, bid)
}
