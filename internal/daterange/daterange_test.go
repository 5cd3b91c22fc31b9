package daterange

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // the DST tests must run on machines without a zoneinfo database
)

func kyiv(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatalf("Europe/Kyiv: %v", err)
	}
	return loc
}

func TestParseDay(t *testing.T) {
	loc := kyiv(t)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-04-01", time.Date(2026, 4, 1, 0, 0, 0, 0, loc)},
		{" 2026-04-01 ", time.Date(2026, 4, 1, 0, 0, 0, 0, loc)},
		{"2026-04-01T09:30:00+03:00", time.Date(2026, 4, 1, 6, 30, 0, 0, time.UTC)},
		{"2026-04-01T06:30:00Z", time.Date(2026, 4, 1, 6, 30, 0, 0, time.UTC)},
		{"2026-04-01T06:30:00.25Z", time.Date(2026, 4, 1, 6, 30, 0, 250e6, time.UTC)},
	}
	for _, tc := range tests {
		got, err := ParseDay(tc.in, loc)
		if err != nil {
			t.Errorf("ParseDay(%q): %v", tc.in, err)
			continue
		}
		if !got.Equal(tc.want) {
			t.Errorf("ParseDay(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	// A day is midnight in loc, i.e. 21:00 UTC the day before in summer (UTC+3).
	got, _ := ParseDay("2026-07-15", loc)
	if want := time.Date(2026, 7, 14, 21, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("summer midnight = %v, want %v", got.UTC(), want)
	}
}

func TestParseDayErrors(t *testing.T) {
	for _, in := range []string{"", "  ", "2026-13-01", "2026-02-30", "01.04.2026", "2026-04-01 09:30", "2026-04-01T09:30:00", "yesterday"} {
		if _, err := ParseDay(in, time.UTC); err == nil {
			t.Errorf("ParseDay(%q): want error", in)
		}
	}
	if _, err := ParseDay("2026-04-01", nil); err == nil {
		t.Error("nil location: want error")
	}
}

func TestRangeDaysAreWholeAndInclusive(t *testing.T) {
	loc := kyiv(t)
	from, to, err := Range("2026-04-01", "2026-04-30", loc)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 4, 1, 0, 0, 0, 0, loc); !from.Equal(want) {
		t.Errorf("from = %v, want %v", from, want)
	}
	if want := time.Date(2026, 5, 1, 0, 0, 0, 0, loc); !to.Equal(want) {
		t.Errorf("to = %v, want %v", to, want)
	}
	// A single day.
	from, to, err = Range("2026-04-01", "2026-04-01", loc)
	if err != nil {
		t.Fatal(err)
	}
	if d := to.Sub(from); d != 24*time.Hour {
		t.Errorf("ordinary day lasts %v", d)
	}
}

func TestRangeDST(t *testing.T) {
	loc := kyiv(t)
	// 2026-03-29: clocks go from 03:00 EET to 04:00 EEST; the day has 23 hours.
	from, to, err := Range("2026-03-29", "2026-03-29", loc)
	if err != nil {
		t.Fatal(err)
	}
	if d := to.Sub(from); d != 23*time.Hour {
		t.Errorf("spring-forward day lasts %v, want 23h", d)
	}
	if to.Hour() != 0 || to.Day() != 30 {
		t.Errorf("to = %v, want midnight of the 30th", to)
	}
	// 2026-10-25: clocks go back from 04:00 EEST to 03:00 EET; 25 hours.
	from, to, err = Range("2026-10-25", "2026-10-25", loc)
	if err != nil {
		t.Fatal(err)
	}
	if d := to.Sub(from); d != 25*time.Hour {
		t.Errorf("fall-back day lasts %v, want 25h", d)
	}
	// The instants themselves, in UTC.
	if want := time.Date(2026, 10, 24, 21, 0, 0, 0, time.UTC); !from.Equal(want) {
		t.Errorf("from = %v, want %v", from.UTC(), want)
	}
	if want := time.Date(2026, 10, 25, 22, 0, 0, 0, time.UTC); !to.Equal(want) {
		t.Errorf("to = %v, want %v", to.UTC(), want)
	}
}

func TestRangeRFC3339IsExact(t *testing.T) {
	from, to, err := Range("2026-04-01T10:00:00Z", "2026-04-01T10:00:01Z", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if to.Sub(from) != time.Second {
		t.Errorf("window = %v, want 1s", to.Sub(from))
	}
	// Mixed forms.
	from, to, err = Range("2026-04-01T10:00:00+03:00", "2026-04-01", kyiv(t))
	if err != nil {
		t.Fatal(err)
	}
	if to.Sub(from) != 14*time.Hour {
		t.Errorf("mixed window = %v, want 14h", to.Sub(from))
	}
}

func TestRangeOpenBounds(t *testing.T) {
	from, to, err := Range("", "2026-04-01", time.UTC)
	if err != nil || !from.IsZero() || !to.Equal(time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("open since: %v %v %v", from, to, err)
	}
	from, to, err = Range("2026-04-01", "", time.UTC)
	if err != nil || !to.IsZero() || !from.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("open until: %v %v %v", from, to, err)
	}
	from, to, err = Range("", "", time.UTC)
	if err != nil || !from.IsZero() || !to.IsZero() {
		t.Errorf("both open: %v %v %v", from, to, err)
	}
}

func TestRangeErrors(t *testing.T) {
	_, _, err := Range("2026-04-02", "2026-04-01", time.UTC)
	if !errors.Is(err, ErrEmptyRange) {
		t.Errorf("reversed days: %v, want ErrEmptyRange", err)
	}
	_, _, err = Range("2026-04-01T10:00:00Z", "2026-04-01T10:00:00Z", time.UTC)
	if !errors.Is(err, ErrEmptyRange) {
		t.Errorf("equal instants: %v, want ErrEmptyRange", err)
	}
	// The same day twice is not empty (whole, inclusive days).
	if _, _, err = Range("2026-04-01", "2026-04-01", time.UTC); err != nil {
		t.Errorf("same day: %v", err)
	}
	if _, _, err = Range("2026-04-xx", "", time.UTC); err == nil {
		t.Error("bad since: want error")
	}
	if _, _, err = Range("", "garbage", time.UTC); err == nil {
		t.Error("bad until: want error")
	}
	if _, _, err = Range("", "", nil); err == nil {
		t.Error("nil location: want error")
	}
}
