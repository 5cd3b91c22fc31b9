package alfacrm

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// CommunicationClass is the kind of record a communication is attached to.
type CommunicationClass string

// The classes AlfaCRM accepts in communication/index.
const (
	CommunicationCustomer CommunicationClass = "Customer"
	CommunicationGroup    CommunicationClass = "Group"
	CommunicationTask     CommunicationClass = "Task"
)

// normalize returns the canonical spelling of a known class (matched
// without regard to case), or ok=false.
func (k CommunicationClass) normalize() (CommunicationClass, bool) {
	for _, known := range []CommunicationClass{CommunicationCustomer, CommunicationGroup, CommunicationTask} {
		if strings.EqualFold(strings.TrimSpace(string(k)), string(known)) {
			return known, true
		}
	}
	return "", false
}

// Communication is a note of a contact with a customer, a group or a task
// (a call, a message, a meeting): a communication/index record. Unknown
// fields are ignored; Added is in the client's Location.
type Communication struct {
	ID int // row id
	// Class and RelatedID name the record it is attached to.
	Class     CommunicationClass
	RelatedID int // id of the customer, group or task
	// TypeID is the communication type (a per-instance dictionary: call,
	// message...); 0 when unset.
	TypeID int
	// UserID is the CRM user who recorded it; 0 when unset.
	UserID int
	// Added is when it was recorded (added; some instances are expected to
	// send date or created_at instead); zero when unset.
	Added time.Time
	// Comment is the free-text note (may contain new lines).
	Comment string
	// Custom holds custom fields (custom_<code>), as in Customer.Custom;
	// nil when there are none.
	Custom map[string]string
}

// wireCommunication is a communication/index item as AlfaCRM sends it.
type wireCommunication struct {
	ID           flexInt    `json:"id"`
	TypeID       flexInt    `json:"type_id"`
	Class        flexString `json:"class"`
	RelatedClass flexString `json:"related_class"`
	RelatedID    flexInt    `json:"related_id"`
	UserID       flexInt    `json:"user_id"`
	Added        flexDate   `json:"added"`
	Date         flexDate   `json:"date"`
	CreatedAt    flexDate   `json:"created_at"`
	Comment      flexString `json:"comment"`

	custom map[string]string
}

func (w *wireCommunication) UnmarshalJSON(b []byte) error {
	type plain wireCommunication
	if err := json.Unmarshal(b, (*plain)(w)); err != nil {
		return err
	}
	custom, err := customFields(b)
	w.custom = custom
	return err
}

func (w *wireCommunication) communication(loc *time.Location) Communication {
	class := CommunicationClass(trimSpace(string(w.Class)))
	if class == "" {
		class = CommunicationClass(trimSpace(string(w.RelatedClass)))
	}
	if known, ok := class.normalize(); ok {
		class = known
	}
	added := w.Added
	if !added.set {
		added = w.Date
	}
	if !added.set {
		added = w.CreatedAt
	}
	return Communication{
		ID:        int(w.ID),
		Class:     class,
		RelatedID: int(w.RelatedID),
		TypeID:    int(w.TypeID),
		UserID:    int(w.UserID),
		Added:     added.time(loc),
		Comment:   string(w.Comment),
		Custom:    w.custom,
	}
}

func (c *Client) communicationSpec(class CommunicationClass, relatedID int) *listSpec[wireCommunication, Communication] {
	cl := c.branchCall("communication", "index")
	// The parent must be in the query: AlfaCRM reads it only there.
	cl.query = url.Values{"class": {string(class)}, "related_id": {strconv.Itoa(relatedID)}}
	return &listSpec[wireCommunication, Communication]{
		call:    cl,
		filters: map[string]any{},
		conv: func(w *wireCommunication) (Communication, bool, error) {
			m := w.communication(c.loc)
			// Drop records of another parent, should the server send any
			// (fields it leaves out are not held against the record).
			keep := (m.RelatedID == 0 || m.RelatedID == relatedID) && (m.Class == "" || m.Class == class)
			return m, keep, nil
		},
		id: func(w *wireCommunication) int { return int(w.ID) },
	}
}

// checkCommunicationArgs validates the parent of a communication list.
func checkCommunicationArgs(op string, class CommunicationClass, relatedID int) (CommunicationClass, error) {
	known, ok := class.normalize()
	if !ok {
		return "", fmt.Errorf("alfacrm: %s: class must be Customer, Group or Task, got %q", op, string(class))
	}
	if relatedID <= 0 {
		return "", fmt.Errorf("alfacrm: %s: related id must be positive, got %d", op, relatedID)
	}
	return known, nil
}

// CommunicationsPage fetches one page (0-based) of the communications
// attached to a customer, group or task
// (communication/index?class=...&related_id=...). class is matched without
// regard to case. Records of another parent, should the server return any,
// are dropped.
func (c *Client) CommunicationsPage(ctx context.Context, class CommunicationClass, relatedID, page int) (Page[Communication], error) {
	class, err := checkCommunicationArgs("CommunicationsPage", class, relatedID)
	if err != nil {
		return Page[Communication]{}, err
	}
	return getPage(ctx, c, c.communicationSpec(class, relatedID), page)
}

// Communications iterates over every communication attached to a customer,
// group or task (see CommunicationsPage). An error, an invalid class or id
// included, is yielded once and ends the iteration.
func (c *Client) Communications(ctx context.Context, class CommunicationClass, relatedID int) iter.Seq2[Communication, error] {
	class, err := checkCommunicationArgs("Communications", class, relatedID)
	if err != nil {
		return func(yield func(Communication, error) bool) { yield(Communication{}, err) }
	}
	return iterate(ctx, c, c.communicationSpec(class, relatedID))
}
