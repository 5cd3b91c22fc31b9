package alfacrmtest

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Communication is a note of a contact (a call, a message, a meeting)
// attached to a customer, a group or a task, as served by
// communication/index.
//
// communication/index takes its parent from the query string only:
// ?class=Customer|Group|Task&related_id=N. Parent ids in the body are
// ignored, and without both query parameters the list is empty. Records
// are ordered by id and served as {id, type_id, class, related_id,
// user_id, added ("YYYY-MM-DD HH:MM:SS" wall-clock time), comment}.
type Communication struct {
	// ID is the row id; 0 in AddCommunication picks the next free id.
	ID int
	// Class is the parent's kind: "Customer", "Group" or "Task"; "" means
	// "Customer".
	Class string
	// RelatedID is the parent's id.
	RelatedID int
	// TypeID is the communication type (per instance: call, message...);
	// 0 is served as null.
	TypeID int
	// UserID is the CRM user who recorded it; 0 is served as null.
	UserID int
	// Added is when it was recorded; zero in AddCommunication means the
	// server clock.
	Added time.Time
	// Comment is free text.
	Comment string
}

// AddCommunication seeds a communication and returns its id.
func (s *Server) AddCommunication(c Communication) int {
	if c.Class == "" {
		c.Class = "Customer"
	}
	if c.Added.IsZero() {
		c.Added = s.now()
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	c.ID = nextID(&s.st.next.comm, c.ID)
	s.st.comms = append(s.st.comms, c)
	return c.ID
}

// Communications returns every stored communication, by id.
func (s *Server) Communications() []Communication {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := make([]Communication, len(s.st.comms))
	copy(out, s.st.comms)
	sortByID(out)
	return out
}

func sortByID(cs []Communication) {
	slices.SortStableFunc(cs, func(a, b Communication) int { return a.ID - b.ID })
}

// communicationIndex serves communication/index: the parent (class and
// related_id) comes from the query string only, as in the real API.
func (s *Server) communicationIndex(c call) response {
	class := c.query.Get("class")
	id, ok := parentID(c, "related_id")
	s.st.mu.RLock()
	var hits []Communication
	if ok && id > 0 && class != "" {
		for _, m := range s.st.comms {
			if m.RelatedID == id && strings.EqualFold(m.Class, class) {
				hits = append(hits, m)
			}
		}
	}
	s.st.mu.RUnlock()
	sortByID(hits)
	loc := s.cfg.loc
	return s.paged(c, len(hits), func(i int) json.RawMessage {
		m := hits[i]
		return marshal(struct {
			ID        int     `json:"id"`
			TypeID    nullInt `json:"type_id"`
			Class     string  `json:"class"`
			RelatedID int     `json:"related_id"`
			UserID    nullInt `json:"user_id"`
			Added     string  `json:"added"`
			Comment   string  `json:"comment"`
		}{m.ID, nullInt(m.TypeID), m.Class, m.RelatedID, nullInt(m.UserID), fmtTime(m.Added, loc, layoutDateTime), m.Comment})
	})
}
