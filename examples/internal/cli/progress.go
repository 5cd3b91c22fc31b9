package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// IsTerminal reports whether w is a character device, such as the
// terminal a person watches (os.Stderr when not redirected to a file or a
// pipe). /dev/null is one too, which is harmless: nothing is seen there.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressInterval is how often a terminal progress line is redrawn.
const progressInterval = 100 * time.Millisecond

// Progress reports how far a long run is, on stderr. On a terminal it keeps
// one line that it rewrites in place (a carriage return, at most ten times a
// second); elsewhere (a file, a pipe, a test buffer) it writes a plain line
// each time the count passes a multiple of Every, so logs get a few lines,
// not thousands. It is safe for concurrent use.
type Progress struct {
	w     io.Writer
	tty   bool
	every int
	now   func() time.Time

	mu    sync.Mutex
	last  time.Time // when the terminal line was last drawn
	step  int       // count / every at the last plain line
	shown bool      // a terminal line is on screen
}

// NewProgress returns a Progress writing to w, in place when w is a
// terminal (see IsTerminal), else a line every `every` items (every ≤ 0
// means 1000).
func NewProgress(w io.Writer, every int) *Progress {
	if every <= 0 {
		every = 1000
	}
	return &Progress{w: w, tty: IsTerminal(w), every: every, now: time.Now}
}

// Update reports that n items are done; line renders the message and is
// called only when something is written.
func (p *Progress) Update(n int, line func() string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		t := p.now()
		if p.shown && t.Sub(p.last) < progressInterval {
			return
		}
		p.last, p.shown = t, true
		fmt.Fprintf(p.w, "\r%s\x1b[K", line())
		return
	}
	if s := n / p.every; s > p.step {
		p.step = s
		fmt.Fprintln(p.w, line())
	}
}

// Clear removes the terminal line, if one is shown, so that other messages
// start on a clean line. It does nothing elsewhere.
func (p *Progress) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// Done replaces the progress line with a final message (a plain line
// elsewhere).
func (p *Progress) Done(msg string) {
	p.Clear()
	fmt.Fprintln(p.w, msg)
}
