package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

type rec struct {
	N    int    `json:"n"`
	Name string `json:"name"`
}

func recRow(dst []string, r rec) ([]string, error) {
	if r.N < 0 {
		return nil, errors.New("negative")
	}
	return append(dst, strconv.Itoa(r.N), r.Name), nil
}

func TestRecordFileStdout(t *testing.T) {
	for _, tc := range []struct {
		name      string
		newWriter func(io.Writer) RecordWriter[rec]
		want      string
	}{
		{"jsonl", func(w io.Writer) RecordWriter[rec] { return NewJSONLWriter[rec](w) },
			`{"n":1,"name":"Olena <o@example.com>"}` + "\n" + `{"n":2,"name":"a,b"}` + "\n"},
		{"csv", func(w io.Writer) RecordWriter[rec] { return NewCSVWriter(w, []string{"n", "name"}, recRow) },
			"n,name\n1,Olena <o@example.com>\n2,\"a,b\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout bytes.Buffer
			f, err := CreateRecords("-", &stdout, tc.newWriter)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, r := range []rec{{1, "Olena <o@example.com>"}, {2, "a,b"}} {
				if err := f.Write(r); err != nil {
					t.Fatal(err)
				}
			}
			if stdout.Len() != 0 {
				t.Errorf("written before Commit: %q", stdout.String())
			}
			if err := f.Commit(); err != nil {
				t.Fatal(err)
			}
			if stdout.String() != tc.want {
				t.Errorf("got %q, want %q", stdout.String(), tc.want)
			}
			if f.Dest() != "stdout" {
				t.Errorf("Dest() = %q", f.Dest())
			}
		})
	}
}

func TestRecordFileAppearsOnlyOnCommit(t *testing.T) {
	dir := t.TempDir()
	newCSV := func(w io.Writer) RecordWriter[rec] { return NewCSVWriter(w, []string{"n", "name"}, recRow) }

	failed := filepath.Join(dir, "failed.csv")
	f, err := CreateRecords(failed, nil, newCSV)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Write(rec{N: -1}); err == nil {
		t.Fatal("a row error was not returned")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed run left %v", entries)
	}

	done := filepath.Join(dir, "done.csv")
	f, err = CreateRecords(done, nil, newCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Write(rec{7, "x"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(done); err != nil || string(b) != "n,name\n7,x\n" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	if f.Dest() != done {
		t.Errorf("Dest() = %q, want %q", f.Dest(), done)
	}
}
