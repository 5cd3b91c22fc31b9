// Package daterange parses the date bounds people type on command lines and
// in configuration ("2026-04-01", "2026-04-01T09:30:00+03:00") into the
// half-open time windows the API clients filter on: from is inclusive, to is
// exclusive.
//
// A calendar day (YYYY-MM-DD) is always a whole day in the given location,
// from its midnight to the next midnight, so a day on which daylight saving
// time starts or ends lasts 23 or 25 hours. An RFC 3339 timestamp is an exact
// instant and is used as is.
package daterange

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// dayLayout is the calendar-day form.
const dayLayout = "2006-01-02"

// ErrEmptyRange reports bounds that leave no instant between them.
var ErrEmptyRange = errors.New("daterange: empty range")

// ParseDay parses s as a calendar day (YYYY-MM-DD), returning the start of that
// day in loc, or as an RFC 3339 timestamp, returning that instant (in its own
// offset; loc is not applied). Surrounding blanks are ignored.
func ParseDay(s string, loc *time.Location) (time.Time, error) {
	t, _, err := parse(s, loc)
	return t, err
}

// parse returns the parsed instant and whether s was a calendar day.
func parse(s string, loc *time.Location) (time.Time, bool, error) {
	if loc == nil {
		return time.Time{}, false, errors.New("daterange: nil location")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false, errors.New("daterange: empty date")
	}
	if len(s) == len(dayLayout) {
		d, err := time.Parse(dayLayout, s)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("daterange: %q is not a YYYY-MM-DD date: %w", s, err)
		}
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc), true, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("daterange: %q is neither YYYY-MM-DD nor an RFC 3339 timestamp (2006-01-02T15:04:05Z07:00)", s)
	}
	return t, false, nil
}

// Range parses a window's bounds. since is inclusive: a day means its first
// instant. until is inclusive for a day, so to is the start of the following
// day in loc (an exclusive bound); an RFC 3339 until is used as the exclusive
// bound itself. An empty bound leaves that side open and returns the zero
// time. Range fails with ErrEmptyRange when both bounds are set and from is
// not before to.
func Range(since, until string, loc *time.Location) (from, to time.Time, err error) {
	if loc == nil {
		return time.Time{}, time.Time{}, errors.New("daterange: nil location")
	}
	if strings.TrimSpace(since) != "" {
		if from, _, err = parse(since, loc); err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("since: %w", err)
		}
	}
	if strings.TrimSpace(until) != "" {
		var day bool
		if to, day, err = parse(until, loc); err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("until: %w", err)
		}
		if day {
			// Day+1 normalised by time.Date steps on the calendar, not by 24
			// hours, so the day after a daylight saving change still starts
			// at midnight.
			to = time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, loc)
		}
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return time.Time{}, time.Time{}, fmt.Errorf("%w: since %s is not before until %s", ErrEmptyRange,
			from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}
