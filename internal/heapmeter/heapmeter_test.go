package heapmeter

import (
	"testing"
	"testing/synctest"
	"time"
)

var sink [][]byte

func TestMeterKeepsPeak(t *testing.T) {
	m := New()
	base := m.Baseline()
	if base == 0 || m.Peak() != base {
		t.Fatalf("baseline %d, peak %d", base, m.Peak())
	}
	for range 64 {
		sink = append(sink, make([]byte, 64<<10)) // 4 MiB held
	}
	m.Sample()
	held := m.Peak()
	if held < base+(3<<20) {
		t.Fatalf("peak %d after holding 4 MiB over baseline %d", held, base)
	}
	sink = nil
	m.Baseline()
	m.Sample()
	if m.Samples() != 2 {
		t.Fatalf("Samples() = %d, want 2", m.Samples())
	}
	if m.Peak() >= held {
		t.Fatalf("peak %d after a new baseline, not below the earlier %d", m.Peak(), held)
	}
}

func TestEverySamplesUntilStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := New()
		stop := m.Every(time.Millisecond)
		time.Sleep(10*time.Millisecond + time.Microsecond)
		synctest.Wait()
		if n := m.Samples(); n != 10 {
			t.Fatalf("%d samples in 10 ms at one a millisecond", n)
		}
		stop()
		time.Sleep(10 * time.Millisecond)
		if n := m.Samples(); n != 10 {
			t.Fatalf("%d samples after stop, want still 10", n)
		}
	})
}

func TestLimit(t *testing.T) {
	if got, want := Limit(4<<20), uint64(5<<20+2<<20); got != want {
		t.Fatalf("Limit(4 MiB) = %d, want %d", got, want)
	}
	if MiB(3<<20) != 3 {
		t.Fatalf("MiB(3<<20) = %v", MiB(3<<20))
	}
}
