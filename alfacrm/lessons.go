package alfacrm

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"time"

	"github.com/shopspring/decimal"
)

// LessonStatus is a lesson's state.
type LessonStatus int

// Lesson states. lesson/index returns conducted lessons only unless a
// status is asked for.
const (
	LessonPlanned   LessonStatus = 1
	LessonCancelled LessonStatus = 2
	LessonConducted LessonStatus = 3
)

// String returns "planned", "cancelled", "conducted" or the number.
func (s LessonStatus) String() string {
	switch s {
	case LessonPlanned:
		return "planned"
	case LessonCancelled:
		return "cancelled"
	case LessonConducted:
		return "conducted"
	}
	return fmt.Sprintf("LessonStatus(%d)", int(s))
}

// Lesson is a lesson/index record with its attendance. Dates are in the
// client's Location.
type Lesson struct {
	ID           int          // lesson id
	BranchID     int          // branch
	Date         time.Time    // lesson day (midnight)
	TimeFrom     time.Time    // start
	TimeTo       time.Time    // end
	Status       LessonStatus // planned, cancelled or conducted
	LessonTypeID int          // lesson type (per account: individual, group, trial...)
	SubjectID    int          // subject id
	RoomID       int          // room id
	TeacherIDs   []int        // teachers by id
	TeacherNames []string     // teachers sent by name
	// CustomerIDs lists the students of individual lessons; group lessons
	// list theirs in Details.
	CustomerIDs []int
	GroupIDs    []int  // groups
	RegularID   int    // regular-lesson template, 0 for one-off lessons
	Topic       string // lesson topic
	Note        string // free-text note
	// Details is the attendance: one entry per student.
	Details []Attendance
}

// Attendance is one student's record on a lesson (a details[] entry).
type Attendance struct {
	// ID is the detail row's id, not the customer's.
	ID         int
	CustomerID int  // the student
	IsAttend   bool // whether the student attended
	// ReasonID is the absence or removal reason, 0 when none.
	ReasonID int
	// Commission is the amount charged to the student for the lesson.
	Commission decimal.Decimal
}

type wireAttendance struct {
	ID         flexInt   `json:"id"`
	CustomerID flexInt   `json:"customer_id"`
	IsAttend   flexBool  `json:"is_attend"`
	ReasonID   flexInt   `json:"reason_id"`
	Commission flexMoney `json:"commission"`
}

type wireLesson struct {
	ID           flexInt          `json:"id"`
	BranchID     flexInt          `json:"branch_id"`
	Date         flexDate         `json:"date"`
	TimeFrom     flexDate         `json:"time_from"`
	TimeTo       flexDate         `json:"time_to"`
	Status       flexInt          `json:"status"`
	LessonTypeID flexInt          `json:"lesson_type_id"`
	SubjectID    flexInt          `json:"subject_id"`
	RoomID       flexInt          `json:"room_id"`
	TeacherIDs   teacherList      `json:"teacher_ids"`
	CustomerIDs  flexInts         `json:"customer_ids"`
	GroupIDs     flexInts         `json:"group_ids"`
	RegularID    flexInt          `json:"regular_id"`
	Topic        flexString       `json:"topic"`
	Note         flexString       `json:"note"`
	Details      []wireAttendance `json:"details"`
}

func (w *wireLesson) lesson(loc *time.Location) Lesson {
	l := Lesson{
		ID:           int(w.ID),
		BranchID:     int(w.BranchID),
		Date:         w.Date.time(loc),
		TimeFrom:     w.TimeFrom.time(loc),
		TimeTo:       w.TimeTo.time(loc),
		Status:       LessonStatus(w.Status),
		LessonTypeID: int(w.LessonTypeID),
		SubjectID:    int(w.SubjectID),
		RoomID:       int(w.RoomID),
		TeacherIDs:   w.TeacherIDs.ids,
		TeacherNames: w.TeacherIDs.names,
		CustomerIDs:  w.CustomerIDs,
		GroupIDs:     w.GroupIDs,
		RegularID:    int(w.RegularID),
		Topic:        string(w.Topic),
		Note:         string(w.Note),
	}
	if l.Date.IsZero() && !l.TimeFrom.IsZero() {
		y, m, d := l.TimeFrom.Date()
		l.Date = time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	if len(w.Details) > 0 {
		l.Details = make([]Attendance, len(w.Details))
		for i, d := range w.Details {
			l.Details[i] = Attendance{
				ID:         int(d.ID),
				CustomerID: int(d.CustomerID),
				IsAttend:   bool(d.IsAttend),
				ReasonID:   int(d.ReasonID),
				Commission: d.Commission.d,
			}
		}
	}
	return l
}

// LessonQuery filters lesson/index. Zero fields are not sent.
type LessonQuery struct {
	CustomerID int // lessons with this student
	// DateFrom and DateTo bound the lesson date (date_from, date_to,
	// YYYY-MM-DD in the client's Location), inclusive.
	DateFrom, DateTo time.Time
	// Status selects lessons by state; 0 sends nothing, which AlfaCRM
	// answers with conducted lessons only.
	Status    LessonStatus
	GroupID   int // lessons of this group
	TeacherID int // lessons of this teacher
	SubjectID int // lessons of this subject
	// PageSize is the page size to ask for; 0 means DefaultPageSize.
	PageSize int
	// Extra holds further filters sent verbatim.
	Extra map[string]any
}

func (c *Client) lessonSpec(q LessonQuery) *listSpec[wireLesson, Lesson] {
	f := map[string]any{}
	setInt := func(k string, v int) {
		if v != 0 {
			f[k] = v
		}
	}
	setInt("customer_id", q.CustomerID)
	setInt("status", int(q.Status))
	setInt("group_id", q.GroupID)
	setInt("teacher_id", q.TeacherID)
	setInt("subject_id", q.SubjectID)
	if !q.DateFrom.IsZero() {
		f["date_from"] = formatISODate(q.DateFrom, c.loc)
	}
	if !q.DateTo.IsZero() {
		f["date_to"] = formatISODate(q.DateTo, c.loc)
	}
	maps.Copy(f, q.Extra)
	return &listSpec[wireLesson, Lesson]{
		call:     c.branchCall("lesson", "index"),
		filters:  f,
		pageSize: q.PageSize,
		conv: func(w *wireLesson) (Lesson, bool, error) {
			return w.lesson(c.loc), true, nil
		},
		id: func(w *wireLesson) int { return int(w.ID) },
	}
}

// LessonsPage fetches one page (0-based) of lesson/index, with attendance.
func (c *Client) LessonsPage(ctx context.Context, q LessonQuery, page int) (Page[Lesson], error) {
	return getPage(ctx, c, c.lessonSpec(q), page)
}

// Lessons iterates over every lesson matching q. An error is yielded once
// and ends the iteration.
func (c *Client) Lessons(ctx context.Context, q LessonQuery) iter.Seq2[Lesson, error] {
	return iterate(ctx, c, c.lessonSpec(q))
}

// AttendanceSummary counts a customer's conducted lessons.
type AttendanceSummary struct {
	// Attended counts lessons the customer attended.
	Attended int
	// Missed counts lessons the customer was on but did not attend
	// (is_attend 0, excused or not).
	Missed int
	// LastAttended is the date of the latest attended lesson; zero when
	// Attended is 0.
	LastAttended time.Time
}

// Attendance summarises a customer's attendance of conducted lessons dated
// from..to (inclusive calendar days in the client's Location; a zero bound
// is open). It reads lesson/index with customer_id, status 3 and the date
// window, and counts each lesson once, by the customer's entry in its
// details; lessons without such an entry, or not conducted, are skipped.
func (c *Client) Attendance(ctx context.Context, customerID int, from, to time.Time) (AttendanceSummary, error) {
	if customerID <= 0 {
		return AttendanceSummary{}, fmt.Errorf("alfacrm: Attendance: customer id must be positive, got %d", customerID)
	}
	lo, hi := dayRange(from, to, c.loc)
	var s AttendanceSummary
	seen := map[int]bool{}
	q := LessonQuery{CustomerID: customerID, Status: LessonConducted, DateFrom: from, DateTo: to}
	for l, err := range c.Lessons(ctx, q) {
		if err != nil {
			return AttendanceSummary{}, err
		}
		if l.Status != LessonConducted || !inDays(l.Date, lo, hi) {
			continue
		}
		if l.ID != 0 {
			if seen[l.ID] {
				continue
			}
			seen[l.ID] = true
		}
		for _, d := range l.Details {
			if d.CustomerID != customerID {
				continue
			}
			if d.IsAttend {
				s.Attended++
				if l.Date.After(s.LastAttended) {
					s.LastAttended = l.Date
				}
			} else {
				s.Missed++
			}
			break
		}
	}
	return s, nil
}
