package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestProgressPlainLines(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b, 100)
	calls := 0
	for n := 1; n <= 350; n++ {
		p.Update(n, func() string { calls++; return fmt.Sprintf("%d done", n) })
	}
	p.Done("all 350 done")
	want := "100 done\n200 done\n300 done\nall 350 done\n"
	if b.String() != want {
		t.Errorf("output %q, want %q", b.String(), want)
	}
	if calls != 3 {
		t.Errorf("the line was rendered %d times, want 3 (only when written)", calls)
	}
}

func TestProgressTerminalRewritesInPlace(t *testing.T) {
	var b bytes.Buffer
	clock := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	p := &Progress{w: &b, tty: true, every: 1000, now: func() time.Time { return clock }}
	p.Update(1, func() string { return "1 done" })
	p.Update(2, func() string { return "2 done" }) // too soon: skipped
	clock = clock.Add(progressInterval)
	p.Update(3, func() string { return "3 done" })
	p.Done("finished")
	want := "\r1 done\x1b[K\r3 done\x1b[K\r\x1b[Kfinished\n"
	if b.String() != want {
		t.Errorf("output %q, want %q", b.String(), want)
	}
	b.Reset()
	p.Clear() // nothing on screen any more
	if b.Len() != 0 {
		t.Errorf("Clear wrote %q with no line shown", b.String())
	}
}

func TestIsTerminal(t *testing.T) {
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is a terminal")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a regular file is a terminal")
	}
	var nilFile *os.File
	if IsTerminal(nilFile) {
		t.Error("a nil file is a terminal")
	}
	if NewProgress(f, 0).every != 1000 {
		t.Error("every ≤ 0 does not default to 1000")
	}
}
