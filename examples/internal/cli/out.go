package cli

import (
	"errors"
	"io"
	"os"
	"path/filepath"
)

// Out is where a program writes its data: stdout, or a file that appears
// only when the program succeeds. A file is written under a temporary name in
// its directory and renamed over path by Commit, so a failed or interrupted
// run leaves no partial file and keeps an older file of the same name intact.
type Out struct {
	w         io.Writer
	f         *os.File
	path      string
	committed bool
}

// Create returns an Out for -out path: stdout when path is "" or "-",
// else a temporary file next to path.
func Create(path string, stdout io.Writer) (*Out, error) {
	if path == "" || path == "-" {
		return &Out{w: stdout}, nil
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &Out{w: f, f: f, path: path}, nil
}

// Write implements io.Writer.
func (o *Out) Write(p []byte) (int, error) { return o.w.Write(p) }

// Commit makes the file visible under its name (0644). For stdout it does
// nothing.
func (o *Out) Commit() error {
	if o.f == nil || o.committed {
		return nil
	}
	tmp := o.f.Name()
	err := errors.Join(o.f.Sync(), o.f.Chmod(0o644), o.f.Close())
	if err == nil {
		err = os.Rename(tmp, o.path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		o.f = nil
		return err
	}
	o.committed = true
	return nil
}

// Close discards the temporary file unless Commit succeeded; it is safe to
// defer and to call more than once.
func (o *Out) Close() error {
	if o.f == nil || o.committed {
		return nil
	}
	tmp := o.f.Name()
	err := o.f.Close()
	o.f = nil
	if rerr := os.Remove(tmp); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}
