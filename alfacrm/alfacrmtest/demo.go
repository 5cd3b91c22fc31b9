package alfacrmtest

import (
	"fmt"
	"slices"
	"time"

	"github.com/ecademy/leadkit/internal/demo"
)

// loadDemo seeds the demo school d (read only). The server's branch
// becomes the demo's first branch; its dictionaries replace the defaults.
func (s *Server) loadDemo(d *demo.Dataset) error {
	if len(d.Branches) == 0 {
		return fmt.Errorf("alfacrmtest: the demo data set has no branch")
	}
	st := s.st
	st.mu.Lock()
	st.dicts[kindBranch] = nil
	st.mu.Unlock()
	for _, dict := range []struct {
		k  dictKind
		es []demo.Dict
	}{
		{kindBranch, d.Branches}, {kindStudyStatus, d.StudyStatuses}, {kindLeadStatus, d.LeadStatuses},
		{kindLeadSource, d.LeadSources}, {kindPayType, d.PayTypes}, {kindSubject, d.Subjects},
	} {
		for _, e := range dict.es {
			st.addDict(dict.k, e.ID, e.Name)
		}
	}
	s.BranchID = d.Branches[0].ID

	teacherName := map[int]string{}
	for _, t := range d.Teachers {
		teacherName[t.ID] = t.Name
	}
	groupBranch := map[int]int{}
	teachersOf := map[int][]string{} // customer → teacher names of their groups
	for _, g := range d.Groups {
		groupBranch[g.ID] = g.BranchID
		for _, cid := range g.CustomerIDs {
			for _, t := range g.TeacherIDs {
				if n := teacherName[t]; n != "" && !slices.Contains(teachersOf[cid], n) {
					teachersOf[cid] = append(teachersOf[cid], n)
				}
			}
		}
	}

	names := map[int]string{}
	branchOf := map[int]int{}
	for _, c := range d.Customers {
		names[c.ID] = c.Name
		if len(c.BranchIDs) > 0 {
			branchOf[c.ID] = c.BranchIDs[0]
		}
		st.addCustomer(Customer{
			ID: c.ID, BranchIDs: c.BranchIDs, Name: c.Name, IsStudy: c.IsStudy, Removed: c.Removed,
			StudyStatusID: c.StudyStatusID, LeadStatusID: c.LeadStatusID, LeadSourceID: c.LeadSourceID,
			LegalType: 1, LegalName: c.Name, Balance: c.Balance, Phones: c.Phones, Emails: c.Emails,
			TeacherNames: teachersOf[c.ID], Custom: c.Custom, CreatedAt: c.CreatedAt,
		}, s.BranchID, c.CreatedAt)
	}
	for _, p := range d.Payments {
		// Entered during the working day of the document date.
		created := p.Date.Add(9*time.Hour + time.Duration(p.ID*7919%(9*3600))*time.Second)
		st.addPayment(Payment{
			ID: p.ID, BranchID: branchOf[p.CustomerID], CustomerID: p.CustomerID, PayTypeID: p.PayTypeID,
			Date: p.Date, Sum: p.Sum, PayerName: names[p.CustomerID], Note: p.Note, CreatedAt: created,
		}, s.BranchID)
	}

	reasons := map[string]int{}
	type span struct{ from, to time.Time }
	member := map[[2]int]span{} // (group, customer) → first and last lesson
	for _, l := range d.Lessons {
		from, err := clockOn(l.Date, l.TimeFrom)
		if err != nil {
			return err
		}
		to, err := clockOn(l.Date, l.TimeTo)
		if err != nil {
			return err
		}
		les := Lesson{
			ID: l.ID, Start: from, Duration: to.Sub(from), Status: l.Status, LessonTypeID: 2,
			SubjectID: l.SubjectID, TeacherIDs: l.TeacherIDs, GroupIDs: l.GroupIDs,
		}
		if len(l.GroupIDs) > 0 {
			les.BranchID = groupBranch[l.GroupIDs[0]]
		}
		for _, a := range l.Details {
			rid := 0
			if a.Reason != "" {
				if rid = reasons[a.Reason]; rid == 0 {
					rid = len(reasons) + 1
					reasons[a.Reason] = rid
				}
			}
			les.Details = append(les.Details, Attendance{CustomerID: a.CustomerID, Attended: a.IsAttend, ReasonID: rid})
			for _, g := range l.GroupIDs {
				k := [2]int{g, a.CustomerID}
				sp, ok := member[k]
				if !ok || l.Date.Before(sp.from) {
					sp.from = l.Date
				}
				if l.Date.After(sp.to) {
					sp.to = l.Date
				}
				member[k] = sp
			}
		}
		st.addLesson(les, s.BranchID)
	}
	for _, g := range d.Groups {
		for _, cid := range g.CustomerIDs {
			sp := member[[2]int{g.ID, cid}]
			s.AddGroupMembership(GroupMembership{CustomerID: cid, GroupID: g.ID, Begin: sp.from, End: sp.to})
		}
	}
	return nil
}

// clockOn returns day at the wall-clock time hh:mm.
func clockOn(day time.Time, hhmm string) (time.Time, error) {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		return time.Time{}, fmt.Errorf("alfacrmtest: demo lesson time %q: %v", hhmm, err)
	}
	y, m, d := day.Date()
	return time.Date(y, m, d, t.Hour(), t.Minute(), 0, 0, day.Location()), nil
}
