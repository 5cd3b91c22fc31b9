package alfacrm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecademy/leadkit/internal/contact"
	"github.com/ecademy/leadkit/internal/transport"
)

// CustomerInput is the writable part of a customer card, for
// [Client.CreateCustomer], [Client.UpdateCustomer] and
// [Client.PatchCustomer].
//
// Zero fields are not sent, except that a create always sends name,
// is_study, legal_type (default 1) and branch_ids (default
// Config.BranchID). A nil slice is not sent; a non-nil empty slice is sent
// as [] (clearing the list). To send other fields, or to clear a string,
// use Extra.
type CustomerInput struct {
	Name string // full name; required on create
	// IsStudy makes the card a student (true) or a lead (false). Nil means
	// a lead on create and "unchanged" on update.
	IsStudy *bool
	// LegalType is 1 for a person, 2 for a legal entity; 0 means 1 on
	// create and "unchanged" on update.
	LegalType int
	LegalName string // payer (заказчик)
	// BranchIDs defaults to Config.BranchID on create.
	BranchIDs     []int
	Phones        []string // phones, sent as typed
	Emails        []string // e-mail addresses
	Web           []string // web pages
	Addr          []string // postal addresses
	LeadSourceID  int      // lead-source id
	LeadStatusID  int      // lead-status id
	StudyStatusID int      // study-status id
	AssignedID    int      // responsible manager id
	Note          string   // free-text note
	// DOB is sent as its calendar date (DD.MM.YYYY) as written, in its
	// own location.
	DOB time.Time
	// Custom sets custom fields by code, with or without the "custom_"
	// prefix. A value that is a JSON array or object (as Customer.Custom
	// keeps them) is sent as JSON; anything else as a string.
	Custom map[string]string
	// Extra holds further fields sent verbatim; it overrides the fields
	// above.
	Extra map[string]any
}

// Input returns the card's writable fields, for a read-modify-write.
func (cu Customer) Input() CustomerInput {
	return CustomerInput{
		Name:          cu.Name,
		IsStudy:       new(cu.IsStudy),
		LegalType:     cu.LegalType,
		LegalName:     cu.LegalName,
		BranchIDs:     slices.Clone(cu.BranchIDs),
		Phones:        slices.Clone(cu.Phones),
		Emails:        slices.Clone(cu.Emails),
		Web:           slices.Clone(cu.Web),
		Addr:          slices.Clone(cu.Addr),
		LeadSourceID:  cu.LeadSourceID,
		LeadStatusID:  cu.LeadStatusID,
		StudyStatusID: cu.StudyStatusID,
		AssignedID:    cu.AssignedID,
		Note:          cu.Note,
		DOB:           cu.DOB,
		Custom:        maps.Clone(cu.Custom),
	}
}

// body builds the JSON body of a create (create=true) or an update.
func (c *Client) customerBody(in CustomerInput, create bool) map[string]any {
	f := map[string]any{}
	if name := strings.TrimSpace(in.Name); name != "" {
		f["name"] = name
	}
	switch {
	case in.IsStudy != nil:
		f["is_study"] = boolInt(*in.IsStudy)
	case create:
		f["is_study"] = 0
	}
	switch {
	case in.LegalType != 0:
		f["legal_type"] = in.LegalType
	case create:
		f["legal_type"] = 1
	}
	switch {
	case in.BranchIDs != nil:
		f["branch_ids"] = in.BranchIDs
	case create:
		f["branch_ids"] = []int{c.branch}
	}
	setList := func(k string, v []string) {
		if v != nil {
			f[k] = v
		}
	}
	setList("phone", in.Phones)
	setList("email", in.Emails)
	setList("web", in.Web)
	setList("addr", in.Addr)
	setInt := func(k string, v int) {
		if v != 0 {
			f[k] = v
		}
	}
	setInt("lead_source_id", in.LeadSourceID)
	setInt("lead_status_id", in.LeadStatusID)
	setInt("study_status_id", in.StudyStatusID)
	setInt("assigned_id", in.AssignedID)
	if in.LegalName != "" {
		f["legal_name"] = in.LegalName
	}
	if in.Note != "" {
		f["note"] = in.Note
	}
	if !in.DOB.IsZero() {
		f["dob"] = in.DOB.Format("02.01.2006")
	}
	for k, v := range in.Custom {
		if !strings.HasPrefix(k, "custom_") {
			k = "custom_" + k
		}
		if t := strings.TrimSpace(v); len(t) > 1 && (t[0] == '[' || t[0] == '{') && json.Valid([]byte(t)) {
			f[k] = json.RawMessage(t)
		} else {
			f[k] = v
		}
	}
	maps.Copy(f, in.Extra)
	return f
}

// writeResult is the create/update response {"success","errors","model"}.
type writeResult struct {
	Success *flexBool       `json:"success"`
	Model   json.RawMessage `json:"model"`
	ID      flexInt         `json:"id"`
}

// decodeWrite reads a create/update response into a Customer: the model
// when present (its field types echo the request: ids may be strings), or
// at least the id.
func (c *Client) decodeWrite(op string, resp *transport.Response) (Customer, error) {
	if err := c.checkJSON(op, resp); err != nil {
		return Customer{}, err
	}
	var wr writeResult
	if err := json.Unmarshal(resp.Body, &wr); err != nil {
		return Customer{}, c.decodeError(op, resp, err)
	}
	var cu Customer
	if m := bytes.TrimSpace(wr.Model); len(m) > 0 && m[0] == '{' {
		var w wireCustomer
		if err := json.Unmarshal(m, &w); err != nil {
			return Customer{}, c.decodeError(op, resp, err)
		}
		cu = w.customer(c.loc)
	}
	if cu.ID == 0 {
		cu.ID = int(wr.ID)
	}
	if cu.ID == 0 {
		return Customer{}, invalid(op, resp.StatusCode, "write response without the record's id")
	}
	return cu, nil
}

// ambiguous reports whether a failed write may nevertheless have been
// applied: no response at all (timeout, reset) unless the caller's context
// ended first, or a gateway or server error.
func ambiguous(resp *transport.Response, err error) bool {
	if err != nil {
		var ae *Error
		return !errors.As(err, &ae) // a refused login never sent the write
	}
	switch resp.StatusCode {
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// CreateCustomer creates a card (POST customer/create) and returns it as the
// server echoes it (at least its ID). Name is required.
//
// A create is never blindly retried once it may have reached the server. If
// it fails ambiguously — no response (timeout, connection reset) or a
// 408/500/502/503/504 — the client first looks for the card: FindCustomers
// by each of the input's phones and e-mails, keeping cards with the same
// name (compared case-insensitively after collapsing blanks). If one is
// found it is returned with a nil error: the first attempt did create it. If
// none is found the create is sent once more. When the outcome stays unknown
// (the input has no phone or e-mail to look up, the lookup failed, or the
// second attempt failed ambiguously too) the error matches
// ErrUncertainCreate as well as the cause.
func (c *Client) CreateCustomer(ctx context.Context, in CustomerInput) (Customer, error) {
	const op = "customer/create"
	if strings.TrimSpace(in.Name) == "" {
		return Customer{}, errors.New("alfacrm: CreateCustomer: Name is required")
	}
	cl := c.branchCall("customer", "create")
	cl.body = c.customerBody(in, true)
	for attempt := 1; ; attempt++ {
		resp, err := c.do(ctx, cl)
		if err == nil && resp.StatusCode/100 == 2 {
			return c.decodeWrite(op, resp)
		}
		if err != nil && transport.NeverSent(err) {
			// Every attempt failed before the request left (dial, DNS, the
			// limiter): nothing can have been created, so no lookup is needed.
			return Customer{}, err
		}
		if !ambiguous(resp, err) {
			if err != nil {
				return Customer{}, err
			}
			return Customer{}, c.responseError(op, resp)
		}
		cause := err
		if cause == nil {
			cause = c.responseError(op, resp)
		}
		if ctx.Err() != nil {
			return Customer{}, uncertain(cause)
		}
		found, lerr := c.findCreated(ctx, in)
		switch {
		case lerr != nil:
			return Customer{}, uncertain(fmt.Errorf("%w (duplicate check failed: %w)", cause, lerr))
		case found != nil:
			return *found, nil
		case attempt >= 2:
			return Customer{}, uncertain(cause)
		}
	}
}

// uncertain wraps err so that it matches ErrUncertainCreate too.
func uncertain(err error) error {
	return &uncertainError{err: err}
}

type uncertainError struct{ err error }

func (e *uncertainError) Error() string {
	return "alfacrm: customer/create: the card may or may not have been created: " + strings.TrimPrefix(e.err.Error(), "alfacrm: ")
}
func (e *uncertainError) Unwrap() []error { return []error{ErrUncertainCreate, e.err} }

// errNoLookup: the input carries nothing to look a card up by.
var errNoLookup = errors.New("no phone or e-mail to look the card up by")

// findCreated looks for a card that an ambiguous create of in may have made.
func (c *Client) findCreated(ctx context.Context, in CustomerInput) (*Customer, error) {
	var queries []ContactQuery
	for _, p := range in.Phones {
		if _, ok := contact.Phone(p, c.region); ok {
			queries = append(queries, ContactQuery{Phone: p})
		}
	}
	for _, e := range in.Emails {
		if contact.Email(e) != "" {
			queries = append(queries, ContactQuery{Email: e})
		}
	}
	if len(queries) == 0 {
		return nil, errNoLookup
	}
	name := strings.ToLower(contact.Name(in.Name))
	for _, q := range queries {
		ms, err := c.FindCustomers(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if strings.ToLower(contact.Name(m.Customer.Name)) == name {
				return &m.Customer, nil
			}
		}
	}
	return nil, nil
}

// UpdateCustomer sends in to customer/update?id=. AlfaCRM may overwrite
// fields missing from the body (this is disputed), so send the whole card
// or use [Client.PatchCustomer]. Updates are not retried once they may
// have reached the server.
func (c *Client) UpdateCustomer(ctx context.Context, id int, in CustomerInput) (Customer, error) {
	const op = "customer/update"
	if id <= 0 {
		return Customer{}, fmt.Errorf("alfacrm: UpdateCustomer: id must be positive, got %d", id)
	}
	cl := c.branchCall("customer", "update")
	cl.query = url.Values{"id": {strconv.Itoa(id)}}
	cl.body = c.customerBody(in, false)
	resp, err := c.do(ctx, cl)
	if err != nil {
		return Customer{}, err
	}
	cu, err := c.decodeWrite(op, resp)
	if errors.Is(err, ErrInvalidResponse) && resp.StatusCode/100 == 2 {
		// {"success": true} without a model: the update was applied.
		var wr writeResult
		if json.Unmarshal(resp.Body, &wr) == nil && wr.Success != nil && bool(*wr.Success) {
			return Customer{ID: id}, nil
		}
	}
	return cu, err
}

// PatchCustomer is a read-modify-write: it reads the card (students, leads
// and archived cards alike), lets change edit its [Customer.Input], and
// sends the whole result with UpdateCustomer, so that fields the change
// does not touch are sent back unchanged. An error from change aborts
// without writing.
func (c *Client) PatchCustomer(ctx context.Context, id int, change func(*CustomerInput) error) (Customer, error) {
	if change == nil {
		return Customer{}, errors.New("alfacrm: PatchCustomer: change is nil")
	}
	cu, err := c.Customer(ctx, id)
	if err != nil {
		return Customer{}, err
	}
	in := cu.Input()
	if err := change(&in); err != nil {
		return Customer{}, err
	}
	return c.UpdateCustomer(ctx, id, in)
}
