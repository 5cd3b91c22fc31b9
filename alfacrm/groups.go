package alfacrm

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// GroupMembership is a customer's place in a group (a cgi row:
// customer-group-item). Dates are in the client's Location.
type GroupMembership struct {
	ID         int // row id
	CustomerID int // the member
	GroupID    int // the group
	// BeginDate and EndDate bound the membership (b_date and e_date); zero
	// when unset.
	BeginDate time.Time
	EndDate   time.Time // e_date
}

type wireGroupMembership struct {
	ID         flexInt  `json:"id"`
	CustomerID flexInt  `json:"customer_id"`
	GroupID    flexInt  `json:"group_id"`
	BDate      flexDate `json:"b_date"`
	EDate      flexDate `json:"e_date"`
}

func (c *Client) groupSpec(customerID int) *listSpec[wireGroupMembership, GroupMembership] {
	cl := c.branchCall("cgi", "index")
	// The parent id must be in the query: AlfaCRM reads it only there.
	cl.query = url.Values{"customer_id": {strconv.Itoa(customerID)}}
	return &listSpec[wireGroupMembership, GroupMembership]{
		call:    cl,
		filters: map[string]any{},
		conv: func(w *wireGroupMembership) (GroupMembership, bool, error) {
			g := GroupMembership{
				ID:         int(w.ID),
				CustomerID: int(w.CustomerID),
				GroupID:    int(w.GroupID),
				BeginDate:  w.BDate.time(c.loc),
				EndDate:    w.EDate.time(c.loc),
			}
			return g, g.CustomerID == 0 || g.CustomerID == customerID, nil
		},
		id: func(w *wireGroupMembership) int { return int(w.ID) },
	}
}

// CustomerGroupsPage fetches one page (0-based) of a customer's group
// memberships (cgi/index?customer_id=). Records of other customers, should
// the server return any, are dropped.
func (c *Client) CustomerGroupsPage(ctx context.Context, customerID, page int) (Page[GroupMembership], error) {
	if customerID <= 0 {
		return Page[GroupMembership]{}, fmt.Errorf("alfacrm: CustomerGroupsPage: customer id must be positive, got %d", customerID)
	}
	return getPage(ctx, c, c.groupSpec(customerID), page)
}

// CustomerGroups returns all of a customer's group memberships
// (cgi/index?customer_id=), de-duplicated by id. AlfaCRM mostly returns
// current memberships. Records of other customers, should the server return
// any, are dropped.
func (c *Client) CustomerGroups(ctx context.Context, customerID int) ([]GroupMembership, error) {
	if customerID <= 0 {
		return nil, fmt.Errorf("alfacrm: CustomerGroups: customer id must be positive, got %d", customerID)
	}
	var out []GroupMembership
	seen := map[int]bool{}
	for g, err := range iterate(ctx, c, c.groupSpec(customerID)) {
		if err != nil {
			return nil, err
		}
		if g.ID != 0 {
			if seen[g.ID] {
				continue
			}
			seen[g.ID] = true
		}
		out = append(out, g)
	}
	return out, nil
}
